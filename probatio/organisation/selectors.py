"""Reads of a service's own organisation: the service, its sites (antennes) and their rooms."""

from django.db.models import QuerySet

from probatio.organisation.models import Room, Service, Site


def service_get(service_id: int) -> Service:
    """The service a membership works in (it exists: the membership points at it)."""
    return Service.objects.get(pk=service_id)


def sites_of(service_id: int) -> list[Site]:
    """The service's sites, in their usual order (one query)."""
    return list(Site.objects.filter(service_id=service_id))


def rooms_of(service: Service) -> QuerySet[Room]:
    """The rooms of every site of the service, with their site (one query when read)."""
    return Room.objects.filter(site__service=service).select_related("site")


def sites_with_rooms(service_id: int) -> list[Site]:
    """The service's sites, each with its own rooms in ``room_list`` (two queries): a site's
    list of offices is its own, so it reads « Bureau 1, Bureau 2 », never with a separator
    left by another site's rooms."""
    sites = sites_of(service_id)
    rooms: dict[int, list[Room]] = {site.pk: [] for site in sites}
    for room in Room.objects.filter(site__service_id=service_id):
        rooms.setdefault(room.site_id, []).append(room)
    for site in sites:
        site.room_list = rooms[site.pk]
    return sites
