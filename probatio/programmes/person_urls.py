"""The dossier's « Programmes » tab: a person's referrals, enrolments and attestations."""

app_name = "enrolments"

urlpatterns: list = []
