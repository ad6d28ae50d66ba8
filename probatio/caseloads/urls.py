from django.urls import path

app_name = "caseloads"
urlpatterns: list = []
