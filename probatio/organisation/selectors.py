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
