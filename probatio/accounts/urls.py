from django.urls import path

from probatio.accounts import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.SignInView.as_view(), name="login"),
    path("deconnexion/", views.SignOutView.as_view(), name="logout"),
    path("choisir-service/", views.choose_service, name="choose_service"),
    path("changer-de-service/", views.switch_service, name="switch_service"),
]
