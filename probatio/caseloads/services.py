"""Writes of the allocation: capacities and the service's workload scale (managers, through
``MANAGE_SERVICE``), and moving files between CPIPs (``ALLOCATE_CASELOADS`` with
``ASSIGN_CPIP`` on each file). One transaction each; every write journaled."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probatio.access.policy import REFERENT_ROLES, Action, allows
from probatio.accounts.models import Membership
from probatio.agenda import services as agenda_services
from probatio.agenda.models import Appointment
from probatio.agenda.services import NeedsConfirmation
from probatio.audit import services as audit
from probatio.caseloads import rules, selectors
from probatio.caseloads.models import CapacityReduction, WorkloadWeight
from probatio.core.errors import field_errors
from probatio.measures import services as measure_services
from probatio.people import services as people_services
from probatio.people.models import Person
from probatio.people.selectors import persons_gated_for


def _manager(membership, action: Action = Action.MANAGE_SERVICE) -> None:
    if not allows(membership.role, action):
        raise PermissionDenied("Cette action est réservée à l'encadrement du service.")


def _cpip_membership(membership, target_id: int) -> Membership:
    target = (
        Membership.objects.filter(
            pk=target_id,
            service_id=membership.service_id,
            role__in=REFERENT_ROLES,
            is_active=True,
        )
        .select_related("user")
        .first()
    )
    if target is None:
        raise field_errors(membership="Ce compte n'est pas CPIP de ce service.")
    return target


# --- Capacity --------------------------------------------------------------------------------


@transaction.atomic
def working_time_set(*, membership, target_id: int, working_time: int) -> Membership:
    """A CPIP's share of a full-time post, in percent."""
    _manager(membership)
    target = _cpip_membership(membership, target_id)
    low, high = rules.WORKING_TIME_BOUNDS
    if not isinstance(working_time, int) or not low <= working_time <= high:
        raise field_errors(
            working_time=f"La quotité de travail doit être comprise entre {low} et {high} %."
        )
    before = audit.snapshot(target, ["working_time"])
    target.working_time = working_time
    target.save(update_fields=["working_time"])
    audit.record_by(
        membership,
        audit.Action.UPDATE,
        target,
        person_id=None,
        summary=f"Quotité de travail de {target.user} : {working_time} %",
        changes=audit.diff(before, {"working_time": working_time}),
    )
    return target


@transaction.atomic
def capacity_reduction_add(
    *,
    membership,
    target_id: int,
    reason: str,
    share: int,
    start_date: date,
    end_date: date | None,
    comment: str = "",
) -> CapacityReduction:
    """A dated reduction of a CPIP's capacity (training, union duty, long leave…)."""
    _manager(membership)
    target = _cpip_membership(membership, target_id)
    reduction = CapacityReduction(
        membership=target,
        reason=reason,
        share=share,
        start_date=start_date,
        end_date=end_date,
        comment=comment.strip(),
    )
    reduction.full_clean()
    reduction.save()
    audit.record_creation(
        membership,
        reduction,
        person_id=None,
        summary=f"Réduction de capacité de {target.user} : {reduction.get_reason_display()}",
    )
    return reduction


@transaction.atomic
def capacity_reduction_delete(*, membership, reduction_id: int) -> None:
    _manager(membership)
    reduction = (
        CapacityReduction.objects.select_for_update()
        .filter(pk=reduction_id, membership__service_id=membership.service_id)
        .select_related("membership__user")
        .first()
    )
    if reduction is None:
        raise field_errors(reduction="Cette réduction n'existe pas dans ce service.")
    audit.record_by(
        membership,
        audit.Action.DELETE,
        reduction,
        person_id=None,
        summary=f"Réduction de capacité de {reduction.membership.user} supprimée",
        changes=audit.diff(audit.snapshot(reduction), {}),
    )
    reduction.delete()


def _points(value) -> Decimal:
    try:
        points = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError):
        raise field_errors(points="Indiquez un nombre de points.") from None
    if not points.is_finite():
        raise field_errors(points="Indiquez un nombre de points.")
    return points


@transaction.atomic
def weight_set(
    *, membership, subject: str, setting: str, points, valid_from: date
) -> WorkloadWeight:
    """The service's own value of one weight of the scale, from ``valid_from`` (the national
    value applies until then, and wherever the service has none)."""
    _manager(membership)
    known = {code for code, _ in selectors.weight_subjects()}
    if subject not in known:
        raise field_errors(subject="Choisissez une ligne du barème.")
    if setting not in WorkloadWeight.Setting.values:
        raise field_errors(setting="Choisissez un milieu.")
    points = _points(points)
    if subject == rules.FULL_TIME:
        low, high = rules.FULL_TIME_BOUNDS
    elif rules.is_level_subject(subject):
        low, high = rules.LEVEL_BOUNDS
    else:
        low, high = rules.WEIGHT_BOUNDS
    if not low <= points <= high:
        unit = "" if rules.is_level_subject(subject) else " points"
        low, high = (str(value).replace(".", ",") for value in (low, high))
        raise field_errors(points=f"La valeur doit être comprise entre {low} et {high}{unit}.")
    if points != points.quantize(Decimal("0.1")):
        raise field_errors(points="Une décimale au plus (par exemple 1,5).")
    # The capacity, a report and a level's coefficient weigh the same in every setting.
    any_setting = subject in (rules.FULL_TIME, rules.REPORT_DUE) or rules.is_level_subject(subject)
    weight, created = WorkloadWeight.objects.update_or_create(
        service_id=membership.service_id,
        subject=subject,
        setting=rules.ANY if any_setting else setting,
        valid_from=valid_from,
        defaults={"points": points, "created_by": membership.user},
    )
    # Today's scale is cached: this process forgets it at once (the others within minutes).
    cache.delete(selectors.weights_cache_key(membership.service_id, timezone.localdate()))
    audit.record_by(
        membership,
        audit.Action.CREATE if created else audit.Action.UPDATE,
        weight,
        person_id=None,
        summary=f"Barème de charge : {subject} = {points} à partir du {valid_from:%d/%m/%Y}",
        changes={"points": [None, str(points)], "valid_from": [None, valid_from.isoformat()]},
    )
    return weight


# --- Moving files ----------------------------------------------------------------------------

APPOINTMENTS_MOVE = "move"
APPOINTMENTS_KEEP = "keep"
APPOINTMENTS_CANCEL = "cancel"
APPOINTMENT_CHOICES = [
    (APPOINTMENTS_MOVE, "Les confier au nouveau CPIP (même jour, même heure, même lieu)"),
    (APPOINTMENTS_KEEP, "Les laisser dans l'agenda actuel"),
    (APPOINTMENTS_CANCEL, "Les annuler en prévenant la personne"),
]
REASONS = [
    ("departure", "Départ du CPIP"),
    ("leave", "Absence ou congé"),
    ("balance", "Équilibrage des portefeuilles"),
    ("address", "Changement d'adresse de la personne"),
    ("risk", "Risque pour le ou la CPIP"),
    ("other", "Autre motif"),
]
REASON_LABELS = dict(REASONS)


@dataclass
class MoveResult:
    files: int = 0
    measures: int = 0
    appointments_moved: int = 0
    appointments_cancelled: int = 0
    appointments_kept: int = 0
    names: list[str] = field(default_factory=list)


@transaction.atomic
def caseload_move(
    *,
    membership,
    assignments: dict[int, int],
    appointments: str,
    reason: str,
    comment: str = "",
    confirmed: bool = False,
    now: datetime | None = None,
) -> MoveResult:
    """Give each file (person id → CPIP user id) to its new CPIP, in one transaction: the
    file, the open measures its former CPIP held, and its appointments to come with the
    former CPIP (moved to the new one, kept, or cancelled with notice). Journaled per file:
    « Changement de CPIP : A → B (motif) ». Moving appointments into an agenda where they
    clash needs ``confirmed``."""
    _manager(membership, Action.ALLOCATE_CASELOADS)
    now = now or timezone.now()
    errors = {}
    if not assignments:
        errors["persons"] = "Choisissez au moins un dossier."
    if appointments not in dict(APPOINTMENT_CHOICES):
        errors["appointments"] = "Choisissez ce que deviennent les rendez-vous à venir."
    if reason not in REASON_LABELS:
        errors["reason"] = "Choisissez le motif du changement."
    if reason == "other" and not comment.strip():
        errors["comment"] = "Précisez le motif."
    if errors:
        raise field_errors(**errors)
    cpips = {u.pk: u for u in selectors.active_cpips(membership.service_id)}
    if any(uid not in cpips for uid in assignments.values()):
        raise field_errors(
            targets="Les dossiers ne peuvent être confiés qu'à un ou une CPIP du service."
        )
    persons = list(
        Person.objects.filter(pk__in=list(assignments), service_id=membership.service_id)
        .select_related("assigned_cpip")
        .order_by("pk")
    )
    if len(persons) != len(assignments):
        raise field_errors(persons="Un des dossiers choisis n'est pas (ou plus) dans ce service.")
    gates = persons_gated_for(membership, persons, action=Action.ASSIGN_CPIP)
    upcoming = selectors.upcoming_with_former_cpip(persons, now=now)
    if appointments == APPOINTMENTS_MOVE and not confirmed:
        clashes = selectors.move_conflicts(
            membership.service_id, upcoming, assignments, persons=persons
        )
        if clashes:
            raise NeedsConfirmation(clashes)
    why = REASON_LABELS[reason] + (f" — {comment.strip()}" if comment.strip() else "")
    result = MoveResult()
    for person in persons:
        previous, cpip = person.assigned_cpip, cpips[assignments[person.pk]]
        if previous is not None and previous.pk == cpip.pk:
            continue
        gated = gates[person.pk]
        before_name = str(previous) if previous else "file d'attente"
        people_services.cpip_assign(
            gated=gated,
            cpip=cpip,
            summary=f"Changement de CPIP : {before_name} → {cpip} ({REASON_LABELS[reason]})"[:300],
            detail=why,
        )
        result.files += 1
        result.names.append(str(person))
        result.measures += measure_services.measures_follow_cpip(
            gated=gated, previous=previous, cpip=cpip
        )
        for appointment in upcoming.get(person.pk, []):
            if appointments == APPOINTMENTS_MOVE:
                agenda_services.appointment_staff_replace(
                    gated=gated, appointment=appointment, previous=previous, cpip=cpip, now=now
                )
                result.appointments_moved += 1
            elif appointments == APPOINTMENTS_CANCEL:
                agenda_services.appointment_set_status(
                    gated=gated,
                    appointment=appointment,
                    status=Appointment.Status.CANCELLED,
                    reason=f"Changement de CPIP ({REASON_LABELS[reason].lower()})",
                    now=now,
                )
                result.appointments_cancelled += 1
            else:
                result.appointments_kept += 1
    if not result.files:
        raise field_errors(
            targets="Ces dossiers sont déjà suivis par ce ou ces CPIP : rien à changer."
        )
    return result
