"""The dossier's "Sortie" tab: the expected release and the release plan."""

from django.urls import path

from probatio.reintegration import release_views

app_name = "release"

urlpatterns = [
    path("personnes/<int:pk>/sortie/", release_views.tab, name="tab"),
    path("personnes/<int:pk>/sortie/plan/", release_views.plan_new, name="plan_new"),
    path(
        "personnes/<int:pk>/sortie/elements/<int:item_id>/",
        release_views.item_edit,
        name="item_edit",
    ),
]
