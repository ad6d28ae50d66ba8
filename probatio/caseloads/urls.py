from django.urls import path

from probatio.caseloads import allocation_views, views

app_name = "caseloads"
urlpatterns = [
    path("portefeuille/", views.mine, name="mine"),
    path("service/", views.service, name="service"),
    path("personnes/", views.search, name="search"),
    path("service/a-attribuer/", allocation_views.queue, name="queue"),
    path("personnes/<int:pk>/attribuer/", allocation_views.allocate, name="allocate"),
    path("service/semaine/", allocation_views.week, name="week"),
    path("service/semaine/retards/", allocation_views.week_overdue, name="week_overdue"),
    path("service/deplacer/", allocation_views.move, name="move"),
    path("service/capacites/", allocation_views.capacities, name="capacities"),
    path(
        "service/capacites/<int:membership_id>/",
        allocation_views.capacity_edit,
        name="capacity_edit",
    ),
    path(
        "service/capacites/reductions/<int:reduction_id>/supprimer/",
        allocation_views.reduction_delete,
        name="reduction_delete",
    ),
    path("service/bareme/", allocation_views.scale, name="scale"),
]
