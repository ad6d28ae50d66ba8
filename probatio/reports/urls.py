from django.urls import path

from probatio.reports import views

app_name = "reports"

urlpatterns = [
    path("rapports/", views.report_list, name="list"),
    path("rapports/<int:pk>/", views.detail, name="detail"),
    path("rapports/<int:pk>/brouillon/", views.autosave, name="autosave"),
    # The workflow: one view per step (each names its action to the report gate).
    path("rapports/<int:pk>/action/save/", views.save, name="save"),
    path("rapports/<int:pk>/action/submit/", views.submit, name="submit"),
    path("rapports/<int:pk>/action/approve/", views.approve, name="approve"),
    path("rapports/<int:pk>/action/send_back/", views.send_back, name="send_back"),
    path("rapports/<int:pk>/action/transmit/", views.transmit, name="transmit"),
    path("rapports/<int:pk>/action/correct/", views.correct, name="correct"),
    # Any other step (a forged form): 403, as before.
    path("rapports/<int:pk>/action/<str:step>/", views.unknown_step, name="unknown_step"),
    path("rapports/<int:pk>/rapport.pdf", views.pdf, name="pdf"),
    path("rapports/<int:pk>/rapport.odt", views.odt, name="odt"),
    path("personnes/<int:pk>/rapports/", views.person_reports, name="person_list"),
]
