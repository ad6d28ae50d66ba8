from django.urls import path

from probatio.compliance import views

app_name = "compliance"

urlpatterns = [
    path("<int:pk>/justificatifs/", views.proofs, name="proofs"),
    path("<int:pk>/justificatifs/nouveau/<int:obligation_id>/", views.proof_new, name="proof_new"),
    path("<int:pk>/justificatifs/<int:proof_id>/examen/", views.proof_review, name="proof_review"),
    path("<int:pk>/justificatifs/<int:proof_id>/", views.proof_examine, name="proof_examine"),
    path("<int:pk>/justificatifs/<int:proof_id>/fichier/", views.proof_file, name="proof_file"),
    path(
        "<int:pk>/justificatifs/<int:proof_id>/apercu/<int:page>/",
        views.proof_preview,
        name="proof_preview",
    ),
    path("<int:pk>/manquements/", views.incidents, name="incidents"),
    path("<int:pk>/manquements/nouveau/", views.incident_new, name="incident_new"),
    path("<int:pk>/manquements/ecarter/", views.incident_dismiss, name="incident_dismiss"),
]
