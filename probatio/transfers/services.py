"""Transfers of a file between services: propose, withdraw, accept or refuse, and the
automatic acceptance (with its reminders) by the receiving service's system actor.

What moves with the file on acceptance, what stays and what ends: docs/allocation.md,
« Transfers between services ». One transaction for each step: a refusal of any part stores
nothing. The acceptance is journaled in both services' chains, with a line of the file's
chronology."""

import logging
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from probatio.access.policy import Action, allows
from probatio.accounts.system import SystemActor
from probatio.agenda import services as agenda_services
from probatio.agenda.models import Appointment
from probatio.audit import services as audit
from probatio.community_work import rules as community_work_rules
from probatio.community_work.models import Assignment
from probatio.core.dates import format_fr
from probatio.core.errors import field_errors
from probatio.core.text import count
from probatio.deadlines.models import DueItemRecord
from probatio.measures.models import Measure
from probatio.organisation.models import Service
from probatio.people.journal import Event, timeline_add
from probatio.people.journal import before as journal_before
from probatio.people.journal import write as journal
from probatio.people.models import AwaitingReason, Person, TimelineEvent
from probatio.people.selectors import Gated, acting_under, gate, own, person_get_for
from probatio.people.services import QUEUE_FIELDS, queue_state
from probatio.reintegration import rules as reintegration_rules
from probatio.reintegration.models import PartnerReferral
from probatio.transfers import rules, selectors
from probatio.transfers.models import Transfer
from probatio.transfers.selectors import RECEIVING, GatedTransfer

log = logging.getLogger(__name__)

REFUSED_ROLE = "La proposition et le retrait d'un transfert reviennent à l'encadrement du service."
AUTOMATIC_REASON = "acceptation d'un transfert resté sans réponse"


def closed_message(transfer: Transfer) -> str:
    """Why a request already answered can be neither withdrawn nor answered again."""
    when = (
        format_fr(timezone.localtime(transfer.answered_at).date()) if transfer.answered_at else ""
    )
    state = {
        Transfer.Status.ACCEPTED: f"acceptée le {when}",
        Transfer.Status.REFUSED: f"refusée le {when}",
        Transfer.Status.WITHDRAWN: f"retirée le {when}",
    }[transfer.status]
    return f"Cette demande de transfert a déjà été {state} : elle est close."


# --- The sending service ---------------------------------------------------------------------


@transaction.atomic
def transfer_propose(
    *,
    gated: Gated,
    to_service: Service | None,
    reason: str,
    comment: str = "",
    now: datetime | None = None,
) -> Transfer:
    """A manager proposes to hand the file to another service of the instance."""
    membership, person = gate(gated, Action.TRANSFER_FILE, REFUSED_ROLE)
    now = now or timezone.now()
    # The person's row, locked: two proposals at once make one request.
    person = (
        Person.objects.select_for_update(of=("self",)).select_related("service").get(pk=person.pk)
    )
    if person.service_id != membership.service_id:
        raise PermissionDenied("Ce dossier n'est plus suivi par votre service.")
    if to_service is None:
        raise field_errors(to_service="Choisissez le service d'accueil.")
    if to_service.pk == person.service_id:
        raise field_errors(
            to_service="Le dossier est déjà suivi par votre service : choisissez un autre "
            "service d'accueil."
        )
    if not rules.may_receive(
        from_sandbox=person.service.is_sandbox, to_sandbox=to_service.is_sandbox
    ):
        raise field_errors(
            to_service="Un dossier ne passe pas entre un service réel et un service de "
            "formation : choisissez un service du même type."
        )
    pending = selectors.pending_of(person)
    if pending is not None:
        raise field_errors(
            to_service=f"Une demande de transfert de ce dossier vers « {pending.to_service} » "
            f"est déjà en attente de réponse (proposée le "
            f"{format_fr(timezone.localtime(pending.proposed_at).date())}) : retirez-la "
            "d'abord pour en proposer une autre."
        )
    transfer = Transfer(
        person=person,
        from_service_id=person.service_id,
        to_service=to_service,
        reason=reason,
        comment=(comment or "").strip(),
        proposed_by=membership.user,
        proposed_at=now,
    )
    transfer.full_clean()
    transfer.save()
    journal(
        membership,
        transfer,
        person=person,
        summary=f"Transfert du dossier proposé à « {to_service} »",
        timeline=Event(
            TimelineEvent.Kind.PERSON,
            f"Transfert proposé à « {to_service} » ({transfer.get_reason_display().lower()})",
        ),
    )
    accept_day = selectors.accept_on(transfer)
    _mail_on_commit(
        to=selectors.manager_emails(to_service.pk),
        subject=f"Probatio : demande de transfert d'un dossier par « {person.service} »",
        body=(
            f"« {person.service} » vous propose le transfert d'un dossier "
            f"({transfer.get_reason_display().lower()}).\n\n"
            f"Répondez à la demande dans Probatio : {reverse('transfers:detail', args=[transfer.pk])}"
            f"\nSans réponse, elle sera acceptée automatiquement le {format_fr(accept_day)}.\n"
        ),
    )
    return transfer


@transaction.atomic
def transfer_withdraw(
    *, gated: Gated, transfer: Transfer | None, now: datetime | None = None
) -> Transfer:
    """The sending service withdraws its request, until it is answered."""
    membership, person = gate(gated, Action.TRANSFER_FILE, REFUSED_ROLE)
    own(person, transfer.person_id if transfer is not None else None)
    now = now or timezone.now()
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.from_service_id != membership.service_id:
        raise PermissionDenied("Seul le service qui a proposé le transfert peut le retirer.")
    if not transfer.is_pending:
        raise field_errors(status=closed_message(transfer))
    before = journal_before(transfer, ["status", "answered_by", "answered_at"])
    transfer.status = Transfer.Status.WITHDRAWN
    transfer.answered_by = membership.user
    transfer.answered_at = now
    transfer.full_clean()
    transfer.save(update_fields=["status", "answered_by", "answered_at"])
    journal(
        membership,
        transfer,
        person=person,
        summary="Demande de transfert retirée",
        before=before,
        timeline=Event(
            TimelineEvent.Kind.PERSON,
            f"Demande de transfert à « {transfer.to_service} » retirée",
        ),
    )
    return transfer


# --- The receiving service -------------------------------------------------------------------


def _receiving(gated_transfer: GatedTransfer, action: Action):
    """The receiving side, from the transfer's gate only, with a role (or the system actor)
    that does ``action``."""
    if not isinstance(gated_transfer, GatedTransfer) or gated_transfer.side != RECEIVING:
        raise PermissionDenied(
            "Accès refusé : cette demande n'a pas été ouverte par le contrôle d'accès du "
            "service d'accueil."
        )
    actor = gated_transfer.membership
    if actor.service_id != gated_transfer.transfer.to_service_id or not allows(actor.role, action):
        raise PermissionDenied("La réponse à un transfert revient à l'encadrement du service "
                               "d'accueil.")  # fmt: skip
    return actor


@transaction.atomic
def transfer_answer(
    *,
    gated_transfer: GatedTransfer,
    accept: bool,
    comment: str = "",
    now: datetime | None = None,
) -> Transfer:
    """A manager of the receiving service accepts (the file moves) or refuses (it stays, with
    the reason) a request."""
    actor = _receiving(gated_transfer, Action.ANSWER_TRANSFER)
    now = now or timezone.now()
    transfer = Transfer.objects.select_for_update().get(pk=gated_transfer.transfer.pk)
    if not transfer.is_pending:
        raise field_errors(decision=closed_message(transfer))
    comment = (comment or "").strip()
    if accept:
        return _accept(actor, transfer, comment=comment, now=now, automatic=False)
    if not comment:
        raise field_errors(comment="Indiquez le motif du refus : il est transmis au service "
                                   "qui a proposé le transfert.")  # fmt: skip
    person = Person.objects.get(pk=transfer.person_id)
    before = journal_before(transfer, ["status", "answered_by", "answered_at", "answer_comment"])
    transfer.status = Transfer.Status.REFUSED
    transfer.answered_by = actor.user
    transfer.answered_at = now
    transfer.answer_comment = comment
    transfer.full_clean()
    transfer.save(update_fields=["status", "answered_by", "answered_at", "answer_comment"])
    # The receiving service's chain records its answer; the file (still the sending
    # service's) gets its chronology line, and the sending chain the news.
    journal(actor, transfer, person=person, summary="Demande de transfert refusée", before=before)
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        transfer,
        service_id=transfer.from_service_id,
        person_id=person.pk,
        summary=f"Demande de transfert refusée par « {transfer.to_service} »",
        changes=audit.diff(before, journal_before(transfer, list(before))),
        context={"transfer": transfer.pk, "answered_by_service": transfer.to_service_id},
    )
    timeline_add(
        person=person,
        kind=TimelineEvent.Kind.PERSON,
        title=f"Transfert refusé par « {transfer.to_service} »",
        actor=actor.user,
        instance=transfer,
    )
    _mail_on_commit(
        to=selectors.manager_emails(transfer.from_service_id),
        subject=f"Probatio : transfert refusé par « {transfer.to_service} »",
        body=(
            f"« {transfer.to_service} » a refusé le transfert d'un dossier de votre service, "
            f"avec un motif.\n\nLe dossier reste suivi par votre service. Consultez la demande "
            f"dans Probatio : {reverse('transfers:detail', args=[transfer.pk])}\n"
        ),
    )
    return transfer


def _accept(actor, transfer: Transfer, *, comment: str, now: datetime, automatic: bool):
    """The file moves to the receiving service (see the module's docstring)."""
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("service")
        .get(pk=transfer.person_id)
    )
    if person.service_id != transfer.from_service_id:
        raise field_errors(decision="Le dossier n'est plus suivi par le service qui l'a proposé.")
    sending, receiving = person.service, transfer.to_service
    before_person = journal_before(person, ["service", *QUEUE_FIELDS])
    support_before = sorted(person.support_staff.values_list("pk", flat=True))
    measures_cpip = dict(
        Measure.objects.filter(person=person, assigned_cpip__isnull=False).values_list(
            "pk", "assigned_cpip_id"
        )
    )
    # The sending service's agenda first, while the file is still its own: the future
    # appointments with the person are cancelled, with their reminders and a notice, by its
    # system actor through the agenda's own service (journaled in its chain).
    cancelled = _cancel_appointments(
        SystemActor(service_id=sending.pk, reason=f"transfert du dossier à « {receiving} »"[:150]),
        person,
        now=now,
        reason=f"Dossier transféré à « {receiving} » : rendez-vous annulé.",
    )
    # The sending service's staff leave the file: its CPIP, its other professionals, the CPIPs
    # named on its measures. The receiving managers allocate it from their queue.
    person.support_staff.clear()
    Measure.objects.filter(pk__in=list(measures_cpip)).update(assigned_cpip=None)
    person.service = receiving
    person.awaiting_since = None  # the queue's date and origin are the transfer's
    queue_state(person, None, reason=AwaitingReason.TRANSFER_IN, now=now)
    # Only what changes is checked: an older value elsewhere in the identity must not stop the
    # file from moving (nor the system actor's acceptance).
    person.full_clean(
        exclude=[f.name for f in Person._meta.fields if f.name not in ("service", *QUEUE_FIELDS)],
        validate_unique=False,
        validate_constraints=False,
    )
    person.save(update_fields=["service", *QUEUE_FIELDS, "updated_at"])
    # The sending service's échéancier keeps nothing of the file (it lists its stored items
    # without testing each file: ``deadlines.selectors.stored_rows``); the receiving one's are
    # computed from what the file now holds (its state is stale: ``deadlines.signals``).
    DueItemRecord.objects.filter(person=person).exclude(service=receiving).delete()

    before_transfer = journal_before(
        transfer, ["status", "answered_by", "answered_at", "answer_comment", "automatic"]
    )
    transfer.status = Transfer.Status.ACCEPTED
    transfer.answered_by = actor.user
    transfer.answered_at = now
    transfer.answer_comment = comment
    transfer.automatic = automatic
    transfer.full_clean()
    transfer.save(
        update_fields=["status", "answered_by", "answered_at", "answer_comment", "automatic"]
    )
    referrals = (
        PartnerReferral.objects.filter(person=person)
        .exclude(status__in=reintegration_rules.CLOSED_REFERRAL_STATUSES)
        .count()
    )
    assignments = Assignment.objects.filter(
        order__person=person, status=community_work_rules.ACTIVE
    ).count()

    changes_person = audit.diff(before_person, journal_before(person, list(before_person)))
    changes_person["support_staff"] = [support_before, []]
    if measures_cpip:
        changes_person["measures_assigned_cpip"] = [measures_cpip, None]
    by = "automatiquement, sans réponse dans le délai" if automatic else "par l'encadrement"
    # Both chains: the receiving service's (the file it received, the request it answered)…
    journal(
        actor,
        transfer,
        person=person,
        summary=f"Transfert accepté {by} : dossier reçu de « {sending} »",
        before=before_transfer,
    )
    journal(
        actor,
        person,
        person=person,
        summary=f"Dossier reçu par transfert de « {sending} »",
        changes=changes_person,
    )
    # … and the sending service's (the file it handed over).
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        person,
        service_id=sending.pk,
        person_id=person.pk,
        summary=f"Dossier transféré à « {receiving} » (demande acceptée {by})",
        changes=changes_person,
        context={"transfer": transfer.pk, "answered_by_service": receiving.pk},
    )
    detail = [f"Demande acceptée {by}"]
    if cancelled:
        detail.append(
            count(cancelled, "rendez-vous annulé", "rendez-vous annulés")
            + f" dans l'agenda de « {sending} »"
        )
    if referrals:
        detail.append(
            count(referrals, "orientation en cours", "orientations en cours")
            + " vers un partenaire du service d'origine, à revoir"
        )
    if assignments:
        detail.append(
            count(assignments, "affectation TIG en cours", "affectations TIG en cours")
            + " chez une structure du service d'origine, à revoir"
        )
    detail.append("dossier à attribuer")
    timeline_add(
        person=person,
        kind=TimelineEvent.Kind.ASSIGNMENT,
        title=f"Dossier transféré de « {sending} » à « {receiving} »",
        detail=" ; ".join(detail),
        actor=actor.user,
        instance=transfer,
        occurred_at=now,
    )
    path = reverse("transfers:detail", args=[transfer.pk])
    _mail_on_commit(
        to=selectors.manager_emails(sending.pk),
        subject=f"Probatio : transfert accepté par « {receiving} »",
        body=(
            f"« {receiving} » a accepté {'(automatiquement) ' if automatic else ''}le transfert "
            f"d'un dossier de votre service : le dossier est désormais suivi par ce service.\n"
        ),
    )
    if automatic:
        _mail_on_commit(
            to=selectors.manager_emails(receiving.pk),
            subject=f"Probatio : transfert accepté automatiquement (« {sending} »)",
            body=(
                "Une demande de transfert restée sans réponse dans le délai a été acceptée "
                f"automatiquement.\nLe dossier est à attribuer dans votre file : {path}\n"
            ),
        )
    return transfer


def _cancel_appointments(actor: SystemActor, person: Person, *, now: datetime, reason: str) -> int:
    """The sending service's planned appointments with the person, still to come: cancelled
    by the agenda's service (``appointment_set_status``: their reminders cancelled, the person
    told within the sending service's hours, each journaled in its chain with its chronology
    line), the system actor acting under the transfer (``IMPLIED``). Called before the file
    moves: the sending service's gate still opens it."""
    gated = acting_under(
        person_get_for(actor, person.pk, action=Action.ACCEPT_TRANSFERS), Action.ACCEPT_TRANSFERS
    )
    planned = Appointment.objects.filter(
        person=person,
        service_id=actor.service_id,
        status=Appointment.Status.PLANNED,
        starts_at__gt=now,
    ).order_by("starts_at", "pk")
    done = 0
    for appointment in planned:
        agenda_services.appointment_set_status(
            gated=gated,
            appointment=appointment,
            status=Appointment.Status.CANCELLED,
            reason=reason,
            now=now,
        )
        done += 1
    return done


# --- The system actor: automatic acceptance and reminders -----------------------------------


def accept_overdue(*, today: date | None = None, now: datetime | None = None) -> int:
    """Accept every request left unanswered past the platform's delay, each by its receiving
    service's system actor, through the transfer's gate, in its own transaction."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    accepted = 0
    for service_id, pks in selectors.overdue_by_service(today).items():
        actor = SystemActor(service_id=service_id, reason=AUTOMATIC_REASON)
        for pk in pks:
            gated_transfer = selectors.transfer_get_for(actor, pk)
            with transaction.atomic():
                transfer = Transfer.objects.select_for_update().get(pk=pk)
                if not transfer.is_pending:  # answered meanwhile
                    continue
                _receiving(gated_transfer, Action.ACCEPT_TRANSFERS)
                if not rules.is_overdue(today=today, accept_on=selectors.accept_on(transfer)):
                    continue
                try:
                    with transaction.atomic():
                        _accept(actor, transfer, comment="", now=now, automatic=True)
                except (ValidationError, PermissionDenied) as refusal:
                    # One request that cannot move (its file changed meanwhile) never stops
                    # the others; it stays pending, in the échéancier, for a person to answer.
                    log.warning("Transfert %s non accepté automatiquement : %s", pk, refusal)
                    continue
                accepted += 1
    return accepted


def send_reminders(*, today: date | None = None) -> int:
    """Remind the receiving managers of the requests still unanswered as their automatic
    acceptance comes (the platform's reminder days); each reminder goes once."""
    today = today or timezone.localdate()
    setting = selectors.settings_get()
    sent = 0
    for transfer in selectors.pending_all():
        day = selectors.accept_on(transfer, setting)
        due = rules.reminders_due(
            today=today,
            accept_on=day,
            reminder_days=setting.reminder_days,
            sent=list(transfer.reminders_sent),
        )
        if not due:
            continue
        actor = SystemActor(service_id=transfer.to_service_id, reason="relance d'un transfert")
        with transaction.atomic():
            locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
            if not locked.is_pending or set(due) <= set(locked.reminders_sent):
                continue
            locked.reminders_sent = sorted(set(locked.reminders_sent) | set(due), reverse=True)
            locked.save(update_fields=["reminders_sent"])
            left = (day - today).days
            audit.record_by(
                actor,
                audit.Action.UPDATE,
                locked,
                person_id=transfer.person_id,
                summary=f"Relance : demande de transfert sans réponse (acceptation automatique "
                f"le {format_fr(day)})",
                changes={"reminders_sent": [transfer.reminders_sent, locked.reminders_sent]},
            )
            _mail_on_commit(
                to=selectors.manager_emails(transfer.to_service_id),
                subject=f"Probatio : relance — transfert proposé par « {transfer.from_service} »",
                body=(
                    f"Une demande de transfert de « {transfer.from_service} » attend votre "
                    f"réponse. Sans réponse, elle sera acceptée automatiquement le "
                    f"{format_fr(day)} (dans {count(left, 'jour')}).\n\nRépondez dans "
                    f"Probatio : {reverse('transfers:detail', args=[transfer.pk])}\n"
                ),
            )
            sent += 1
    return sent


def run_periodic(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic work of transfers (``core.periodic``): reminders, then acceptances."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    reminded = send_reminders(today=today)
    accepted = accept_overdue(today=today, now=now)
    return {"reminders": reminded, "accepted": accepted}


# --- E-mails ----------------------------------------------------------------------------------


def _mail_on_commit(*, to: list[str], subject: str, body: str) -> None:
    """An e-mail to staff once the change is committed (never for a change rolled back). It
    names no person: the request's page says who, behind the sign-in."""
    if not to:
        return

    def send():
        try:
            EmailMessage(
                subject=subject[:200],
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=to,
            ).send(fail_silently=False)
        except Exception:  # the change stands; the page and the échéancier still show it
            log.exception("Courriel des transferts non envoyé")

    transaction.on_commit(send)
