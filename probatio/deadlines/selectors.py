"""The échéancier's reads: whose items a membership sees, and the names shown beside them."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import Count, Min, Q, QuerySet, Sum, Value

from probatio.access.policy import Action, Scope, allows, is_referent, scope_for
from probatio.accounts.models import Membership, User
from probatio.core.deadlines import DueItem, Query, collect, registered
from probatio.deadlines.models import DueItemRecord, DueItemStaff
from probatio.deadlines.rules import ALWAYS_SHOWN
from probatio.deadlines.services.refresh import SERVICE_LEVEL_KINDS, as_item
from probatio.people.models import Person
from probatio.people.selectors import UNASSIGNED, followed_by, person_list_for
from probatio.sentences import selectors as sentence_selectors

# Providers that read the stored sentence dates of the persons in custody: loaded once for all.
CUSTODY_DATE_KINDS = ("sentence", "release_plan")


def sees_whole_service(role: str) -> bool:
    """Who opens the échéancier without files of their own (managers, the secretariat) sees
    the whole service's, with a filter by CPIP (``access.policy``)."""
    return allows(role, Action.OPEN_SCHEDULE) and scope_for(role, Action.OPEN_CASELOAD) is None


def caseload_of(membership: Membership, user_id: int) -> QuerySet[Person]:
    """Persons followed by ``user_id`` (as CPIP or as another professional), in the service."""
    return person_list_for(membership).filter(followed_by(user_id))


def _scope(membership: Membership, cpip_id: int | str | None):
    """Whose items a membership's échéancier lists: (the staff member whose own items are
    added, or None; the persons). A CPIP (or another professional): their caseload and their
    own items. Managers and the secretariat: the whole service, one CPIP's share, or the files
    nobody holds (every item of theirs)."""
    if sees_whole_service(membership.role) and cpip_id == UNASSIGNED:
        return None, person_list_for(membership, cpip_id=UNASSIGNED)
    if sees_whole_service(membership.role):
        persons = caseload_of(membership, cpip_id) if cpip_id else person_list_for(membership)
        return cpip_id, persons
    return membership.user_id, caseload_of(membership, membership.user_id)


def whole_service(membership: Membership, cpip_id: int | str | None) -> bool:
    """Whether the membership's échéancier lists every file of the service (no CPIP chosen,
    and a role that lists the whole service)."""
    return (
        not cpip_id
        and sees_whole_service(membership.role)
        and scope_for(membership.role, Action.LIST_PERSONS) is Scope.SERVICE
    )


@dataclass
class Schedule:
    items: list[DueItem]
    staff_id: int | None


def schedule_for(
    membership: Membership,
    *,
    today: date,
    until: date,
    cpip_id: int | str | None = None,
    kinds: list[str] | None = None,
) -> Schedule:
    """A CPIP (or another professional): their caseload and the appointments where they are
    staff. Managers and the secretariat: the whole service, or one CPIP's share."""
    if not allows(membership.role, Action.OPEN_SCHEDULE):
        # Judges have no caseload nor agenda; the view refuses them first.
        return Schedule(items=[], staff_id=None)
    staff_id, persons = _scope(membership, cpip_id)
    query = Query(
        persons=persons,
        today=today,
        until=until,
        service_id=membership.service_id,
        staff_id=staff_id,
        service=membership.service,
        custody_dates=(
            sentence_selectors.dates_of_persons(persons)
            if kinds is None or any(kind in kinds for kind in CUSTODY_DATE_KINDS)
            else None
        ),
    )
    wanted = kinds or [r.kind for r in registered()]
    within = [kind for kind in wanted if kind not in ALWAYS_SHOWN]
    always = [kind for kind in wanted if kind in ALWAYS_SHOWN]
    items = collect(query, within) if within else []
    if always:  # whatever the horizon: each provider still runs once
        items += collect(replace(query, until=date.max), always)
    items.sort(key=lambda item: item.sort_key)
    return Schedule(items=items, staff_id=staff_id)


# How the providers read ``Query.staff_id`` (one staff member's share), replayed on the stored
# rows, computed without it: the appointments add the member's own appointments (with persons
# outside their files); the messages keep those of the member's persons that name them; the
# service-level kinds are no one's share.
STAFF_ADDS = ("appointment",)
STAFF_NARROWS = ("message",)


def stored_rows(
    membership: Membership,
    *,
    today: date,
    until: date,
    cpip_id: int | str | None = None,
    kinds: list[str] | None = None,
    overdue: bool = False,
) -> QuerySet[DueItemRecord]:
    """The stored items the membership sees, filtered, as ``schedule_for`` would list them
    (in SQL: the page counts and pages them there)."""
    if not allows(membership.role, Action.OPEN_SCHEDULE):
        return DueItemRecord.objects.none()
    staff_id, persons = _scope(membership, cpip_id)
    rows = DueItemRecord.objects.filter(service_id=membership.service_id)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    rows = rows.filter(horizon__lte=(until - today).days)  # 0: whatever the horizon
    if overdue:
        rows = rows.filter(done=False, due__lt=today)
    if whole_service(membership, cpip_id):
        # Every item of the service: a record is its person's service's (a file that leaves
        # takes none along: ``transfers.services``), read without testing each file.
        return rows
    theirs = Q(person_id__in=persons.order_by().values("pk"))
    if staff_id:
        names_them = Q(pk__in=DueItemStaff.objects.filter(user_id=staff_id).values("item_id"))
        scope = (
            (theirs & ~Q(kind__in=STAFF_NARROWS + SERVICE_LEVEL_KINDS))
            | (names_them & Q(kind__in=STAFF_ADDS))
            | (theirs & names_them & Q(kind__in=STAFF_NARROWS))
        )
    else:
        scope = (theirs & ~Q(kind__in=SERVICE_LEVEL_KINDS)) | Q(kind__in=SERVICE_LEVEL_KINDS)
    return rows.filter(scope)


@dataclass
class Totals:
    items: int
    overdue: int
    groups: int  # persons' days: the page's unit


def totals(rows: QuerySet[DueItemRecord], today: date) -> Totals:
    """The counts of the filtered rows, in one query: counted per person's day (the page's
    groups, as ``groups`` forms them), then summed (a text key per row counted distinct cost
    30 ms on 37,000 items)."""
    per_group = (
        rows.order_by()
        .values("due", "person_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(done=False, due__lt=today)))
    )
    found = per_group.aggregate(items=Sum("n"), overdue=Sum("late"), groups=Count("due"))
    return Totals(
        items=found["items"] or 0, overdue=found["overdue"] or 0, groups=found["groups"] or 0
    )


def groups(rows: QuerySet[DueItemRecord]):
    """The persons' days, in the page's order (a day, then the order of each person's first
    item): a queryset the paginator slices (LIMIT/OFFSET)."""
    return (
        rows.order_by()
        .values("due", "person_id")
        .annotate(first=Min("order_key"))
        .order_by("due", "first", "person_id")
    )


def items_of(rows: QuerySet[DueItemRecord], page_groups) -> list[DueItem]:
    """The items of a page's groups, soonest first (one query)."""
    keys = {(g["due"], g["person_id"]) for g in page_groups}
    if not keys:
        return []
    days = [day for day, _ in keys]
    found = rows.filter(
        due__gte=min(days), due__lte=max(days), person_id__in={pk for _, pk in keys}
    ).order_by("due", "order_key", "person_id", "pk")
    return [as_item(r) for r in found if (r.due, r.person_id) in keys]


def all_items(rows: QuerySet[DueItemRecord]) -> list[DueItem]:
    """Every filtered item, in the page's order (the export)."""
    return [as_item(r) for r in rows.order_by("due", "order_key", "person_id", "pk")]


@dataclass
class ServiceStaff:
    by_id: dict[int, User]  # everyone who is or was a member of the service
    cpips: list[User]  # the active CPIPs, by name (the manager's filter)


def service_staff(service_id: int) -> ServiceStaff:
    """The service's members, read once (one query, however many items name them)."""
    staff, _ = staff_and_persons(service_id, ())
    return staff


def staff_and_persons(
    service_id: int, person_ids: Iterable[int]
) -> tuple[ServiceStaff, dict[int, Person]]:
    """The service's members (who must act, the managers' filter) and the persons of a page of
    items (their names), in one query: the two lists, read side by side."""
    members = Membership.objects.filter(service_id=service_id).values_list(
        Value("m"), "user_id", "user__last_name", "user__first_name", "role", "is_active"
    )
    persons = Person.objects.filter(service_id=service_id, pk__in=set(person_ids)).values_list(
        Value("p"), "pk", "surname", "first_names", Value(""), Value(True)
    )
    by_id: dict[int, User] = {}
    cpips: dict[int, User] = {}
    named: dict[int, Person] = {}
    for source, pk, last, first, role, active in members.order_by().union(
        persons.order_by(), all=True
    ):
        if source == "p":
            named[pk] = Person(pk=pk, surname=last, first_names=first)
            continue
        user = by_id.setdefault(pk, User(pk=pk, last_name=last, first_name=first))
        if is_referent(role) and active:
            cpips[pk] = user
    staff = ServiceStaff(
        by_id=by_id,
        cpips=sorted(cpips.values(), key=lambda u: (u.last_name, u.first_name, u.pk)),
    )
    return staff, named
