from django.urls import path

from probatio.measures import views

app_name = "measures"
urlpatterns = [
    path("<int:pk>/mesures/", views.measure_list, name="list"),
    path("<int:pk>/decisions/nouvelle/", views.decision_create, name="decision_create"),
    path(
        "<int:pk>/decisions/<int:decision_id>/modifier/",
        views.decision_edit,
        name="decision_edit",
    ),
    path("<int:pk>/mesures/nouvelle/", views.measure_create, name="measure_create"),
    path("<int:pk>/mesures/<int:measure_id>/modifier/", views.measure_edit, name="measure_edit"),
    path(
        "<int:pk>/mesures/<int:measure_id>/obligations/nouvelle/",
        views.obligation_create,
        name="obligation_create",
    ),
    path(
        "<int:pk>/obligations/<int:obligation_id>/modifier/",
        views.obligation_edit,
        name="obligation_edit",
    ),
]
