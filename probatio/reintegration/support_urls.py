"""The dossier's "Accompagnement" tab and the managers' destitution figures."""

from django.urls import path

from probatio.reintegration import support_views

app_name = "support"

PREFIX = "personnes/<int:pk>/accompagnement/"

urlpatterns = [
    path(PREFIX, support_views.tab, name="tab"),
    path(f"{PREFIX}entretien-arrivant/", support_views.interview_new, name="interview_new"),
    path(f"{PREFIX}indigence/", support_views.destitution_new, name="destitution_new"),
    path(f"{PREFIX}aides/nouvelle/", support_views.aid_new, name="aid_new"),
    path(f"{PREFIX}proches/nouveau/", support_views.contact_new, name="contact_new"),
    path(
        f"{PREFIX}proches/<int:contact_id>/modifier/",
        support_views.contact_edit,
        name="contact_edit",
    ),
    path(f"{PREFIX}demarches/nouvelle/", support_views.step_new, name="step_new"),
    path("detention/indigence/", support_views.destitution_figures, name="figures"),
]
