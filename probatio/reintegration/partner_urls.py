from django.urls import path

from probatio.reintegration import partner_views as views

app_name = "partners"

urlpatterns = [
    path("partenaires/", views.partner_list, name="list"),
    path("partenaires/nouveau/", views.partner_create, name="create"),
    path("partenaires/gestionnaires/", views.editors, name="editors"),
    path(
        "partenaires/gestionnaires/<int:editor_id>/retirer/",
        views.editor_remove,
        name="editor_remove",
    ),
    path("partenaires/<int:partner_id>/", views.partner_detail, name="detail"),
    path("partenaires/<int:partner_id>/modifier/", views.partner_edit, name="edit"),
    path("partenaires/<int:partner_id>/activite/", views.partner_toggle, name="toggle"),
    path("partenaires/<int:partner_id>/sites/nouveau/", views.site_new, name="site_new"),
    path(
        "partenaires/<int:partner_id>/sites/<int:site_id>/modifier/",
        views.site_edit,
        name="site_edit",
    ),
    path("partenaires/<int:partner_id>/contacts/nouveau/", views.contact_new, name="contact_new"),
    path(
        "partenaires/<int:partner_id>/contacts/<int:contact_id>/modifier/",
        views.contact_edit,
        name="contact_edit",
    ),
    path(
        "partenaires/<int:partner_id>/conventions/nouvelle/",
        views.agreement_new,
        name="agreement_new",
    ),
    path(
        "partenaires/<int:partner_id>/conventions/<int:agreement_id>/modifier/",
        views.agreement_edit,
        name="agreement_edit",
    ),
]
