from django.urls import path

from probatio.notes import views

app_name = "notes"
urlpatterns = [
    path("<int:pk>/chronologie/", views.person_timeline, name="timeline"),
    path("<int:pk>/notes/nouvelle/", views.note_create, name="create"),
    path("<int:pk>/notes/brouillon/", views.note_autosave, name="autosave"),
    path("<int:pk>/notes/<int:note_id>/", views.note_detail, name="detail"),
    path("<int:pk>/notes/<int:note_id>/modifier/", views.note_edit, name="edit"),
]
