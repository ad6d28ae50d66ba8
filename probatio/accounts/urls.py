from django.urls import path

from probatio.accounts import second_factor_views, staff_views, views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.SignInView.as_view(), name="login"),
    path(
        "connexion/mot-de-passe/<uidb64>/<token>/",
        views.SetPasswordView.as_view(),
        name="set_password",
    ),
    path("connexion/mot-de-passe-oublie/", views.password_forgotten, name="password_forgotten"),
    path("compte/mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("connexion/code/", second_factor_views.code, name="second_factor"),
    path(
        "compte/double-authentification/",
        second_factor_views.setup,
        name="second_factor_setup",
    ),
    path("deconnexion/", views.SignOutView.as_view(), name="logout"),
    path("choisir-service/", views.choose_service, name="choose_service"),
    path("changer-de-service/", views.switch_service, name="switch_service"),
    path("service/personnel/", staff_views.staff, name="staff"),
    path("service/personnel/nouveau/", staff_views.staff_new, name="staff_new"),
    path("service/personnel/ajouter/", staff_views.staff_add, name="staff_add"),
    path("service/personnel/<int:membership_id>/", staff_views.staff_member, name="staff_member"),
    path(
        "service/personnel/<int:membership_id>/identite/",
        staff_views.staff_identity,
        name="staff_identity",
    ),
    path(
        "service/personnel/<int:membership_id>/activation/",
        staff_views.staff_active,
        name="staff_active",
    ),
    path(
        "service/personnel/<int:membership_id>/lien-de-connexion/",
        staff_views.staff_link,
        name="staff_link",
    ),
    path(
        "service/personnel/<int:membership_id>/deblocage/",
        staff_views.staff_unlock,
        name="staff_unlock",
    ),
    path(
        "service/personnel/<int:membership_id>/double-authentification/",
        staff_views.staff_second_factor_reset,
        name="staff_second_factor_reset",
    ),
    path(
        "service/personnel/<int:membership_id>/absences/",
        staff_views.staff_absence_new,
        name="staff_absence_new",
    ),
    path(
        "service/absences/<int:absence_id>/supprimer/",
        staff_views.staff_absence_delete,
        name="staff_absence_delete",
    ),
]
