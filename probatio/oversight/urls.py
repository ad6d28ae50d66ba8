from django.urls import path

from probatio.oversight import views

app_name = "oversight"

urlpatterns = [
    path("service/controle-des-acces/", views.anomalies, name="anomalies"),
    path("service/controle-des-acces/agents/<int:user_id>/", views.reader, name="reader"),
    path("service/parametres/controle-des-acces/", views.thresholds_page, name="settings"),
]
