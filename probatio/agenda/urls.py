from django.urls import path

from probatio.agenda import summons_views, views

app_name = "agenda"

urlpatterns = [
    path("agenda/", views.agenda, name="home"),
    path("agenda/jour/imprimer/", views.print_day, name="print_day"),
    path("agenda/rendez-vous/<int:pk>/", views.detail, name="detail"),
    path("agenda/rendez-vous/<int:pk>/statut/", views.set_status, name="set_status"),
    path("agenda/rendez-vous/<int:pk>/deplacer/", views.move, name="move"),
    path("agenda/rendez-vous/<int:pk>/note/", views.write_note, name="note"),
    path(
        "agenda/rendez-vous/<int:pk>/messages/<int:message_id>/decision/",
        views.message_settle,
        name="message_settle",
    ),
    path("agenda/rendez-vous/<int:pk>/rendez-vous.ics", views.ics, name="ics"),
    path("agenda/flux/", views.feed_manage, name="feed_manage"),
    path("agenda/flux/<str:token>.ics", views.feed, name="feed"),
    path(
        "agenda/rendez-vous/<int:pk>/convocation/",
        summons_views.summons_create,
        name="summons_create",
    ),
    path(
        "agenda/convocations/<int:pk>/convocation.pdf",
        summons_views.summons_download,
        name="summons_download",
    ),
    path("agenda/convocations/<int:pk>/envoi/", summons_views.summons_sent, name="summons_sent"),
    path("personnes/<int:pk>/rendez-vous/", views.person_appointments, name="person_list"),
    path("personnes/<int:pk>/rendez-vous/nouveau/", views.book, name="book"),
    path("personnes/<int:pk>/rendez-vous/creneaux-libres/", views.free_slots, name="free_slots"),
    path(
        "personnes/<int:pk>/rendez-vous/entretien-non-planifie/",
        views.unplanned,
        name="unplanned",
    ),
]
