"""The dossier's « Évaluation » tab, the new-assessment form and the assessment page.

Every view goes through the dossier gate (``person_get_for``): another service's person is a
404, a role without the right a 403, every read journaled. The tab opens with
``read_intensity`` (monitoring sees the level in force, nothing more); everything else needs
``read_assessments`` (the judge reads assessments only through reports, the secretariat not at
all). The psychologist's sections are read and written by psychologists only: another role
sees neither their text nor a sign that one exists.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.assessments import rules, selectors, services
from probatio.assessments.forms import (
    AssessmentForm,
    IntensityChoiceForm,
    PsychologistSectionForm,
)
from probatio.core.errors import keeps_draft
from probatio.core.forms import apply_errors
from probatio.notes import services as draft_services
from probatio.notes.views import draft_saved, drafting
from probatio.people.selectors import person_get_for
from probatio.people.views import dossier_context, dossier_page

LEVELS = dict(rules.LEVEL_LABELS)
REASONS = dict(rules.REASON_CHOICES)
BASES = dict(rules.SENSITIVE_BASIS_CHOICES)


def _tab_url(pk: int) -> str:
    return reverse("assessments:tab", args=[pk])


def _detail_url(pk: int, assessment_id: int, anchor: str = "") -> str:
    url = reverse("assessments:detail", args=[pk, assessment_id])
    return f"{url}#{anchor}" if anchor else url


def _level_label(level: str) -> str:
    return LEVELS.get(rules.Level(level), level) if level else ""


def _in_force(history: list) -> tuple:
    """The level in force (the latest applied decision) and the change waiting for a manager,
    among the person's decisions."""
    applied = [d for d in history if d.status == d.Status.APPLIED]
    current = max(applied, key=lambda d: (d.applies_from, d.pk), default=None)
    pending = next((d for d in history if d.status == d.Status.PENDING), None)
    return current, pending


def _contacts(person, current, contact_rules, facts, today) -> dict | None:
    """The contacts the level in force asks for, compared with the appointments held: the next
    interview due, what is below the level, the day the assessment is to be reviewed."""
    if current is None:
        return None
    rule = rules.rule_for(contact_rules, current.chosen_level, facts["measure_kinds"])
    if rule is None:
        return None
    level_since = current.applies_from
    since = min(level_since, today - timedelta(days=rule.period_days))
    held = selectors.held_contacts([person.pk], since).get(person.pk, [])
    status = rules.contact_status(rule, level_since=level_since, held=held, today=today)
    latest_on = facts["latest_assessed_on"]
    review_on = rules.review_due(latest_on, rule) if latest_on is not None else None
    return {
        "rule": rule,
        "status": status,
        "overdue": status.next_interview_due < today,
        "review_on": review_on,
        "review_overdue": review_on is not None and review_on <= today,
    }


@require_GET
def tab(request, pk: int):
    gated = person_get_for(
        request.membership, pk, action=Action.READ_INTENSITY, log_read="evaluation"
    )
    person = gated.person
    today = timezone.localdate()
    context = {
        "can_read": gated.allows(Action.READ_ASSESSMENTS),
        "can_write": gated.allows(Action.WRITE_ASSESSMENT),
    }
    if context["can_read"]:
        history = list(selectors.intensity_history(person))
        current, pending = _in_force(history)
        contact_rules = selectors.contact_rules(person.service_id, today)
        facts = selectors.assessment_facts(person, {r.measure_kind for r in contact_rules})
        context.update(
            pending=pending,
            pending_label=_level_label(pending.chosen_level) if pending else "",
            contacts=_contacts(person, current, contact_rules, facts, today),
            assessments=dossier_page(
                request,
                selectors.assessments_of(person),
                param="evaluations",
                anchor="assessments-title",
                count=facts["count"],
            ),
            history=history,
        )
    else:
        current = selectors.current_intensity(person)  # monitoring: the level, nothing more
    context.update(
        current=current, current_label=_level_label(current.chosen_level) if current else ""
    )
    return render(request, "assessments/tab.html", dossier_context(gated, "assessment", **context))


@keeps_draft("assessments:new")
@require_http_methods(["GET", "POST"])
def new(request, pk: int):
    """The new-assessment form. What is typed is kept as the author's draft (docs/drafts.md:
    autosaved, restored here, gone with the assessment's saving or « Supprimer le brouillon »)."""
    gated = person_get_for(
        request.membership, pk, action=Action.WRITE_ASSESSMENT, log_read="nouvelle évaluation"
    )
    today = timezone.localdate()
    grid = selectors.grid_in_use(today)
    if grid is None:
        messages.error(
            request, "Aucune grille d'évaluation n'est en usage : contactez l'encadrement."
        )
        return redirect(_tab_url(pk))
    place = draft_services.Place.ASSESSMENT
    drafts = drafting(request, gated, place, pk)  # the author's draft of this form only
    form = AssessmentForm(
        request.POST or None,
        definition=grid.definition,
        initial={"assessed_on": today, **drafts["draft_values"]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # the assessment, and the end of its draft
                assessment = services.assessment_create(
                    gated=gated,
                    grid_version=grid.pk,
                    reason=data["reason"],
                    assessed_on=data["assessed_on"],
                    answers=form.answers(),
                    summary=data["summary"],
                    sensitive_basis=data["sensitive_basis"],
                    sensitive_reason=data["sensitive_reason"],
                    today=today,
                )
                draft_services.draft_done(gated=gated, place=place, place_id=pk)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            draft_saved(request, gated, place, pk)
            messages.success(
                request,
                "Évaluation enregistrée. Intensité proposée : "
                f"{_level_label(assessment.proposed_level).lower()}.",
            )
            return redirect(_detail_url(pk, assessment.pk, "intensity-title"))
    return render(
        request,
        "assessments/form.html",
        dossier_context(
            gated,
            "assessment",
            form=form,
            grid=grid,
            form_title="Nouvelle évaluation",
            cancel_url=_tab_url(pk),
            autosave_fields=",".join(form.fields),
            **drafts,
        ),
        status=400 if form.errors else 200,
    )


def _detail_page(request, gated, assessment, *, section_form=None, level_form=None):
    person = gated.person
    definition = assessment.grid_version.definition
    domains = []
    for domain in definition["domains"]:
        source = assessment.answers
        if any(item.get("sensitive") for item in domain["items"]):
            source = assessment.sensitive_answers
            if not source:
                continue
        domains.append(
            {
                "label": domain["label"],
                "sensitive": source is assessment.sensitive_answers,
                "answers": [
                    {
                        "label": item["label"],
                        "value": rules.answer_label(item, source.get(item["code"])),
                    }
                    for item in domain["items"]
                ],
            }
        )
    can_psy = gated.allows(Action.WRITE_PSYCHOLOGIST_SECTION)
    can_choose = gated.allows(Action.WRITE_ASSESSMENT)
    is_latest = can_choose and selectors.latest_assessment_id(person) == assessment.pk
    current = selectors.current_intensity(person) if is_latest else None
    pending = selectors.pending_intensity(person) if is_latest else None
    if is_latest and level_form is None:
        level_form = IntensityChoiceForm(initial={"level": assessment.proposed_level})
    if can_psy and section_form is None:
        section_form = PsychologistSectionForm()
    errors = bool(
        (section_form is not None and section_form.errors)
        or (level_form is not None and level_form.errors)
    )
    return render(
        request,
        "assessments/detail.html",
        dossier_context(
            gated,
            "assessment",
            assessment=assessment,
            domains=domains,
            reason_label=REASONS.get(assessment.reason, assessment.reason),
            proposed_label=_level_label(assessment.proposed_level),
            basis_label=BASES.get(assessment.sensitive_basis, ""),
            can_psy=can_psy,
            sections=selectors.psychologist_sections(assessment) if can_psy else [],
            section_form=section_form,
            is_latest=is_latest,
            current=current,
            current_label=_level_label(current.chosen_level) if current else "",
            pending=pending,
            pending_label=_level_label(pending.chosen_level) if pending else "",
            level_form=level_form,
            title=f"{person} — Évaluation du {assessment.assessed_on:%d/%m/%Y}",
        ),
        status=400 if errors else 200,
    )


def _assessment(gated, assessment_id: int):
    assessment = selectors.assessment_get(gated.person, assessment_id)
    if assessment is None:
        raise Http404("Évaluation introuvable.")
    return assessment


@require_GET
def detail(request, pk: int, assessment_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.READ_ASSESSMENTS, log_read="evaluation"
    )
    return _detail_page(request, gated, _assessment(gated, assessment_id))


@require_POST
def section_add(request, pk: int, assessment_id: int):
    gated = person_get_for(
        request.membership,
        pk,
        action=Action.WRITE_PSYCHOLOGIST_SECTION,
        log_read="section du psychologue",
    )
    assessment = _assessment(gated, assessment_id)
    form = PsychologistSectionForm(request.POST)
    if form.is_valid():
        try:
            section = services.psychologist_section_add(
                gated=gated, assessment=assessment, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Section du psychologue enregistrée.")
            return redirect(_detail_url(pk, assessment.pk, f"section-{section.pk}"))
    return _detail_page(request, gated, assessment, section_form=form)


@require_POST
def choose(request, pk: int, assessment_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.WRITE_ASSESSMENT, log_read="choix de l'intensité"
    )
    assessment = _assessment(gated, assessment_id)
    if selectors.latest_assessment_id(gated.person) != assessment.pk:
        messages.error(
            request,
            "Le niveau se choisit après la dernière évaluation : celle-ci a été suivie d'une "
            "autre.",
        )
        return redirect(_detail_url(pk, assessment.pk))
    form = IntensityChoiceForm(request.POST)
    if form.is_valid():
        try:
            decision = services.intensity_choose(
                gated=gated,
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"],
                assessment=assessment,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            label = _level_label(decision.chosen_level).lower()
            if decision.status == decision.Status.PENDING:
                messages.success(
                    request,
                    f"Changement d'intensité demandé ({label}) : en attente de validation par "
                    "un cadre ; le niveau actuel s'applique jusque-là.",
                )
            else:
                messages.success(request, f"Intensité du suivi : {label}.")
            return redirect(_tab_url(pk))
    return _detail_page(request, gated, assessment, level_form=form)
