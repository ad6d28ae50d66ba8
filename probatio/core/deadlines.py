"""The one mechanism behind the échéancier (deadline schedule).

Each app that knows of something due *registers a provider*: a function that, for a set of
persons already scoped by the access rules, returns the items due up to a date (overdue ones
included). The échéancier page, the caseload's "next due item" column and the service view all
read through ``collect``; no page computes deadlines of its own.

A provider must run a fixed number of queries whatever the number of persons (it receives a
queryset, never a list to loop over), and return plain ``DueItem`` values.

Apps register their providers in ``AppConfig.ready``; this module is at the bottom of the
import graph so that every app may feed it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Severity(StrEnum):
    INFO = "info"  # something to do on a date (an appointment, an end of measure)
    ALERT = "alert"  # a legal deadline at risk, or something missing


@dataclass(frozen=True)
class DueItem:
    person_id: int
    due: date  # the day it is due (Europe/Paris)
    kind: str  # the provider's code, e.g. "appointment", "first_interview", "measure_end"
    label: str  # French, shown as is
    severity: Severity = Severity.INFO
    detail: str = ""
    url: str = ""
    at: datetime | None = None  # a time of day, for appointments
    staff_ids: frozenset[int] = field(default_factory=frozenset)  # who must act, when known
    done: bool = False  # already handled (kept only when the provider shows history)
    state: str = ""  # the provider's code for what stage the item is at ("unbooked"…)

    def is_overdue(self, today: date) -> bool:
        return not self.done and self.due < today

    @property
    def sort_key(self) -> tuple:
        return (self.due, self.at.timestamp() if self.at else 0.0, self.kind, self.person_id)


@dataclass(frozen=True)
class Query:
    """What a provider is asked for."""

    persons: object  # QuerySet[Person], already scoped to what the user may list
    today: date
    until: date  # items due on or before this day (overdue ones included)
    service_id: int
    staff_id: int | None = None  # restrict to one staff member's items, when the provider can
    service: object | None = None  # the Service, when the caller has it (saves a query)
    with_staff: bool = True  # fill DueItem.staff_ids (the caseload's column does not need it)
    # The persons' open measures (with their type and person), when the caller already loaded
    # them: a provider that reads open measures uses them instead of querying again.
    open_measures: list | None = None
    # The stored sentence dates of the persons in custody (rows of
    # ``sentences.selectors.stored_dates``), when the caller loaded them with its own list: the
    # sentence provider then runs no query.
    custody_dates: list | None = None
    # The progress of the persons' open TIG orders (``community_work.selectors.Progress``),
    # when the caller joined them to its own list: the TIG provider then runs no query.
    tig_progress: list | None = None

    def service_settings(self):
        """The service (for its settings): the one given, else read once."""
        if self.service is None:
            from django.apps import apps

            object.__setattr__(
                self,
                "service",
                apps.get_model("organisation", "Service").objects.get(pk=self.service_id),
            )
        return self.service


Provider = Callable[[Query], Iterable[DueItem]]


@dataclass(frozen=True)
class Registration:
    kind: str
    label: str  # French, for the échéancier's filter
    provider: Provider
    on_caseload: bool = True  # read for the caseload's "next due item" column


_REGISTRY: dict[str, Registration] = {}


def register(kind: str, label: str, *, on_caseload: bool = True) -> Callable[[Provider], Provider]:
    def decorator(func: Provider) -> Provider:
        _REGISTRY[kind] = Registration(
            kind=kind, label=label, provider=func, on_caseload=on_caseload
        )
        return func

    return decorator


def registered() -> list[Registration]:
    return list(_REGISTRY.values())


def collect(query: Query, kinds: Iterable[str] | None = None) -> list[DueItem]:
    """Every item due, from every provider (or the ``kinds`` asked), soonest first."""
    wanted = set(kinds) if kinds else None
    items: list[DueItem] = []
    for registration in _REGISTRY.values():
        if wanted is not None and registration.kind not in wanted:
            continue
        items.extend(registration.provider(query))
    items.sort(key=lambda item: item.sort_key)
    return items


def next_due_by_person(query: Query) -> dict[int, DueItem]:
    """For the caseload: each person's soonest open item, from the providers registered
    ``on_caseload``."""
    result: dict[int, DueItem] = {}
    kinds = [r.kind for r in _REGISTRY.values() if r.on_caseload]
    for item in collect(query, kinds):
        if item.done:
            continue
        result.setdefault(item.person_id, item)
    return result
