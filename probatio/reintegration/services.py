"""Writes on a person's needs and referrals (orientations). Each write is checked first (French
messages keyed by field, nothing stored on a refusal), then saved in one transaction with its
audit entry and, for referrals, its line in the person's chronology.

Rules enforced here, on top of the pure ones of ``rules``:

- a referral's partner belongs to the person's service (another service's partner is "not
  found") and is active; its need, when given, is one of the person's;
- a referral moves only as ``rules.REFERRAL_MOVES`` allows, each move dated (not in the future,
  not before the referral nor its previous step) and kept as a ``ReferralStep``;
- the need follows its referral (``rules.need_status_after``), each change kept as a
  ``NeedChange``;
- the partner's answer (outcome) is entered once the referral is accepted, in progress,
  completed or refused.
"""

from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from probatio.access.policy import Action
from probatio.audit import services as audit
from probatio.core.errors import field_errors
from probatio.core.text import lower_first
from probatio.people.journal import Event, timeline_add
from probatio.people.journal import write as journal
from probatio.people.models import Person, TimelineEvent
from probatio.people.selectors import Gated
from probatio.people.selectors import gate as _gate
from probatio.people.selectors import own as _own
from probatio.reintegration import letters, release, rules
from probatio.reintegration.models import (
    Need,
    NeedChange,
    Partner,
    PartnerReferral,
    ReferralStep,
    ReleasePlanItem,
)

REFERRAL_FIELDS = ["need_id", "partner_id", "referred_on", "purpose", "status", "status_on"]


def _check_day(field: str, day: date | None, today: date, *, not_before=None, label="") -> None:
    if day is None:
        raise field_errors(**{field: "Indiquez la date."})
    if day > today:
        raise field_errors(**{field: "La date ne peut pas être dans le futur."})
    if not_before is not None and day < not_before:
        raise field_errors(
            **{field: f"La date ne peut pas précéder {label} ({not_before:%d/%m/%Y})."}
        )


def _id_of(value) -> int | None:
    if value in (None, ""):
        return None
    if hasattr(value, "pk"):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _need_follows(
    *, gated: Gated, need: Need | None, referral_status: str, on: date, partner: Partner,
) -> None:  # fmt: skip
    """The need's status after its referral moved, with its history."""
    membership, person = gated.membership, gated.person
    if need is None:
        return
    new = rules.need_status_after(referral_status, need.status)
    if new == need.status:
        return
    before = need.status
    need.status = new
    need.save(update_fields=["status", "updated_at"])
    NeedChange.objects.create(
        need=need,
        status=new,
        changed_on=on,
        changed_by=membership.user,
        comment=f"Orientation vers {partner.name} "
        f"{lower_first(rules.REFERRAL_STATUSES[referral_status])}"[:300],
    )
    journal(
        membership,
        need,
        person=person,
        summary=f"Besoin « {lower_first(need.get_pathway_display())} » : "
        f"{lower_first(rules.NEED_STATUSES[new])} (suite de l'orientation)",
        changes={"status": [before, new]},
    )


def _plan_follows(
    *, gated: Gated, need: Need | None, referral_status: str, on: date, partner: Partner,
) -> None:  # fmt: skip
    """The release-plan items of the need's pathway follow the referral
    (``rules.release_item_after``), through the plan's own service (journaled)."""
    person = gated.person
    if need is None:
        return
    codes = [c for c, p in rules.RELEASE_ITEM_PATHWAYS.items() if p == need.pathway]
    items = ReleasePlanItem.objects.filter(
        plan__person=person, plan__custody__release_date__isnull=True, code__in=codes
    ).select_related("plan")
    for item in items:
        new = rules.release_item_after(item.status, referral_status)
        if new != item.status:
            release.item_update(
                gated=gated,
                item=item,
                data={
                    "status": new,
                    "comment": rules.joined_comment(
                        item.comment,
                        f"Orientation vers {partner.name} "
                        f"{lower_first(rules.REFERRAL_STATUSES[referral_status])} le {on:%d/%m/%Y}.",
                    ),
                },
            )


# --- Needs ------------------------------------------------------------------------------------


@transaction.atomic
def need_create(*, gated: Gated, data: dict[str, Any], today: date | None = None) -> Need:
    membership, person = _gate(gated, Action.RECORD_REINTEGRATION)
    today = today or timezone.localdate()
    pathway = data.get("pathway")
    if pathway not in rules.PATHWAYS:
        raise field_errors(pathway="Choisissez un parcours d'insertion.")
    _check_day("identified_on", data.get("identified_on"), today)
    if Need.objects.filter(
        person=person, pathway=pathway, status__in=rules.OPEN_NEED_STATUSES
    ).exists():
        raise field_errors(
            pathway="Un besoin de ce parcours est déjà ouvert pour cette personne : "
            "mettez-le à jour plutôt que d'en créer un second."
        )
    need = Need.objects.create(
        person=person,
        pathway=pathway,
        details=(data.get("details") or "").strip(),
        identified_on=data["identified_on"],
        created_by=membership.user,
    )
    NeedChange.objects.create(
        need=need,
        status=need.status,
        changed_on=need.identified_on,
        changed_by=membership.user,
    )
    journal(
        membership,
        need,
        person=person,
        summary=f"Besoin identifié : {need}",
        timeline=Event(
            TimelineEvent.Kind.REINTEGRATION,
            f"Besoin identifié : {lower_first(need.get_pathway_display())}",
        ),
    )
    return need


@transaction.atomic
def need_status_set(
    *,
    gated: Gated,
    need: Need,
    status: str,
    changed_on: date | None,
    comment: str = "",
    today: date | None = None,
) -> Need:
    membership, person = _gate(gated, Action.RECORD_REINTEGRATION)
    today = today or timezone.localdate()
    need = Need.objects.select_for_update().get(pk=need.pk, person=person)
    if status not in rules.NEED_STATUSES:
        raise field_errors(status="Statut de besoin inconnu.")
    if status == need.status:
        raise field_errors(status="Le besoin a déjà ce statut.")
    last = need.changes.order_by("-changed_on", "-pk").first()
    _check_day(
        "changed_on",
        changed_on,
        today,
        not_before=last.changed_on if last else need.identified_on,
        label="le dernier changement du besoin",
    )
    before = need.status
    need.status = status
    need.save(update_fields=["status", "updated_at"])
    NeedChange.objects.create(
        need=need,
        status=status,
        changed_on=changed_on,
        changed_by=membership.user,
        comment=comment.strip()[:300],
    )
    journal(
        membership,
        need,
        person=person,
        summary=f"Besoin « {lower_first(need.get_pathway_display())} » : {lower_first(rules.NEED_STATUSES[status])}",
        changes={"status": [before, status]},
        timeline=Event(
            TimelineEvent.Kind.REINTEGRATION,
            f"Besoin « {lower_first(need.get_pathway_display())} » : "
            f"{lower_first(rules.NEED_STATUSES[status])}",
        ),
    )
    return need


# --- Referrals -------------------------------------------------------------------------------

# The statuses a referral may be recorded in when created: proposed to the person, or already
# sent to the partner.
INITIAL_STATUSES = (rules.PROPOSED, rules.SENT)


def _partner_for(person: Person, value) -> Partner:
    partner_id = _id_of(value)
    partner = (
        Partner.objects.filter(pk=partner_id, service_id=person.service_id).first()
        if partner_id
        else None
    )
    if partner is None:
        raise field_errors(partner="Partenaire introuvable : choisissez un partenaire du service.")
    if not partner.is_active:
        raise field_errors(partner="Ce partenaire est inactif : choisissez un partenaire actif.")
    return partner


def _need_for(person: Person, value, *, lock: bool = False) -> Need | None:
    need_id = _id_of(value)
    if need_id is None:
        return None
    needs = Need.objects.select_for_update() if lock else Need.objects
    need = needs.filter(pk=need_id, person=person).first()
    if need is None:
        raise field_errors(need="Besoin introuvable dans ce dossier.")
    return need


def _referral_title(referral: PartnerReferral, status: str) -> str:
    return (
        f"Orientation vers {referral.partner.name} : {lower_first(rules.REFERRAL_STATUSES[status])}"
    )


@transaction.atomic
def referral_create(
    *, gated: Gated, data: dict[str, Any], today: date | None = None
) -> PartnerReferral:
    membership, person = _gate(gated, Action.RECORD_REINTEGRATION)
    today = today or timezone.localdate()
    partner = _partner_for(person, data.get("partner"))
    need = _need_for(person, data.get("need"), lock=True)
    status = data.get("status") or rules.PROPOSED
    if status not in INITIAL_STATUSES:
        raise field_errors(status="Une orientation commence proposée ou envoyée au partenaire.")
    referred_on = data.get("referred_on")
    _check_day("referred_on", referred_on, today)
    purpose = (data.get("purpose") or "").strip()
    if not purpose:
        raise field_errors(purpose="Indiquez l'objet de l'orientation.")
    if need is not None and referred_on < need.identified_on:
        raise field_errors(
            referred_on=f"L'orientation ne peut pas précéder l'identification du besoin "
            f"({need.identified_on:%d/%m/%Y})."
        )
    referral = PartnerReferral(
        person=person,
        need=need,
        partner=partner,
        referred_on=referred_on,
        purpose=purpose[:500],
        status=status,
        status_on=referred_on,
        created_by=membership.user,
    )
    referral.full_clean()
    referral.save()
    ReferralStep.objects.create(
        referral=referral, status=status, on=referred_on, by=membership.user
    )
    journal(
        membership,
        referral,
        person=person,
        summary=f"Orientation vers {partner.name} ({lower_first(rules.REFERRAL_STATUSES[status])})",
    )
    for follows in (_need_follows, _plan_follows):
        follows(
            gated=gated,
            need=need,
            referral_status=status,
            on=referred_on,
            partner=partner,
        )
    timeline_add(
        person=person,
        kind=TimelineEvent.Kind.REINTEGRATION,
        title=_referral_title(referral, status),
        detail=f"Besoin : {lower_first(need.get_pathway_display())}" if need else "",
        actor=membership.user,
        instance=referral,
    )
    return referral


def _locked_referral(person: Person, referral: PartnerReferral) -> PartnerReferral:
    return (
        PartnerReferral.objects.select_for_update(of=("self",))
        .select_related("partner", "need")
        .get(pk=referral.pk, person=person)
    )


@transaction.atomic
def referral_move(
    *,
    gated: Gated,
    referral: PartnerReferral,
    status: str,
    on: date | None,
    comment: str = "",
    today: date | None = None,
) -> PartnerReferral:
    """The referral goes to its next status, dated; its need follows."""
    membership, person = _gate(gated, Action.RECORD_REINTEGRATION)
    today = today or timezone.localdate()
    referral = _locked_referral(person, referral)
    error = rules.move_error(referral.status, status)
    if error:
        raise field_errors(status=error)
    _check_day("on", on, today, not_before=referral.status_on, label="l'étape précédente")
    before = audit.snapshot(referral, ["status", "status_on"])
    referral.status = status
    referral.status_on = on
    referral.save(update_fields=["status", "status_on", "updated_at"])
    ReferralStep.objects.create(
        referral=referral, status=status, on=on, comment=comment.strip()[:500], by=membership.user
    )
    journal(
        membership,
        referral,
        person=person,
        summary=_referral_title(referral, status),
        before=before,
    )
    need = Need.objects.select_for_update().get(pk=referral.need_id) if referral.need_id else None
    for follows in (_need_follows, _plan_follows):
        follows(
            gated=gated,
            need=need,
            referral_status=status,
            on=on,
            partner=referral.partner,
        )
    timeline_add(
        person=person,
        kind=TimelineEvent.Kind.REINTEGRATION,
        title=_referral_title(referral, status),
        detail=f"Le {on:%d/%m/%Y}",
        actor=membership.user,
        instance=referral,
    )
    return referral


@transaction.atomic
def referral_outcome_set(
    *, gated: Gated, referral: PartnerReferral, outcome: str
) -> PartnerReferral:
    """The answer the partner reported (entered by staff); entered again, it replaces the
    previous one (kept in the audit trail)."""
    membership, person = _gate(gated, Action.RECORD_REINTEGRATION)
    _own(person, referral.person_id)
    referral = _locked_referral(person, referral)
    error = rules.outcome_error(referral.status)
    if error:
        raise field_errors(outcome=error)
    outcome = (outcome or "").strip()
    if not outcome:
        raise field_errors(outcome="Indiquez la suite donnée par le partenaire.")
    before = audit.snapshot(referral, ["outcome"])
    first = not referral.outcome
    referral.outcome = outcome
    referral.save(update_fields=["outcome", "updated_at"])
    journal(
        membership,
        referral,
        person=person,
        summary=f"Retour du partenaire enregistré (orientation vers {referral.partner.name})",
        before=before,
        timeline=Event(
            TimelineEvent.Kind.REINTEGRATION,
            f"{'Retour' if first else 'Retour corrigé'} du partenaire : "
            f"orientation vers {referral.partner.name}",
        ),
    )
    return referral


@transaction.atomic
def referral_letter_create(
    *,
    gated: Gated,
    referral: PartnerReferral,
    today: date | None = None,
) -> PartnerReferral:
    """The referral letter (PDF) for the partner, stored privately; a new one replaces the
    previous one."""
    membership, person = _gate(gated, Action.RECORD_REINTEGRATION)
    today = today or timezone.localdate()
    referral = _locked_referral(person, referral)
    if referral.status in rules.CLOSED_REFERRAL_STATUSES:
        raise field_errors(
            __all__="L'orientation est close : le courrier d'orientation ne s'édite plus."
        )
    content = letters.render_pdf(
        letters.letter_for(referral, person=person, author=membership.user, today=today)
    )
    previous = referral.letter_file
    name = default_storage.save(
        f"orientations/{today:%Y/%m}/orientation-{person.pk}-{referral.pk}-{today:%Y%m%d}.pdf",
        ContentFile(content),
    )
    # The file is written before the row: if the transaction fails, remove it again.
    transaction.on_commit(lambda: previous and default_storage.delete(previous))
    before = audit.snapshot(referral, ["letter_file", "letter_sha256"])
    referral.letter_file = name
    referral.letter_sha256 = letters.sha256(content)
    try:
        referral.save(update_fields=["letter_file", "letter_sha256", "updated_at"])
        journal(
            membership,
            referral,
            person=person,
            summary=f"Courrier d'orientation édité (orientation vers {referral.partner.name})",
            before=before,
        )
    except Exception:
        default_storage.delete(name)
        raise
    timeline_add(
        person=person,
        kind=TimelineEvent.Kind.REINTEGRATION,
        title=f"Courrier d'orientation édité pour {referral.partner.name}",
        actor=membership.user,
        instance=referral,
    )
    return referral
