"""The service's programme pages: catalogue, groups, sessions and their attendance."""

from django.urls import path

from probatio.programmes import views

app_name = "programmes"

urlpatterns = [
    path("programmes/", views.catalogue, name="catalogue"),
    path("programmes/nouveau/", views.programme_new, name="programme_new"),
    path("programmes/<int:programme_id>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:programme_id>/modifier/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:programme_id>/groupes/nouveau/", views.group_new, name="group_new"),
    path("programmes/groupes/<int:group_id>/", views.group_detail, name="group_detail"),
    path("programmes/seances/<int:session_id>/", views.session_detail, name="session_detail"),
    path(
        "programmes/seances/<int:session_id>/deplacer/",
        views.session_reschedule,
        name="session_reschedule",
    ),
    path(
        "programmes/seances/<int:session_id>/convocation/",
        views.session_summons,
        name="session_summons",
    ),
]
