"""Writes of assessments and of the follow-up intensity (docs/assessments.md).

- An assessment is append-only: created once with its grid version, answers, author and
  reason, never changed nor deleted (a new situation is a new assessment).
- Sensitive items need their basis and reason; they are kept apart and never reach the
  proposal.
- The proposal is computed by ``rules.propose_intensity`` and stored with its version and
  reasons; it never applies by itself: the CPIP chooses (``intensity_choose``), a different
  choice needs a reason, and a change of level waits for a manager (``intensity_answer``),
  the previous level applying until then. A first level applies at once.
- Each service keeps its own rules (level × kind of measure), from a date
  (``intensity_rule_set``); the shipped defaults apply where it set none.

Every write: the gate first, French errors keyed by field, one transaction, one journal call.
"""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from probatio.access.policy import Action, allows
from probatio.assessments import rules
from probatio.assessments.models import (
    Assessment,
    GridVersion,
    IntensityDecision,
    IntensityRule,
    PsychologistSection,
)
from probatio.core.errors import field_errors
from probatio.measures.models import MeasureType
from probatio.people.journal import Event
from probatio.people.journal import before as journal_before
from probatio.people.journal import write as journal
from probatio.people.models import TimelineEvent
from probatio.people.selectors import Gated
from probatio.people.selectors import gate as _gate
from probatio.people.selectors import own as _own

REASONS = dict(rules.REASON_CHOICES)
BASES = dict(rules.SENSITIVE_BASIS_CHOICES)


@transaction.atomic
def assessment_create(
    *,
    gated: Gated,
    grid_version: str,
    reason: str,
    assessed_on: date | None,
    answers: dict[str, Any],
    summary: str,
    sensitive_basis: str = "",
    sensitive_reason: str = "",
    today: date | None = None,
) -> Assessment:
    """Record an assessment. ``answers``: item code → raw value, sensitive items included
    (split here); errors are keyed ``answer_<item code>`` for the form."""
    membership, person = _gate(gated, Action.WRITE_ASSESSMENT)
    today = today or timezone.localdate()
    grid = GridVersion.objects.filter(pk=grid_version).first()
    if grid is None:
        raise field_errors(grid_version="Choisissez une grille d'évaluation.")
    if grid.retired_on is not None and grid.retired_on <= today:
        raise field_errors(
            grid_version=f"Cette version de la grille est retirée depuis le "
            f"{grid.retired_on:%d/%m/%Y} : utilisez la version en vigueur."
        )
    if grid.effective_from > today:
        raise field_errors(grid_version="Cette version de la grille n'est pas encore en usage.")
    errors: dict[str, str] = {}
    if reason not in REASONS:
        errors["reason"] = "Choisissez le motif de l'évaluation."
    if assessed_on is None:
        errors["assessed_on"] = "Indiquez la date de l'évaluation."
    elif assessed_on > today:
        errors["assessed_on"] = "La date de l'évaluation ne peut pas être dans le futur."
    elif assessed_on < today - timedelta(days=366):
        errors["assessed_on"] = "La date de l'évaluation remonte à plus d'un an."
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = "Rédigez la synthèse de l'évaluation."
    clean, sensitive, answer_errors = rules.validate(grid.definition, answers)
    errors.update({f"answer_{code}": message for code, message in answer_errors.items()})
    sensitive_reason = (sensitive_reason or "").strip()
    if sensitive:
        if sensitive_basis not in BASES:
            errors["sensitive_basis"] = (
                "Des éléments sensibles ne sont recueillis que si l'évaluation est demandée par "
                "un magistrat ou si elle le nécessite : indiquez le fondement."
            )
        if not sensitive_reason:
            errors["sensitive_reason"] = (
                "Indiquez pourquoi ces éléments sensibles sont nécessaires."
            )
    else:
        sensitive_basis, sensitive_reason = "", ""
    if errors:
        raise field_errors(**errors)
    proposal = rules.propose_intensity(grid.proposal_version, grid.definition, clean)
    assessment = Assessment(
        person=person,
        service_id=person.service_id,
        grid_version=grid,
        reason=reason,
        assessed_on=assessed_on,
        answers=clean,
        sensitive_answers=sensitive,
        has_sensitive=bool(sensitive),
        sensitive_basis=sensitive_basis,
        sensitive_reason=sensitive_reason,
        summary=summary,
        proposed_level=proposal.level.value,
        proposal_score=proposal.score,
        proposal_version=proposal.version,
        proposal_reasons=list(proposal.reasons),
        author=membership.user,
        author_role=membership.role,
    )
    assessment.full_clean()
    assessment.save()
    journal(
        membership,
        assessment,
        person=person,
        summary=f"Évaluation structurée ({REASONS[reason].lower()})",
        timeline=Event(
            TimelineEvent.Kind.ASSESSMENT,
            f"Évaluation structurée : {REASONS[reason].lower()}",
            detail=f"Intensité proposée : {rules.LEVEL_LABELS[proposal.level].lower()}",
        ),
    )
    return assessment


@transaction.atomic
def psychologist_section_add(
    *, gated: Gated, assessment: Assessment, text: str
) -> PsychologistSection:
    membership, person = _gate(gated, Action.WRITE_PSYCHOLOGIST_SECTION)
    _own(person, assessment.person_id)
    text = (text or "").strip()
    if not text:
        raise field_errors(text="Rédigez vos observations.")
    section = PsychologistSection(assessment=assessment, text=text, author=membership.user)
    section.full_clean()
    section.save()
    journal(
        membership,
        section,
        person=person,
        summary=f"Section du psychologue ajoutée à l'évaluation du {assessment.assessed_on:%d/%m/%Y}",
    )
    return section


def _current(person) -> IntensityDecision | None:
    return (
        IntensityDecision.objects.filter(person=person, status=IntensityDecision.Status.APPLIED)
        .order_by("-applies_from", "-pk")
        .first()
    )


@transaction.atomic
def intensity_choose(
    *,
    gated: Gated,
    level: str,
    reason: str = "",
    assessment: Assessment | None = None,
    today: date | None = None,
) -> IntensityDecision:
    """The CPIP's choice of level, after an assessment (its proposal). A first level applies
    at once; a change waits for a manager's validation."""
    membership, person = _gate(gated, Action.WRITE_ASSESSMENT)
    today = today or timezone.localdate()
    if assessment is not None:
        _own(person, assessment.person_id)
    if level not in rules.LEVEL_LABELS:
        raise field_errors(level="Choisissez un niveau d'intensité.")
    reason = (reason or "").strip()
    proposed = assessment.proposed_level if assessment is not None else ""
    if rules.needs_reason(proposed, level) and not reason:
        raise field_errors(
            reason=f"Le niveau choisi diffère de la proposition "
            f"({rules.LEVEL_LABELS[rules.Level(proposed)].lower()}) : motivez ce choix."
        )
    if (
        IntensityDecision.objects.select_for_update()
        .filter(person=person, status=IntensityDecision.Status.PENDING)
        .exists()
    ):
        raise field_errors(level="Un changement d'intensité attend déjà la validation d'un cadre.")
    current = _current(person)
    if current is not None and current.chosen_level == level:
        raise field_errors(
            level=f"Le niveau « {rules.LEVEL_LABELS[rules.Level(level)].lower()} » est déjà "
            "en vigueur."
        )
    now = timezone.now()
    decision = IntensityDecision(
        person=person,
        service_id=person.service_id,
        assessment=assessment,
        proposed_level=proposed,
        chosen_level=level,
        previous_level=current.chosen_level if current else "",
        reason=reason,
        chosen_by=membership.user,
        chosen_at=now,
    )
    if current is None:
        decision.status = IntensityDecision.Status.APPLIED
        decision.applies_from = today
    else:
        decision.status = IntensityDecision.Status.PENDING
    decision.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError:
        raise field_errors(
            level="Un changement d'intensité attend déjà la validation d'un cadre."
        ) from None
    label = rules.LEVEL_LABELS[rules.Level(level)].lower()
    journal(
        membership,
        decision,
        person=person,
        summary=(
            f"Intensité du suivi : {label}"
            if current is None
            else f"Changement d'intensité proposé : {label} (à valider)"
        ),
        timeline=Event(
            TimelineEvent.Kind.ASSESSMENT,
            f"Intensité du suivi : {label}"
            if current is None
            else f"Changement d'intensité demandé : {label}",
        ),
    )
    return decision


@transaction.atomic
def intensity_answer(
    *,
    gated: Gated,
    decision: IntensityDecision,
    accept: bool,
    comment: str = "",
    today: date | None = None,
) -> IntensityDecision:
    """A manager validates (or refuses, with a comment) a change of level."""
    membership, person = _gate(
        gated, Action.VALIDATE_INTENSITY, "Seul un cadre valide un changement d'intensité."
    )
    _own(person, decision.person_id)
    today = today or timezone.localdate()
    decision = IntensityDecision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != IntensityDecision.Status.PENDING:
        raise field_errors(accept="Ce changement d'intensité a déjà reçu une réponse.")
    comment = (comment or "").strip()
    if not accept and not comment:
        raise field_errors(comment="Indiquez pourquoi le changement n'est pas validé.")
    before = journal_before(decision)
    decision.status = (
        IntensityDecision.Status.APPLIED if accept else IntensityDecision.Status.REFUSED
    )
    decision.validated_by = membership.user
    decision.validated_at = timezone.now()
    decision.answer_comment = comment
    if accept:
        decision.applies_from = today
    decision.full_clean(validate_constraints=False)
    decision.save()
    label = rules.LEVEL_LABELS[rules.Level(decision.chosen_level)].lower()
    journal(
        membership,
        decision,
        person=person,
        before=before,
        summary=(
            f"Changement d'intensité validé : {label}"
            if accept
            else f"Changement d'intensité non validé ({label})"
        ),
        timeline=Event(
            TimelineEvent.Kind.ASSESSMENT,
            f"Intensité du suivi : {label} (validée)"
            if accept
            else f"Changement d'intensité non validé : {label}",
        ),
    )
    return decision


@transaction.atomic
def intensity_rule_set(
    *, membership, data: dict[str, Any], today: date | None = None
) -> IntensityRule:
    """A service's rule for a level under a kind of measure, from ``valid_from``: the rule it
    replaces ends the day before."""
    if membership is None or not allows(membership.role, Action.MANAGE_SERVICE):
        raise PermissionDenied("Cette action est réservée à l'encadrement du service.")
    today = today or timezone.localdate()
    level = data.get("level")
    kind = (data.get("measure_kind") or "").strip() or rules.ANY_MEASURE
    errors: dict[str, str] = {}
    if level not in rules.LEVEL_LABELS:
        errors["level"] = "Choisissez un niveau d'intensité."
    valid_from = data.get("valid_from")
    if valid_from is None:
        errors["valid_from"] = "Indiquez la date d'entrée en vigueur."
    if kind != rules.ANY_MEASURE and not MeasureType.objects.filter(pk=kind).exists():
        errors["measure_kind"] = "Type de mesure inconnu."
    if errors:
        raise field_errors(**errors)
    rule = IntensityRule(
        service_id=membership.service_id,
        level=level,
        measure_kind=kind,
        period_days=data.get("period_days") or 0,
        interviews=data.get("interviews") or 0,
        home_visits=data.get("home_visits") or 0,
        review_days=data.get("review_days") or 0,
        valid_from=valid_from,
    )
    rule.full_clean()
    previous = (
        IntensityRule.objects.select_for_update()
        .filter(
            service_id=membership.service_id,
            level=level,
            measure_kind=kind,
            valid_to__isnull=True,
        )
        .first()
    )
    if previous is not None:
        if previous.valid_from >= valid_from:
            raise field_errors(
                valid_from=f"La règle en vigueur date du {previous.valid_from:%d/%m/%Y} : la "
                "nouvelle doit commencer après."
            )
        before = journal_before(previous)
        previous.valid_to = valid_from - timedelta(days=1)
        previous.save(update_fields=["valid_to"])
        journal(
            membership, previous, person=None, summary="Règle d'intensité remplacée", before=before
        )
    rule.save()
    journal(
        membership,
        rule,
        person=None,
        summary=f"Règle d'intensité : {rules.LEVEL_LABELS[rules.Level(level)].lower()}, "
        f"{kind}, à partir du {valid_from:%d/%m/%Y}",
    )
    return rule
