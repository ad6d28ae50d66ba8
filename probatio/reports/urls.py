from django.urls import path

from probatio.reports import views

app_name = "reports"

urlpatterns = [
    path("rapports/", views.report_list, name="list"),
    path("rapports/<int:pk>/", views.detail, name="detail"),
    path("rapports/<int:pk>/brouillon/", views.autosave, name="autosave"),
    path("rapports/<int:pk>/action/<str:step>/", views.act, name="act"),
    path("rapports/<int:pk>/rapport.pdf", views.pdf, name="pdf"),
    path("rapports/<int:pk>/rapport.odt", views.odt, name="odt"),
    path("personnes/<int:pk>/rapports/", views.person_reports, name="person_list"),
]
