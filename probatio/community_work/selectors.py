"""Reads of community work: the progress of TIG orders (hours done, deadline, pace) in a fixed
number of queries whatever their number, the placements that suit a person, the hosts'
figures. Hosts and placements belong to the service of their partner: another service's host
is a 404 (``host_get_for``)."""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404

from probatio.accounts.models import Membership
from probatio.community_work import rules
from probatio.community_work.models import (
    Assignment,
    HostOrganisation,
    Placement,
    Supervisor,
    TigOrder,
    WorkSession,
)
from probatio.core.gates import get_or_404
from probatio.measures.models import Measure, Obligation
from probatio.people.models import Address, CustodyRecord, Person
from probatio.reintegration import partners
from probatio.reintegration.models import Partner
from probatio.reintegration.partners import department_of

# Measures during which the TIG period is suspended (house arrest, at home under electronic
# monitoring), besides custody and remand.
HOUSE_ARREST_CODES = ("ARSE", "DDSE", "DDSE_AMENAGEMENT")
# House arrest that never ran (still to come, or void) suspends nothing.
NOT_SERVED = (Measure.Status.PENDING, Measure.Status.VOID)


def runs_on(assignment: Assignment | None, today: date) -> bool:
    """Whether an active assignment still runs: its planned end, when set, not passed (past
    it, no session can be recorded there: it offers no hours until ended or replaced)."""
    return assignment is not None and (assignment.end_date is None or assignment.end_date >= today)


@dataclass
class Progress:
    order: TigOrder
    done: Decimal
    deadline: rules.Deadline
    pace: rules.Pace
    assignment: Assignment | None  # the current one
    assignments: list[Assignment] = field(default_factory=list)
    sessions: list[WorkSession] = field(default_factory=list)
    no_placement_since: date | None = None  # the alert's day, when it applies
    assignment_expired: bool = False  # the current assignment's planned end is passed

    @property
    def remaining(self) -> Decimal:
        return self.pace.remaining

    @property
    def percent(self) -> int:
        return min(100, int(self.done * 100 / self.order.hours_ordered))


def suspensions_of(person_ids: list[int], *, today: date) -> dict[int, list[tuple[date, date]]]:
    """The periods that suspend a TIG's period, per person: custody and remand (custody
    records), house arrest (measures of ``HOUSE_ARREST_CODES``); an ongoing one until today.
    One query (the two tables read together)."""
    found: dict[int, list[tuple[date, date]]] = defaultdict(list)
    custody = (
        CustodyRecord.objects.filter(person_id__in=person_ids)
        .order_by()
        .values_list("person_id", "committal_date", "release_date")
    )
    house_arrest = (
        Measure.objects.filter(person_id__in=person_ids, measure_type_id__in=HOUSE_ARREST_CODES)
        .exclude(status__in=NOT_SERVED)
        .order_by()
        .values_list("person_id", "start_date", "end_date")
    )
    for person_id, start, end in custody.union(house_arrest, all=True):
        end = min(end or today, today)
        if end >= start:
            found[person_id].append((start, end))
    return found


def progress_of(
    orders: list[TigOrder], *, today: date, with_details: bool = False, light: bool = False
):
    """The progress of each order (same order as given): hours done, deadline, pace, current
    assignment. Two queries whatever the number of orders when they come from ``orders_of``
    (three otherwise; one more ``with_details``: every assignment, and every session).
    ``light``: the current assignments without their placement and supervisor (what the pace
    needs), for a list that draws a page of them (``with_rows_to_draw``)."""
    ids = [o.pk for o in orders]
    if all(hasattr(o, "done_hours") for o in orders):  # annotated by ``orders_of``
        done = {o.pk: o.done_hours for o in orders}
    else:
        done = {
            row["assignment__order_id"]: row["total"]
            for row in WorkSession.objects.filter(assignment__order_id__in=ids, kind=rules.WORK)
            .values("assignment__order_id")
            .annotate(total=Sum("hours"))
            .order_by()
        }
    every: dict[int, list[Assignment]] = defaultdict(list)
    sessions: dict[int, list[WorkSession]] = defaultdict(list)
    assignments = Assignment.objects.filter(order_id__in=ids)
    if not light:
        assignments = assignments.select_related("placement__host__partner", "supervisor")
    if not with_details:
        assignments = assignments.filter(status=rules.ACTIVE)
    current = {}
    for a in assignments:
        every[a.order_id].append(a)
        if a.status == rules.ACTIVE:
            current[a.order_id] = a
    if not with_details:
        every.clear()
    suspensions = suspensions_of(list({o.person_id for o in orders}), today=today)
    if with_details:
        for s in WorkSession.objects.filter(assignment__order_id__in=ids).select_related(
            "signed_by", "assignment__placement"
        ):
            sessions[s.assignment.order_id].append(s)
    result = []
    for order in orders:
        assignment = current.get(order.pk)
        running = runs_on(assignment, today)
        progress = _progress(
            order,
            done=done.get(order.pk) or Decimal(0),
            has_placement=running,
            offered=assignment.weekly_hours if running else Decimal(0),
            suspensions=suspensions.get(order.person_id, []),
            today=today,
        )
        progress.assignment = assignment
        progress.assignment_expired = assignment is not None and not running
        progress.assignments = every.get(order.pk, [])
        progress.sessions = sessions.get(order.pk, [])
        result.append(progress)
    return result


def with_rows_to_draw(progress: list[Progress]) -> list[Progress]:
    """The rows ``progress_of(…, light=True)`` read, completed with what a list draws: each
    order's person, CPIP and measure, each current assignment's placement, host and
    supervisor (two queries whatever their number)."""
    orders = {
        o.pk: o
        for o in TigOrder.objects.filter(pk__in=[p.order.pk for p in progress]).select_related(
            "person__assigned_cpip", "measure__measure_type", "obligation__measure__measure_type"
        )
    }
    assignments = {
        a.pk: a
        for a in Assignment.objects.filter(
            pk__in=[p.assignment.pk for p in progress if p.assignment]
        ).select_related("placement__host__partner", "supervisor")
    }
    for row in progress:
        full = orders[row.order.pk]
        full.done_hours = getattr(row.order, "done_hours", row.done)
        row.order = full
        if row.assignment:
            row.assignment = assignments[row.assignment.pk]
    return progress


def _progress(order, *, done, has_placement: bool, offered, suspensions, today) -> Progress:
    limit = rules.deadline(
        order.counted_from, order.period_months, suspensions, order.extra_suspension_days
    )
    pace = rules.pace(
        hours_ordered=order.hours_ordered,
        hours_done=done,
        today=today,
        deadline_day=limit.day,
        offered_per_week=offered,
    )
    alert_day = rules.no_placement_alert_day(order.counted_from)
    no_placement = (
        alert_day
        if not has_placement and pace.status != rules.COMPLETED and alert_day <= today
        else None
    )
    return Progress(
        order=order,
        done=done,
        deadline=limit,
        pace=pace,
        assignment=None,
        no_placement_since=no_placement,
    )


# --- Joined into a list of persons (the caseload) ----------------------------------------------

OPEN_ORDER = Q(measure__status__in=Measure.OPEN_STATUSES) | Q(
    obligation__measure__status__in=Measure.OPEN_STATUSES, obligation__status="active"
)


def with_tig(persons: QuerySet[Person], *, today: date) -> QuerySet[Person]:
    """Annotate a list of persons with their earliest open TIG order and what its progress
    needs (hours done, the current placement's schedule, whether custody or house arrest may
    suspend it), and whether they have a second open one, joined into the list's own query.
    Read back with ``progress_from_annotations``."""
    first = TigOrder.objects.filter(OPEN_ORDER, person_id=OuterRef("pk")).order_by(
        "counted_from", "pk"
    )
    fields = {
        "tig_order_id": "pk",
        "tig_hours": "hours_ordered",
        "tig_period": "period_months",
        "tig_from": "counted_from",
        "tig_extra": "extra_suspension_days",
    }
    annotated = persons.annotate(
        **{name: Subquery(first.values(field)[:1]) for name, field in fields.items()},
        tig_second_id=Subquery(first.values("pk")[1:2]),
    )
    done = (
        WorkSession.objects.filter(assignment__order_id=OuterRef("tig_order_id"), kind=rules.WORK)
        .order_by()
        .values("assignment__order_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    schedule = (
        Assignment.objects.filter(order_id=OuterRef("tig_order_id"), status=rules.ACTIVE)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values("schedule")[:1]
    )
    return annotated.annotate(
        tig_done=Coalesce(Subquery(done), Decimal(0), output_field=DecimalField()),
        tig_schedule=Subquery(schedule, output_field=JSONField()),
        tig_suspendable=Exists(CustodyRecord.objects.filter(person_id=OuterRef("pk")))
        | Exists(
            Measure.objects.filter(person_id=OuterRef("pk"), measure_type_id__in=HOUSE_ARREST_CODES)
        ),
    )


def progress_from_annotations(persons: list[Person], *, today: date) -> list[Progress]:
    """The progress of the TIG orders ``with_tig`` joined to the persons: no query, but one
    for the suspensions when a person with a TIG was ever in custody or under house arrest,
    and three when a person has two open TIGs (then all theirs are read by ``progress_of``)."""
    several = [p.pk for p in persons if getattr(p, "tig_second_id", None)]
    found = (
        progress_of(list(open_orders_of(Person.objects.filter(pk__in=several))), today=today)
        if several
        else []
    )
    read = set(several)
    with_order = [p for p in persons if getattr(p, "tig_order_id", None) and p.pk not in read]
    suspended = [p.pk for p in with_order if p.tig_suspendable]
    suspensions = suspensions_of(suspended, today=today) if suspended else {}
    for person in with_order:
        order = TigOrder(
            pk=person.tig_order_id,
            person=person,
            hours_ordered=person.tig_hours,
            period_months=person.tig_period,
            counted_from=person.tig_from,
            extra_suspension_days=person.tig_extra,
        )
        schedule = person.tig_schedule
        if isinstance(schedule, str):  # a JSON text, on some databases
            schedule = json.loads(schedule)
        found.append(
            _progress(
                order,
                done=person.tig_done or Decimal(0),
                has_placement=schedule is not None,
                offered=rules.weekly_hours(rules.parse_slots(schedule)) if schedule else Decimal(0),
                suspensions=suspensions.get(person.pk, []),
                today=today,
            )
        )
    return found


def orders_of(persons: QuerySet[Person]) -> QuerySet[TigOrder]:
    """The persons' TIG orders, each with the hours done (``done_hours``) in the same query."""
    done = (
        WorkSession.objects.filter(assignment__order_id=OuterRef("pk"), kind=rules.WORK)
        .order_by()
        .values("assignment__order_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return (
        TigOrder.objects.filter(person__in=persons.order_by().values("pk"))
        .select_related(
            "person__assigned_cpip", "measure__measure_type", "obligation__measure__measure_type"
        )
        .annotate(done_hours=Coalesce(Subquery(done), Decimal(0), output_field=DecimalField()))
        .order_by("counted_from", "pk")
    )


def open_orders_of(persons: QuerySet[Person], *, light: bool = False) -> QuerySet[TigOrder]:
    """Orders whose measure (or the obligation's) is still open; ``light``: without their
    person, measure and obligation (what ``progress_of(…, light=True)`` needs)."""
    orders = orders_of(persons).filter(OPEN_ORDER)
    return orders.select_related(None) if light else orders


@dataclass(frozen=True)
class PendingObligation:
    """A TIG obligation with no order yet, read with its measure."""

    pk: int
    start_date: date
    measure: Measure


def tig_sources_without_order(person: Person):
    """The person's open TIG measures and TIG obligations with no order yet, in one query (the
    open measures that are a TIG or carry a TIG obligation, the obligation annotated)."""
    obligation = Obligation.objects.filter(
        measure_id=OuterRef("pk"),
        obligation_type_id="TIG",
        status="active",
        tig_order__isnull=True,
    ).order_by("pk")
    rows = list(
        Measure.objects.filter(person=person, status__in=Measure.OPEN_STATUSES)
        .annotate(
            tig_obligation_id=Subquery(obligation.values("pk")[:1]),
            tig_obligation_start=Subquery(obligation.values("start_date")[:1]),
            tig_ordered=Exists(TigOrder.objects.filter(measure_id=OuterRef("pk"))),
        )
        .filter(Q(measure_type_id="TIG", tig_ordered=False) | Q(tig_obligation_id__isnull=False))
        .select_related("measure_type", "decision")
        .order_by("start_date", "pk")
    )
    measures = [m for m in rows if m.measure_type_id == "TIG" and not m.tig_ordered]
    obligations = [
        PendingObligation(m.tig_obligation_id, m.tig_obligation_start, m)
        for m in rows
        if m.tig_obligation_id
    ]
    return measures, obligations


# --- Hosts and placements ----------------------------------------------------------------------


def hosts_of(service_id: int) -> QuerySet[HostOrganisation]:
    return HostOrganisation.objects.filter(partner__service_id=service_id).select_related("partner")


def host_get_for(membership: Membership | None, partner_id: int) -> HostOrganisation | None:
    """The TIG host data of a partner of the membership's service (another service's partner
    is a 404); None when the partner has no host data yet."""
    partner = partners.partner_get_for(membership, partner_id)
    if partner.kind != "tig_host":
        raise Http404("Ce partenaire n'est pas une structure d'accueil TIG.")
    return HostOrganisation.objects.filter(partner=partner).select_related("partner").first()


def placement_get_for(membership: Membership | None, pk: int) -> Placement:
    partners.directory_membership(membership)
    placement = (
        Placement.objects.filter(pk=pk, host__partner__service_id=membership.service_id)
        .select_related("host__partner", "supervisor")
        .first()
    )
    if placement is None:
        raise Http404("Poste introuvable.")
    return placement


def occupancy(placements: list[Placement], *, today: date) -> dict[int, dict]:
    """Per placement: the active assignments, the free places and the day a place frees up
    (today when one is free; else the earliest planned end). One query."""
    active: dict[int, list[Assignment]] = defaultdict(list)
    for a in Assignment.objects.filter(
        placement__in=placements, status=rules.ACTIVE
    ).select_related("order__person"):
        active[a.placement_id].append(a)
    found = {}
    for p in placements:
        taken = active.get(p.pk, [])
        free = max(0, p.capacity - len(taken))
        # A planned end already passed frees nothing until the assignment is ended.
        ends = sorted(a.end_date for a in taken if a.end_date and a.end_date >= today)
        available = today if free else (max(today, ends[0] + timedelta(days=1)) if ends else None)
        found[p.pk] = {"assignments": taken, "free": free, "available_on": available}
    return found


@dataclass
class Suggestion:
    placement: Placement
    free: int
    available_on: date | None
    days_in_common: list[str]


def wishes_of(order: TigOrder) -> rules.Wishes:
    postcode = order.postcode or _current_postcode(order.person_id)
    return rules.Wishes(
        postcode=postcode,
        department=department_of(postcode) if postcode else "",
        days=frozenset(int(d) for d in order.available_days),
        skills=rules.skill_set(order.skills),
        needs_public_transport=order.needs_public_transport,
    )


def _current_postcode(person_id: int) -> str:
    address = (
        Address.objects.filter(person_id=person_id, valid_to__isnull=True)
        .order_by("-valid_from")
        .values_list("postcode", flat=True)
        .first()
    )
    return address or ""


def offered_placements(service_id: int, *, today: date) -> QuerySet[Placement]:
    """The placements a person may be placed on today: offered, of an active host of the
    service approved today."""
    return (
        Placement.objects.filter(
            host__partner__service_id=service_id,
            host__partner__is_active=True,
            is_active=True,
            host__approval_date__lte=today,
        )
        .filter(Q(host__approval_end_date__isnull=True) | Q(host__approval_end_date__gte=today))
        .select_related("host__partner")
    )


def suggestions_for(order: TigOrder, service_id: int, *, today: date) -> tuple[list, list]:
    """The service's active placements of approved hosts that suit the person (area, days,
    skills, transport), soonest available first; and the others with the reasons they do not
    suit (full ones included). A fixed number of queries."""
    wishes = wishes_of(order)
    placements = list(offered_placements(service_id, today=today).select_related("supervisor"))
    taken = occupancy(placements, today=today)
    candidates = {}
    full = []
    for p in placements:
        slots = p.slots
        info = taken[p.pk]
        if info["available_on"] is None:
            full.append((p, ["complet, sans fin d'affectation prévue"]))
            continue  # no date to offer
        candidates[p.pk] = rules.Candidate(
            placement_id=p.pk,
            postcode=p.postcode,
            department=department_of(p.postcode),
            days=frozenset(s.day for s in slots),
            skills=rules.skill_set(p.skills),
            public_transport=p.public_transport,
            free_places=info["free"],
            available_on=info["available_on"],
        )
    by_id = {p.pk: p for p in placements}
    ranked = rules.rank(list(candidates.values()), wishes)
    suitable = [
        Suggestion(
            placement=by_id[c.placement_id],
            free=c.free_places,
            available_on=c.available_on,
            days_in_common=[
                rules.WEEKDAYS[d] for d in sorted(c.days & wishes.days if wishes.days else c.days)
            ],
        )
        for c in ranked
    ]
    shown = {c.placement_id for c in ranked}
    others = [
        (by_id[c.placement_id], rules.compatible(c, wishes))
        for c in candidates.values()
        if c.placement_id not in shown
    ]
    return suitable, others + full


@dataclass
class HostFigures:
    host: HostOrganisation
    placements: int
    places: int  # capacity offered by its active placements
    occupied: int  # active assignments on the placements offered
    on_withdrawn: int  # active assignments on placements no longer offered (finishing there)
    hours_by_month: dict[date, Decimal]

    @property
    def total_hours(self) -> Decimal:
        return sum(self.hours_by_month.values(), Decimal(0))


def months_back(today: date, count: int) -> list[date]:
    """The first days of the ``count`` last months, the current one last."""
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def host_figures(service_id: int, *, today: date, months: int = 12) -> list[HostFigures]:
    """Per host of the service: active placements and the places they offer, the places taken,
    the hours done per month over the last ``months`` months. Four queries."""
    hosts = list(hosts_of(service_id).order_by("partner__name"))
    offered = {
        row["host_id"]: row
        for row in Placement.objects.filter(host__in=hosts, is_active=True)
        .values("host_id")
        .annotate(n=Count("pk"), places=Sum("capacity"))
        .order_by()
    }
    occupied: dict[int, dict[bool, int]] = defaultdict(dict)
    for host_id, offered_still, n in (
        Assignment.objects.filter(placement__host__in=hosts, status=rules.ACTIVE)
        .values("placement__host_id", "placement__is_active")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("placement__host_id", "placement__is_active", "n")
    ):
        occupied[host_id][offered_still] = n
    periods = months_back(today, months)
    hours: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for row in (
        WorkSession.objects.filter(
            assignment__placement__host__in=hosts, kind=rules.WORK, on__gte=periods[0]
        )
        .annotate(month=TruncMonth("on"))
        .values("assignment__placement__host_id", "month")
        .annotate(total=Sum("hours"))
        .order_by()
    ):
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        hours[row["assignment__placement__host_id"]][month] = row["total"]
    return [
        HostFigures(
            host=h,
            placements=offered.get(h.pk, {}).get("n", 0),
            places=offered.get(h.pk, {}).get("places") or 0,
            occupied=occupied[h.pk].get(True, 0),
            on_withdrawn=occupied[h.pk].get(False, 0),
            hours_by_month={m: hours[h.pk].get(m, Decimal(0)) for m in periods},
        )
        for h in hosts
    ]


# --- The pages' records --------------------------------------------------------------------------


def order_get(person: Person, pk: int) -> TigOrder:
    """One of the person's TIG orders, with its measure's decision and its obligation (404
    otherwise)."""
    return get_or_404(
        TigOrder.objects.select_related("person__service", "measure__decision", "obligation"),
        pk=pk,
        person=person,
    )


def orders_of_person(person: Person) -> list[TigOrder]:
    """The person's TIG orders with their hours done (``orders_of`` for one person)."""
    return list(orders_of(Person.objects.filter(pk=person.pk)))


def assignment_get(person: Person, pk: int) -> Assignment:
    """One assignment of one of the person's orders, with its order and placement (404
    otherwise)."""
    return get_or_404(
        Assignment.objects.select_related("order", "placement"), pk=pk, order__person=person
    )


def current_assignment(order: TigOrder) -> Assignment | None:
    """The order's latest assignment not cancelled, with its host and order; None when the
    person has no placement yet."""
    return (
        Assignment.objects.filter(order=order)
        .exclude(status="cancelled")
        .select_related("placement__host", "order")
        .order_by("-start_date", "-pk")
        .first()
    )


def host_directory(service_id: int, *, today: date) -> list[dict]:
    """The service's TIG hosts, by name: each partner of kind « TIG host » with its host data
    (None before the approval is recorded), whether it is approved today, its active
    placements, their places and the free ones (four queries)."""
    partners_list = list(
        Partner.objects.filter(service_id=service_id, kind="tig_host").order_by("name")
    )
    host_by_partner = {h.partner_id: h for h in hosts_of(service_id)}
    placements = list(
        Placement.objects.filter(host__in=host_by_partner.values()).order_by("activity")
    )
    taken = occupancy(placements, today=today)
    by_host: dict[int, list] = {}
    for p in placements:
        by_host.setdefault(p.host_id, []).append((p, taken[p.pk]))
    rows = []
    for partner in partners_list:
        host = host_by_partner.get(partner.pk)
        own = by_host.get(host.pk, []) if host else []
        rows.append(
            {
                "partner": partner,
                "host": host,
                "approved": host.approved_on(today) if host else False,
                "placements": [p for p, _ in own if p.is_active],
                "free": sum(info["free"] for p, info in own if p.is_active),
                "places": sum(p.capacity for p, _ in own if p.is_active),
            }
        )
    return rows


def placements_of_host(host: HostOrganisation) -> list[Placement]:
    """The host's placements with their supervisor."""
    return list(host.placements.select_related("supervisor"))


def supervisors_of_host(host: HostOrganisation) -> list[Supervisor]:
    return list(host.supervisors.all())


def host_supervisor_get(host: HostOrganisation, pk: int) -> Supervisor:
    """One of the host's supervisors (404 otherwise)."""
    return get_or_404(Supervisor.objects, pk=pk, host=host)


def host_placement_get(host: HostOrganisation, pk: int) -> Placement:
    """One of the host's placements (404 otherwise)."""
    return get_or_404(Placement.objects, pk=pk, host=host)
