from django.urls import path

from probatio.messaging import views

app_name = "messaging"

urlpatterns = [
    path("sms/retours/<str:token>/", views.sms_webhook, name="sms_webhook"),
]
