from django.urls import path

from probatio.notes import views

app_name = "notes"
urlpatterns = [
    path("<int:pk>/chronologie/", views.person_timeline, name="timeline"),
    path("<int:pk>/notes/nouvelle/", views.note_create, name="create"),
    path("<int:pk>/notes/brouillon/", views.note_autosave, name="autosave"),
    path(
        "<int:pk>/brouillons/<slug:place>/<str:place_id>/",
        views.draft_save,
        name="draft_save",
    ),
    path(
        "<int:pk>/brouillons/<slug:place>/<str:place_id>/supprimer/",
        views.draft_discard,
        name="draft_discard",
    ),
    path("<int:pk>/notes/<int:note_id>/", views.note_detail, name="detail"),
    path("<int:pk>/notes/<int:note_id>/modifier/", views.note_edit, name="edit"),
]
