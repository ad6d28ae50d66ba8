from django.urls import path

from probatio.people import views

app_name = "people"
urlpatterns = [
    path("nouvelle/", views.person_create, name="create"),
    path("nouvelle/doublons/", views.duplicates_check, name="duplicates"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/journal-des-acces/", views.person_access_log, name="access_log"),
    path("<int:pk>/modifier/", views.person_edit, name="edit"),
    path("<int:pk>/adresses/nouvelle/", views.address_add, name="address_add"),
    path("<int:pk>/situation/nouvelle/", views.situation_add, name="situation_add"),
    path("<int:pk>/procedures/nouveau/", views.court_number_add, name="court_number_add"),
]
