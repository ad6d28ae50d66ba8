"""Reads of programmes and group work, scoped to the membership's service (a person's
enrolments through the gated person)."""

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from probatio.people.models import Person
from probatio.programmes import rules
from probatio.programmes.models import (
    Attendance,
    Enrolment,
    GroupSession,
    Programme,
    ProgrammeGroup,
)


def programmes_of(service_id: int, *, active_only: bool = False) -> QuerySet[Programme]:
    programmes = Programme.objects.filter(service_id=service_id)
    if active_only:
        programmes = programmes.filter(is_active=True)
    return programmes


def programme_get(membership, pk) -> Programme:
    programme = Programme.objects.filter(service_id=membership.service_id, pk=pk).first()
    if programme is None:
        raise Http404("Programme introuvable.")
    return programme


def groups_of(programme: Programme) -> QuerySet[ProgrammeGroup]:
    return (
        ProgrammeGroup.objects.filter(programme=programme)
        .select_related("site", "room")
        .annotate(enrolled=Count("enrolments", filter=Q(enrolments__status="enrolled")))
    )


def group_get(membership, pk) -> ProgrammeGroup:
    group = (
        ProgrammeGroup.objects.filter(programme__service_id=membership.service_id, pk=pk)
        .select_related("programme", "site", "room")
        .first()
    )
    if group is None:
        raise Http404("Groupe introuvable.")
    return group


def sessions_of(group: ProgrammeGroup) -> QuerySet[GroupSession]:
    return GroupSession.objects.filter(group=group).select_related("room").order_by("number")


def session_get(membership, pk) -> GroupSession:
    session = (
        GroupSession.objects.filter(group__programme__service_id=membership.service_id, pk=pk)
        .select_related("group__programme", "room")
        .first()
    )
    if session is None:
        raise Http404("Séance introuvable.")
    return session


def places_left(group: ProgrammeGroup) -> int:
    taken = Enrolment.objects.filter(group=group, status="enrolled").count()
    return max(group.capacity - taken, 0)


def participants_of(group: ProgrammeGroup) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(group=group, status__in=("enrolled", "completed"))
        .select_related("person")
        .order_by("person__surname", "person__first_names", "pk")
    )


def waiting_list(programme: Programme) -> QuerySet[Enrolment]:
    """The persons waiting for a place, the longest waiting first."""
    return (
        Enrolment.objects.filter(programme=programme, status="waiting")
        .select_related("person", "group")
        .order_by("referred_on", "pk")
    )


def enrolments_of(person: Person) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(person=person).select_related("programme", "group")


def active_enrolments_of(person: Person) -> QuerySet[Enrolment]:
    return enrolments_of(person).filter(status__in=sorted(rules.ACTIVE_STATUSES))


def enrolment_get(person: Person, pk) -> Enrolment:
    """An enrolment of the gated person's file (another's: 404)."""
    enrolment = enrolments_of(person).filter(pk=pk).first()
    if enrolment is None:
        raise Http404("Orientation introuvable.")
    return enrolment


def attendance_of(session: GroupSession) -> dict[int, Attendance]:
    """Per enrolment id, its attendance at ``session``, with its notes."""
    return {
        attendance.enrolment_id: attendance
        for attendance in Attendance.objects.filter(session=session).prefetch_related("notes")
    }


def attendances_of(person: Person) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(enrolment__person=person)
        .select_related("session__group__programme")
        .order_by("-session__starts_at")
    )


def facilitates(user_id: int, group: ProgrammeGroup) -> bool:
    return group.facilitators.filter(pk=user_id).exists()


def sessions_facilitated(user_id: int, start: datetime, end: datetime) -> QuerySet[GroupSession]:
    """The sessions of the groups a staff member facilitates between two moments (their
    agenda)."""
    return (
        GroupSession.objects.filter(
            group__facilitators=user_id, cancelled=False, starts_at__lt=end, ends_at__gt=start
        )
        .select_related("group__programme", "room")
        .distinct()
    )


def sessions_of_person(person: Person) -> QuerySet[GroupSession]:
    """The sessions of the groups the person is enrolled in (their file)."""
    return (
        GroupSession.objects.filter(
            group__enrolments__person=person,
            group__enrolments__status__in=("enrolled", "completed"),
            cancelled=False,
        )
        .select_related("group__programme", "room")
        .distinct()
    )
