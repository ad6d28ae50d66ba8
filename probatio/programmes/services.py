"""Writes of programmes and group work.

- The catalogue and its groups are the service's (``MANAGE_PROGRAMMES`` on the membership):
  ``programme_save``, ``group_create`` (its sessions from ``rules.session_days``, skipping
  public holidays and the site's or service's closed days, in a room free at those times).
- A session is moved alone (``session_reschedule``): the others keep their weekly slots; a
  session whose attendance was recorded, or already held, keeps its date.
- Referrals and enrolments are writes on a person's file (the gate first): proposed by the
  CPIP (``enrolment_propose``), then moved only as ``rules.ENROLMENT_MOVES`` allows
  (``enrolment_move``), one active enrolment per person and programme (a constraint).
- Attendance (``attendance_record``): once per session and participant, a change keeps its
  note history; a session still to come is refused. The facilitators of the group record it
  too, and move its sessions: the policy's ``is_facilitator`` fact (``Scope.FACILITATED``).

Every write: French errors keyed by field, one transaction, one journal call, nothing partial.
"""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from probatio.access.policy import Action, PersonFacts, allows
from probatio.agenda.models import Appointment
from probatio.core.errors import field_errors
from probatio.core.workdays import public_holidays
from probatio.messaging import services as messaging
from probatio.organisation.models import ClosedDay, Room, Site
from probatio.people.journal import Event
from probatio.people.journal import before as journal_before
from probatio.people.journal import write as journal
from probatio.people.models import TimelineEvent
from probatio.people.selectors import Gated, require, require_gated
from probatio.people.selectors import gate as _gate
from probatio.people.selectors import own as _own
from probatio.programmes import rules
from probatio.programmes.models import (
    Attendance,
    AttendanceNote,
    Enrolment,
    EnrolmentStep,
    GroupSession,
    Programme,
    ProgrammeGroup,
)

MANAGERS_ONLY = (
    "Le catalogue des programmes et ses groupes sont tenus par l'encadrement du service."
)
NOT_FACILITATOR = "Seuls les animateurs du groupe et l'encadrement peuvent déplacer ses séances."


def _manager(membership) -> None:
    if membership is None or not allows(membership.role, Action.MANAGE_PROGRAMMES):
        raise PermissionDenied(MANAGERS_ONLY)


def _same_service(membership, service_id: int | None) -> None:
    if service_id != membership.service_id:
        raise PermissionDenied("Cet élément n'appartient pas à votre service.")


def _facilitates(membership, group: ProgrammeGroup) -> bool:
    """The « groups they facilitate » fact of ``group`` (the policy decides what it grants:
    ``Scope.FACILITATED``)."""
    return group.facilitators.filter(pk=membership.user_id).exists()


def _paris(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y à %H:%M}"


# --- The catalogue --------------------------------------------------------------------------

PROGRAMME_FIELDS = (
    "name",
    "aim",
    "public",
    "modules",
    "session_count",
    "session_minutes",
    "mode",
    "is_active",
)


@transaction.atomic
def programme_save(
    *, membership, data: dict[str, Any], programme: Programme | None = None
) -> Programme:
    """Create a programme of the catalogue, or change one (``programme``)."""
    _manager(membership)
    if programme is not None:
        _same_service(membership, programme.service_id)
        programme = Programme.objects.select_for_update().get(pk=programme.pk)
        before = journal_before(programme, list(PROGRAMME_FIELDS))
    else:
        programme = Programme(service_id=membership.service_id, created_by=membership.user)
        before = None
    for field in PROGRAMME_FIELDS:
        if field in data:
            value = data[field]
            setattr(programme, field, value.strip() if isinstance(value, str) else value)
    if not programme.name:
        raise field_errors(name="Indiquez le nom du programme.")
    programme.full_clean()
    programme.save()
    journal(
        membership,
        programme,
        person=None,
        summary=f"Programme « {programme.name} » " + ("créé" if before is None else "modifié"),
        before=before,
    )
    return programme


# --- Groups and their sessions ----------------------------------------------------------------


def parse_slots(raw: Any) -> list[rules.Slot]:
    """The weekly slots of a group from their stored form (``{"weekday", "start": "HH:MM",
    "minutes"}``); a French error keyed ``slots`` otherwise."""
    if not isinstance(raw, list) or not raw:
        raise field_errors(slots="Indiquez au moins un créneau hebdomadaire.")
    slots = []
    for item in raw:
        try:
            hours, minutes = str(item["start"]).split(":")
            slots.append(
                rules.Slot(
                    weekday=int(item["weekday"]),
                    start=time(int(hours), int(minutes)),
                    minutes=int(item["minutes"]),
                )
            )
        except (KeyError, TypeError, ValueError):
            raise field_errors(
                slots="Chaque créneau donne un jour (lundi à dimanche), une heure de début "
                "(HH:MM) et une durée en minutes."
            ) from None
    return slots


def _closed_check(service, site_id: int):
    """``closed(day)``: a public holiday (Alsace-Moselle's for such a service), or a closed day
    of the site or of the whole service."""
    closures = list(
        ClosedDay.objects.filter(service_id=service.pk)
        .filter(Q(site__isnull=True) | Q(site_id=site_id))
        .values_list("start_date", "end_date", "reason")
    )

    def why(day: date) -> str:
        if day in public_holidays(day.year, alsace_moselle=service.alsace_moselle):
            return "jour férié"
        for start, end, reason in closures:
            if start <= day <= end:
                return f"fermeture : {reason}"
        return ""

    return why


def _room_booked(
    room_id: int | None, starts_at: datetime, ends_at: datetime, *, exclude_group: int | None
) -> str:
    """Why the room is not free then (French), or "": another group's session, or an
    appointment planned in it."""
    if room_id is None:
        return ""
    sessions = GroupSession.objects.filter(
        room_id=room_id, cancelled=False, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude_group is not None:
        sessions = sessions.exclude(group_id=exclude_group)
    other = sessions.select_related("room", "group__programme").first()
    if other is not None:
        return (
            f"La salle {other.room.name} est déjà réservée le {_paris(other.starts_at)} "
            f"(groupe « {other.group.programme.name} »)."
        )
    appointment = (
        Appointment.objects.filter(
            room_id=room_id,
            status=Appointment.Status.PLANNED,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .select_related("room")
        .first()
    )
    if appointment is not None:
        return (
            f"La salle {appointment.room.name} est déjà réservée le "
            f"{_paris(appointment.starts_at)} (un rendez-vous)."
        )
    return ""


@transaction.atomic
def group_create(
    *,
    membership,
    programme: Programme,
    site: Site | None,
    room: Room | None,
    start_date: date | None,
    slots: list[dict],
    capacity: int | None,
    facilitators=(),
    external_facilitators: str = "",
) -> ProgrammeGroup:
    """A group of ``programme`` and its sessions: the programme's number of sessions, on the
    weekly ``slots`` from ``start_date``, skipping public holidays and closed days."""
    _manager(membership)
    _same_service(membership, programme.service_id)
    errors: dict[str, str] = {}
    if not programme.is_active:
        errors["programme"] = "Ce programme n'est plus proposé : il n'ouvre plus de groupe."
    if site is None or site.service_id != membership.service_id:
        errors["site"] = "Choisissez une antenne du service."
    elif room is not None and room.site_id != site.pk:
        errors["room"] = "Cette salle n'est pas sur l'antenne choisie."
    elif room is not None and not room.is_active:
        errors["room"] = "Cette salle n'est plus en service."
    if start_date is None:
        errors["start_date"] = "Indiquez la date de début du groupe."
    staff = list(facilitators)
    if any(
        not user.memberships.filter(service_id=membership.service_id).exists() for user in staff
    ):
        errors["facilitators"] = "Les animateurs sont des membres du service."
    if errors:
        raise field_errors(**errors)
    parsed = parse_slots(slots)
    group = ProgrammeGroup(
        programme=programme,
        site=site,
        room=room,
        start_date=start_date,
        slots=[
            {"weekday": s.weekday, "start": f"{s.start:%H:%M}", "minutes": s.minutes}
            for s in parsed
        ],
        capacity=capacity if capacity is not None else 0,
        external_facilitators=(external_facilitators or "").strip(),
        created_by=membership.user,
    )
    group.full_clean()
    why = _closed_check(programme.service, site.pk)
    days = rules.session_days(
        start=start_date, slots=parsed, count=programme.session_count, closed=lambda d: bool(why(d))
    )
    group.save()
    group.facilitators.set(staff)
    for number, (day, slot) in enumerate(days, start=1):
        starts_at = rules.at_paris(day, slot.start)
        ends_at = starts_at + timedelta(minutes=slot.minutes)
        booked = _room_booked(room.pk if room else None, starts_at, ends_at, exclude_group=None)
        if booked:
            # Nothing is kept: the group and its first sessions go with the transaction.
            raise field_errors(room=f"Séance {number} : {booked}")
        GroupSession.objects.create(
            group=group,
            number=number,
            starts_at=starts_at,
            ends_at=ends_at,
            room=room,
        )
    journal(
        membership,
        group,
        person=None,
        summary=f"Groupe du programme « {programme.name} » créé ({len(days)} séances "
        f"à partir du {days[0][0]:%d/%m/%Y})",
    )
    return group


@transaction.atomic
def session_reschedule(
    *,
    membership,
    session: GroupSession,
    starts_at: datetime | None,
    room: Room | None = None,
    now: datetime | None = None,
) -> GroupSession:
    """Move one session (to ``starts_at``, its length kept; ``room``: its new room, else the
    same). The other sessions keep their weekly slots."""
    if membership is None:
        raise PermissionDenied(MANAGERS_ONLY)
    session = (
        GroupSession.objects.select_for_update()
        .select_related("group__programme__service", "group__site")
        .get(pk=session.pk)
    )
    group = session.group
    _same_service(membership, group.programme.service_id)
    facts = PersonFacts(is_facilitator=_facilitates(membership, group))
    if not allows(membership.role, Action.RESCHEDULE_SESSION, facts):
        raise PermissionDenied(NOT_FACILITATOR)
    now = now or timezone.now()
    refusal = rules.reschedule_allowed(
        starts_at=session.starts_at,
        now=now,
        has_attendance=session.attendances.exists(),
    )
    if refusal:
        raise field_errors(starts_at=refusal)
    if starts_at is None:
        raise field_errors(starts_at="Indiquez la nouvelle date et l'heure de la séance.")
    if starts_at <= now:
        raise field_errors(starts_at="Une séance ne peut être déplacée que vers une date à venir.")
    room = room if room is not None else session.room
    if room is not None and room.site_id != group.site_id:
        raise field_errors(room="Cette salle n'est pas sur l'antenne du groupe.")
    if room is not None and room.pk != session.room_id and not room.is_active:
        raise field_errors(room="Cette salle n'est plus en service.")
    day = timezone.localtime(starts_at).date()
    why = _closed_check(group.programme.service, group.site_id)(day)
    if why:
        raise field_errors(starts_at=f"Le {day:%d/%m/%Y} n'est pas possible ({why}).")
    siblings = GroupSession.objects.filter(group=group, cancelled=False).exclude(pk=session.pk)
    previous = siblings.filter(number__lt=session.number).order_by("-number").first()
    following = siblings.filter(number__gt=session.number).order_by("number").first()
    ends_at = starts_at + (session.ends_at - session.starts_at)
    refusal = rules.reschedule_refusal(
        starts_at=starts_at,
        ends_at=ends_at,
        previous=(previous.starts_at, previous.ends_at) if previous is not None else None,
        following=(following.starts_at, following.ends_at) if following is not None else None,
    )
    if refusal:
        raise field_errors(starts_at=refusal)
    booked = _room_booked(room.pk if room else None, starts_at, ends_at, exclude_group=group.pk)
    if booked:
        raise field_errors(room=booked)
    before = journal_before(session, ["starts_at", "ends_at", "room", "rescheduled_from"])
    if session.rescheduled_from is None:
        session.rescheduled_from = session.starts_at
    session.starts_at, session.ends_at, session.room = starts_at, ends_at, room
    session.full_clean()
    session.save()
    _session_moved_messages(session, now=now)
    journal(
        membership,
        session,
        person=None,
        summary=f"Séance {session.number} du groupe « {group.programme.name} » déplacée au "
        f"{_paris(starts_at)}",
        before=before,
    )
    return session


SUMMONS_SET = "La présence a déjà été relevée pour cette séance : la convocation ne change plus."


@transaction.atomic
def session_summons_set(*, membership, session: GroupSession, summons: bool) -> GroupSession:
    """Say whether the participants were summoned to ``session`` (a convocation): an unexcused
    absence from it then feeds an incident proposal whatever the enrolment
    (``rules.absence_feeds_incident``). By whoever may move the session; not once its
    attendance was recorded (the proposals would change after the fact)."""
    if membership is None:
        raise PermissionDenied(MANAGERS_ONLY)
    session = (
        GroupSession.objects.select_for_update()
        .select_related("group__programme")
        .get(pk=session.pk)
    )
    group = session.group
    _same_service(membership, group.programme.service_id)
    facts = PersonFacts(is_facilitator=_facilitates(membership, group))
    if not allows(membership.role, Action.RESCHEDULE_SESSION, facts):
        raise PermissionDenied(NOT_FACILITATOR)
    summons = bool(summons)
    if session.summons == summons:
        return session
    if session.attendances.exists():
        raise field_errors(summons=SUMMONS_SET)
    before = journal_before(session, ["summons"])
    session.summons = summons
    session.save(update_fields=["summons"])
    journal(
        membership,
        session,
        person=None,
        summary=f"Séance {session.number} du groupe « {group.programme.name} » : "
        + ("sur convocation" if summons else "sans convocation"),
        before=before,
    )
    return session


# --- Reminders of the sessions (``messaging``: the same channels, consent, times and hours
# as an appointment's, never to a person held in a cell) ---------------------------------------


def _where(session: GroupSession) -> messaging.SessionPlace:
    group = session.group
    site = group.site
    place = f"SPIP, {site.name}"
    if session.room_id:
        place += f", {session.room.name}"
    address = ", ".join(
        part for part in (site.address, f"{site.postcode} {site.city}".strip()) if part
    )
    return messaging.SessionPlace(service=group.programme.service, place=place, address=address)


def _participants(group: ProgrammeGroup):
    return [
        e.person
        for e in Enrolment.objects.filter(group=group, status="enrolled").select_related("person")
    ]


def _plan_reminders(enrolment: Enrolment, *, now: datetime | None = None) -> int:
    """The reminders of every session to come of the enrolment's group, for its person
    (enrolled). Inside the caller's transaction; idempotent."""
    now = now or timezone.now()
    sessions = (
        GroupSession.objects.filter(group_id=enrolment.group_id, cancelled=False, starts_at__gt=now)
        .select_related("room", "group__site", "group__programme__service")
        .order_by("starts_at")
    )
    planned = 0
    for session in sessions:
        planned += len(
            messaging.schedule_session_reminders(
                session, enrolment.person, _where(session), now=now
            )
        )
    return planned


def _session_moved_messages(session: GroupSession, *, now: datetime) -> None:
    """A session moved: its reminders not sent yet are cancelled; each participant who had
    already heard of it gets the notice of the new time, and everyone the reminders of the
    new time."""
    messaging.cancel_session_pending([session])
    where = _where(session)
    for person in _participants(session.group):
        if messaging.session_reached(session, person.pk):
            messaging.notify_session(session, person, where, "moved", now=now)
        messaging.schedule_session_reminders(session, person, where, now=now)


# --- Referrals and enrolments -----------------------------------------------------------------


def _step(enrolment: Enrolment, membership, at: datetime) -> None:
    EnrolmentStep.objects.create(
        enrolment=enrolment,
        status=enrolment.status,
        at=at,
        by=membership.user,
        reason=enrolment.reason,
    )


ONE_ACTIVE = str(Enrolment._meta.constraints[0].violation_error_message)


def _one_active(save) -> None:
    """The constraint's French message when a concurrent write got there first."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError:
        raise field_errors(programme=ONE_ACTIVE) from None


def _keyed(error: ValidationError, key: str) -> ValidationError:
    """A constraint's message (not bound to a field) keyed for the form."""
    if hasattr(error, "error_dict") and "__all__" in error.error_dict:
        messages = error.message_dict
        return ValidationError(
            {(key if field == "__all__" else field): msgs for field, msgs in messages.items()}
        )
    return error


@transaction.atomic
def enrolment_propose(
    *,
    gated: Gated,
    programme: Programme,
    compulsory: bool = False,
    reason: str = "",
    today: date | None = None,
) -> Enrolment:
    """The CPIP refers the person to ``programme`` (status « Proposée »). ``compulsory``: a
    court-ordered course or programme, attending is an obligation."""
    membership, person = _gate(gated, Action.REFER_PROGRAMME)
    if programme is None or programme.service_id != person.service_id:
        raise field_errors(programme="Choisissez un programme du service.")
    if not programme.is_active:
        raise field_errors(programme="Ce programme n'est plus proposé.")
    today = today or timezone.localdate()
    enrolment = Enrolment(
        person=person,
        programme=programme,
        status="proposed",
        compulsory=bool(compulsory),
        referred_by=membership.user,
        referred_on=today,
        reason=(reason or "").strip(),
    )
    try:
        enrolment.full_clean()
    except ValidationError as error:
        raise _keyed(error, "programme") from None
    _one_active(enrolment.save)
    _step(enrolment, membership, timezone.now())
    journal(
        membership,
        enrolment,
        person=person,
        summary=f"Orientation vers le programme « {programme.name} »",
        timeline=Event(
            TimelineEvent.Kind.PROGRAMME,
            f"Orientation vers le programme « {programme.name} »",
            detail="Obligation judiciaire" if enrolment.compulsory else "",
        ),
    )
    return enrolment


@transaction.atomic
def enrolment_move(
    *,
    gated: Gated,
    enrolment: Enrolment,
    status: str,
    reason: str = "",
    group: ProgrammeGroup | None = None,
) -> Enrolment:
    """Move an enrolment as ``rules.ENROLMENT_MOVES`` allows (a reason where
    ``rules.REASON_REQUIRED``); enrolling names the group, within its capacity."""
    membership, person = _gate(gated, Action.REFER_PROGRAMME)
    _own(person, enrolment.person_id)
    enrolment = (
        Enrolment.objects.select_for_update().select_related("programme").get(pk=enrolment.pk)
    )
    reason = (reason or "").strip()
    if status not in rules.ENROLMENT_STATUSES:
        raise field_errors(status="Choisissez le nouvel état de l'orientation.")
    refusal = rules.move_refusal(enrolment.status, status, reason)
    if refusal:
        # A move the table refuses is about the status; an allowed one, about its reason.
        field = "reason" if rules.may_move(enrolment.status, status) else "status"
        raise field_errors(**{field: refusal})
    before = journal_before(enrolment, ["status", "group", "reason"])
    if status in ("waiting", "enrolled") and group is not None:
        if group.programme_id != enrolment.programme_id:
            raise field_errors(group="Ce groupe n'est pas un groupe de ce programme.")
        enrolment.group = group
    if status == "enrolled":
        if enrolment.group_id is None:
            raise field_errors(group="Choisissez le groupe.")
        locked = ProgrammeGroup.objects.select_for_update().get(pk=enrolment.group_id)
        if locked.status == ProgrammeGroup.Status.FINISHED:
            raise field_errors(group="Ce groupe est terminé.")
        taken = (
            Enrolment.objects.filter(group=locked, status="enrolled")
            .exclude(pk=enrolment.pk)
            .count()
        )
        if taken >= locked.capacity:
            places = "place" if locked.capacity < 2 else "places"
            raise field_errors(group=f"Le groupe est complet ({locked.capacity} {places}).")
    was_enrolled = enrolment.status == "enrolled"
    enrolment.status = status
    enrolment.reason = reason
    enrolment.full_clean()
    enrolment.save()
    _step(enrolment, membership, timezone.now())
    if status == "enrolled":
        _plan_reminders(enrolment)
    elif was_enrolled and enrolment.group_id is not None:
        messaging.cancel_session_pending(
            GroupSession.objects.filter(group_id=enrolment.group_id), person_id=person.pk
        )
    label = rules.ENROLMENT_STATUSES[status]
    journal(
        membership,
        enrolment,
        person=person,
        summary=f"Programme « {enrolment.programme.name} » : {label.lower()}",
        before=before,
        timeline=Event(
            TimelineEvent.Kind.PROGRAMME,
            f"Programme « {enrolment.programme.name} » : {label.lower()}",
        ),
    )
    return enrolment


# --- Attendance -------------------------------------------------------------------------------


@transaction.atomic
def attendance_record(
    *,
    gated: Gated,
    session: GroupSession,
    status: str,
    note: str = "",
    now: datetime | None = None,
) -> Attendance:
    """Whether the person attended ``session`` (once per session; a change keeps the former
    status and its note in the history). By whoever records attendance on the person, or a
    facilitator of the group."""
    require_gated(gated)
    membership, person = gated.membership, gated.person
    facilitates = session is not None and _facilitates(membership, session.group)
    require(
        replace(gated, facts=replace(gated.facts, is_facilitator=facilitates)),
        Action.RECORD_ATTENDANCE,
        "Votre rôle ne permet pas de relever la présence à cette séance.",
    )
    session = GroupSession.objects.select_related("group__programme").get(pk=session.pk)
    if session.group.programme.service_id != person.service_id:
        raise PermissionDenied("Cette séance n'appartient pas au service de ce dossier.")
    now = now or timezone.now()
    if status not in rules.ATTENDANCE_STATUSES:
        raise field_errors(status="Choisissez : présent·e, absent·e excusé·e ou non excusé·e.")
    if session.cancelled:
        raise field_errors(status="Cette séance a été annulée.")
    if session.starts_at > now:
        raise field_errors(status="La séance n'a pas encore eu lieu.")
    enrolment = (
        Enrolment.objects.filter(person=person, group=session.group)
        .exclude(status__in=("proposed", "suitable", "not_suitable", "waiting"))
        .order_by("-pk")
        .first()
    )
    if enrolment is None:
        raise field_errors(status="Cette personne n'est pas inscrite dans ce groupe.")
    note = (note or "").strip()
    attendance = (
        Attendance.objects.select_for_update().filter(session=session, enrolment=enrolment).first()
    )
    # An unexcused absence where attending was an obligation, or from a session on summons,
    # is proposed as an incident on the incidents tab (``incident_sources``, derived from the
    # attendance written here); the caller may say so.
    feeds_incident = rules.absence_feeds_incident(
        status=status, compulsory=enrolment.compulsory, summons=session.summons
    )
    label = rules.ATTENDANCE_STATUSES[status]
    summary = f"Présence à la séance {session.number} du programme « {session.group.programme.name} » : {label.lower()}"
    if attendance is None:
        attendance = Attendance(
            session=session,
            enrolment=enrolment,
            status=status,
            recorded_by=membership.user,
            recorded_at=now,
        )
        attendance.full_clean()
        attendance.save()
        before = None
    else:
        if attendance.status == status and not note:
            attendance.feeds_incident = feeds_incident
            return attendance
        before = journal_before(attendance, ["status", "recorded_by", "recorded_at"])
        attendance.status, attendance.recorded_by, attendance.recorded_at = (
            status,
            membership.user,
            now,
        )
        attendance.save()
    AttendanceNote.objects.create(
        attendance=attendance, status=status, text=note, by=membership.user, at=now
    )
    journal(
        membership,
        attendance,
        person=person,
        summary=summary,
        before=before,
        timeline=Event(
            TimelineEvent.Kind.PROGRAMME,
            summary,
            detail="Manquement à examiner (onglet Manquements)" if feeds_incident else "",
            occurred_at=session.starts_at,
        )
        if before is None
        else None,
    )
    attendance.feeds_incident = feeds_incident
    return attendance
