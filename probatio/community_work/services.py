"""Writes of community work. Each checks everything first (French messages keyed by field,
nothing stored on a refusal), then saves in one transaction with its journal entry and, for a
person, its line in the chronology.

- Hosts, supervisors and placements are part of the partner directory: whoever may manage the
  directory manages them (``partners.may_manage_partners``), journaled without person.
- A TIG order belongs to a TIG measure or a TIG obligation of the person: 20 to 400 hours,
  a period of at most 18 months, counted from the day the decision became enforceable.
- An assignment puts the order on a placement of an approved host, within its capacity (the
  placement's row is locked while counting), with a supervisor of that host.
- A session is dated within its assignment, never in the future, and its hours never pass
  those still to do.
"""

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from probatio.access.policy import Action
from probatio.accounts.models import Membership
from probatio.audit import services as audit
from probatio.community_work import rules, selectors
from probatio.community_work.models import (
    Assignment,
    HostOrganisation,
    Placement,
    Supervisor,
    TigOrder,
    WorkSession,
)
from probatio.core import phones
from probatio.core.dates import format_fr, on_day
from probatio.core.errors import field_errors
from probatio.core.text import count
from probatio.measures.models import Measure, Obligation
from probatio.people.journal import Event
from probatio.people.journal import write as journal
from probatio.people.models import Person, TimelineEvent
from probatio.people.selectors import Gated
from probatio.people.selectors import gate as _gate
from probatio.reintegration import partners
from probatio.reintegration.models import Partner


def _require_directory(membership: Membership) -> None:
    if not partners.may_manage_partners(membership):
        raise PermissionDenied(
            "La gestion des structures d'accueil revient à l'encadrement et aux personnes "
            "qu'il a autorisées."
        )


def _text(data: dict, key: str) -> str:
    return (data.get(key) or "").strip()


def _phone(value: str) -> str:
    try:
        return phones.normalise(value)
    except phones.InvalidPhone as error:
        raise field_errors(phone=str(error)) from None


# --- Hosts, supervisors, placements -----------------------------------------------------------

HOST_FIELDS = [
    "legal_form",
    "approval_court",
    "approval_date",
    "approval_end_date",
    "approval_reference",
]


@transaction.atomic
def host_save(
    *, membership: Membership, partner: Partner, data: dict[str, Any]
) -> HostOrganisation:
    """The host data (legal form, court approval) of a partner of the kind "structure
    d'accueil TIG" of the service."""
    _require_directory(membership)
    if partner.service_id != membership.service_id:
        raise field_errors(__all__="Partenaire introuvable.")
    if partner.kind != "tig_host":
        raise field_errors(
            __all__="Seul un partenaire du type « structure d'accueil TIG » reçoit des postes."
        )
    host = HostOrganisation.objects.filter(partner=partner).first()
    before = audit.snapshot(host) if host else None
    host = host or HostOrganisation(partner=partner)
    if data.get("legal_form") not in rules.LEGAL_FORMS:
        raise field_errors(legal_form="Choisissez la nature de la structure.")
    start, end = data.get("approval_date"), data.get("approval_end_date")
    if start and end and end < start:
        raise field_errors(
            approval_end_date="La fin de l'habilitation ne peut pas précéder son début."
        )
    for name in HOST_FIELDS:
        value = data.get(name)
        if name in ("approval_court", "approval_reference"):
            value = (value or "").strip()
        setattr(host, name, value)
    host.full_clean(exclude=["partner"])
    host.save()
    journal(
        membership, host, person=None, summary=f"Habilitation TIG : {partner.name}", before=before
    )
    return host


SUPERVISOR_FIELDS = ["name", "function", "phone", "email", "is_active"]


@transaction.atomic
def supervisor_save(
    *,
    membership: Membership,
    host: HostOrganisation,
    data: dict[str, Any],
    supervisor: Supervisor | None = None,
) -> Supervisor:
    _require_directory(membership)
    if supervisor is not None and supervisor.host_id != host.pk:
        raise field_errors(__all__="Ce tuteur n'appartient pas à cette structure.")
    if not _text(data, "name"):
        raise field_errors(name="Indiquez le nom du tuteur.")
    before = audit.snapshot(supervisor) if supervisor else None
    supervisor = supervisor or Supervisor(host=host)
    supervisor.name = _text(data, "name")
    supervisor.function = _text(data, "function")
    supervisor.phone = _phone(_text(data, "phone"))
    supervisor.email = _text(data, "email")
    supervisor.is_active = data.get("is_active", True) is not False
    supervisor.full_clean()
    supervisor.save()
    journal(
        membership,
        supervisor,
        person=None,
        summary=f"Tuteur : {supervisor.name} ({host})",
        before=before,
    )
    return supervisor


PLACEMENT_FIELDS = [
    "activity",
    "description",
    "address",
    "postcode",
    "city",
    "capacity",
    "skills",
    "constraints",
    "public_transport",
    "is_active",
]


def _slots_data(raw) -> list[dict]:
    """Slots from a form (``rules.Slot``) or stored dicts, checked, as stored."""
    slots = [s if isinstance(s, rules.Slot) else rules.parse_slots([s])[0] for s in raw or []]
    error = rules.slots_error(slots)
    if error:
        raise field_errors(schedule=error)
    return [
        {"day": s.day, "start": f"{s.start:%H:%M}", "end": f"{s.end:%H:%M}"}
        for s in sorted(slots, key=lambda s: (s.day, s.start))
    ]


@transaction.atomic
def placement_save(
    *,
    membership: Membership,
    host: HostOrganisation,
    data: dict[str, Any],
    placement: Placement | None = None,
) -> Placement:
    _require_directory(membership)
    if placement is not None and placement.host_id != host.pk:
        raise field_errors(__all__="Ce poste n'appartient pas à cette structure.")
    capacity = data.get("capacity")
    if capacity is None or capacity < 1:
        raise field_errors(capacity="Un poste accueille au moins une personne.")
    if not rules.is_postcode(_text(data, "postcode")):
        raise field_errors(postcode=rules.POSTCODE_MESSAGE)
    supervisor = data.get("supervisor")
    supervisor_id = getattr(supervisor, "pk", supervisor)
    if supervisor_id and not Supervisor.objects.filter(pk=supervisor_id, host=host).exists():
        raise field_errors(supervisor="Choisissez un tuteur de cette structure.")
    schedule = _slots_data(data.get("schedule"))
    before = audit.snapshot(placement) if placement else None
    if placement is not None:
        # The row locked while counting: a person placed meanwhile waits, then is counted.
        Placement.objects.select_for_update().filter(pk=placement.pk).first()
        taken = Assignment.objects.filter(placement=placement, status=rules.ACTIVE).count()
        if capacity < taken:
            raise field_errors(
                capacity=f"{taken} personnes y sont affectées : la capacité ne peut pas être "
                "inférieure."
            )
    placement = placement or Placement(host=host)
    for name in PLACEMENT_FIELDS:
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value is None and name in ("public_transport", "is_active"):
            value = True
        setattr(placement, name, value if value is not None else "")
    placement.schedule = schedule
    placement.supervisor_id = supervisor_id or None
    creating = placement.pk is None
    if creating:
        placement.code = f"t{secrets.token_hex(9)}"  # until the primary key is known
    placement.full_clean(exclude=["code"])
    placement.save()
    if creating:
        placement.code = f"P{placement.pk:05d}"
        placement.save(update_fields=["code"])
    journal(
        membership,
        placement,
        person=None,
        summary=f"Poste TIG : {placement.activity} ({host})",
        before=before,
    )
    return placement


# --- Orders ------------------------------------------------------------------------------------

ORDER_FIELDS = [
    "hours_ordered",
    "period_months",
    "counted_from",
    "extra_suspension_days",
    "available_days",
    "skills",
    "needs_public_transport",
    "postcode",
]


def source_of(
    person: Person, measure_id, obligation_id
) -> tuple[Measure | None, Obligation | None]:
    if bool(measure_id) == bool(obligation_id):
        raise field_errors(__all__="Un TIG relève d'une mesure ou d'une obligation.")
    try:
        measure_id = int(measure_id) if measure_id else None
        obligation_id = int(obligation_id) if obligation_id else None
    except (TypeError, ValueError):
        raise field_errors(__all__="Mesure ou obligation de TIG introuvable.") from None
    if measure_id:
        measure = (
            Measure.objects.filter(pk=measure_id, person=person, measure_type_id="TIG")
            .select_related("decision")
            .first()
        )
        if measure is None:
            raise field_errors(__all__="Mesure de TIG introuvable dans ce dossier.")
        return measure, None
    obligation = (
        Obligation.objects.filter(
            pk=obligation_id, measure__person=person, obligation_type_id="TIG"
        )
        .select_related("decision", "measure__decision")
        .first()
    )
    if obligation is None:
        raise field_errors(__all__="Obligation de TIG introuvable dans ce dossier.")
    return None, obligation


def default_order_data(measure: Measure | None, obligation: Obligation | None) -> dict:
    """What the order's form starts from: the measure's hours and period, counted from the day
    its decision became enforceable (else the measure's start)."""
    decision = (measure or obligation).decision
    start = (measure or obligation).start_date
    data = {
        "counted_from": decision.enforceable_date or start,
        "period_months": rules.MAX_PERIOD_MONTHS,
        "hours_ordered": None,
    }
    if measure is not None:
        data["hours_ordered"] = measure.hours
        data["period_months"] = measure.duration_months or rules.MAX_PERIOD_MONTHS
    return data


def _check_order(data: dict, today: date) -> None:
    errors = rules.order_errors(data.get("hours_ordered"), data.get("period_months"))
    counted_from = data.get("counted_from")
    if counted_from is None:
        errors["counted_from"] = "Indiquez le jour où la décision est devenue exécutoire."
    elif counted_from > today:
        errors["counted_from"] = "Cette date ne peut pas être dans le futur."
    days = data.get("available_days") or []
    if any(str(d) not in {str(k) for k in rules.WEEKDAYS} for d in days):
        errors["available_days"] = "Jour de la semaine inconnu."
    postcode = _text(data, "postcode")
    if postcode and not rules.is_postcode(postcode):
        errors["postcode"] = rules.POSTCODE_MESSAGE
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})


def _fill_order(order: TigOrder, data: dict) -> None:
    for name in ORDER_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "available_days":
            value = sorted({int(d) for d in value or []})
        elif name in ("skills", "postcode"):
            value = (value or "").strip()
        elif name == "extra_suspension_days":
            value = value or 0
        elif name == "needs_public_transport":
            value = bool(value)
        setattr(order, name, value)


@transaction.atomic
def order_open(
    *,
    gated: Gated,
    data: dict[str, Any],
    today: date | None = None,
) -> TigOrder:
    """Start the follow-up of a TIG measure or a TIG obligation of the person."""
    membership, person = _gate(gated, Action.MANAGE_COMMUNITY_WORK)
    today = today or timezone.localdate()
    measure, obligation = source_of(person, data.get("measure"), data.get("obligation"))
    _check_order(data, today)
    order = TigOrder(
        person=person, measure=measure, obligation=obligation, created_by=membership.user
    )
    _fill_order(order, data)
    order.full_clean(exclude=["measure", "obligation"])
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError as error:
        raise field_errors(__all__="Le suivi de ce TIG est déjà ouvert.") from error
    journal(
        membership,
        order,
        person=person,
        summary=f"TIG : {order}",
        timeline=Event(
            TimelineEvent.Kind.MEASURE,
            f"TIG de {order.hours_ordered} h : suivi ouvert",
            detail=f"Délai de {order.period_months} mois à compter du {format_fr(order.counted_from)}",
        ),
    )
    return order


@transaction.atomic
def order_update(
    *, gated: Gated, order: TigOrder, data: dict[str, Any],
    today: date | None = None,
) -> TigOrder:  # fmt: skip
    membership, person = _gate(gated, Action.MANAGE_COMMUNITY_WORK)
    today = today or timezone.localdate()
    if order.person_id != person.pk:
        raise field_errors(__all__="Ce TIG n'est pas dans ce dossier.")
    merged = {name: getattr(order, name) for name in ORDER_FIELDS} | data
    _check_order(merged, today)
    done = done_hours(order)
    if merged["hours_ordered"] < done:
        raise field_errors(
            hours_ordered=f"{rules.hours_text(done)} sont déjà effectuées : le nombre d'heures "
            "ne peut pas être inférieur."
        )
    before = audit.snapshot(order)
    _fill_order(order, merged)
    order.full_clean(exclude=["measure", "obligation"])
    order.save()
    journal(membership, order, person=person, summary=f"TIG : {order}", before=before)
    return order


def done_hours(order: TigOrder) -> Decimal:
    total = WorkSession.objects.filter(assignment__order=order, kind=rules.WORK).aggregate(
        total=Sum("hours")
    )["total"]
    return total or Decimal(0)


# --- Assignments -------------------------------------------------------------------------------


@transaction.atomic
def assign(
    *,
    gated: Gated,
    order: TigOrder,
    data: dict[str, Any],
    today: date | None = None,
) -> Assignment:
    """Place the person on a placement: an active placement of an approved host of the
    service, with a free place (the placement locked while counting), a supervisor of that
    host, a start date within the TIG's period, the schedule planned (the placement's by
    default)."""
    membership, person = _gate(gated, Action.MANAGE_COMMUNITY_WORK)
    today = today or timezone.localdate()
    if order.person_id != person.pk:
        raise field_errors(__all__="Ce TIG n'est pas dans ce dossier.")
    placement_id = getattr(data.get("placement"), "pk", data.get("placement"))
    placement = (
        Placement.objects.select_for_update(of=("self",))
        .filter(pk=placement_id, host__partner__service_id=membership.service_id)
        .select_related("host__partner")
        .first()
    )
    if placement is None:
        raise field_errors(placement="Poste introuvable : choisissez un poste du service.")
    if not placement.is_active or not placement.host.partner.is_active:
        raise field_errors(placement="Ce poste n'est plus proposé.")
    start = data.get("start_date")
    if start is None:
        raise field_errors(start_date="Indiquez la date de début.")
    if not placement.host.approved_on(start):
        raise field_errors(
            placement="La structure n'est pas habilitée à cette date : vérifiez son habilitation."
        )
    progress = selectors.progress_of([order], today=today)[0]
    if start < order.counted_from or start > progress.deadline.day:
        raise field_errors(
            start_date=f"Le début doit se situer dans le délai du TIG, du "
            f"{format_fr(order.counted_from)} au {format_fr(progress.deadline.day)}."
        )
    if progress.remaining <= 0:
        raise field_errors(__all__="Toutes les heures de ce TIG sont effectuées.")
    supervisor_id = getattr(data.get("supervisor"), "pk", data.get("supervisor"))
    if (
        supervisor_id
        and not Supervisor.objects.filter(
            pk=supervisor_id, host=placement.host, is_active=True
        ).exists()
    ):
        raise field_errors(supervisor="Choisissez un tuteur de cette structure.")
    taken = Assignment.objects.filter(placement=placement, status=rules.ACTIVE).count()
    if taken >= placement.capacity:
        raise field_errors(
            placement=f"Ce poste est complet ({count(taken, 'personne')} pour "
            f"{count(placement.capacity, 'place')}) : choisissez-en un autre ou attendez "
            "qu'une place se libère."
        )
    schedule = _slots_data(data.get("schedule") or placement.schedule)
    end = data.get("end_date")
    if end is not None and end < start:
        raise field_errors(end_date="La fin ne peut pas précéder le début.")
    if end is not None and end > progress.deadline.day:
        raise field_errors(
            end_date=f"La fin prévue ne peut pas dépasser la fin du délai du TIG, le "
            f"{format_fr(progress.deadline.day)}."
        )
    assignment = Assignment(
        order=order,
        placement=placement,
        supervisor_id=supervisor_id or placement.supervisor_id,
        start_date=start,
        end_date=end,
        schedule=schedule,
        created_by=membership.user,
    )
    assignment.full_clean(exclude=["order", "placement"])
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as error:
        raise field_errors(
            __all__="Ce TIG a déjà une affectation en cours : terminez-la d'abord."
        ) from error
    journal(
        membership,
        assignment,
        person=person,
        summary=f"TIG : affectation {assignment}",
        timeline=Event(
            TimelineEvent.Kind.MEASURE,
            f"TIG : poste « {placement.activity} » ({placement.host})",
            detail=f"À partir du {format_fr(start)} ; {assignment.schedule_text}",
            occurred_at=on_day(min(start, today)),
        ),
    )
    return assignment


@transaction.atomic
def assignment_end(
    *, gated: Gated, assignment: Assignment, end_date: date | None,
    reason: str, cancel: bool = False, today: date | None = None,
) -> Assignment:  # fmt: skip
    membership, person = _gate(gated, Action.MANAGE_COMMUNITY_WORK)
    today = today or timezone.localdate()
    if assignment.order.person_id != person.pk:
        raise field_errors(__all__="Cette affectation n'est pas dans ce dossier.")
    if assignment.status != rules.ACTIVE:
        raise field_errors(__all__="Cette affectation est déjà terminée.")
    if end_date is None:
        raise field_errors(end_date="Indiquez la date de fin.")
    if end_date < assignment.start_date:
        raise field_errors(end_date="La fin ne peut pas précéder le début.")
    if end_date > today:
        raise field_errors(end_date="La fin ne peut pas être dans le futur.")
    if cancel and assignment.sessions.exists():
        raise field_errors(
            cancel="Des séances sont enregistrées sur ce poste : terminez l'affectation plutôt "
            "que de l'annuler."
        )
    last = assignment.sessions.order_by("-on").values_list("on", flat=True).first()
    if last is not None and end_date < last:
        raise field_errors(
            end_date=f"Une séance est enregistrée le {format_fr(last)} : la fin ne peut pas "
            "la précéder."
        )
    before = audit.snapshot(assignment)
    assignment.end_date = end_date
    assignment.status = "cancelled" if cancel else "ended"
    assignment.end_reason = (reason or "").strip()[:300]
    assignment.save(update_fields=["end_date", "status", "end_reason"])
    journal(
        membership,
        assignment,
        person=person,
        summary="TIG : fin d'affectation",
        before=before,
        timeline=Event(
            TimelineEvent.Kind.MEASURE,
            f"TIG : fin de l'affectation « {assignment.placement.activity} »",
            detail=assignment.end_reason,
            occurred_at=on_day(end_date),
        ),
    )
    return assignment


# --- Sessions ----------------------------------------------------------------------------------


def check_session(
    assignment: Assignment, *, on: date | None, kind: str, hours: Decimal | None,
    remaining: Decimal, deadline: date, today: date, signed_by_id=None,
    recorded_kinds: set[str] | None = None,
) -> dict[str, str]:  # fmt: skip
    """What is wrong with a session (French messages by field), shared by the form and the
    import. ``deadline``: the last day of the TIG's period, after which no hour counts.
    ``recorded_kinds``: the kinds already recorded that day for the TIG, when the caller read
    them (the import reads them for the whole file); else one query."""
    errors = {}
    if kind not in rules.SESSION_KINDS:
        errors["kind"] = "Choisissez le type de séance."
        return errors
    if on is None:
        errors["on"] = "Indiquez la date."
    elif on > today:
        errors["on"] = "La date ne peut pas être dans le futur."
    elif on < assignment.start_date or (assignment.end_date and on > assignment.end_date):
        end = f" au {format_fr(assignment.end_date)}" if assignment.end_date else ""
        errors["on"] = (
            f"Cette date est en dehors de l'affectation (du {format_fr(assignment.start_date)}"
            f"{end})."
        )
    elif on > deadline:
        errors["on"] = (
            f"Cette date dépasse la fin du délai du TIG, le {format_fr(deadline)} : les heures "
            "effectuées après ce délai ne peuvent pas être comptées."
        )
    if "on" not in errors and kind in rules.PRESENCE:
        if recorded_kinds is None:
            recorded_kinds = set(
                WorkSession.objects.filter(
                    assignment__order_id=assignment.order_id, on=on, kind__in=rules.PRESENCE
                ).values_list("kind", flat=True)
            )
        other = min((rules.PRESENCE & recorded_kinds) - {kind}, default=None)
        if other is not None:
            errors["on"] = (
                f"Ce jour-là est déjà enregistré comme « {rules.SESSION_KINDS[other].lower()} » : "
                "un jour est effectué ou manqué, pas les deux."
            )
    message = rules.hours_error(hours, remaining=remaining, kind=kind)
    if message:
        errors["hours"] = message
    if (
        signed_by_id
        and not Supervisor.objects.filter(
            pk=signed_by_id, host_id=assignment.placement.host_id
        ).exists()
    ):
        errors["signed_by"] = "Choisissez un tuteur de la structure."
    return errors


@transaction.atomic
def session_record(
    *,
    gated: Gated,
    assignment: Assignment,
    data: dict[str, Any],
    source: str = WorkSession.Source.STAFF,
    today: date | None = None,
) -> WorkSession:
    membership, person = _gate(gated, Action.RECORD_WORK_HOURS)
    today = today or timezone.localdate()
    if assignment.order.person_id != person.pk:
        raise field_errors(__all__="Cette affectation n'est pas dans ce dossier.")
    # Lock the order: two sessions recorded at once never pass the hours ordered together.
    order = TigOrder.objects.select_for_update().get(pk=assignment.order_id)
    kind = data.get("kind") or rules.WORK
    hours = data.get("hours")
    signed_by_id = getattr(data.get("signed_by"), "pk", data.get("signed_by"))
    progress = selectors.progress_of([order], today=today)[0]
    errors = check_session(
        assignment,
        on=data.get("on"),
        kind=kind,
        hours=hours,
        remaining=progress.remaining,
        deadline=progress.deadline.day,
        today=today,
        signed_by_id=signed_by_id,
    )
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    session = WorkSession(
        assignment=assignment,
        on=data["on"],
        kind=kind,
        hours=hours if kind == rules.WORK else Decimal(0),
        signed_by_id=signed_by_id or None,
        remarks=_text(data, "remarks")[:500],
        source=source,
        recorded_by=membership.user,
    )
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as error:
        raise field_errors(on="Une séance de ce type est déjà enregistrée ce jour-là.") from error
    label = (
        f"TIG : {rules.hours_text(session.hours)} effectuées"
        if kind == rules.WORK
        else f"TIG : {rules.SESSION_KINDS[kind].lower()}"
    )
    journal(
        membership,
        session,
        person=person,
        summary=label,
        timeline=Event(
            TimelineEvent.Kind.MEASURE,
            label,
            detail=f"{assignment.placement.activity} ({assignment.placement.host})"
            + (f" — {session.remarks}" if session.remarks else ""),
            occurred_at=on_day(session.on),
        ),
    )
    return session
