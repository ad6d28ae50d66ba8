from django.urls import path

from probatio.deadlines import views

app_name = "deadlines"

urlpatterns = [
    path("echeancier/", views.schedule, name="schedule"),
]
