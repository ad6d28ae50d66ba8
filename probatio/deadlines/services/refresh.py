"""Keeping the stored due items current (docs/deadlines.md, « Stored items »).

- ``refresh(person_ids, today)`` runs every provider for those persons (by batches of
  ``BATCH`` persons of one service, a fixed number of queries per batch) and replaces their
  rows; ``refresh_service_level`` does the same for the items that belong to a service rather
  than to one of its persons (incoming transfers).
- ``ensure_current(service_id, today)``: what the échéancier calls before it reads: the
  service's persons whose items are stale or not computed today are computed again.
- ``rebuild_service(actor=…)``: the nightly rebuild by the service's system actor, batched and
  restartable (it only takes the persons not yet computed today), journaled.

The rows are the providers' output and nothing else: a person's rows are computed with the
same ``Query`` as the échéancier's (no staff restriction), and the page filters them in SQL.
"""

import logging
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.utils import timezone

from probatio.access.policy import Action, allows
from probatio.accounts.system import SystemActor
from probatio.agenda import rules as agenda_rules
from probatio.agenda.models import Appointment
from probatio.audit import services as audit
from probatio.core.deadlines import DueItem, Query, Severity, collect, registered
from probatio.deadlines.forms import HORIZONS
from probatio.deadlines.models import DueItemRecord, DueItemsState, DueItemStaff
from probatio.deadlines.rules import ALWAYS_SHOWN
from probatio.measures.models import Measure
from probatio.organisation.models import Service
from probatio.people.models import CustodyRecord, Person
from probatio.reports import rules as report_rules
from probatio.reports.models import Report
from probatio.sentences import selectors as sentence_selectors

log = logging.getLogger(__name__)

# The providers are asked as the page asks them, once per horizon of its filter: an item is
# stored with the shortest horizon that returns it (a provider may return items beyond the
# horizon, e.g. the sentence alerts, or use a delay of its own). A row is never read after the
# day it was computed (the page computes again a person not computed today). The kinds shown
# whatever the horizon (``rules.ALWAYS_SHOWN``) are asked once, without limit (horizon 0).
HORIZON_DAYS = sorted(days for days, _ in HORIZONS)
STORED_DAYS = HORIZON_DAYS[-1]
BATCH = 500  # persons per batch: one transaction, a fixed number of queries
# Items of the service, not of one of its persons' files (the person is another service's
# until the transfer is accepted): computed per service, shown to who sees the whole service.
SERVICE_LEVEL_KINDS = ("transfer_in",)
REASON = "Échéancier : échéances recalculées pour la journée"


def person_kinds() -> list[str]:
    return [r.kind for r in registered() if r.kind not in SERVICE_LEVEL_KINDS]


def order_key(item: DueItem) -> str:
    """``DueItem.sort_key`` after the day, as text ordered the same way in SQL."""
    micros = round(item.at.timestamp() * 1_000_000) if item.at else 0
    return f"{micros:020d}:{item.kind}"


def as_item(row: DueItemRecord) -> DueItem:
    return DueItem(
        person_id=row.person_id,
        due=row.due,
        kind=row.kind,
        label=row.label,
        severity=Severity(row.severity),
        detail=row.detail,
        url=row.url,
        at=row.at,
        staff_ids=frozenset(row.staff_ids),
        done=row.done,
        state=row.state,
    )


def _collect(query: Query, kinds: list[str]) -> list[tuple[DueItem, int]]:
    """Each item with the shortest horizon that returns it, in the page's order."""
    within = [k for k in kinds if k not in ALWAYS_SHOWN]
    always = [k for k in kinds if k in ALWAYS_SHOWN]
    found: dict[tuple[DueItem, int], int] = {}  # (item, its n-th copy) → horizon
    if always:
        for item, copies in Counter(collect(replace(query, until=date.max), always)).items():
            for n in range(copies):
                found.setdefault((item, n), 0)
    if within:
        for days in HORIZON_DAYS:
            until = query.today + timedelta(days=days)
            for item, copies in Counter(collect(replace(query, until=until), within)).items():
                for n in range(copies):
                    found.setdefault((item, n), days)
    ordered = sorted(found.items(), key=lambda pair: (pair[0][0].sort_key, pair[0][1]))
    return [(item, horizon) for (item, _), horizon in ordered]


def _write(items: list[tuple[DueItem, int]], service_id: int) -> int:
    records = [
        DueItemRecord(
            service_id=service_id,
            person_id=item.person_id,
            kind=item.kind,
            due=item.due,
            horizon=horizon,
            at=item.at,
            order_key=order_key(item),
            label=item.label,
            severity=str(item.severity),
            detail=item.detail,
            url=item.url,
            done=item.done,
            state=item.state,
            staff_ids=sorted(item.staff_ids),
        )
        for item, horizon in items
    ]
    DueItemRecord.objects.bulk_create(records)
    DueItemStaff.objects.bulk_create(
        [DueItemStaff(item_id=r.pk, user_id=u) for r in records for u in r.staff_ids]
    )
    return len(records)


def _delete(rows) -> None:
    """The rows and their staff: two statements, whatever their number."""
    DueItemStaff.objects.filter(item__in=rows.values("pk")).delete()
    rows._raw_delete(rows.db)  # noqa: SLF001  (the staff rows went first: nothing cascades)


def refresh(person_ids, today: date) -> int:
    """Compute again the items of these persons and replace their rows; each batch (at most
    ``BATCH`` persons of one service) in its own transaction. Returns the number of rows
    written."""
    ids = sorted(set(person_ids))
    services: dict[int, Service] = {}
    written = 0
    for start in range(0, len(ids), BATCH):  # never a list of ids longer than a batch
        by_service: dict[int, list[int]] = {}
        for pk, service_id in Person.objects.filter(pk__in=ids[start : start + BATCH]).values_list(
            "pk", "service_id"
        ):
            by_service.setdefault(service_id, []).append(pk)
        missing = set(by_service) - set(services)
        if missing:
            services.update(Service.objects.in_bulk(list(missing)))
        for service_id, batch in by_service.items():
            written += _refresh_batch(services[service_id], sorted(batch), today)
    return written


@transaction.atomic
def _refresh_batch(service: Service, ids: list[int], today: date) -> int:
    # The state rows first, locked: a change being written to one of these persons (which
    # marks their state stale) waits for this batch, or this batch waits for it.
    DueItemsState.objects.bulk_create(
        [DueItemsState(service_id=service.pk, person_id=pk, computed_on=today) for pk in ids],
        ignore_conflicts=True,
    )
    list(
        DueItemsState.objects.select_for_update()
        .filter(person_id__in=ids)
        .order_by("person_id")
        .values_list("pk", flat=True)
    )
    persons = Person.objects.filter(pk__in=ids)
    query = Query(
        persons=persons,
        today=today,
        until=today + timedelta(days=STORED_DAYS),
        service_id=service.pk,
        service=service,
        custody_dates=sentence_selectors.dates_of_persons(persons),
    )
    items = _collect(query, person_kinds())
    kinds = person_kinds()
    _delete(DueItemRecord.objects.filter(person_id__in=ids, kind__in=kinds))
    written = _write(items, service.pk)
    DueItemsState.objects.filter(person_id__in=ids).update(
        service_id=service.pk, computed_on=today, stale=False
    )
    dormant = _dormant(set(ids) - {item.person_id for item, _ in items}, today)
    if dormant:
        DueItemsState.objects.filter(person_id__in=dormant).update(computed_on=DORMANT)
    return written


# A closed file with nothing due and nothing that could fall due by the mere passing of days
# (``may_fall_due``) is not computed again each night: its state says "current until
# changed", and a change marks it stale as any other. Most of a national service's persons are
# such closed files (ten for each followed).
DORMANT = date.max
OPEN_MEASURE_STATUSES = ("pending", "active", "suspended")


def may_fall_due(today: date) -> Q:
    """A filter on ``Person``: the persons with something that could be or fall due by the
    mere passing of days: a measure pending, active or suspended, an open custody, an
    appointment to come (planned, from today on) or a report not yet answered. A file without
    any is dormant. The one statement of that rule: the computation (``_dormant``) and the
    national generator (``national/due_items.py``) both filter with it."""
    start, _ = agenda_rules.day_bounds(today)
    person = OuterRef("pk")
    return (
        Q(Exists(Measure.objects.filter(person=person, status__in=OPEN_MEASURE_STATUSES)))
        | Q(Exists(CustodyRecord.objects.filter(person=person, release_date__isnull=True)))
        | Q(
            Exists(
                Appointment.objects.filter(
                    person=person, status=Appointment.Status.PLANNED, starts_at__gte=start
                )
            )
        )
        | Q(Exists(Report.objects.filter(person=person).exclude(status=report_rules.ANSWERED)))
    )


def _dormant(candidates: set[int], today: date) -> list[int]:
    """Those of the candidates (persons whose computation found nothing) with nothing that
    may fall due: one query."""
    if not candidates:
        return []
    return list(
        Person.objects.filter(pk__in=sorted(candidates))
        .exclude(may_fall_due(today))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def refresh_service_level(service_id: int, today: date) -> int:
    """The items of the service itself (``SERVICE_LEVEL_KINDS``)."""
    state, _ = DueItemsState.objects.select_for_update().get_or_create(
        service_id=service_id, person=None, defaults={"computed_on": today}
    )
    query = Query(
        persons=Person.objects.none(),
        today=today,
        until=today + timedelta(days=STORED_DAYS),
        service_id=service_id,
    )
    kinds = [r.kind for r in registered() if r.kind in SERVICE_LEVEL_KINDS]
    items = _collect(query, kinds)
    _delete(DueItemRecord.objects.filter(service_id=service_id, kind__in=SERVICE_LEVEL_KINDS))
    written = _write(items, service_id)
    DueItemsState.objects.filter(pk=state.pk).update(computed_on=today, stale=False)
    return written


SERVICE = 0  # in ``outdated``: the service-level items (no person has this key)


def outdated(service_id: int, today: date) -> list[int]:
    """The service's persons whose items are stale or not computed today, and ``SERVICE``
    when the service-level items are: one query."""
    current = DueItemsState.objects.filter(computed_on__gte=today, stale=False)
    # Read from the few states behind (their indexes), not by testing every file of the
    # service (ten closed files for each file followed at national scale): every file has
    # its state from its creation (``signals``; migration 0003 for the older ones).
    behind = (
        DueItemsState.objects.filter(Q(stale=True) | Q(computed_on__lt=today))
        .filter(person__service_id=service_id)
        .order_by()
        .values_list("person_id")
    )
    service = (
        Service.objects.filter(pk=service_id)
        .exclude(Exists(current.filter(service_id=OuterRef("pk"), person__isnull=True)))
        .order_by()
        .values_list(Value(SERVICE))
    )
    return sorted({pk for (pk,) in behind.union(service, all=True)})


def ensure_current(service_id: int, today: date) -> int:
    """Before a read: compute again what is stale or not computed today (normally nothing:
    the changes are computed after their commit, the rest each night)."""
    ids = outdated(service_id, today)
    if not ids:
        return 0
    written = 0
    if ids[0] == SERVICE:
        written += refresh_service_level(service_id, today)
        ids = ids[1:]
    if ids:
        written += refresh(ids, today)
    return written


# After a change: the persons it marked stale are computed again once the transaction commits,
# so that the next read rarely pays for it. Not a change that marks a whole service (its
# settings) or everyone (a catalogue): the next read or the night computes those.
AFTER_COMMIT_LIMIT = 300
AFTER_COMMIT_LOOKUPS = 5000  # rows changed in one transaction beyond which it waits for a read


class AfterCommit:
    """The changes of one transaction (``(lookup from Person, pk)`` and service ids), computed
    again after its commit: only the persons still stale among those they concern."""

    def __init__(self):
        self.lookups: set[tuple[str, object]] = set()
        self.services: set[int] = set()

    def __call__(self) -> None:
        try:
            self.run(timezone.localdate())
        except Exception:  # the change is committed; the next read or the night computes them
            log.exception("Échéancier : recalcul après enregistrement")

    def run(self, today: date) -> int:
        written = 0
        stale = DueItemsState.objects.filter(stale=True)
        for service_id in stale.filter(
            person__isnull=True, service_id__in=self.services
        ).values_list("service_id", flat=True):
            written += refresh_service_level(service_id, today)
        if not self.lookups:
            return written
        if len(self.lookups) > AFTER_COMMIT_LOOKUPS:
            return written  # a bulk change (an import, a demo): the next read or the night
        by_path: dict[str, set] = {}
        for path, pk in self.lookups:
            by_path.setdefault(path, set()).add(pk)
        concerned = Q()  # one clause per way from a person, never one per row changed
        for path, pks in by_path.items():
            concerned |= Q(**{f"{path}__in": sorted(pks)})
        ids = list(
            stale.filter(
                person_id__in=Person.objects.filter(concerned).order_by().values("pk")
            ).values_list("person_id", flat=True)[:AFTER_COMMIT_LIMIT]
        )
        return written + (refresh(ids, today) if ids else 0)


def after_commit(*, lookup: tuple[str, object] | None = None, services=()) -> None:
    """Note a change for the computation after the commit (one callback per transaction)."""
    if not connection.in_atomic_block:
        return  # autocommit: the next read computes them (a save may be half done)
    waiting = next(
        (func for _, func, _ in connection.run_on_commit if isinstance(func, AfterCommit)), None
    )
    if waiting is None:
        waiting = AfterCommit()
        transaction.on_commit(waiting)
    if lookup is not None:
        waiting.lookups.add(lookup)
    waiting.services.update(services)


@dataclass
class Rebuilt:
    persons: int = 0
    rows: int = 0
    seconds: float = 0.0


def rebuild_service(
    *, actor: SystemActor, today: date, force: bool = False, batch: int = BATCH
) -> Rebuilt:
    """The nightly rebuild of one service's items by its system actor: the persons not
    computed today (every person with ``force``), batch after batch, each committed on its own,
    so that a run stopped half-way resumes where it stopped. One journal entry when it
    computed anything."""
    if not getattr(actor, "is_system", False) or not allows(actor.role, Action.REFRESH_DUE_ITEMS):
        raise PermissionDenied("Seul le traitement automatique du service recalcule l'échéancier.")
    started = time.monotonic()
    result = Rebuilt()
    if force:
        DueItemsState.objects.filter(service_id=actor.service_id).update(stale=True)
    # A person who left the service keeps no row of it.
    _delete(
        DueItemRecord.objects.filter(service_id=actor.service_id).exclude(
            Q(person__service_id=actor.service_id) | Q(kind__in=SERVICE_LEVEL_KINDS)
        )
    )
    seen: set[int] = set()  # a person marked stale again meanwhile waits for the next read
    while True:
        ids = outdated(actor.service_id, today)
        if ids and ids[0] == SERVICE and SERVICE not in seen:
            result.rows += refresh_service_level(actor.service_id, today)
            seen.add(SERVICE)
        ids = [pk for pk in ids if pk not in seen][:batch]
        if not ids:
            break
        seen.update(ids)
        result.rows += refresh(ids, today)
        result.persons += len(ids)
    result.seconds = time.monotonic() - started
    if not result.persons and not result.rows:
        return result  # nothing computed: nothing to journal
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            service_id=actor.service_id,
            role=actor.role,
            object_type="deadlines.dueitemrecord",
            summary="Échéancier recalculé",
            context={
                "reason": actor.reason,
                "today": today.isoformat(),
                "persons": result.persons,
                "rows": result.rows,
            },
        )
    return result


def run_periodic(*, now: datetime) -> dict[str, int]:
    """Every service, by its system actor."""
    today = timezone.localdate(now)
    persons = rows = 0
    for service_id in Service.objects.order_by("pk").values_list("pk", flat=True):
        done = rebuild_service(actor=SystemActor(service_id=service_id, reason=REASON), today=today)
        persons += done.persons
        rows += done.rows
    return {"persons": persons, "rows": rows}
