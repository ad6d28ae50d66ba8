from django.urls import path

from probatio.transitions import views

app_name = "transitions"

urlpatterns = [
    path("rapports/<int:pk>/reponse/", views.answer, name="answer"),
    path("rapports/<int:pk>/reponse/lue/", views.answer_seen, name="answer_seen"),
    path("rapports/<int:pk>/reponse/personne-informee/", views.answer_informed,
         name="answer_informed"),
    path("personnes/<int:pk>/ecrou/nouveau/", views.committal, name="committal"),
    path("personnes/<int:pk>/sortie/liberation/", views.release, name="release"),
    path("personnes/<int:pk>/ecrou/transfert/", views.establishment_change,
         name="establishment_change"),
]  # fmt: skip
