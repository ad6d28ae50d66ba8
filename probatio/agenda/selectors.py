"""Reads of appointments, always through the dossier gate of their person; of their messages
and summonses; and of the private calendar feeds."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from probatio.access.policy import Action, PersonFacts, allows
from probatio.access.roles import SHORT_LABELS as ROLE_SHORT
from probatio.access.roles import Role
from probatio.accounts import selectors as staff_selectors
from probatio.accounts.models import Absence, Membership, User
from probatio.agenda import calendar, entries, rules
from probatio.agenda.models import Appointment, CalendarFeed, Summons
from probatio.core.gates import NotFound
from probatio.measures.models import Measure
from probatio.messaging.models import Message
from probatio.organisation import selectors as site_selectors
from probatio.organisation.models import ClosedDay
from probatio.people.models import Person
from probatio.people.selectors import Gated, log_person_read, person_get_for, person_list_for

# The private feed covers this many days before and after today.
FEED_DAYS_BEFORE = 30
FEED_DAYS_AFTER = 180


@dataclass
class GatedAppointment:
    """An appointment with what the current user may do on it."""

    appointment: Appointment
    gated: Gated  # the person's gate
    is_own: bool

    @property
    def facts(self) -> PersonFacts:
        return PersonFacts(
            is_caseload=self.gated.facts.is_caseload,
            is_judge_file=self.gated.facts.is_judge_file,
            is_own=self.is_own,
        )

    def allows(self, action: Action | str) -> bool:
        return allows(self.gated.role, Action(action), self.facts)

    @property
    def can_record_outcome(self) -> bool:
        return self.allows(Action.RECORD_OUTCOME)

    @property
    def can_move(self) -> bool:
        return self.appointment.is_planned and self.allows(Action.BOOK_APPOINTMENT)


def _base() -> QuerySet[Appointment]:
    return Appointment.objects.select_related(
        "person", "site", "room", "establishment", "measure__measure_type", "note", "service"
    ).prefetch_related(Prefetch("staff", queryset=User.objects.order_by("last_name")))


def appointment_get_for(
    membership: Membership | None,
    pk: int,
    *,
    action: Action = Action.READ_FILE,
    log_read: str | None = None,
) -> GatedAppointment:
    """The gate of one appointment: its person's gate (404 outside the service or a judge's
    files), then ``action`` with the "own agenda" fact (403 when refused)."""
    if membership is None:
        raise Http404("Aucun service choisi.")
    appointment = _base().filter(service_id=membership.service_id, pk=pk).first()
    if appointment is None:
        raise NotFound("Rendez-vous introuvable.", object_type="agenda.appointment", object_id=pk)
    gated = person_get_for(membership, appointment.person_id)
    is_own = any(u.pk == membership.user_id for u in appointment.staff.all())
    result = GatedAppointment(appointment=appointment, gated=gated, is_own=is_own)
    if not result.allows(action):
        raise PermissionDenied("Votre rôle ne permet pas cette action sur ce rendez-vous.")
    if log_read:
        # The entry names the appointment read (its page, its iCalendar file).
        log_person_read(membership, gated.person, log_read, document=appointment)
    return result


def appointments_between(
    membership: Membership,
    start: date,
    end: date,
    *,
    staff_id: int | None = None,
    site_id: int | None = None,
    person_id: int | None = None,
) -> QuerySet[Appointment]:
    """Appointments of the service from ``start`` to ``end`` (Paris days, inclusive), scoped to
    the persons the membership may list. A fixed number of queries whatever their number."""
    first, _ = rules.day_bounds(start)
    _, last = rules.day_bounds(end)
    qs = _base().filter(
        service_id=membership.service_id,
        starts_at__gte=first,
        starts_at__lt=last,
        person__in=person_list_for(membership),
    )
    if staff_id:
        qs = qs.filter(staff__id=staff_id)
    if site_id:
        qs = qs.filter(site_id=site_id)
    if person_id:
        qs = qs.filter(person_id=person_id)
    return qs.order_by("starts_at", "id")


def week_days(day: date) -> list[date]:
    monday = rules.week_start(day)
    return [monday + timedelta(days=i) for i in range(7)]


def local_day(moment: datetime) -> date:
    return rules.paris(moment).date()


def staff_of_service(service_id: int) -> QuerySet[User]:
    """Users with an active membership in the service (who may hold appointments)."""
    return User.objects.filter(
        is_active=True,
        memberships__service_id=service_id,
        memberships__is_active=True,
    ).distinct()


def staff_by_name(service_id: int) -> QuerySet[User]:
    """The service's staff, by last name (for the agenda's filter; the booking form offers
    ``booking_staff``)."""
    return staff_of_service(service_id).order_by("last_name")


@dataclass(frozen=True)
class StaffChoice:
    """A professional offered by the booking form, and why (the label's suffix)."""

    user: User
    reason: str  # « CPIP de la personne », « intervenant·e de la personne », « antenne »…


def booking_staff(
    service_id: int, person: Person, *, site_id: int | None, also_ids: tuple[int, ...] = ()
) -> list[StaffChoice]:
    """The staff a booking for ``person`` offers, in this order: the person's CPIP, the other
    professionals who follow them, then the staff attached to site ``site_id`` (the whole
    service's without a site), each by name; plus ``also_ids`` (the current user, the staff
    already chosen) wherever they work. Only active members of the service whose role holds
    appointments (``rules.holds_appointments``: never a judge, a manager or the
    secretariat). One query (whether each follows the person, read with them)."""
    roles = [r for r in Role.values if rules.holds_appointments(r)]
    follows = Person.support_staff.through.objects.filter(
        person_id=person.pk, user_id=OuterRef("user_id")
    )
    memberships = (
        Membership.objects.filter(
            service_id=service_id, is_active=True, role__in=roles, user__is_active=True
        )
        .select_related("user")
        .annotate(follows=Exists(follows))
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    found: dict[int, tuple[int, str, User]] = {}
    for membership in memberships:
        user = membership.user
        if user.pk == person.assigned_cpip_id:
            rank, reason = 0, "CPIP de la personne"
        elif membership.follows:
            rank, reason = 1, "suit aussi la personne"
        elif site_id is None or membership.site_id == site_id:
            rank, reason = 2, ROLE_SHORT.get(membership.role, "")
        elif user.pk in also_ids:
            rank, reason = 3, ROLE_SHORT.get(membership.role, "")
        else:
            continue
        if user.pk not in found or rank < found[user.pk][0]:
            found[user.pk] = (rank, reason, user)
    ordered = sorted(found.values(), key=lambda row: row[0])  # stable: by name within a rank
    return [StaffChoice(user=user, reason=reason) for _, reason, user in ordered]


def busy_intervals(
    service_id: int,
    *,
    staff_ids: list[int],
    room_id: int | None,
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, datetime]]:
    """The [start, end) of the planned appointments of any of ``staff_ids`` or of room
    ``room_id`` overlapping [``start``, ``end``), and of the other entries of their agenda
    (``entries``: a group session they facilitate, or held in the room): one query (a
    ``UNION``), whatever their number."""
    who = Q(staff__in=staff_ids) if staff_ids else Q(pk__in=[])
    if room_id:
        who |= Q(room_id=room_id)
    rows = (
        Appointment.objects.filter(
            who,
            service_id=service_id,
            status=Appointment.Status.PLANNED,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .order_by()
        .values_list("starts_at", "ends_at")
        .distinct()
    )
    others = entries.busy(
        entries.EntryQuery(
            service_id=service_id,
            start=start,
            end=end,
            staff_ids=tuple(staff_ids),
            room_id=room_id or None,
        )
    )
    if others:
        rows = rows.union(*others)
    return list(rows)


# --- The dossier's "Rendez-vous" tab: its lists are paged (people.views.dossier_page). ---


@dataclass(frozen=True)
class AppointmentsTabCounts:
    """What the tab counts of the person's whole history (its headings, the reminders line
    and the alert of failed reminders)."""

    upcoming: int
    past: int
    messages: int
    pending: int
    failed: int
    last_failure: str  # the error of the latest failed message


def _count(rows: QuerySet) -> Coalesce:
    """The number of ``rows`` (filtered on ``OuterRef("pk")``) as a scalar subquery."""
    return Coalesce(
        Subquery(rows.order_by().values("person").annotate(n=Count("pk")).values("n")), 0
    )


def appointments_tab_counts(person: Person, *, now: datetime) -> AppointmentsTabCounts:
    """The person's appointments to come and past, messages, pending and failed messages, and
    the latest failure's error: one query, whatever the history's size."""
    appointments = Appointment.objects.filter(person=OuterRef("pk"))
    live = _live(now)
    messages = Message.objects.filter(person=OuterRef("pk"))
    failed = messages.filter(status=Message.Status.FAILED)
    row = (
        Person.objects.filter(pk=person.pk)
        .values(  # names of their own: Person has "appointments" and "messages" relations
            n_upcoming=_count(appointments.filter(live)),
            n_past=_count(appointments.exclude(live)),
            n_messages=_count(messages),
            n_pending=_count(messages.filter(status=Message.Status.PENDING)),
            n_failed=_count(failed),
            last_failure=Subquery(failed.order_by("-scheduled_at", "-id").values("last_error")[:1]),
        )
        .get()
    )
    return AppointmentsTabCounts(
        upcoming=row["n_upcoming"],
        past=row["n_past"],
        messages=row["n_messages"],
        pending=row["n_pending"],
        failed=row["n_failed"],
        last_failure=row["last_failure"] or "",
    )


# What a row of the tab shows of an appointment besides its staff.
_ROW_RELATED = ("site", "room", "establishment", "measure__measure_type", "note")


def _person_appointments(person: Person) -> QuerySet[Appointment]:
    return Appointment.objects.filter(person=person).select_related(*_ROW_RELATED)


def _live(now: datetime) -> Q:
    """An appointment to come that still holds: planned, from ``now`` on (not a slot that was
    moved, cancelled or excused in advance)."""
    return Q(status=Appointment.Status.PLANNED, starts_at__gte=now)


def _is_live(appointment: Appointment, now: datetime) -> bool:
    return appointment.is_planned and appointment.starts_at >= now


def upcoming_appointments_of(person: Person, *, now: datetime) -> QuerySet[Appointment]:
    """The person's live appointments to come (``_live``), the soonest first."""
    return _person_appointments(person).filter(_live(now)).order_by("starts_at", "id")


def past_appointments_of(person: Person, *, now: datetime) -> QuerySet[Appointment]:
    """Every other appointment of the person, the most recent first: the past ones, and those
    to come that were moved, cancelled or excused in advance."""
    return _person_appointments(person).exclude(_live(now)).order_by("-starts_at", "-id")


def messages_of_person(person: Person) -> QuerySet[Message]:
    """Every message to the person (reminders and notices), the latest scheduled first."""
    return (
        Message.objects.filter(person=person)
        .select_related("appointment", "group_session")
        .order_by("-scheduled_at", "-id")
    )


@dataclass
class AppointmentsTabRows:
    upcoming: list[Appointment]
    past: list[Appointment]
    messages: list[Message]
    by_appointment: dict[int, list[Message]]  # the listed appointments' messages, in order


def appointments_tab_rows(
    person: Person, *, upcoming: Page, past: Page, messages: Page, now: datetime
) -> AppointmentsTabRows:
    """The rows of the tab's three pages (of ``upcoming_appointments_of``,
    ``past_appointments_of`` and ``messages_of_person``), in three queries whatever the
    history's size: both pages of appointments together (told apart as ``_live`` or not), their
    staff, and the page of messages together with the listed appointments' own messages (the
    table's "Rappels" column), each page's rows chosen by its slice as a subquery."""
    listed = Q(pk__in=upcoming.object_list.values("pk")) | Q(pk__in=past.object_list.values("pk"))
    # Within the person's own rows (their index): an OR of two subqueries alone read every
    # appointment of the country.
    appointments = list(
        Appointment.objects.filter(listed, person=person).select_related(*_ROW_RELATED)
    )
    for appointment in appointments:
        appointment.person = person  # named by the outcome buttons: no query per row
    prefetch_related_objects(
        appointments, Prefetch("staff", queryset=User.objects.order_by("last_name"))
    )
    on_page = Q(pk__in=messages.object_list.values("pk"))
    found = Message.objects.filter(
        on_page | Q(appointment__in=[a.pk for a in appointments]), person=person
    ).annotate(on_page=ExpressionWrapper(on_page, output_field=BooleanField()))
    by_appointment: dict[int, list[Message]] = {}
    page: list[Message] = []
    for message in found.select_related("appointment", "group_session").order_by(
        "scheduled_at", "id"
    ):
        by_appointment.setdefault(message.appointment_id, []).append(message)
        if message.on_page:
            page.append(message)
    return AppointmentsTabRows(
        upcoming=sorted(
            (a for a in appointments if _is_live(a, now)), key=lambda a: (a.starts_at, a.pk)
        ),
        past=sorted(
            (a for a in appointments if not _is_live(a, now)),
            key=lambda a: (a.starts_at, a.pk),
            reverse=True,
        ),
        messages=page[::-1],
        by_appointment=by_appointment,
    )


def has_appointments(person: Person) -> bool:
    return person.appointments.exists()


def no_show_alerts(person: Person) -> list[tuple[Measure, int]]:
    """The measures whose unexcused absences reached the service's threshold while one of
    them, from the threshold on, is covered by no incident yet (recorded or dismissed, in the
    "Manquements" tab): (measure, that absence's rank on the measure). One query."""
    threshold = person.service.no_show_threshold
    covered = Appointment.objects.filter(pk=OuterRef("pk"), incidents__isnull=False)
    no_shows = (
        Appointment.objects.filter(
            person=person, status=Appointment.Status.NO_SHOW, measure__isnull=False
        )
        .select_related("measure__measure_type")
        .annotate(covered=Exists(covered))
        .order_by("starts_at", "id")
    )
    counted: dict[int, int] = defaultdict(int)
    alerts: dict[int, tuple[Measure, int]] = {}
    for appointment in no_shows:
        counted[appointment.measure_id] += 1
        if counted[appointment.measure_id] >= threshold and not appointment.covered:
            alerts[appointment.measure_id] = (appointment.measure, counted[appointment.measure_id])
    return list(alerts.values())


def messages_by_appointment(appointments) -> dict[int, list[Message]]:
    """The messages of ``appointments`` ({appointment pk: messages in sending order}), in one
    query."""
    result: dict[int, list[Message]] = {}
    for message in Message.objects.filter(appointment__in=appointments).order_by(
        "scheduled_at", "id"
    ):
        result.setdefault(message.appointment_id, []).append(message)
    return result


def summonses_of(appointment: Appointment) -> list[Summons]:
    return list(Summons.objects.filter(appointment=appointment))


def summons_get_for(membership: Membership | None, pk: int) -> Summons | None:
    """A summons of the membership's service (None otherwise); its appointment's gate is
    the caller's next step."""
    if membership is None:
        return None
    return Summons.objects.filter(pk=pk, person__service_id=membership.service_id).first()


def calendar_feed_of(user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    """The feed whose secret is ``token`` (only its hash is stored), with its user."""
    return (
        CalendarFeed.objects.filter(token_hash=calendar.token_hash(token))
        .select_related("user")
        .first()
    )


def feed_appointments(user: User, *, today: date) -> QuerySet[Appointment]:
    """The user's appointments from ``FEED_DAYS_BEFORE`` days ago to ``FEED_DAYS_AFTER`` days
    ahead, in the services where their membership is active (one query when read)."""
    first, _ = rules.day_bounds(today - timedelta(days=FEED_DAYS_BEFORE))
    _, last = rules.day_bounds(today + timedelta(days=FEED_DAYS_AFTER))
    return (
        Appointment.objects.filter(
            staff=user,
            starts_at__gte=first,
            starts_at__lt=last,
            service__memberships__user=user,
            service__memberships__is_active=True,
        )
        .select_related("person", "site", "room", "establishment")
        .distinct()
        .order_by("starts_at")
    )


def day_notices(
    service_id: int, days: list[date], *, site_id: int | None, agent_id: int | None, names: dict
) -> dict[date, list[str]]:
    """What an agenda shows above each day besides appointments: the closed days (of the
    chosen site, or of any site on the service's and an agent's agenda; the whole service's
    everywhere) and the staff absences (the chosen agent's, the antenne's staff on an
    antenne's agenda, everyone's on the service's), in French. ``names``: user id → name. Two queries."""
    if not days:
        return {}
    closures = site_selectors.closures_between(service_id, days[0], days[-1])
    absences = staff_selectors.absences_between(
        service_id,
        days[0],
        days[-1],
        user_ids=[agent_id] if agent_id else None,
        site_id=None if agent_id else site_id,
    )
    notices: dict[date, list[str]] = {day: [] for day in days}
    for day in days:
        for closure in closures:
            if not closure.covers(day):
                continue
            if closure.site_id is None:
                notices[day].append(f"Service fermé : {closure.reason}")
            elif site_id is None or closure.site_id == site_id:
                notices[day].append(f"{closure.site_name} fermée : {closure.reason}")
        for user_id, found in sorted(absences.items(), key=lambda kv: names.get(kv[0], "")):
            away = next((a for a in found if a.covers(day)), None)
            if away is None:
                continue
            who = "Absent·e" if agent_id else names.get(user_id, "Un·e agent·e")
            notices[day].append(f"{who} : {away.label.lower()} jusqu'au {away.end:%d/%m/%Y}")
    return notices


def blocked_days(
    service_id: int, first: date, last: date, *, site_id: int | None, user_ids: list[int]
) -> set[date]:
    """The days of ``first``…``last`` when no appointment may be booked at site ``site_id``
    (closed, or the whole service closed) with all of ``user_ids`` (one of them away): the
    closed days and the absences in one query (a union)."""
    spans = (
        Absence.objects.filter(
            membership__service_id=service_id,
            membership__user_id__in=list(user_ids),
            start_date__lte=last,
            end_date__gte=first,
        )
        .order_by()
        .values_list("start_date", "end_date")
    )
    if site_id is not None:
        spans = spans.union(
            ClosedDay.objects.filter(
                Q(site_id=site_id) | Q(site__isnull=True),
                service_id=service_id,
                start_date__lte=last,
                end_date__gte=first,
            )
            .order_by()
            .values_list("start_date", "end_date")
        )
    days = set()
    for start, end in spans:
        day = max(start, first)
        while day <= min(end, last):
            days.add(day)
            day += timedelta(days=1)
    return days
