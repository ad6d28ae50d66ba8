"""Creating and cancelling the messages of an appointment, and recording what the SMS provider
reports of their delivery. Sending is in ``sending.py``, run by background tasks only (never
inside a web request).

These functions run inside the caller's transaction (the appointment's change); the send tasks
are enqueued only once it commits. Nothing is planned for a person held in a cell
(``held_in_cell``); sending checks it again, for messages planned before a committal.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Concat
from django.utils import timezone

from probatio.accounts.system import SystemActor
from probatio.audit import services as audit
from probatio.core import phones
from probatio.core.workdays import public_holidays
from probatio.measures.models import Measure
from probatio.messaging import rules
from probatio.messaging.models import Message
from probatio.people.models import CustodyRecord

# Marks the open committal among the measure codes read by ``held_in_cell``.
_COMMITTAL = "écrou en cours"
# Who reports a delivery: the journal names no user, and keeps this in the entry's context.
PROVIDER = "prestataire SMS"
_REPORTED_FIELDS = ["status", "delivered_at", "last_error"]


def channels_for(person) -> list[tuple[str, str]]:
    """(channel, recipient) pairs the person agreed to, with the means to reach them."""
    result = []
    if person.sms_consent and person.phone and phones.is_mobile(person.phone):
        result.append((Message.Channel.SMS, person.phone))
    if person.email_consent and person.email:
        result.append((Message.Channel.EMAIL, person.email))
    return result


def held_in_cell(person_id: int) -> bool:
    """Whether the person is held in a cell now (``rules.held_in_cell``). One query: the open
    committal and the codes of the active measures, read together (a UNION ALL)."""
    committal = (
        CustodyRecord.objects.filter(person_id=person_id, release_date__isnull=True)
        .order_by()
        .annotate(code=Value(_COMMITTAL, output_field=CharField()))
        .values_list("code")
    )
    measures = (
        Measure.objects.filter(person_id=person_id, status=Measure.Status.ACTIVE)
        .order_by()
        .annotate(code=Concat("measure_type_id", Value("/"), "modality", output_field=CharField()))
        .values_list("code")
    )
    codes = {code.rstrip("/") for (code,) in committal.union(measures, all=True)}
    return rules.held_in_cell(
        open_committal=_COMMITTAL in codes, active_measures=codes - {_COMMITTAL}
    )


def _enqueue_on_commit(messages: list[Message]) -> None:
    if not messages:
        return

    def enqueue():
        from probatio.messaging import tasks

        for message in messages:
            tasks.enqueue_send(message, message.next_attempt_at)

    transaction.on_commit(enqueue)


def _create(appointment, purpose: str, scheduled_at: datetime) -> list[Message]:
    person = appointment.person
    service = appointment.service
    created = []
    for channel, recipient in channels_for(person):
        subject, body = rules.compose(
            purpose=purpose,
            service_name=service.name,
            service_phone=phones.display(service.phone) if service.phone else "",
            when=rules.when_text(appointment.starts_at),
            place=appointment.place_label(),
            address=appointment.place_address(),
        )
        message, was_created = Message.objects.get_or_create(
            appointment=appointment,
            purpose=purpose,
            channel=channel,
            scheduled_at=scheduled_at,
            defaults={
                "service_id": appointment.service_id,
                "person": person,
                "recipient": recipient,
                "subject": subject,
                "body": body,
                "next_attempt_at": scheduled_at,
            },
        )
        if was_created:
            created.append(message)
    return created


def _reachable(person) -> bool:
    """The person agreed to a channel and is not held in a cell (one query, only when a
    channel is agreed)."""
    return bool(channels_for(person)) and not held_in_cell(person.pk)


def schedule_reminders(appointment, *, now: datetime | None = None) -> list[Message]:
    """The reminders of a planned appointment, at the times set by its service; none for a
    person held in a cell."""
    now = now or timezone.now()
    moments = rules.reminder_times(
        appointment.starts_at, appointment.service.reminder_schedule, now=now
    )
    if not moments or not _reachable(appointment.person):
        return []
    created = []
    for moment in moments:
        created.extend(_create(appointment, Message.Purpose.REMINDER, moment))
    _enqueue_on_commit(created)
    return created


def cancel_pending(appointment) -> int:
    """Cancel the reminders not sent yet (a message being sent right now is left to finish)."""
    return Message.objects.filter(appointment=appointment, status=Message.Status.PENDING).update(
        status=Message.Status.CANCELLED, last_error=""
    )


def notice_time(service, *, starts_at: datetime, now: datetime) -> datetime:
    """When a notice of ``service`` planned at ``now`` goes: within the service's sending
    hours (``rules.notice_time``), its public holidays kept quiet unless it sends on them."""
    holidays: frozenset = frozenset()
    if not service.notice_on_holidays:
        year = rules.paris_date(now).year
        holidays = public_holidays(year, alsace_moselle=service.alsace_moselle) | public_holidays(
            year + 1, alsace_moselle=service.alsace_moselle
        )
    return rules.notice_time(
        now,
        starts_at=starts_at,
        window_from=service.notice_from,
        window_until=service.notice_until,
        days=service.notice_days,
        holidays=holidays,
    )


# What may have reached the person: a message sent (or being sent, or whose send the provider
# could not confirm).
REACHED = (
    Message.Status.SENDING,
    Message.Status.SENT,
    Message.Status.DELIVERED,
    Message.Status.UNCERTAIN,
)


def anything_reached(appointment_ids: list[int]) -> bool:
    """Has any reminder or notice of these appointments gone to the person? (One query.)"""
    return Message.objects.filter(appointment_id__in=appointment_ids, status__in=REACHED).exists()


def notify(appointment, purpose: str, *, now: datetime | None = None) -> list[Message]:
    """The notice that the appointment was cancelled (``cancelled``), or that this is the
    appointment it was moved to (``moved``): at once within the service's sending hours, else
    at the next allowed time unless the appointment comes first (``notice_time``). None for a
    person held in a cell."""
    now = now or timezone.now()
    if appointment.starts_at <= now or not _reachable(appointment.person):
        return []
    created = _create(
        appointment,
        purpose,
        notice_time(appointment.service, starts_at=appointment.starts_at, now=now),
    )
    _enqueue_on_commit(created)
    return created


# --- Group sessions of programmes (``programmes``, to the right, passes the session, the
# person and what the message says of the place). ---


@dataclass(frozen=True)
class SessionPlace:
    """Where a group session takes place, as a message says it."""

    service: Any  # organisation.Service: its name, phone, reminder schedule, hours of notices
    place: str  # « SPIP, Antenne d'Amiens, salle 2 »
    address: str


def _create_for_session(
    session, person, where: SessionPlace, purpose: str, scheduled_at: datetime
) -> list[Message]:
    service = where.service
    created = []
    for channel, recipient in channels_for(person):
        subject, body = rules.compose(
            purpose=purpose,
            service_name=service.name,
            service_phone=phones.display(service.phone) if service.phone else "",
            when=rules.when_text(session.starts_at),
            place=where.place,
            address=where.address,
            group_session=True,
        )
        message, was_created = Message.objects.get_or_create(
            group_session=session,
            person=person,
            purpose=purpose,
            channel=channel,
            scheduled_at=scheduled_at,
            defaults={
                "service_id": service.pk,
                "recipient": recipient,
                "subject": subject,
                "body": body,
                "next_attempt_at": scheduled_at,
            },
        )
        if was_created:
            created.append(message)
    return created


def schedule_session_reminders(
    session, person, where: SessionPlace, *, now: datetime | None = None
) -> list[Message]:
    """The reminders of a group session to one participant, at the times set by the service
    (as for an appointment); none for a cancelled or past session, nor for a person held in a
    cell. Scheduling again creates nothing more (unique per session, person, purpose,
    channel and time)."""
    now = now or timezone.now()
    if session.cancelled:
        return []
    moments = rules.reminder_times(session.starts_at, where.service.reminder_schedule, now=now)
    if not moments or not _reachable(person):
        return []
    created = []
    for moment in moments:
        created.extend(
            _create_for_session(session, person, where, Message.Purpose.REMINDER, moment)
        )
    _enqueue_on_commit(created)
    return created


def cancel_session_pending(sessions, *, person_id: int | None = None) -> int:
    """Cancel the messages not sent yet of these group sessions (a list or a queryset; one
    participant's, or everyone's); a message being sent right now is left to finish."""
    pending = Message.objects.filter(group_session__in=sessions, status=Message.Status.PENDING)
    if person_id is not None:
        pending = pending.filter(person_id=person_id)
    return pending.update(status=Message.Status.CANCELLED, last_error="")


def session_reached(session, person_id: int) -> bool:
    """Has a reminder or notice of this group session gone to this participant?"""
    return Message.objects.filter(
        group_session=session, person_id=person_id, status__in=REACHED
    ).exists()


def notify_session(
    session, person, where: SessionPlace, purpose: str, *, now: datetime | None = None
) -> list[Message]:
    """The notice to one participant that the group session was cancelled or moved (the new
    time): within the service's sending hours, as for an appointment. None for a person held
    in a cell."""
    now = now or timezone.now()
    if session.starts_at <= now or not _reachable(person):
        return []
    created = _create_for_session(
        session,
        person,
        where,
        purpose,
        notice_time(where.service, starts_at=session.starts_at, now=now),
    )
    _enqueue_on_commit(created)
    return created


@transaction.atomic
def delivery_report_record(
    *, provider_id: str, delivered: bool, reason: str = "", now: datetime | None = None
) -> int:
    """What the SMS provider reports of the message it knows as ``provider_id``: delivered, or
    not delivered for ``reason``. A delivered message stays so; a failure is recorded whatever
    the message's state. Each message whose state changes is journaled in its service's chain,
    with no user (the provider reports it, ``context.source``), in the same transaction.
    Returns how many messages changed."""
    now = now or timezone.now()
    changed = 0
    messages = Message.objects.select_for_update().filter(provider_id=provider_id).order_by("pk")
    for message in messages:
        before = audit.snapshot(message, _REPORTED_FIELDS)
        what = f"{message.get_purpose_display()} par {message.get_channel_display()}"
        if delivered:
            if message.status == Message.Status.DELIVERED:
                continue
            message.status = Message.Status.DELIVERED
            message.delivered_at = now
            summary = f"{what} remis (accusé de réception du {PROVIDER})"
        else:
            message.status = Message.Status.FAILED
            message.last_error = f"Non remis : {reason}"[:500]
            summary = f"{what} non remis selon le {PROVIDER} : {reason}"
        changes = audit.diff(before, audit.snapshot(message, _REPORTED_FIELDS))
        if not changes:
            continue
        message.save(update_fields=[field for field in _REPORTED_FIELDS if field in changes])
        # Recorded by the service's system actor, from the provider's report.
        actor = SystemActor(service_id=message.service_id, reason=f"compte rendu du {PROVIDER}")
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            service_id=message.service_id,
            role=actor.role,
            instance=message,
            person_id=message.person_id,
            summary=summary,
            changes=changes,
            context={"source": PROVIDER, "provider_id": provider_id},
        )
        changed += 1
    return changed


class NotUncertain(Exception):
    """The message is no longer waiting for someone's decision (settled meanwhile)."""


def uncertain_settle(message: Message, *, resend: bool, by: str, now: datetime) -> None:
    """A person's decision on an "uncertain" message (``message`` locked by the caller):
    send it again (the sweep's provider check is skipped: they decided) or file it without
    sending. Runs in the caller's transaction; the new send task is queued on commit."""
    if message.status != Message.Status.UNCERTAIN:
        raise NotUncertain
    when = timezone.localtime(now).strftime("%d/%m/%Y à %H:%M")
    if resend:
        message.status = Message.Status.PENDING
        message.next_attempt_at = now
        message.interrupted_at = None
        message.last_error = f"Envoi incertain : renvoi décidé par {by} le {when}."
        message.save(update_fields=["status", "next_attempt_at", "interrupted_at", "last_error"])
        _enqueue_on_commit([message])
    else:
        message.status = Message.Status.CANCELLED
        message.last_error = f"Envoi incertain : classé sans renvoi par {by} le {when}."
        message.save(update_fields=["status", "last_error"])
