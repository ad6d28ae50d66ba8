"""Reads of appointments, always through the dossier gate of their person; of their messages
and summonses; and of the private calendar feeds."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from probatio.access.policy import Action, PersonFacts, allows
from probatio.accounts.models import Membership, User
from probatio.agenda import calendar, rules
from probatio.agenda.models import Appointment, CalendarFeed, Summons
from probatio.messaging.models import Message
from probatio.people.models import Person
from probatio.people.selectors import Gated, person_get_for, person_list_for

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
        raise Http404("Rendez-vous introuvable.")
    gated = person_get_for(membership, appointment.person_id, log_read=log_read)
    is_own = any(u.pk == membership.user_id for u in appointment.staff.all())
    result = GatedAppointment(appointment=appointment, gated=gated, is_own=is_own)
    if not result.allows(action):
        raise PermissionDenied("Votre rôle ne permet pas cette action sur ce rendez-vous.")
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
    """The service's staff, by last name (for the agenda's filter and the booking form)."""
    return staff_of_service(service_id).order_by("last_name")


def appointments_of_person(person: Person) -> list[Appointment]:
    """Every appointment of the person, latest first, with place, measure, note and staff (two
    queries)."""
    return list(
        Appointment.objects.filter(person=person)
        .select_related("site", "room", "establishment", "measure__measure_type", "note")
        .prefetch_related("staff")
        .order_by("-starts_at")
    )


def has_appointments(person: Person) -> bool:
    return person.appointments.exists()


def appointments_with_incidents(person: Person) -> set[int]:
    """The person's appointments an incident (recorded or dismissed) already covers."""
    return set(
        Appointment.objects.filter(person=person, incidents__isnull=False).values_list(
            "pk", flat=True
        )
    )


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
