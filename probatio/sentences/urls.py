from django.urls import path

from probatio.sentences import views

app_name = "sentences"

urlpatterns = [
    path("personnes/<int:pk>/peine/", views.panel, name="panel"),
    path("personnes/<int:pk>/peine/peines/nouvelle/", views.sentence_new, name="sentence_new"),
    path(
        "personnes/<int:pk>/peine/peines/<int:sentence_id>/retirer/",
        views.sentence_remove,
        name="sentence_remove",
    ),
    path("personnes/<int:pk>/peine/situation/", views.terms_edit, name="terms_edit"),
    path(
        "personnes/<int:pk>/peine/reductions/nouvelle/", views.reduction_new, name="reduction_new"
    ),
    path(
        "personnes/<int:pk>/peine/dates-officielles/nouvelle/",
        views.official_new,
        name="official_new",
    ),
]
