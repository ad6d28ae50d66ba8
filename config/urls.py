from django.contrib import admin
from django.urls import include, path

from probatio.core import views as core_views

admin.site.site_header = "Probatio — administration de la plateforme"
admin.site.site_title = "Probatio"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accessibilite/", core_views.accessibility, name="accessibility"),
    path("csp-rapport/", core_views.csp_report, name="csp_report"),
    path("", include("probatio.accounts.urls")),
    path("", include("probatio.caseloads.urls")),
    path("", include("probatio.organisation.urls")),
    path("personnes/", include("probatio.people.urls")),
    path("personnes/", include("probatio.measures.urls")),
    path("personnes/", include("probatio.notes.urls")),
    path("", include("probatio.agenda.urls")),
    path("personnes/", include("probatio.compliance.urls")),
    path("", include("probatio.assessments.urls")),
    path("", include("probatio.assessments.intensity_urls")),
    path("", include("probatio.programmes.urls")),
    path("", include("probatio.programmes.person_urls")),
    path("", include("probatio.reports.urls")),
    path("", include("probatio.sentences.urls")),
    path("detention/", include("probatio.sentences.service_urls")),
    path("", include("probatio.reintegration.urls")),
    path("", include("probatio.community_work.urls")),
    path("", include("probatio.transitions.urls")),
    path("", include("probatio.deadlines.urls")),
    path("", include("probatio.transfers.urls")),
    path("personnes/", include("probatio.merges.urls")),
    path("", include("probatio.figures.urls")),
    path("", include("probatio.retention.urls")),
    path("", include("probatio.oversight.urls")),
    path("messagerie/", include("probatio.messaging.urls")),
    path("admin/", admin.site.urls),
]

# French error pages in the DSFR layout (docs/errors.md); the 500 page needs no database.
handler400 = "probatio.core.views.bad_request"
handler403 = "probatio.core.views.forbidden"
handler404 = "probatio.core.views.not_found"
handler500 = "probatio.core.views.server_error"
