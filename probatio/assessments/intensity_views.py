"""The managers' pages of the follow-up intensity (docs/assessments.md):

- « Intensités à valider »: the service's changes of level waiting for a manager, each with
  its validate / refuse form (``Action.VALIDATE_INTENSITY``); the answer goes through the
  dossier gate, a change of another service is a 404;
- the service's follow-up rules, under « Paramètres » (``Action.MANAGE_SERVICE``): the table
  in force (the service's own rows, the shipped defaults elsewhere), a form to set a rule from
  a date, the history of the service's rules.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.assessments import rules, selectors, services
from probatio.assessments.intensity_forms import (
    ANY_MEASURE_LABEL,
    IntensityAnswerForm,
    IntensityRuleForm,
)
from probatio.core.forms import apply_errors
from probatio.core.gates import page_membership
from probatio.measures.selectors import measure_type_choices
from probatio.people.selectors import person_get_for

VALIDATION_REFUSAL = "Seul un cadre valide les changements d'intensité du suivi."
RULES_REFUSAL = "Les règles de suivi du service sont tenues par l'encadrement."
PER_PAGE = 20  # changes per page of « Intensités à valider » (each with its form)
LEVEL_ORDER = {level.value: index for index, level in enumerate(rules.Level)}


def _label(level: str) -> str:
    return rules.LEVEL_LABELS[rules.Level(level)] if level else ""


def _pending_page(request, membership, *, failed=None, status=200):
    """The list of changes waiting; ``failed``: the form of a change refused with its errors."""
    decisions = list(selectors.pending_for_service(membership.service_id))
    # By pages, oldest first; a refused answer shows the page of its change, with its errors.
    number = request.GET.get("page")
    ids = [d.pk for d in decisions]
    if failed is not None and failed.decision_id in ids:
        number = ids.index(failed.decision_id) // PER_PAGE + 1
    page = Paginator(decisions, PER_PAGE).get_page(number)
    page.path = reverse("intensity:pending")  # also when drawn again after a refused answer
    rows = []
    for decision in page.object_list:
        form = (
            failed
            if failed is not None and failed.decision_id == decision.pk
            else IntensityAnswerForm(decision_id=decision.pk)
        )
        assessment = decision.assessment
        rows.append(
            {
                "decision": decision,
                "form": form,
                "previous": _label(decision.previous_level),
                "requested": _label(decision.chosen_level),
                "proposed": _label(decision.proposed_level),
                "assessed_on": assessment.assessed_on if assessment else None,
                "proposal_reasons": assessment.proposal_reasons if assessment else [],
            }
        )
    if failed is not None and failed.decision_id not in ids:
        # The change left the list meanwhile (answered by another manager): its error on top.
        for errors in failed.errors.values():
            for message in errors:
                messages.error(request, message)
    return render(
        request,
        "assessments/intensity_pending.html",
        {
            "title": "Intensités à valider",
            "nav": "service",
            "section": "intensity",
            "rows": rows,
            "count": len(decisions),
            "page": page,
        },
        status=status,
    )


@require_GET
def pending(request):
    membership = page_membership(request, Action.VALIDATE_INTENSITY, VALIDATION_REFUSAL)
    return _pending_page(request, membership)


@require_POST
def answer(request, person_id: int, decision_id: int):
    membership = page_membership(request, Action.VALIDATE_INTENSITY, VALIDATION_REFUSAL)
    gated = person_get_for(membership, person_id, action=Action.VALIDATE_INTENSITY)
    decision = selectors.decision_get(gated.person, decision_id)
    if decision is None:
        raise Http404("Changement d'intensité introuvable.")
    form = IntensityAnswerForm(request.POST, decision_id=decision.pk)
    if form.is_valid():
        try:
            services.intensity_answer(
                gated=gated,
                decision=decision,
                accept=form.accept,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            person = gated.person
            label = _label(decision.chosen_level).lower()
            if form.accept:
                messages.success(
                    request,
                    f"Changement d'intensité validé : {person} passe en suivi {label}.",
                )
            else:
                messages.success(
                    request,
                    f"Changement d'intensité refusé pour {person} : le niveau précédent reste "
                    "en vigueur.",
                )
            return redirect("intensity:pending")
    return _pending_page(request, membership, failed=form, status=400)


def _kind_labels(measure_types) -> dict[str, str]:
    return {rules.ANY_MEASURE: ANY_MEASURE_LABEL} | {
        t.code: t.short_label or t.label for t in measure_types
    }


def _rule_sort_key(level: str, kind: str) -> tuple:
    return (LEVEL_ORDER.get(level, 9), kind != rules.ANY_MEASURE, kind)


@require_http_methods(["GET", "POST"])
def rules_page(request):
    membership = page_membership(request, Action.MANAGE_SERVICE, RULES_REFUSAL)
    today = timezone.localdate()
    measure_types = measure_type_choices()
    form = IntensityRuleForm(
        request.POST or None,
        initial={"valid_from": today, "home_visits": 0},
        measure_types=measure_types,
    )
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.intensity_rule_set(
                membership=membership, data=form.data_for_service(), today=today
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Règle de suivi enregistrée : {_label(rule.level).lower()}, "
                f"« {_kind_labels(measure_types).get(rule.measure_kind, rule.measure_kind)} », "
                f"à partir du {rule.valid_from:%d/%m/%Y}.",
            )
            return redirect("intensity:rules")
    labels = _kind_labels(measure_types)
    history = list(selectors.service_rules(membership.service_id))
    in_force_rows = {
        (row.level, row.measure_kind): row
        for row in history
        if row.valid_from <= today and (row.valid_to is None or row.valid_to >= today)
    }
    table = [
        {
            "level": _label(rule.level),
            "kind": labels.get(rule.measure_kind, rule.measure_kind),
            "rule": rule,
            "own": in_force_rows.get((rule.level, rule.measure_kind)),
        }
        for rule in sorted(
            selectors.contact_rules(membership.service_id, today),
            key=lambda r: _rule_sort_key(r.level, r.measure_kind),
        )
    ]
    history_rows = [
        {
            "level": _label(row.level),
            "kind": labels.get(row.measure_kind, row.measure_kind),
            "row": row,
            "future": row.valid_from > today,
        }
        for row in sorted(
            history,
            key=lambda r: (*_rule_sort_key(r.level, r.measure_kind), -r.valid_from.toordinal()),
        )
    ]
    return render(
        request,
        "assessments/intensity_rules.html",
        {
            "title": "Intensité du suivi : règles du service",
            "nav": "settings",
            "form": form,
            "table": table,
            "history": history_rows,
            "today": today,
        },
        status=400 if form.errors else 200,
    )
