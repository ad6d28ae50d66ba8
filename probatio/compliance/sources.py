"""Incident proposals from apps to the right of ``compliance`` (a programme's group session
missed when attending was an obligation…), which ``compliance`` may not import.

Such an app *registers a source* from its ``AppConfig.ready()``: the incident's kind, the
foreign key of ``Incident`` that links an incident to its record (so that a record handled
once, confirmed or dismissed, is not proposed again: a unique constraint), the parameter that
carries the record's id in the incident form's address and the dismissal's form, and three
functions:

- ``rows(person)``: the person's candidate records as a ``values_list`` queryset of the
  columns ``ROW`` (build them with ``row_values``), not evaluated: ``selectors.proposals``
  reads them with the missed appointments in one ``UNION ALL``, so that the incidents tab
  costs no query more;
- ``from_row(row)``: the proposal of one such row (``None``: nothing to propose); the rows
  of records already handled by an incident are left out before;
- ``find(person, pk)``: one record of the person's that may be an incident (``None``
  otherwise), with what prefills the form.

Proposals stay derived, never stored (compliance.md).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import BigIntegerField, BooleanField, CharField, F, IntegerField, Value

# The columns of a candidate row: the source's parameter ("" for a missed appointment), the
# record's id, when it happened, its measure, a text, a number and two flags (the source's).
ROW = ("tag", "ref", "at", "measure_ref", "text", "number", "flag_a", "flag_b")
_TYPES = {
    "tag": CharField(),
    "measure_ref": BigIntegerField(),
    "text": CharField(),
    "number": IntegerField(),
    "flag_a": BooleanField(),
    "flag_b": BooleanField(),
}


def row_values(*, tag: str, **fields: str | None) -> dict:
    """The annotations of a candidate row (``ROW``): each field a path of the source's model,
    or left out (empty)."""
    values: dict[str, Any] = {"tag": Value(tag, output_field=CharField()), "ref": F("pk")}
    for name in ROW[2:]:
        path = fields.get(name)
        if path is not None:
            values[name] = F(path)
        elif name != "at":
            empty = False if name.startswith("flag") else None
            values[name] = Value(empty, output_field=_TYPES[name])
    return values


@dataclass(frozen=True)
class Found:
    """A record that an incident may be about, as the incident form needs it."""

    pk: int
    occurred_on: date
    description: str  # the form's prefilled facts
    measure_id: int | None = None


@dataclass(frozen=True)
class Source:
    kind: str  # Incident.Kind
    field: str  # Incident's foreign key to the record, e.g. "attendance"
    param: str  # the address's and the dismissal form's parameter, e.g. "seance"
    rows: Callable[[Any], Any]  # -> a values_list QuerySet of ``ROW``
    from_row: Callable[[tuple], Any]  # -> selectors.Proposal | None
    find: Callable[[Any, int], Found | None]


_SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    _SOURCES[source.param] = source
    return source


def registered() -> list[Source]:
    return [_SOURCES[param] for param in sorted(_SOURCES)]


def by_param() -> dict[str, Source]:
    return dict(_SOURCES)
