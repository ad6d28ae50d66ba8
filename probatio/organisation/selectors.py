"""Reads of a service's own organisation: the service, its sites (antennes) and their rooms."""

from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from probatio.organisation import rules
from probatio.organisation.models import ClosedDay, Establishment, Room, Service, Site


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


def site_get(service_id: int, pk: int) -> Site:
    """A site of the service; another service's (or none) is a 404."""
    site = Site.objects.filter(pk=pk, service_id=service_id).first()
    if site is None:
        raise Http404("Antenne introuvable dans votre service.")
    return site


def room_get(service_id: int, pk: int) -> Room:
    """A room of one of the service's sites; any other is a 404."""
    room = Room.objects.filter(pk=pk, site__service_id=service_id).select_related("site").first()
    if room is None:
        raise Http404("Bureau introuvable dans votre service.")
    return room


def rooms_of_site(site_id: int) -> list[Room]:
    return list(Room.objects.filter(site_id=site_id).order_by("-is_active", "name"))


def establishments_of(service_id: int) -> QuerySet[Establishment]:
    return Establishment.objects.filter(service_id=service_id)


def closed_day_get(service_id: int, pk: int) -> ClosedDay:
    closed = ClosedDay.objects.filter(pk=pk, service_id=service_id).first()
    if closed is None:
        raise Http404("Fermeture introuvable dans votre service.")
    return closed


def closed_days_from(service_id: int, *, today: date) -> list[ClosedDay]:
    """The service's closures not over yet, soonest first, with their site (one query)."""
    return list(
        ClosedDay.objects.filter(service_id=service_id, end_date__gte=today)
        .select_related("site")
        .order_by("start_date", "pk")
    )


def closures_between(service_id: int, first: date, last: date) -> list[rules.Closure]:
    """The closures of the service (its own and its sites') meeting ``first``…``last``, as
    the rules see them (one query)."""
    return [
        rules.Closure(
            start=c.start_date,
            end=c.end_date,
            reason=c.reason,
            site_id=c.site_id,
            site_name=c.site.name if c.site_id else "",
        )
        for c in ClosedDay.objects.filter(
            service_id=service_id, start_date__lte=last, end_date__gte=first
        ).select_related("site")
    ]


def service_chains() -> list[str]:
    """The journal chain every service must have (``audit.services.expected_chains``)."""
    return [f"service:{pk}" for pk in Service.objects.values_list("pk", flat=True)]
