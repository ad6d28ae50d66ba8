from django.urls import path

from probatio.organisation import views

app_name = "organisation"

urlpatterns = [
    path("service/parametres/", views.service_settings, name="settings"),
]
