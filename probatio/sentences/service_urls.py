"""Service-level pages of the prison side: the CAP sessions and lists, the official dates
import."""

from django.urls import path

from probatio.sentences import cap_views, import_views

app_name = "detention"

urlpatterns = [
    path("", cap_views.index, name="index"),
    path("cap/nouvelle/", cap_views.session_new, name="cap_new"),
    path("cap/<int:session_id>/", cap_views.session_detail, name="cap_detail"),
    path("cap/<int:session_id>/pdf/", cap_views.session_pdf, name="cap_pdf"),
    path("dates-officielles/import/", import_views.import_page, name="official_import"),
]
