from django.urls import include, path

urlpatterns = [
    path("", include("probatio.reintegration.partner_urls")),
    path("", include("probatio.reintegration.dossier_urls")),
    path("", include("probatio.reintegration.release_urls")),
    path("", include("probatio.reintegration.support_urls")),
]
