from django.urls import path

from probatio.assessments import intensity_views

app_name = "intensity"

urlpatterns = [
    path("service/intensites/", intensity_views.pending, name="pending"),
    path(
        "service/intensites/<int:person_id>/<int:decision_id>/",
        intensity_views.answer,
        name="answer",
    ),
    path("service/parametres/intensite/", intensity_views.rules_page, name="rules"),
]
