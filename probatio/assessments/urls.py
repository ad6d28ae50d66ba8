"""The dossier's « Évaluation » tab: structured assessments and the follow-up intensity."""

from django.urls import path

from probatio.assessments import views

app_name = "assessments"

PREFIX = "personnes/<int:pk>/evaluation/"

urlpatterns = [
    path(PREFIX, views.tab, name="tab"),
    path(f"{PREFIX}nouvelle/", views.new, name="new"),
    path(f"{PREFIX}<int:assessment_id>/", views.detail, name="detail"),
    path(f"{PREFIX}<int:assessment_id>/intensite/", views.choose, name="choose"),
    path(f"{PREFIX}<int:assessment_id>/psychologue/", views.section_add, name="section_add"),
]
