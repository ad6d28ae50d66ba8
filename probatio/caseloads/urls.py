from django.urls import path

from probatio.caseloads import views

app_name = "caseloads"
urlpatterns = [
    path("portefeuille/", views.mine, name="mine"),
    path("service/", views.service, name="service"),
    path("personnes/", views.search, name="search"),
]
