"""Reads of programmes and group work, scoped to the membership's service (a person's
enrolments through the gated person)."""

from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from probatio.access.policy import FACILITATOR_ROLES, Action
from probatio.access.roles import SHORT_LABELS, Role
from probatio.accounts.models import Membership
from probatio.audit import reads as audit_reads
from probatio.people.models import Person
from probatio.people.selectors import Gated, file_read_entry, persons_gated_for
from probatio.programmes import rules
from probatio.programmes.models import (
    Attendance,
    AttendanceNote,
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


# --- The service's pages: the catalogue, a programme, a group, a session ----------------------


def _timed(groups: QuerySet[ProgrammeGroup]) -> QuerySet[ProgrammeGroup]:
    """Groups with their first start and last end (sessions not cancelled), their number of
    sessions and of persons enrolled, in the same query."""
    held = Q(sessions__cancelled=False)
    return groups.annotate(
        first_start=Min("sessions__starts_at", filter=held),
        last_end=Max("sessions__ends_at", filter=held),
        session_total=Count("sessions", filter=held, distinct=True),
        enrolled=Count("enrolments", filter=Q(enrolments__status="enrolled"), distinct=True),
    )


def staged(group: ProgrammeGroup, now: datetime) -> ProgrammeGroup:
    """``group`` (annotated by ``_timed``) with its ``stage`` and ``places_left``."""
    group.stage = rules.group_stage(
        finished=group.status == ProgrammeGroup.Status.FINISHED,
        first_start=group.first_start,
        last_end=group.last_end,
        now=now,
    )
    group.stage_label = rules.GROUP_STAGES[group.stage]
    group.places_left = max(group.capacity - group.enrolled, 0)
    return group


def _mine(user_id: int):
    return Exists(
        ProgrammeGroup.facilitators.through.objects.filter(
            programmegroup_id=OuterRef("pk"), user_id=user_id
        )
    )


def catalogue_of(membership, *, now: datetime) -> list[Programme]:
    """The service's programmes (those still offered first), each with its ``waiting`` count
    and its groups (``group_rows``, staged, ``is_mine`` where the user facilitates): two
    queries, whatever their number."""
    programmes = list(
        Programme.objects.filter(service_id=membership.service_id)
        .annotate(waiting=Count("enrolments", filter=Q(enrolments__status="waiting")))
        .order_by("-is_active", "name", "pk")
    )
    groups: dict[int, list[ProgrammeGroup]] = {p.pk: [] for p in programmes}
    for group in _timed(
        ProgrammeGroup.objects.filter(programme__service_id=membership.service_id)
        .select_related("site", "room")
        .annotate(is_mine=_mine(membership.user_id))
        .order_by("-start_date", "pk")
    ):
        groups[group.programme_id].append(staged(group, now))
    for programme in programmes:
        programme.group_rows = groups[programme.pk]
    return programmes


def programme_groups(programme: Programme, user_id: int, *, now: datetime):
    """The groups of a programme, staged, the latest first (one query)."""
    return [
        staged(group, now)
        for group in _timed(
            ProgrammeGroup.objects.filter(programme=programme)
            .select_related("site", "room")
            .annotate(is_mine=_mine(user_id))
            .order_by("-start_date", "pk")
        )
    ]


def group_page_get(membership, pk, *, now: datetime) -> ProgrammeGroup:
    """A group of the membership's service for its page, staged (another's: 404)."""
    group = (
        _timed(ProgrammeGroup.objects.filter(programme__service_id=membership.service_id, pk=pk))
        .select_related("programme", "site", "room")
        .annotate(is_mine=_mine(membership.user_id))
        .first()
    )
    if group is None:
        raise Http404("Groupe introuvable.")
    return staged(group, now)


def group_facilitators(group: ProgrammeGroup) -> list:
    return list(group.facilitators.order_by("last_name", "first_name", "pk"))


def group_sessions(group: ProgrammeGroup) -> QuerySet[GroupSession]:
    """The group's sessions in order, each with its number of attendances recorded."""
    return (
        GroupSession.objects.filter(group=group)
        .select_related("room")
        .annotate(recorded=Count("attendances"))
        .order_by("number", "pk")
    )


def group_participants(group: ProgrammeGroup) -> QuerySet[Enrolment]:
    """The persons enrolled (or who completed the programme) in the group, each with their
    attendance counts (``present``, ``excused``, ``unexcused``)."""
    return participants_of(group).annotate(
        **{
            status: Count("attendances", filter=Q(attendances__status=status))
            for status in rules.ATTENDANCE_STATUSES
        }
    )


@dataclass
class Participant:
    """A participant of a session, through the dossier gate, with their attendance (and its
    notes) if recorded, and whether the user may record it (the policy, with the « groups
    they facilitate » fact)."""

    enrolment: Enrolment
    gated: Gated
    attendance: Attendance | None

    @property
    def person(self) -> Person:
        return self.gated.person

    @property
    def can_record(self) -> bool:
        return self.gated.allows(Action.RECORD_ATTENDANCE)


def user_facilitates(user_id: int, group: ProgrammeGroup) -> bool:
    return group.facilitators.filter(pk=user_id).exists()


def session_page_get(membership, pk) -> GroupSession:
    """A session of the membership's service for its page, with ``is_mine`` (the user
    facilitates its group); another service's is a 404."""
    session = (
        GroupSession.objects.filter(group__programme__service_id=membership.service_id, pk=pk)
        .select_related("group__programme", "group__site", "room")
        .annotate(
            is_mine=Exists(
                ProgrammeGroup.facilitators.through.objects.filter(
                    programmegroup_id=OuterRef("group_id"), user_id=membership.user_id
                )
            )
        )
        .first()
    )
    if session is None:
        raise Http404("Séance introuvable.")
    return session


def session_participants(
    membership, session: GroupSession, *, facilitates: bool
) -> list[Participant]:
    """The participants of ``session``: the persons enrolled in its group (or who completed
    it), and those whose attendance was recorded there before they left. Each is gated (the
    dossier gate for many persons: another service's is a 404) with the facts the policy needs
    to say who records their attendance: their caseload, and whether the user facilitates the
    group (``facilitates``). A fixed number of queries."""
    enrolments = list(
        Enrolment.objects.filter(group_id=session.group_id)
        .filter(Q(status__in=("enrolled", "completed")) | Q(attendances__session=session))
        .select_related("person")
        .distinct()
        .order_by("person__surname", "person__first_names", "pk")
    )
    gated = persons_gated_for(
        membership,
        {e.person_id: e.person for e in enrolments}.values(),
        action=Action.READ_FILE,
        with_facts=True,
    )
    attendances = {
        attendance.enrolment_id: attendance
        for attendance in Attendance.objects.filter(session=session).prefetch_related(
            Prefetch(
                "notes",
                queryset=AttendanceNote.objects.select_related("by").order_by("at", "pk"),
            )
        )
    }
    return [
        Participant(
            enrolment=enrolment,
            gated=replace(
                gated[enrolment.person_id],
                facts=replace(gated[enrolment.person_id].facts, is_facilitator=facilitates),
            ),
            attendance=attendances.get(enrolment.pk),
        )
        for enrolment in enrolments
    ]


def log_session_read(membership, session: GroupSession, participants: list[Participant]) -> None:
    """Journal the read of each participant's file (their attendance and its notes) by the
    session's page: one append to the chain."""
    if not participants:
        return
    # Held until the page is shown (``audit.reads``).
    audit_reads.record_reads(
        service_id=membership.service_id,
        entries=[
            {
                **file_read_entry(membership, participant.person, "programmes", session=session.pk),
                "summary": f"Consultation du dossier (programme : séance {session.number})",
            }
            for participant in participants
        ],
    )


def facilitator_choices(service_id: int) -> list:
    """The staff who may facilitate a group: the service's active members of the roles of
    ``access.policy.FACILITATOR_ROLES``, each once."""
    memberships = (
        Membership.objects.filter(
            service_id=service_id, is_active=True, role__in=sorted(FACILITATOR_ROLES)
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    users = {}
    for membership in memberships:
        users.setdefault(membership.user_id, (membership.user, SHORT_LABELS[Role(membership.role)]))
    return list(users.values())


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
