"""Reads of transfers, scoped to the membership (or system actor) that reads them.

``transfer_get_for`` is the gate of a transfer request: the sending service's managers reach
it through the person's own gate (``person_get_for``: once the file has left, it is a 404 for
them like the file itself); the receiving service's managers (and its system actor) by the
request being addressed to their service — the person is not yet theirs, so their reading of
it is journaled in their service's chain. Anyone else: 404.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from probatio.access.policy import Action, allows, roles_allowed
from probatio.audit import reads as audit_reads
from probatio.audit import services as audit
from probatio.core.gates import NotFound
from probatio.measures.models import Measure
from probatio.organisation.models import Service
from probatio.people.selectors import Gated, person_get_for
from probatio.transfers import rules
from probatio.transfers.models import Transfer, TransferSettings

SENDING, RECEIVING = "sending", "receiving"


def settings_get() -> TransferSettings:
    """The platform's setting (its defaults while the administrator has saved none)."""
    return TransferSettings.objects.order_by("pk").first() or TransferSettings()


def accept_on(transfer: Transfer, setting: TransferSettings | None = None) -> date:
    """The day a request still unanswered is accepted by the receiving service's system
    actor (the platform's delay as it stands today)."""
    from django.utils import timezone

    setting = setting or settings_get()
    proposed_on = timezone.localtime(transfer.proposed_at).date()
    return rules.auto_accept_on(proposed_on, setting.auto_accept_days)


def receiving_choices(service: Service) -> QuerySet[Service]:
    """The services a file of ``service`` may go to: the instance's other services of the same
    kind (``rules.may_receive``: a real service's files never reach a training service)."""
    return Service.objects.exclude(pk=service.pk).filter(is_sandbox=service.is_sandbox)


def receiving_get(service: Service, pk) -> Service | None:
    return receiving_choices(service).filter(pk=pk).first()


def pending_of(person) -> Transfer | None:
    """The request of the person's file still awaiting an answer, if any."""
    return (
        Transfer.objects.filter(person=person, status=Transfer.Status.PENDING)
        .select_related("to_service")
        .first()
    )


def incoming_pending(service_id: int) -> QuerySet[Transfer]:
    """The requests addressed to the service and still awaiting its answer, oldest first
    (the allocation queue and the transfers page)."""
    return (
        Transfer.objects.filter(to_service_id=service_id, status=Transfer.Status.PENDING)
        .select_related("person", "from_service", "proposed_by")
        .order_by("proposed_at", "pk")
    )


def incoming_with_delay(service_id: int) -> list[dict]:
    """The requests awaiting the service's answer with the platform's delay (its default
    while no setting is saved), in one query: what the échéancier's provider reads."""
    default = TransferSettings._meta.get_field("auto_accept_days").default
    delay = Subquery(TransferSettings.objects.order_by("pk").values("auto_accept_days")[:1])
    return list(
        Transfer.objects.filter(to_service_id=service_id, status=Transfer.Status.PENDING)
        .annotate(delay=Coalesce(delay, Value(default)))
        .order_by("proposed_at", "pk")
        .values("pk", "person_id", "proposed_at", "delay", "from_service__name")
    )


def incoming_of(service_id: int) -> QuerySet[Transfer]:
    return (
        Transfer.objects.filter(to_service_id=service_id)
        .select_related("person", "from_service", "proposed_by", "answered_by")
        .order_by("-proposed_at", "-pk")
    )


def outgoing_of(service_id: int) -> QuerySet[Transfer]:
    return (
        Transfer.objects.filter(from_service_id=service_id)
        .select_related("person", "to_service", "proposed_by", "answered_by")
        .order_by("-proposed_at", "-pk")
    )


@dataclass
class GatedTransfer:
    """A transfer request with the side of the reader (``SENDING`` or ``RECEIVING``) and
    who reads it (a membership or the receiving service's system actor)."""

    transfer: Transfer
    membership: Any
    side: str
    gated: Gated | None = None  # the person, for the sending side

    @property
    def can_withdraw(self) -> bool:
        return self.side == SENDING and self.transfer.is_pending

    @property
    def can_answer(self) -> bool:
        return self.side == RECEIVING and self.transfer.is_pending


def transfer_get_for(membership, pk: int, *, log_read: str | None = None) -> GatedTransfer:
    """The gate of a transfer request (see the module's docstring)."""
    if membership is None:
        raise Http404("Aucun service choisi.")
    transfer = (
        Transfer.objects.filter(pk=pk)
        .select_related("person", "from_service", "to_service", "proposed_by", "answered_by")
        .first()
    )
    if transfer is None:
        raise NotFound(
            "Demande de transfert introuvable.", object_type="transfers.transfer", object_id=pk
        )
    service_id = membership.service_id
    if transfer.to_service_id == service_id:
        system = getattr(membership, "is_system", False)
        action = Action.ACCEPT_TRANSFERS if system else Action.ANSWER_TRANSFER
        if not allows(membership.role, action):
            raise NotFound(
                "Demande de transfert introuvable.", object_type="transfers.transfer", object_id=pk
            )
        if log_read:
            # Held until the page is shown (``audit.reads``), like the dossier gate's reads.
            audit_reads.record_read(
                service_id=membership.service_id,
                actor=audit.actor_of(membership),
                action=audit.Action.READ,
                role=membership.role,
                instance=transfer,
                person_id=transfer.person_id,
                summary=f"Consultation d'une demande de transfert entrant ({log_read})",
                context={"page": "transfer", "tab": log_read},
            )
        return GatedTransfer(transfer=transfer, membership=membership, side=RECEIVING)
    if transfer.from_service_id == service_id and not getattr(membership, "is_system", False):
        # Through the person's own gate: once accepted, the file (and its request) is gone.
        gated = person_get_for(
            membership, transfer.person_id, action=Action.TRANSFER_FILE, log_read=log_read
        )
        transfer.person = gated.person
        return GatedTransfer(transfer=transfer, membership=membership, side=SENDING, gated=gated)
    raise NotFound(
        "Demande de transfert introuvable.", object_type="transfers.transfer", object_id=pk
    )


def open_measures_of(person_id: int) -> list[Measure]:
    """What the receiving managers read to decide: the file's measures not yet ended."""
    return list(
        Measure.objects.filter(person_id=person_id)
        .filter(
            status__in=(Measure.Status.PENDING, Measure.Status.ACTIVE, Measure.Status.SUSPENDED)
        )
        .select_related("measure_type")
        .order_by("start_date", "pk")
    )


def manager_emails(service_id: int) -> list[str]:
    """The addresses of the service's active managers (the transfers' e-mails)."""
    from probatio.accounts.models import Membership

    return sorted(
        set(
            Membership.objects.filter(
                service_id=service_id,
                role__in=roles_allowed(Action.ANSWER_TRANSFER),
                is_active=True,
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def overdue_by_service(today: date) -> dict[int, list[int]]:
    """The pending requests whose automatic acceptance is due, by receiving service."""
    setting = settings_get()
    found: dict[int, list[int]] = {}
    for transfer in Transfer.objects.filter(status=Transfer.Status.PENDING).order_by(
        "proposed_at", "pk"
    ):
        if rules.is_overdue(today=today, accept_on=accept_on(transfer, setting)):
            found.setdefault(transfer.to_service_id, []).append(transfer.pk)
    return found


def pending_all() -> list[Transfer]:
    return list(
        Transfer.objects.filter(status=Transfer.Status.PENDING)
        .select_related("person", "from_service", "to_service")
        .order_by("proposed_at", "pk")
    )
