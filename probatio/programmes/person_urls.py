"""The dossier's « Programmes » tab: a person's referrals, enrolments and attestations."""

from django.urls import path

from probatio.programmes import person_views as views

app_name = "enrolments"

PREFIX = "personnes/<int:pk>/programmes/"

urlpatterns = [
    path(PREFIX, views.tab, name="tab"),
    path(f"{PREFIX}orienter/", views.propose, name="propose"),
    path(f"{PREFIX}<int:enrolment_id>/", views.detail, name="detail"),
    path(f"{PREFIX}<int:enrolment_id>/etat/", views.move, name="move"),
    path(f"{PREFIX}<int:enrolment_id>/attestation.pdf", views.attestation, name="attestation"),
]
