"""Community work: the dossier's "TIG" tab, the service's pages, hosts and placements."""

from django.urls import path

from probatio.community_work import views

app_name = "community_work"

TAB = "personnes/<int:pk>/tig/"

urlpatterns = [
    path(TAB, views.tab, name="tab"),
    path(f"{TAB}nouveau/", views.order_new, name="order_new"),
    path(f"{TAB}<int:order_id>/modifier/", views.order_edit, name="order_edit"),
    path(f"{TAB}<int:order_id>/postes/", views.suggestions, name="suggestions"),
    path(f"{TAB}<int:order_id>/affecter/", views.assign, name="assign"),
    path(f"{TAB}<int:order_id>/seances/nouvelle/", views.session_new, name="session_new"),
    path(f"{TAB}<int:order_id>/attestation.pdf", views.attestation, name="attestation"),
    path(f"{TAB}<int:order_id>/rapport-de-fin/", views.end_report, name="end_report"),
    path(
        f"{TAB}affectations/<int:assignment_id>/fin/",
        views.assignment_end,
        name="assignment_end",
    ),
    path("tig/", views.index, name="index"),
    path("tig/import/", views.import_page, name="import"),
    path("tig/chiffres/", views.figures, name="figures"),
    path("tig/structures/", views.hosts, name="hosts"),
    path("tig/structures/<int:partner_id>/", views.host_detail, name="host"),
    path("tig/structures/<int:partner_id>/habilitation/", views.host_edit, name="host_edit"),
    path(
        "tig/structures/<int:partner_id>/tuteurs/nouveau/",
        views.supervisor_edit,
        name="supervisor_new",
    ),
    path(
        "tig/structures/<int:partner_id>/tuteurs/<int:supervisor_id>/",
        views.supervisor_edit,
        name="supervisor_edit",
    ),
    path(
        "tig/structures/<int:partner_id>/postes/nouveau/",
        views.placement_edit,
        name="placement_new",
    ),
    path(
        "tig/structures/<int:partner_id>/postes/<int:placement_id>/",
        views.placement_edit,
        name="placement_edit",
    ),
]
