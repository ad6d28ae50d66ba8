"""What else fills a staff member's agenda besides appointments: entries owned by apps to the
right of ``agenda`` (a programme's group session…), which ``agenda`` may not import.

Each such app *registers a provider* from its ``AppConfig.ready()``: a function that, for an
``EntryQuery`` (a service, a window, and optionally staff, a site or a room), returns the
``Entry`` items in it, in **one query** whatever their number. The agenda's pages show them
beside the appointments (week and day views), and they count as busy time: the free slots of
a booking skip them, and a booking that overlaps one is warned about, like a double booking.

    from probatio.agenda import entries

    @entries.register("group_session")
    def sessions(query: entries.EntryQuery) -> list[entries.Entry]: ...

    @entries.register_busy("group_session")
    def busy_sessions(query: entries.EntryQuery) -> QuerySet: ...  # (starts_at, ends_at) rows

The busy provider returns a queryset of ``(starts_at, ends_at)`` rows (``values_list``), not
evaluated: ``selectors.busy_intervals`` reads it together with the appointments' in one
``UNION`` query, so that the free-slot page costs no query more.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class EntryQuery:
    """What a provider is asked for: the service's entries overlapping [start, end)."""

    service_id: int
    start: datetime
    end: datetime
    # Restrict to the entries of these staff members or of this room (either); and to this
    # site. Nothing given: every entry of the service.
    staff_ids: tuple[int, ...] = ()
    site_id: int | None = None
    room_id: int | None = None


@dataclass(frozen=True)
class Entry:
    """One item of the agenda that is not an appointment."""

    kind: str  # the provider's code, e.g. "group_session"
    label: str  # what it is, short: « Séance collective »
    title: str  # « Programme Respect — séance 3 »
    starts_at: datetime
    ends_at: datetime
    url: str
    place: str = ""  # « Antenne d'Amiens, salle 2 »
    room_id: int | None = None
    room_name: str = ""
    staff_ids: frozenset[int] = field(default_factory=frozenset)
    staff_names: tuple[str, ...] = ()  # the staff involved, by name (for the service's agenda)
    is_entry: bool = True  # tells it from an appointment in the agenda's lists


Provider = Callable[[EntryQuery], list[Entry]]

_PROVIDERS: dict[str, Provider] = {}


def register(kind: str) -> Callable[[Provider], Provider]:
    def decorator(func: Provider) -> Provider:
        _PROVIDERS[kind] = func
        return func

    return decorator


def registered() -> list[str]:
    return sorted(_PROVIDERS)


def between(query: EntryQuery) -> list[Entry]:
    """Every registered entry overlapping the query's window, the soonest first (one query
    per provider)."""
    found: list[Entry] = []
    for kind in sorted(_PROVIDERS):
        found.extend(_PROVIDERS[kind](query))
    found.sort(key=lambda e: (e.starts_at, e.title))
    return found


BusyProvider = Callable[[EntryQuery], Any]

_BUSY: dict[str, BusyProvider] = {}


def register_busy(kind: str) -> Callable[[BusyProvider], BusyProvider]:
    def decorator(func: BusyProvider) -> BusyProvider:
        _BUSY[kind] = func
        return func

    return decorator


def busy(query: EntryQuery) -> list:
    """The querysets (not evaluated) of the ``(starts_at, ends_at)`` of the entries of the
    query's staff or room: busy time for the free slots (``rules.free_slots``), to be read
    in a ``UNION`` with the appointments'."""
    if not query.staff_ids and query.room_id is None:
        return []
    return [_BUSY[kind](query) for kind in sorted(_BUSY)]
