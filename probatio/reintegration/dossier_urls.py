"""The dossier's "Insertion" tab: needs and referrals of one person."""

from django.urls import path

from probatio.reintegration import views

app_name = "reintegration"

PREFIX = "personnes/<int:pk>/insertion/"

urlpatterns = [
    path(PREFIX, views.tab, name="tab"),
    path(f"{PREFIX}besoins/nouveau/", views.need_new, name="need_new"),
    path(f"{PREFIX}besoins/<int:need_id>/statut/", views.need_status, name="need_status"),
    path(f"{PREFIX}orientations/nouvelle/", views.referral_new, name="referral_new"),
    path(
        f"{PREFIX}orientations/<int:referral_id>/etape/",
        views.referral_move,
        name="referral_move",
    ),
    path(
        f"{PREFIX}orientations/<int:referral_id>/retour/",
        views.referral_outcome,
        name="referral_outcome",
    ),
    path(
        f"{PREFIX}orientations/<int:referral_id>/courrier/",
        views.referral_letter,
        name="referral_letter",
    ),
    path(
        f"{PREFIX}orientations/<int:referral_id>/courrier.pdf",
        views.referral_letter_file,
        name="referral_letter_file",
    ),
]
