from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from probatio.access.policy import REFERENT_ROLES, is_referent
from probatio.accounts.models import Absence, Membership, User
from probatio.accounts.rules import is_long_absence
from probatio.agenda.models import Appointment
from probatio.agenda.rules import paris
from probatio.assessments import selectors as assessment_selectors
from probatio.assessments.loads import parse_measures
from probatio.assessments.models import FileLoad, IntensityDecision
from probatio.assessments.rules import LEVEL_LABELS
from probatio.assessments.selectors import current_level_subquery
from probatio.caseloads import rules
from probatio.caseloads.models import CapacityReduction, WorkloadWeight
from probatio.community_work import selectors as tig_selectors
from probatio.core.deadlines import Query, collect, next_due_by_person
from probatio.core.text import count
from probatio.deadlines import selectors as deadline_selectors
from probatio.deadlines.models import DueItemRecord, DueItemStaff
from probatio.deadlines.services import refresh
from probatio.measures import selectors as measure_selectors
from probatio.measures.models import Measure
from probatio.people.models import Person
from probatio.people.selectors import FOLLOWED, UNASSIGNED, person_list_for
from probatio.reports import rules as report_rules
from probatio.reports.models import Report
from probatio.sentences import selectors as sentence_selectors
from probatio.transfers import selectors as transfer_selectors

DUE_SOON_DAYS = 60
# The caseload's "next due item" looks this far ahead.
NEXT_DUE_HORIZON_DAYS = 365


def with_next_due_item(persons: list[Person], membership, *, today: date) -> list[Person]:
    """Attach each person's soonest open item of the échéancier (``person.next_item``), read
    through the same providers as the échéancier, for the persons of this page only."""
    query = Query(
        persons=Person.objects.filter(pk__in=[p.pk for p in persons]),
        today=today,
        until=today + timedelta(days=NEXT_DUE_HORIZON_DAYS),
        service_id=membership.service_id,
        service=membership.service,
        with_staff=False,
        # ``with_open_measures`` loaded them for the page: the providers need not again.
        open_measures=[m for p in persons for m in getattr(p, "open_measures", [])]
        if all(hasattr(p, "open_measures") for p in persons)
        else None,
        # ``with_stored_dates`` joined the sentence dates into the page's query.
        custody_dates=sentence_selectors.dates_from_annotations(persons)
        if all(hasattr(p, "sd_computed_at") for p in persons)
        else None,
        # ``tig_selectors.with_tig`` joined the TIG orders into the page's query.
        tig_progress=tig_selectors.progress_from_annotations(persons, today=today)
        if all(hasattr(p, "tig_order_id") for p in persons)
        else None,
    )
    due = next_due_by_person(query)
    for person in persons:
        person.next_item = due.get(person.pk)
    return persons


def with_open_measures(persons: list[Person]) -> list[Person]:
    """Attach each person's open measures (one query for the whole page) and the next due
    date among them."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        persons,
        Prefetch(
            "measures",
            queryset=Measure.objects.filter(status__in=Measure.OPEN_STATUSES)
            .select_related("measure_type", "person")
            .order_by("end_date", "pk"),
            to_attr="open_measures",
        ),
    )
    for person in persons:
        # A measure a committal suspended has no end yet (« au plus tôt »).
        ends = [m.end_date for m in person.open_measures if m.end_date and not m.suspended_since]
        person.next_due = min(ends) if ends else None
    return persons


def counts(persons: QuerySet[Person], *, today: date) -> dict[str, int]:
    """Headline figures of a list (one query). Custody is read from each file's kept facts
    (``assessments.FileLoad``) and the measures ending soon from the measures' end dates, not
    file by file: a list of 12,000 files is counted in a few milliseconds."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    ending = Measure.objects.filter(
        status__in=Measure.OPEN_STATUSES, end_date__gte=today, end_date__lte=soon
    ).values("person_id")
    return persons.order_by().aggregate(
        total=Count("pk", distinct=True),
        custody=Count("pk", filter=Q(load__in_custody=True), distinct=True),
        ending_soon=Count("pk", filter=Q(pk__in=ending), distinct=True),
    )


# --- The follow-up intensity (docs/assessments.md) ----------------------------------------------


def with_intensity(persons: QuerySet[Person]) -> QuerySet[Person]:
    """Each person's level in force (``intensity``) and the level of a change waiting for a
    manager (``intensity_pending``): two subqueries of the list's own query."""
    pending = IntensityDecision.objects.filter(
        person_id=OuterRef("pk"), status=IntensityDecision.Status.PENDING
    ).values("chosen_level")[:1]
    return persons.annotate(intensity=current_level_subquery(), intensity_pending=Subquery(pending))


def label_intensity(persons: list[Person]) -> list[Person]:
    """The French labels of ``with_intensity``'s codes (no query): ``intensity_label``, and
    ``intensity_pending_label`` for a change waiting for validation."""
    for person in persons:
        level = getattr(person, "intensity", None)
        pending = getattr(person, "intensity_pending", None)
        person.intensity_label = LEVEL_LABELS.get(level, "") if level else ""
        person.intensity_pending_label = LEVEL_LABELS.get(pending, "") if pending else ""
    return persons


# --- Workload and capacity (docs/allocation.md) ------------------------------------------------


@dataclass
class CpipLoad:
    """A CPIP of the service with their caseload, points, capacity and workload today."""

    user: User
    membership: Membership
    persons: int
    custody: int
    measures: int
    reports_due: int
    points: Decimal
    capacity: Decimal
    reductions: list[CapacityReduction]
    today: date = date.min  # the day the load is read for
    absent_until: date | None = None  # the last day of an absence running today

    @property
    def away_long(self) -> bool:
        """Away for long enough not to be suggested (``rules.available``)."""
        return is_long_absence(self.absent_until, self.today)

    @property
    def percent(self) -> int | None:
        return rules.load_percent(self.points, self.capacity)

    @property
    def overloaded(self) -> bool:
        return rules.is_overloaded(self.percent)

    @property
    def site(self):
        return self.membership.site

    def candidate(self) -> rules.Candidate:
        site = self.membership.site
        return rules.Candidate(
            user_id=self.user.pk,
            name=self.user.get_full_name() or self.user.username,
            points=self.points,
            capacity=self.capacity,
            site_kind=site.kind if site else "",
            site_id=site.pk if site else None,
            establishment_id=site.establishment_id if site else None,
            absent_until=self.absent_until,
        )


WEIGHTS_CACHE_SECONDS = 300


def weights_cache_key(service_id: int, on: date) -> str:
    return f"probatio:workload-weights:{service_id}:{on.isoformat()}"


def weights_in_force(service_id: int, *, on: date) -> dict[tuple, Decimal]:
    """The weights of the service's scale on ``on`` (its own rows over the national ones).
    Reference data read by every page of the allocation: kept five minutes in the cache
    (``services.weight_set`` forgets today's at once in its own process)."""
    key = weights_cache_key(service_id, on)
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = WorkloadWeight.objects.filter(
        Q(service__isnull=True) | Q(service_id=service_id), valid_from__lte=on
    ).values_list("service_id", "subject", "setting", "points", "valid_from")
    weights = rules.weights_on(
        (
            rules.Weight(service_id=s, subject=subject, setting=setting, points=p, valid_from=v)
            for s, subject, setting, p, v in rows
        ),
        service_id=service_id,
        on=on,
    )
    cache.set(key, weights, timeout=WEIGHTS_CACHE_SECONDS)
    return weights


def _weighed(measures: str, *, custody: bool, level: str, files: int = 1) -> list[tuple]:
    """The open measures of ``files`` files sharing these kept facts (``FileLoad``), as
    ``rules.points`` weighs them: (kind, setting, how many, level)."""
    setting = "custody" if custody else "community"
    return [(code, setting, files * n, level or None) for code, n in parse_measures(measures)]


def _caseload_rows(
    service_id: int, cpip_ids: list[int] | None = None, *, with_unassigned: bool = True
) -> dict[int | None, dict]:
    """Per CPIP (``None``: the files without one), over the files followed: persons,
    persons in custody, open measures by kind and setting, grouped by the persons' level in
    force (its coefficient multiplies their measures' points), read from the files' kept
    facts (``assessments.FileLoad``), and the reports each CPIP has to write on their files
    (a draft or one sent back), in one grouped query. ``cpip_ids``: those CPIPs' files only
    (and the files without one, ``with_unassigned``)."""
    files = Person.objects.filter(service_id=service_id, is_followed=True)
    if cpip_ids is not None and with_unassigned:
        files = files.filter(Q(assigned_cpip_id__in=cpip_ids) | Q(assigned_cpip_id__isnull=True))
    elif cpip_ids is not None:
        files = files.filter(assigned_cpip_id__in=cpip_ids)
    rows = (
        files
        # The reports to write, joined on the rare files that have one.
        .annotate(
            due_reports=FilteredRelation(
                "reports",
                condition=Q(reports__status__in=(report_rules.DRAFT, report_rules.RETURNED)),
            )
        )
        .values("assigned_cpip_id", "load__in_custody", "load__level", "load__measures")
        .annotate(
            n=Count("pk", distinct=True),
            reports_due=Count(
                "due_reports", filter=Q(due_reports__author_id=F("assigned_cpip_id"))
            ),
        )
        .order_by()
    )
    result: dict[int | None, dict] = {}
    for row in rows:
        entry = result.setdefault(
            row["assigned_cpip_id"], {"persons": 0, "custody": 0, "measures": [], "reports": 0}
        )
        custody, n = bool(row["load__in_custody"]), row["n"]
        entry["persons"] += n
        entry["reports"] += row["reports_due"]
        if custody:
            entry["custody"] += n
        entry["measures"] += _weighed(
            row["load__measures"], custody=custody, level=row["load__level"], files=n
        )
    return result


def _staff(service_id: int, roles, *, today: date, with_reductions: bool):
    running = CapacityReduction.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today),
        membership_id=OuterRef("pk"),
        start_date__lte=today,
    )
    absent = Absence.objects.filter(
        membership_id=OuterRef("pk"), start_date__lte=today, end_date__gte=today
    ).order_by("-end_date")
    memberships = (
        Membership.objects.filter(service_id=service_id, role__in=roles, is_active=True)
        .select_related("user", "site")
        .annotate(
            absent_until=Subquery(absent.values("end_date")[:1]),
            reduced=Coalesce(
                Subquery(
                    running.order_by()
                    .values("membership_id")
                    .annotate(total=Sum("share"))
                    .values("total")
                ),
                0,
            ),
        )
        .order_by("user__last_name", "user__first_name", "pk")
    )
    if with_reductions:
        memberships = memberships.prefetch_related(
            Prefetch(
                "capacity_reductions",
                queryset=CapacityReduction.objects.filter(
                    Q(end_date__isnull=True) | Q(end_date__gte=today)
                ).order_by("start_date", "pk"),
                to_attr="reductions_ahead",
            )
        )
    return list(memberships)


EMPTY_ROW = {"persons": 0, "custody": 0, "measures": [], "reports": 0}


def loads_of(
    memberships,
    service_id: int,
    *,
    today: date,
    narrowed: bool = False,
    with_unassigned: bool = True,
) -> tuple[list[CpipLoad], int]:
    """The loads of ``memberships`` (``service_staff``, or some of them: ``narrowed``, whose
    files alone are then read) and the number of files waiting for a CPIP (one query, and the
    cached scale)."""
    weights = weights_in_force(service_id, on=today)
    full_time = weights.get((rules.FULL_TIME, rules.ANY), Decimal("60"))
    caseloads = _caseload_rows(
        service_id,
        cpip_ids=[m.user_id for m in memberships] if narrowed else None,
        with_unassigned=with_unassigned,
    )
    loads = []
    for membership in memberships:
        row = caseloads.get(membership.user_id, EMPTY_ROW)
        loads.append(
            CpipLoad(
                user=membership.user,
                membership=membership,
                persons=row["persons"],
                custody=row["custody"],
                measures=sum(m[2] for m in row["measures"]),
                reports_due=row["reports"],
                points=rules.points(weights, measures=row["measures"], reports_due=row["reports"]),
                capacity=rules.capacity(
                    full_time=full_time,
                    working_time=membership.working_time,
                    reductions=[rules.Reduction(share=membership.reduced, start=today)],
                    on=today,
                ),
                reductions=getattr(membership, "reductions_ahead", []),
                today=today,
                absent_until=membership.absent_until,
            )
        )
    return loads, caseloads.get(None, EMPTY_ROW)["persons"]


def cpip_loads(service_id: int, *, today: date, with_reductions: bool = False) -> list[CpipLoad]:
    """Every active CPIP of the service with their load today, in two queries whatever the
    size of the service (CPIPs with their reductions running today; their files, measures
    and reports to write) and the scale (cached); ``with_reductions``: the reductions to
    come too, to show them (one more)."""
    return service_loads(service_id, today=today, with_reductions=with_reductions)[0]


def service_loads(
    service_id: int, *, today: date, with_reductions: bool = False
) -> tuple[list[CpipLoad], int]:
    """``cpip_loads`` and the number of files waiting for a CPIP (same queries)."""
    memberships = _staff(service_id, REFERENT_ROLES, today=today, with_reductions=with_reductions)
    return loads_of(memberships, service_id, today=today)


@dataclass(frozen=True)
class Team:
    """An antenne where CPIPs of the service work (``key``: ``rules.team_key``)."""

    key: str
    name: str
    cpips: int


def teams_of(memberships) -> list[Team]:
    """The antennes of ``memberships`` (active CPIPs), largest first, then by name; the CPIPs
    without an antenne last. No query: the memberships come with their site."""
    counts: Counter = Counter(m.site_id for m in memberships)
    names = {m.site_id: m.site.name for m in memberships if m.site_id}
    teams = [
        Team(rules.team_key(site_id), names.get(site_id, "Sans antenne"), n)
        for site_id, n in counts.items()
    ]
    return sorted(teams, key=lambda t: (t.key == rules.NO_SITE, -t.cpips, t.name))


def of_team(memberships, team: str) -> list:
    """The memberships of one antenne (``rules.ALL_SITES``: every one)."""
    if team == rules.ALL_SITES:
        return list(memberships)
    return [m for m in memberships if rules.team_key(m.site_id) == team]


def service_staff(service_id: int, *, today: date, with_reductions: bool = False) -> list:
    """The service's active CPIPs (memberships, with their site and what their loads need:
    one query; ``with_reductions``: one more), for ``teams_of`` and ``loads_of``."""
    return _staff(service_id, REFERENT_ROLES, today=today, with_reductions=with_reductions)


def own_load(service_id: int, user_id: int, *, today: date) -> list[CpipLoad]:
    """One CPIP's load (none when they are not an active CPIP of the service): their files
    alone are read."""
    own = [m for m in service_staff(service_id, today=today) if m.user_id == user_id]
    return loads_of(own, service_id, today=today, narrowed=True, with_unassigned=False)[0]


def allocation_staff(service_id: int, support_roles, *, today: date):
    """The allocation form's people: the CPIPs with their loads, and the other professionals
    a file may be given (each user with the ``role_label`` of that membership), read together
    (two queries, and the cached scale)."""
    memberships = _staff(
        service_id, [*REFERENT_ROLES, *support_roles], today=today, with_reductions=False
    )
    support = []
    for membership in memberships:
        if not is_referent(membership.role):
            membership.user.role_label = membership.role_label
            support.append(membership.user)
    cpips = [m for m in memberships if is_referent(m.role)]
    return loads_of(cpips, service_id, today=today)[0], support


def file_points(person_ids: list[int], service_id: int, *, today: date) -> dict[int, Decimal]:
    """What each file weighs (its open measures, from its kept facts: one query, plus the
    weights)."""
    weights = weights_in_force(service_id, on=today)
    held = {
        load.person_id: _weighed(load.measures, custody=load.in_custody, level=load.level)
        for load in FileLoad.objects.filter(person_id__in=person_ids, person__service_id=service_id)
    }
    return {pk: rules.points(weights, measures=held.get(pk, [])) for pk in person_ids}


def active_cpips(service_id: int) -> QuerySet[User]:
    return User.objects.filter(
        memberships__service_id=service_id,
        memberships__role__in=REFERENT_ROLES,
        memberships__is_active=True,
    ).order_by("last_name", "first_name", "pk")


def weight_subjects() -> list[tuple[str, str]]:
    """The lines of the scale: the capacity, a report due, the coefficient of each follow-up
    intensity, every measure of the catalogue."""
    return (
        [
            (rules.FULL_TIME, "Capacité d'un ou une CPIP à temps plein"),
            (rules.REPORT_DUE, "Rapport à rédiger"),
        ]
        + [
            (
                rules.level_subject(level),
                f"Coefficient de l'intensité « {LEVEL_LABELS[level].lower()} »",
            )
            for level in rules.LEVELS
        ]
        + [(rules.ANY_MEASURE, "Mesure sans pondération propre")]
        + [(t.code, t.short_label) for t in measure_selectors.measure_types()]
    )


@dataclass
class ScaleRow:
    subject: str
    label: str
    setting: str
    setting_label: str
    national: Decimal | None
    service: Decimal | None
    in_force: Decimal | None


def scale(service_id: int, *, on: date) -> tuple[list[ScaleRow], list[WorkloadWeight]]:
    """The scale in force on ``on``, national and service values side by side, and the
    service's own rows (past and future) for its history (two queries, plus the catalogue)."""
    rows = list(
        WorkloadWeight.objects.filter(Q(service__isnull=True) | Q(service_id=service_id))
        .select_related("created_by")
        .order_by("subject", "setting", "valid_from")
    )
    plain = [
        rules.Weight(
            service_id=r.service_id,
            subject=r.subject,
            setting=r.setting,
            points=r.points,
            valid_from=r.valid_from,
        )
        for r in rows
    ]
    national = rules.weights_on(
        [w for w in plain if w.service_id is None], service_id=service_id, on=on
    )
    in_force = rules.weights_on(plain, service_id=service_id, on=on)
    own = rules.weights_on(
        [w for w in plain if w.service_id is not None], service_id=service_id, on=on
    )
    labels = dict(WorkloadWeight.Setting.choices)
    keys = sorted(set(national) | set(own))
    order = {code: i for i, (code, _) in enumerate(weight_subjects())}
    names = dict(weight_subjects())
    keys.sort(key=lambda k: (order.get(k[0], 999), k[1]))
    table = [
        ScaleRow(
            subject=subject,
            label=names.get(subject, subject),
            setting=setting,
            setting_label=labels.get(setting, setting),
            national=national.get((subject, setting)),
            service=own.get((subject, setting)),
            in_force=in_force.get((subject, setting)),
        )
        for subject, setting in keys
    ]
    return table, [r for r in rows if r.service_id is not None]


def cpip_membership_get(service_id: int, pk: int) -> Membership | None:
    return (
        Membership.objects.filter(
            pk=pk, service_id=service_id, role__in=REFERENT_ROLES, is_active=True
        )
        .select_related("user", "site")
        .first()
    )


# --- The allocation queue --------------------------------------------------------------------

URGENT_DAYS = 7  # a first interview due within a week is urgent


@dataclass
class QueueRow:
    person: Person
    first_interview: object | None  # the échéancier's DueItem, if one is due
    urgency: str  # "overdue", "urgent", "later" or "none"

    @property
    def sort_key(self) -> tuple:
        due = self.first_interview.due if self.first_interview else date.max
        return (due, self.person.awaiting_since or self.person.created_at, self.person.pk)


def queue(membership, *, today: date, **filters) -> list[QueueRow]:
    """The files of the service waiting for a CPIP, soonest first-interview deadline first,
    then the longest waiting (three queries: the files, their open measures, the deadlines)."""
    waiting = person_list_for(
        membership,
        cpip_id=UNASSIGNED,
        files=FOLLOWED,
        **{k: v for k, v in filters.items() if k in ("query", "measure_type", "setting")},
    )
    if filters.get("origin"):
        waiting = waiting.filter(awaiting_reason=filters["origin"])
    persons = list(waiting)
    with_open_measures(persons)
    items = {}
    if persons:
        for item in collect(
            Query(
                persons=Person.objects.filter(pk__in=[p.pk for p in persons]),
                today=today,
                until=today + timedelta(days=NEXT_DUE_HORIZON_DAYS),
                service_id=membership.service_id,
                service=membership.service,
                with_staff=False,
                open_measures=[m for p in persons for m in p.open_measures],
            ),
            ["first_interview"],
        ):
            items.setdefault(item.person_id, item)
    rows = []
    for person in persons:
        item = items.get(person.pk)
        if item is None:
            urgency = "none"
        elif item.due < today:
            urgency = "overdue"
        elif item.due <= today + timedelta(days=URGENT_DAYS):
            urgency = "urgent"
        else:
            urgency = "later"
        rows.append(QueueRow(person=person, first_interview=item, urgency=urgency))
    urgency = filters.get("urgency")
    if urgency == "urgent":
        rows = [r for r in rows if r.urgency in ("overdue", "urgent")]
    elif urgency:
        rows = [r for r in rows if r.urgency == urgency]
    rows.sort(key=lambda r: r.sort_key)
    return rows


# --- Moving files ----------------------------------------------------------------------------


def upcoming_with_former_cpip(persons: list[Person], *, now) -> dict[int, list[Appointment]]:
    """Each file's planned appointments to come where its current CPIP is one of the staff
    (one query)."""
    by_person: dict[int, list[Appointment]] = {}
    cpip_of = {p.pk: p.assigned_cpip_id for p in persons if p.assigned_cpip_id}
    if not cpip_of:
        return by_person
    rows = (
        Appointment.objects.filter(
            person_id__in=list(cpip_of),
            status=Appointment.Status.PLANNED,
            starts_at__gt=now,
            staff__in=set(cpip_of.values()),
        )
        .distinct()
        .prefetch_related("staff")
        .order_by("starts_at", "pk")
    )
    for appointment in rows:
        staff = {u.pk for u in appointment.staff.all()}
        if cpip_of[appointment.person_id] in staff:
            by_person.setdefault(appointment.person_id, []).append(appointment)
    return by_person


def move_conflicts(
    service_id: int,
    upcoming: dict[int, list[Appointment]],
    assignments: dict[int, int],
    *,
    persons: list[Person],
) -> list[str]:
    """The appointments that would clash in their new CPIP's agenda (French lines): with what
    is already there, and between files given to the same CPIP (one query)."""
    moving = [(a, assignments[pid]) for pid, items in upcoming.items() for a in items]
    if not moving:
        return []
    names = {p.pk: str(p) for p in persons}
    targets = {uid for _, uid in moving}
    start = min(a.starts_at for a, _ in moving)
    end = max(a.ends_at for a, _ in moving)
    moving_ids = {a.pk for a, _ in moving}
    existing = [
        (a, u.pk)
        for a in Appointment.objects.filter(
            service_id=service_id,
            status=Appointment.Status.PLANNED,
            starts_at__lt=end,
            ends_at__gt=start,
            staff__in=targets,
        )
        .exclude(pk__in=moving_ids)
        .distinct()
        .prefetch_related("staff")
        .select_related("person")
        for u in a.staff.all()
        if u.pk in targets
    ]
    users = {u.pk: u for u in User.objects.filter(pk__in=targets)}
    lines = []
    placed: list[tuple[Appointment, int]] = []
    for appointment, uid in sorted(moving, key=lambda m: m[0].starts_at):
        for other, other_uid in existing + placed:
            if other_uid != uid:
                continue
            if other.starts_at < appointment.ends_at and appointment.starts_at < other.ends_at:
                lines.append(
                    f"{users[uid]} : le rendez-vous de {names[appointment.person_id]} du "
                    f"{paris(appointment.starts_at):%d/%m/%Y à %H:%M} tombe en même temps "
                    f"qu'un autre rendez-vous ({paris(other.starts_at):%H:%M}–"
                    f"{paris(other.ends_at):%H:%M})."
                )
                break
        placed.append((appointment, uid))
    return lines


@dataclass
class PlanRow:
    person: Person
    target: User
    points: Decimal
    appointments: list


def move_plan(
    membership,
    *,
    person_ids: list[int],
    target_ids: list[int],
    today: date,
    now,
) -> tuple[list[PlanRow], list[CpipLoad]]:
    """Who gets which file: one target takes them all; several share them by load (heaviest
    files first, to the lowest workload once given: ``rules.spread``). Returns the rows and
    the targets' loads after the move."""
    loads = {load.user.pk: load for load in cpip_loads(membership.service_id, today=today)}
    targets = [loads[uid] for uid in target_ids if uid in loads]
    persons = list(
        Person.objects.filter(pk__in=person_ids, service_id=membership.service_id)
        .select_related("assigned_cpip")
        .order_by("surname", "first_names", "pk")
    )
    weights = file_points([p.pk for p in persons], membership.service_id, today=today)
    # A file already with one of the targets stays there.
    moving = [p for p in persons if p.assigned_cpip_id not in {t.user.pk for t in targets}]
    candidates = [t.candidate() for t in targets]
    for candidate in candidates:  # the files leaving a target do not count against it
        candidate.points -= sum(
            (weights[p.pk] for p in moving if p.assigned_cpip_id == candidate.user_id),
            Decimal("0"),
        )
    given = rules.spread([(p.pk, weights[p.pk]) for p in moving], candidates)
    upcoming = upcoming_with_former_cpip(moving, now=now)
    by_id = {t.user.pk: t for t in targets}
    rows = [
        PlanRow(
            person=p,
            target=by_id[given[p.pk]].user,
            points=weights[p.pk],
            appointments=upcoming.get(p.pk, []),
        )
        for p in moving
        if p.pk in given
    ]
    for target in targets:
        target.points += sum((r.points for r in rows if r.target.pk == target.user.pk), Decimal(0))
    return rows, targets


# --- The Monday view -------------------------------------------------------------------------


@dataclass
class MondayRow:
    load: CpipLoad
    awaiting_visa: int
    received: int


def monday(service_id: int, loads: list[CpipLoad], *, today: date) -> list[MondayRow]:
    """Per CPIP of ``loads``, what a manager acts on this week that SQL counts directly:
    reports waiting for the visa, files received since Monday; with their load."""
    monday_start = today - timedelta(days=today.weekday())
    visa = dict(
        Report.objects.filter(person__service_id=service_id, status=report_rules.SUBMITTED)
        .values("author_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("author_id", "n")
    )
    received = dict(
        Person.objects.filter(
            service_id=service_id,
            assigned_cpip__isnull=False,
            assigned_at__date__gte=monday_start,
        )
        .values("assigned_cpip_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("assigned_cpip_id", "n")
    )
    rows = [
        MondayRow(
            load=load,
            awaiting_visa=visa.get(load.user.pk, 0),
            received=received.get(load.user.pk, 0),
        )
        for load in loads
    ]
    return rows


def overdue_by_cpip(
    membership, *, today: date, cpip_ids: list[int] | None = None
) -> tuple[dict, dict]:
    """Per CPIP: the items of the échéancier overdue (appointments aside), and the first
    interviews still to book (no appointment yet, due within the caseload's horizon), counted
    in SQL on the échéancier's stored items (docs/deadlines.md) of the whole service, made
    current first. Key ``None``: the items without anyone to act. ``cpip_ids``: those CPIPs'
    counts only (one antenne's), and the items without anyone."""
    refresh.ensure_current(membership.service_id, today)
    overdue_q = Q(done=False, due__lt=today) & ~Q(kind="appointment")
    unbooked_q = Q(
        kind="first_interview",
        state="unbooked",
        due__lte=today + timedelta(days=NEXT_DUE_HORIZON_DAYS),
    )
    rows = DueItemRecord.objects.filter(
        overdue_q | unbooked_q, service_id=membership.service_id
    ).exclude(kind__in=refresh.SERVICE_LEVEL_KINDS)  # the files of other services
    if not deadline_selectors.whole_service(membership, None):
        rows = rows.filter(person_id__in=person_list_for(membership).order_by().values("pk"))
    staff = DueItemStaff.objects.filter(item__in=rows)
    if cpip_ids is not None:
        staff = staff.filter(user_id__in=cpip_ids)
    staffed = (
        staff.order_by()
        .values("user_id")
        .annotate(
            overdue=Count("pk", filter=Q(item__done=False, item__due__lt=today)),
            unbooked=Count(
                "pk",
                filter=Q(
                    item__kind="first_interview",
                    item__state="unbooked",
                    item__due__lte=today + timedelta(days=NEXT_DUE_HORIZON_DAYS),
                ),
            ),
        )
        .values_list("user_id", "overdue", "unbooked")
    )
    nobody = (
        rows.filter(~Exists(DueItemStaff.objects.filter(item_id=OuterRef("pk"))))
        .order_by()
        .annotate(owner=Value(None, output_field=IntegerField()))
        .values("owner")
        .annotate(
            overdue=Count("pk", filter=overdue_q),
            unbooked=Count("pk", filter=unbooked_q),
        )
        .values_list("owner", "overdue", "unbooked")
    )
    overdue: dict = {}
    unbooked: dict = {}
    for owner, late, to_book in staffed.union(nobody, all=True):
        if late:
            overdue[owner] = late
        if to_book:
            unbooked[owner] = to_book
    return overdue, unbooked


def week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


def files_of(membership, cpip_id) -> QuerySet[Person]:
    """One CPIP's files followed (or ``UNASSIGNED``: the queue's), by name."""
    return person_list_for(membership, cpip_id=cpip_id, files=FOLLOWED)


def files_among(membership, person_ids: list[int]) -> QuerySet[Person]:
    """The files of the service among ``person_ids`` (another service's ids are left out)."""
    return person_list_for(membership).filter(pk__in=person_ids)


def reductions_of(membership: Membership) -> QuerySet[CapacityReduction]:
    return membership.capacity_reductions.order_by("-start_date", "pk")


def reduction_get(service_id: int, pk: int) -> CapacityReduction | None:
    return CapacityReduction.objects.filter(pk=pk, membership__service_id=service_id).first()


def move_summary(result) -> str:
    """The French message after a move."""
    parts = [count(result.files, "dossier confié", "dossiers confiés")]
    if result.appointments_moved:
        parts.append(
            count(result.appointments_moved, "rendez-vous transféré", "rendez-vous transférés")
        )
    if result.appointments_cancelled:
        parts.append(
            count(result.appointments_cancelled, "rendez-vous annulé", "rendez-vous annulés")
            + " (la personne est prévenue)"
        )
    if result.appointments_kept:
        parts.append(
            count(result.appointments_kept, "rendez-vous laissé", "rendez-vous laissés")
            + " dans l'agenda d'origine"
        )
    return " ; ".join(parts) + "."


def incoming_transfers(service_id: int) -> list:
    """The transfers waiting for the service's answer (shown above the queue; one query)."""
    return list(transfer_selectors.incoming_pending(service_id))


def pending_intensity_count(service_id: int) -> int:
    """How many changes of follow-up intensity wait for a manager (the service view's tab)."""
    return assessment_selectors.pending_for_service(service_id).count()
