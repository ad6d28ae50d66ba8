"""Reads of appointments, always through the dossier gate of their person."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from probatio.access.policy import Action, PersonFacts, allows
from probatio.accounts.models import Membership, User
from probatio.agenda import rules
from probatio.agenda.models import Appointment
from probatio.people.selectors import Gated, person_get_for, person_list_for


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
    from datetime import timedelta

    monday = rules.week_start(day)
    return [monday + timedelta(days=i) for i in range(7)]


def local_day(moment: datetime) -> date:
    return rules.paris(moment).date()
