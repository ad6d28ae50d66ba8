from django.urls import path

from probatio.organisation import site_views, views

app_name = "organisation"

urlpatterns = [
    path("service/parametres/", views.service_settings, name="settings"),
    path("service/antennes/", site_views.sites, name="sites"),
    path("service/antennes/nouvelle/", site_views.site_new, name="site_new"),
    path("service/antennes/<int:site_id>/", site_views.site_edit, name="site_edit"),
    path("service/antennes/<int:site_id>/horaires/", site_views.site_hours, name="site_hours"),
    path("service/antennes/<int:site_id>/bureaux/nouveau/", site_views.room_new, name="room_new"),
    path("service/bureaux/<int:room_id>/", site_views.room_edit, name="room_edit"),
    path("service/fermetures/", site_views.closed_days, name="closed_days"),
    path(
        "service/fermetures/<int:closed_id>/supprimer/",
        site_views.closed_day_delete,
        name="closed_day_delete",
    ),
]
