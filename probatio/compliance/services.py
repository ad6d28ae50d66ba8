"""Writes on proofs and incidents. Each is one transaction with its journal entry and its
timeline line; the gate (``people.selectors.person_get_for``) has already placed the person in
the user's service, and each service checks the action on that person."""

import hashlib
from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from probatio.access.policy import Action
from probatio.agenda import rules as agenda_rules
from probatio.agenda.models import Appointment
from probatio.audit import services as audit
from probatio.compliance import rules, sources, uploads
from probatio.compliance.models import Incident, Proof
from probatio.compliance.selectors import address_changes, slots_of
from probatio.core.errors import field_errors
from probatio.measures.models import Obligation
from probatio.people.journal import Event
from probatio.people.journal import write as journal
from probatio.people.models import TimelineEvent
from probatio.people.selectors import Gated


def _require(gated: Gated, action: Action, message: str) -> None:
    if not gated.allows(action):
        raise PermissionDenied(message)


def _obligation_of(gated: Gated, obligation_id) -> Obligation:
    obligation = (
        Obligation.objects.filter(pk=obligation_id, measure__person=gated.person)
        .select_related("obligation_type", "measure")
        .first()
    )
    if obligation is None:
        raise field_errors(obligation="Choisissez une obligation de la personne.")
    return obligation


# --- Proofs. ---


@transaction.atomic
def proof_register(
    *,
    membership,
    gated: Gated,
    obligation_id: int,
    period_start: date,
    document_type: str,
    received_on: date,
    upload=None,
    comment: str = "",
    today: date | None = None,
) -> Proof:
    """Register a proof received for one slot of an obligation's schedule: a file (checked
    from its content) or, without a file, an original seen on paper."""
    _require(
        gated, Action.REGISTER_PROOF, "Votre rôle ne permet pas d'enregistrer un justificatif."
    )
    today = today or timezone.localdate()
    person = gated.person
    obligation = _obligation_of(gated, obligation_id)
    if obligation.proof_frequency not in rules.SCHEDULED:
        raise field_errors(obligation="Cette obligation n'appelle pas de justificatif périodique.")
    if received_on > today:
        raise field_errors(received_on="La date de réception ne peut pas être dans le futur.")
    slots = slots_of(
        obligation,
        today=today,
        grace_days=person.service.proof_grace_days,
        changes=address_changes([person.pk]).get(person.pk, []),
    )
    slot = next((s for s in slots if s.key == period_start), None)
    if slot is None:
        raise field_errors(period_start="Choisissez une période attendue pour cette obligation.")
    if not document_type.strip():
        raise field_errors(document_type="Indiquez le document reçu.")
    if obligation.obligation_type_id in rules.HEALTH_CODES and comment.strip():
        raise field_errors(
            comment="Pour une obligation de soins, seule l'attestation de présence est "
            "enregistrée : aucune remarque."
        )
    checked = uploads.check(upload) if upload is not None else None
    proof = Proof(
        person=person,
        obligation=obligation,
        period_start=slot.period_start,
        period_end=slot.period_end,
        document_type=document_type.strip()[:200],
        received_on=received_on,
        medium=Proof.Medium.FILE if checked else Proof.Medium.PAPER,
        comment=comment.strip()[:500],
        registered_by=membership.user,
    )
    if checked:
        proof.original_name = checked.original_name
        proof.content_type = checked.content_type
        proof.size = len(checked.content)
        proof.sha256 = hashlib.sha256(checked.content).hexdigest()
        name = f"justificatif-{person.pk}-{obligation.pk}-{slot.key:%Y%m%d}.{checked.extension}"
        proof.file.save(name, ContentFile(checked.content), save=False)
    try:
        proof.save()
        journal(
            membership,
            proof,
            person=person,
            summary="Justificatif enregistré",
            timeline=Event(
                TimelineEvent.Kind.PROOF,
                f"Justificatif reçu : {obligation.obligation_type.label} ({slot.label})",
                detail=proof.get_medium_display(),
            ),
        )
    except Exception:
        if proof.file:
            proof.file.delete(save=False)  # nothing partial: no orphan file either
        raise
    return proof


@transaction.atomic
def proof_review(
    *, membership, gated: Gated, proof: Proof, accept: bool, reason: str = ""
) -> Proof:
    """Accept or refuse a proof (a refusal needs its reason). A reviewed proof may be reviewed
    again (a mistake corrected), journaled each time."""
    _require(gated, Action.REVIEW_PROOF, "Votre rôle ne permet pas d'examiner un justificatif.")
    proof = (
        Proof.objects.select_for_update()
        .select_related("obligation__obligation_type")
        .get(pk=proof.pk, person=gated.person)
    )
    reason = reason.strip()
    if not accept and not reason:
        raise field_errors(reason="Indiquez le motif du refus.")
    fields = ["status", "refusal_reason", "reviewed_by", "reviewed_at"]
    before = audit.snapshot(proof, fields)
    proof.status = Proof.Status.ACCEPTED if accept else Proof.Status.REFUSED
    proof.refusal_reason = "" if accept else reason[:300]
    proof.reviewed_by = membership.user
    proof.reviewed_at = timezone.now()
    proof.save(update_fields=fields)
    journal(
        membership,
        proof,
        person=gated.person,
        summary="Justificatif accepté" if accept else "Justificatif refusé",
        before=before,
        timeline=Event(
            TimelineEvent.Kind.PROOF,
            f"Justificatif {'accepté' if accept else 'refusé'} : "
            f"{proof.obligation.obligation_type.label}",
            detail="" if accept else f"Motif : {proof.refusal_reason}",
        ),
    )
    return proof


# --- Incidents. ---

INCIDENT_FIELDS = [
    "kind",
    "occurred_on",
    "source",
    "description",
    "steps_taken",
    "person_explanation",
    "measure",
    "obligation",
    "appointment",
    "missed_period_start",
]


def _incident_links(gated: Gated, data: dict) -> dict:
    """Check that the measure, obligation and appointment given belong to the person."""
    person = gated.person
    links = {}
    obligation_id = data.get("obligation")
    if obligation_id:
        obligation = _obligation_of(gated, getattr(obligation_id, "pk", obligation_id))
        links["obligation"] = obligation
        links["measure"] = obligation.measure
    measure = data.get("measure")
    if measure and "measure" not in links:
        if getattr(measure, "person_id", None) != person.pk:
            raise field_errors(measure="Choisissez une mesure de la personne.")
        links["measure"] = measure
    appointment_id = data.get("appointment")
    if appointment_id:
        appointment = Appointment.objects.filter(
            pk=getattr(appointment_id, "pk", appointment_id), person=person
        ).first()
        if appointment is None or appointment.status != Appointment.Status.NO_SHOW:
            raise field_errors(kind="Ce rendez-vous n'est pas une absence de la personne.")
        links["appointment"] = appointment
        links.setdefault("measure", appointment.measure)
    for source in sources.registered():
        record_id = data.get(source.field)
        if not record_id:
            continue
        found = source.find(person, getattr(record_id, "pk", record_id))
        if found is None:
            raise field_errors(kind="Cette absence ne peut pas donner lieu à un manquement.")
        links[f"{source.field}_id"] = found.pk
        if "measure" not in links and found.measure_id:
            links["measure_id"] = found.measure_id
    return links


@transaction.atomic
def incident_record(*, membership, gated: Gated, data: dict, today: date | None = None) -> Incident:
    """Record an incident (from a proposal or not)."""
    _require(gated, Action.RECORD_INCIDENT, "Votre rôle ne permet pas de signaler un manquement.")
    today = today or timezone.localdate()
    if data["occurred_on"] > today:
        raise field_errors(occurred_on="La date des faits ne peut pas être dans le futur.")
    if data["kind"] not in Incident.Kind.values:
        raise field_errors(kind="Choisissez la nature du manquement.")
    if data["source"] not in Incident.Source.values:
        raise field_errors(source="Choisissez la source de l'information.")
    steps = list(dict.fromkeys(data.get("steps_taken") or []))
    if any(step not in Incident.Step.values for step in steps):
        raise field_errors(steps_taken="Démarche inconnue.")
    if not (data.get("description") or "").strip():
        raise field_errors(description="Décrivez les faits.")
    links = _incident_links(gated, data)
    incident = Incident(
        person=gated.person,
        kind=data["kind"],
        occurred_on=data["occurred_on"],
        source=data["source"],
        description=data["description"].strip(),
        steps_taken=steps,
        person_explanation=(data.get("person_explanation") or "").strip(),
        missed_period_start=data.get("missed_period_start") if links.get("obligation") else None,
        recorded_by=membership.user,
        **links,
    )
    _save_incident(incident)
    journal(
        membership,
        incident,
        person=gated.person,
        summary="Manquement constaté",
        timeline=Event(
            TimelineEvent.Kind.INCIDENT,
            f"Manquement : {incident.get_kind_display().lower()} du "
            f"{incident.occurred_on:%d/%m/%Y}",
            detail=incident.get_source_display(),
        ),
    )
    return incident


@transaction.atomic
def incident_dismiss(
    *,
    membership,
    gated: Gated,
    reason: str,
    appointment_id: int | None = None,
    obligation_id: int | None = None,
    period_start: date | None = None,
    source: str | None = None,
    source_id: int | None = None,
) -> Incident:
    """Dismiss a proposal: an incident marked "écarté" with the reason, so that it is not
    proposed again, and nothing counted against the person."""
    _require(gated, Action.RECORD_INCIDENT, "Votre rôle ne permet pas de traiter un manquement.")
    if not reason.strip():
        raise field_errors(reason="Indiquez pourquoi ce manquement est écarté.")
    if appointment_id:
        links = _incident_links(gated, {"appointment": appointment_id})
        kind = Incident.Kind.MISSED_APPOINTMENT
        occurred_on = agenda_rules.paris(links["appointment"].starts_at).date()
    elif obligation_id and period_start:
        links = _incident_links(gated, {"obligation": obligation_id})
        kind = Incident.Kind.MISSING_PROOF
        occurred_on = period_start
    elif source and source_id and source in sources.by_param():
        registered = sources.by_param()[source]
        found = registered.find(gated.person, source_id)
        if found is None:
            raise field_errors(reason="Proposition de manquement introuvable.")
        links = {f"{registered.field}_id": found.pk, "measure_id": found.measure_id}
        kind = registered.kind
        occurred_on = found.occurred_on
    else:
        raise field_errors(reason="Proposition de manquement introuvable.")
    incident = Incident(
        person=gated.person,
        kind=kind,
        occurred_on=occurred_on,
        source=Incident.Source.SPIP,
        status=Incident.Status.DISMISSED,
        dismissal_reason=reason.strip()[:300],
        missed_period_start=period_start if obligation_id else None,
        recorded_by=membership.user,
        **links,
    )
    _save_incident(incident)
    journal(
        membership,
        incident,
        person=gated.person,
        summary="Proposition de manquement écartée",
        timeline=Event(
            TimelineEvent.Kind.INCIDENT,
            f"Manquement écarté : {incident.get_kind_display().lower()}",
            detail=f"Motif : {incident.dismissal_reason}",
        ),
    )
    return incident


def _save_incident(incident: Incident) -> None:
    try:
        with transaction.atomic():
            incident.save()
    except IntegrityError as exc:
        raise field_errors(kind="Ce manquement a déjà été traité.") from exc
