from django.urls import path

from probatio.retention import views

app_name = "retention"
urlpatterns = [
    path("service/conservation/", views.overview, name="overview"),
    path("personnes/<int:pk>/conservation/", views.hold, name="hold"),
]
