"""Reads of the dossier's « Programmes » tab, always through the gated person: their
referrals with what the end-of-programme summary needs (``summaries``), the sessions of their
groups, their attendance with its notes' history, the groups an enrolment may join."""

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils import timezone

from probatio.people.models import Person
from probatio.programmes.models import (
    Attendance,
    AttendanceNote,
    Enrolment,
    EnrolmentStep,
    GroupSession,
    ProgrammeGroup,
)


def _step_at(status, *, last: bool = False) -> Subquery:
    steps = EnrolmentStep.objects.filter(enrolment=OuterRef("pk"), status=status)
    return Subquery(
        steps.order_by("-at" if last else "at", "-pk" if last else "pk").values("at")[:1]
    )


def enrolments_in_file(person: Person) -> QuerySet[Enrolment]:
    """The person's referrals for their file, the most recent first, with their group's
    facilitators and, for the end-of-programme summary (``summaries``), ``enrolled_at`` (the
    first enrolment in a group) and ``ended_at`` (when the current status was reached)."""
    return (
        Enrolment.objects.filter(person=person)
        .select_related("programme", "group__site", "referred_by")
        .prefetch_related("group__facilitators")
        .annotate(
            enrolled_at=_step_at("enrolled"),
            ended_at=_step_at(OuterRef("status"), last=True),
        )
        .order_by("-referred_on", "-pk")
    )


def enrolment_in_file(person: Person, pk) -> Enrolment:
    """An enrolment of the gated person's file (another's: 404)."""
    enrolment = enrolments_in_file(person).filter(pk=pk).first()
    if enrolment is None:
        raise Http404("Orientation introuvable.")
    return enrolment


def enrolment_with_steps(person: Person, pk) -> tuple[Enrolment, list[EnrolmentStep]]:
    """An enrolment of the gated person's file (another's: 404) with its history, read in one
    query from the steps (an enrolment has at least the step of its proposal), its group's
    facilitators in a second; ``enrolled_at`` and ``ended_at`` as ``enrolments_in_file``
    gives them."""
    steps = list(
        EnrolmentStep.objects.filter(enrolment_id=pk, enrolment__person=person)
        .select_related(
            "by",
            "enrolment__programme",
            "enrolment__group__site",
            "enrolment__referred_by",
        )
        .order_by("at", "pk")
    )
    if not steps:
        return enrolment_in_file(person, pk), []
    enrolment = steps[0].enrolment
    for step in steps:
        step.enrolment = enrolment
    enrolment.enrolled_at = next((s.at for s in steps if s.status == "enrolled"), None)
    enrolment.ended_at = next((s.at for s in reversed(steps) if s.status == enrolment.status), None)
    prefetch_related_objects([enrolment], "group__facilitators")
    return enrolment, steps


def sessions_of_groups(group_ids) -> list[GroupSession]:
    """The sessions of these groups, in order, with their programme and room."""
    if not group_ids:
        return []
    return list(
        GroupSession.objects.filter(group_id__in=group_ids)
        .select_related("group__programme", "room")
        .order_by("starts_at", "pk")
    )


def attendances_in_file(person: Person) -> QuerySet[Attendance]:
    """The person's attendance, the most recent session first."""
    return (
        Attendance.objects.filter(enrolment__person=person)
        .select_related("session__group__programme", "recorded_by")
        .order_by("-session__starts_at", "-pk")
    )


def attendances_with_notes(enrolment: Enrolment) -> list[Attendance]:
    """The enrolment's attendance, the most recent session first, each with ``history`` (its
    notes in order: status, text, who, when), read in one query from the notes (every
    attendance recorded has at least its first note: ``services.attendance_record``)."""
    notes = (
        AttendanceNote.objects.filter(attendance__enrolment=enrolment)
        .select_related("attendance__session", "by")
        .order_by("-attendance__session__starts_at", "attendance_id", "at", "pk")
    )
    attendances: dict[int, Attendance] = {}
    for note in notes:
        attendance = attendances.setdefault(note.attendance_id, note.attendance)
        if not hasattr(attendance, "history"):
            attendance.history = []
        attendance.history.append(note)
    return list(attendances.values())


def groups_to_join(programme_id: int) -> list[ProgrammeGroup]:
    """The programme's groups not finished (recorded as such, or with no session left to
    come: ``rules.group_stage``), each with ``places_left`` (its capacity less the persons
    enrolled)."""
    to_come = GroupSession.objects.filter(
        group=OuterRef("pk"), cancelled=False, ends_at__gt=timezone.now()
    )
    groups = list(
        ProgrammeGroup.objects.filter(programme_id=programme_id)
        .exclude(status=ProgrammeGroup.Status.FINISHED)
        .filter(Exists(to_come))
        .select_related("site")
        .annotate(enrolled=Count("enrolments", filter=Q(enrolments__status="enrolled")))
        .order_by("start_date", "pk")
    )
    for group in groups:
        group.places_left = max(group.capacity - group.enrolled, 0)
    return groups
