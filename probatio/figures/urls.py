from django.urls import path

from probatio.figures import views

app_name = "figures"
urlpatterns = [
    path("chiffres/", views.index, name="index"),
    path("chiffres/rapports-et-decisions/", views.decisions, name="decisions"),
    path("chiffres/execution/", views.execution, name="execution"),
]
