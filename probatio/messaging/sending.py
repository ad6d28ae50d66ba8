"""Sending messages exactly once, from background tasks only (never in a web request).

A message is sent by whoever *claims* it: a conditional UPDATE from "pending and due" (or
"sending" for longer than ``LEASE``: its worker died) to "sending". The database lets one
UPDATE win, so two workers, or a restarted one, never send the same message twice; a message
reclaimed after a crash is re-sent with the same idempotency key, which the provider receives.

Failures: temporary ones (timeout, provider down) go back to "pending" with a growing delay
(``rules.retry_delay``) and a new task; after the last attempt, or at once for a permanent
refusal, the message is "failed" and the dossier shows it (timeline line and appointment page).

Sending is the system actor's work (``accounts.system.SystemActor``, ``SEND_MESSAGES``): a
worker sends the messages of its actor's service only (the claim filters on it), and
``send_due_everywhere`` (the safety net's command and task) runs each service as its own actor.

A claimed message that has lost its object (appointment no longer planned or already begun,
consent withdrawn, person now held in a cell) is not sent: it ends "cancelled" with the reason.
"""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Case, F, Q, When
from django.utils import timezone

from probatio.access.policy import Action, allows
from probatio.accounts.system import SystemActor
from probatio.messaging import rules
from probatio.messaging.models import Message
from probatio.messaging.services import held_in_cell
from probatio.messaging.sms import Lookup, SmsPermanentError, SmsTemporaryError, get_backend

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
PLANNED = "planned"
HELD_IN_CELL = "La personne est détenue en cellule (écrou en cours) : message sans objet."
# A group session's message (its enrolment's status is ``programmes``' own, read by its code).
ENROLLED = "enrolled"
SESSION_CANCELLED = "Séance collective annulée : message sans objet."
NOT_ENROLLED = "La personne n'est plus inscrite dans ce groupe : message sans objet."


def _claimable(now: datetime) -> Q:
    return Q(status=Message.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Message.Status.SENDING, claimed_at__lt=now - LEASE
    )


def _claim(pk: int, now: datetime, service_id: int) -> bool:
    """Take the message, in one conditional UPDATE. Taking back the claim of a worker that died
    keeps when it was interrupted: that send may have reached the provider."""
    return (
        Message.objects.filter(_claimable(now), pk=pk, service_id=service_id).update(
            status=Message.Status.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
            interrupted_at=Case(
                When(status=Message.Status.SENDING, then=F("claimed_at")),
                default=F("interrupted_at"),
            ),
        )
        == 1
    )


def _obsolete(message: Message, now: datetime) -> str:
    """Why a claimed message must not go any more (French), or ""."""
    appointment = message.appointment
    if appointment is not None and message.purpose != Message.Purpose.CANCELLED:
        if appointment.status != PLANNED:
            return "Rendez-vous annulé, excusé ou reporté : message sans objet."
        if appointment.starts_at <= now:
            return "Le rendez-vous a déjà commencé : rappel sans objet."
    session = message.group_session
    if session is not None and message.purpose != Message.Purpose.CANCELLED:
        if session.cancelled:
            return SESSION_CANCELLED
        if session.starts_at <= now:
            return "La séance collective a déjà commencé : rappel sans objet."
    person = message.person
    if message.channel == Message.Channel.SMS and not person.sms_consent:
        return "La personne a retiré son accord pour les SMS."
    if message.channel == Message.Channel.EMAIL and not person.email_consent:
        return "La personne a retiré son accord pour les courriels."
    # Last, so that a message already without object costs no query: one query whatever the
    # channel (a reminder planned before a committal must not reach a cell).
    if held_in_cell(message.person_id):
        return HELD_IN_CELL
    # A participant who left the group (withdrawn, excluded) gets nothing more: one query,
    # for a group session's message only.
    if (
        session is not None
        and message.purpose != Message.Purpose.CANCELLED
        and not Message.objects.filter(
            pk=message.pk,
            group_session__group__enrolments__person_id=F("person_id"),
            group_session__group__enrolments__status=ENROLLED,
        ).exists()
    ):
        return NOT_ENROLLED
    return ""


def uncertain_reason(message: Message, why: str) -> str:
    at = timezone.localtime(message.interrupted_at).strftime("%d/%m/%Y à %H:%M")
    return (
        f"L'envoi du {at} a été interrompu (arrêt du processus d'envoi) et {why}. "
        "Il n'a pas été renvoyé, pour que la personne ne le reçoive pas deux fois : "
        "vérifiez auprès d'elle, puis renvoyez-le ou classez-le."
    )[:500]


def _lookup(message: Message) -> Lookup | None:
    """What the provider knows of the interrupted send (``None``: it cannot tell)."""
    if message.channel == Message.Channel.EMAIL:
        return None  # SMTP keeps no trace we can query; the Message-ID stays the same
    return get_backend().lookup(
        idempotency_key=str(message.idempotency_key),
        to=message.recipient,
        since=message.interrupted_at,
    )


def _after_interruption(message: Message, now: datetime) -> str:
    """Before sending again a message whose earlier send was interrupted: ask the provider.
    Returns "" to go on sending, or what happened instead."""
    try:
        known = _lookup(message)
    except SmsTemporaryError as exc:
        if rules.retry_delay(message.attempts) is None:
            why = f"la vérification auprès du prestataire a échoué ({exc})"
            _finish(
                message, status=Message.Status.UNCERTAIN, last_error=uncertain_reason(message, why)
            )
            return "uncertain"
        return _retry(message, f"Vérification de l'envoi interrompu impossible : {exc}", now)
    if known is None:
        why = (
            "le serveur de courriel ne permet pas de savoir si le message est parti"
            if message.channel == Message.Channel.EMAIL
            else "le prestataire ne permet pas de savoir si le message est parti"
        )
        _finish(message, status=Message.Status.UNCERTAIN, last_error=uncertain_reason(message, why))
        return "uncertain"
    if known.found:
        _finish(
            message,
            status=Message.Status.SENT,
            sent_at=message.interrupted_at,
            provider_id=known.provider_id[:100],
            last_error="Envoi interrompu, puis confirmé par le prestataire : pas de second envoi.",
        )
        return "confirmed"
    return ""


def _send(message: Message) -> str:
    """Hand the message to the gateway; the provider's reference."""
    key = str(message.idempotency_key)
    if message.channel == Message.Channel.SMS:
        return (
            get_backend()
            .send(to=message.recipient, text=message.body, idempotency_key=key, reference=key)
            .provider_id
        )
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": f"<{key}@probatio>"},
    )
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise SmsPermanentError("Adresse de courriel refusée par le serveur.") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SmsTemporaryError(f"Serveur de courriel indisponible : {exc}") from exc
    return f"<{key}@probatio>"


def _finish(message: Message, **fields) -> None:
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(**fields)


def _failed(message: Message, reason: str) -> None:
    from probatio.people.journal import timeline_add
    from probatio.people.models import TimelineEvent

    with transaction.atomic():
        _finish(message, status=Message.Status.FAILED, last_error=reason[:500])
        timeline_add(
            person=message.person,
            kind=TimelineEvent.Kind.MESSAGE,
            title=f"Échec d'envoi : {message.purpose_label.lower()} par "
            f"{message.get_channel_display()}",
            detail=reason,
            actor=None,
            instance=message,
        )


def _retry(message: Message, reason: str, now: datetime) -> str:
    delay = rules.retry_delay(message.attempts)
    if delay is None:
        _failed(message, f"{reason} ({message.attempts} tentatives)")
        return "failed"
    run_after = now + delay
    _finish(
        message,
        status=Message.Status.PENDING,
        next_attempt_at=run_after,
        last_error=reason[:500],
    )
    from probatio.messaging import tasks

    transaction.on_commit(lambda: tasks.enqueue_send(message, run_after))
    return "retry"


def _require_sender(actor) -> None:
    if not getattr(actor, "is_system", False) or not allows(actor.role, Action.SEND_MESSAGES):
        raise PermissionDenied("L'envoi des messages est un traitement de l'acteur système.")


def deliver(message_id: int, *, actor, now: datetime | None = None, claimed: bool = False) -> str:
    """Send one message of the actor's service if it is due and nobody else has it. Returns
    what happened (another service's message: "skipped", never sent)."""
    _require_sender(actor)
    now = now or timezone.now()
    if not claimed and not _claim(message_id, now, actor.service_id):
        return "skipped"
    message = Message.objects.select_related("appointment", "group_session", "person").get(
        pk=message_id, service_id=actor.service_id
    )
    reason = _obsolete(message, now)
    if reason:
        _finish(message, status=Message.Status.CANCELLED, last_error=reason)
        return "cancelled"
    if message.interrupted_at is not None:
        outcome = _after_interruption(message, now)
        if outcome:
            return outcome
    try:
        provider_id = _send(message)
    except SmsPermanentError as exc:
        _failed(message, str(exc))
        return "failed"
    except SmsTemporaryError as exc:
        return _retry(message, str(exc), now)
    except Exception as exc:  # an unexpected error must not leave the message claimed
        log.exception("Envoi du message %s", message_id)
        return _retry(message, f"Erreur inattendue : {exc.__class__.__name__}", now)
    _finish(
        message,
        status=Message.Status.SENT,
        sent_at=timezone.now(),
        provider_id=provider_id[:100],
        last_error="",
    )
    return "sent"


def send_due(*, actor, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Send every due message of the actor's service."""
    _require_sender(actor)
    now = now or timezone.now()
    ids = list(
        Message.objects.filter(_claimable(now), service_id=actor.service_id)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for pk in ids:
        outcome = deliver(pk, actor=actor, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


SENDING = "envoi des rappels et messages"


def sender(service_id: int) -> SystemActor:
    """The system actor that sends a service's messages."""
    return SystemActor(service_id=service_id, reason=SENDING)


def send_due_everywhere(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Every due message, service by service, each by its own system actor (the safety net
    run by ``send_due_messages``). ``limit``: at most that many messages in all."""
    now = now or timezone.now()
    services = (
        Message.objects.filter(_claimable(now))
        .order_by("service_id")
        .values_list("service_id", flat=True)
        .distinct()
    )
    counts: dict[str, int] = {}
    for service_id in services:
        left = None if limit is None else limit - sum(counts.values())
        if left is not None and left <= 0:
            break
        for outcome, n in send_due(actor=sender(service_id), now=now, limit=left).items():
            counts[outcome] = counts.get(outcome, 0) + n
    return counts
