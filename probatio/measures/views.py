import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from probatio.access.policy import Action
from probatio.core.forms import apply_errors
from probatio.measures import selectors, services
from probatio.measures.forms import DecisionForm, MeasureForm, ObligationForm, OffenceFormSet
from probatio.measures.models import ObligationType
from probatio.people.selectors import person_get_for, staff_of_role, staff_of_role_get
from probatio.people.views import dossier_context


def _form_read(request) -> str | None:
    """Form pages show the dossier: their display is journaled like a tab."""
    return f"formulaire {request.resolver_match.url_name}"


# Said to those who record obligations without the right to read a victim's identity (the
# secretariat): the person's CPIP enters it, and the échéancier reminds them until it is done.
VICTIM_FOR_THE_CPIP = (
    "Les coordonnées de la victime (interdiction d'entrer en relation, réparation des "
    "dommages…) sont à renseigner par le ou la CPIP qui suit la personne : son échéancier "
    "le lui signale jusqu'à ce qu'elles le soient."
)


def _render_form(request, gated, form, title, submit, formset=None, intro=""):
    return render(
        request,
        "measures/form.html",
        dossier_context(
            gated,
            "measures",
            form=form,
            formset=formset,
            form_title=title,
            submit_label=submit,
            intro=intro,
            cancel_url=reverse("measures:list", args=[gated.person.pk]),
        ),
        status=400 if form.errors or (formset is not None and formset.total_error_count()) else 200,
    )


@require_GET
def measure_list(request, pk: int):
    gated = person_get_for(request.membership, pk, log_read="mesures")
    return render(
        request,
        "measures/list.html",
        dossier_context(
            gated,
            "measures",
            measures=selectors.with_earliest_ends(
                list(selectors.measures_of(gated.person)), today=timezone.localdate()
            ),
            decisions=list(selectors.decisions_of(gated.person)),
            can_read_victim=gated.allows(Action.READ_VICTIM),
        ),
    )


@require_http_methods(["GET", "POST"])
def decision_create(request, pk: int):
    gated = person_get_for(
        request.membership, pk, action=Action.CREATE_RECORD, log_read=_form_read(request)
    )
    judges = staff_of_role(request.membership.service_id, "judge")
    form = DecisionForm(request.POST or None, judges=judges)
    formset = OffenceFormSet(request.POST or None, prefix="offences")
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        offences = [
            f.cleaned_data for f in formset.forms if f.cleaned_data and f.cleaned_data.get("label")
        ]
        try:
            decision = services.decision_create(
                gated=gated,
                data=form.cleaned_data,
                offences=offences,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Décision enregistrée : {decision}. Ajoutez maintenant "
                "les mesures qu'elle prononce.",
            )
            return redirect(
                f"{reverse('measures:measure_create', args=[pk])}?decision={decision.pk}"
            )
    return _render_form(
        request, gated, form, "Nouvelle décision", "Enregistrer la décision", formset=formset
    )


@require_http_methods(["GET", "POST"])
def decision_edit(request, pk: int, decision_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.CREATE_RECORD, log_read=_form_read(request)
    )
    decision = selectors.decision_get(gated.person, decision_id)
    judges = staff_of_role(request.membership.service_id, "judge")
    form = DecisionForm(request.POST or None, instance=copy.copy(decision), judges=judges)
    formset = OffenceFormSet(
        request.POST or None,
        prefix="offences",
        initial=selectors.offences_initial(decision),
    )
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        offences = [
            f.cleaned_data for f in formset.forms if f.cleaned_data and f.cleaned_data.get("label")
        ]
        try:
            services.decision_update(
                gated=gated,
                decision=decision,
                data=form.cleaned_data,
                offences=offences,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Décision corrigée.")
            return redirect("measures:list", pk)
    return _render_form(
        request,
        gated,
        form,
        f"Corriger : {decision}",
        "Enregistrer",
        formset=formset,
        intro="Pour une nouvelle décision du juge (modification des obligations, révocation…), "
        "enregistrez plutôt une nouvelle décision : la correction sert aux erreurs de saisie. "
        "Pour retirer une infraction, videz son libellé.",
    )


def _measure_form(request, gated, editing=False, measure=None):
    person = gated.person
    service_id = request.membership.service_id
    initial = {}
    if measure is not None:
        initial = {
            f: getattr(measure, f)
            for f in (
                "start_date",
                "duration_months",
                "duration_days",
                "hours",
                "status",
                "setting",
                "reinforced_follow_up",
                "report_requested_on",
            )
        }
        initial["assigning_judge"] = str(measure.assigning_judge_id or "")
        initial["assigned_cpip"] = str(measure.assigned_cpip_id or "")
    elif request.GET.get("decision"):
        initial["decision"] = request.GET["decision"]
    return MeasureForm(
        request.POST or None,
        initial=initial,
        editing=editing,
        measure_types=selectors.measure_type_choices(),
        decisions=selectors.decisions_by_date(person),
        judges=_with_current(
            staff_of_role(service_id, "judge"), measure and measure.assigning_judge
        ),
        cpips=_with_current(staff_of_role(service_id, "cpip"), measure and measure.assigned_cpip),
    )


def _with_current(staff, current) -> list:
    """Active staff, plus the one already named on the measure even if no longer active, so
    that editing something else never silently clears them."""
    people = list(staff)
    if current is not None and current not in people:
        people.append(current)
    return people


def _measure_data(form, service_id, measure=None) -> dict:
    data = {
        k: v
        for k, v in form.cleaned_data.items()
        if k not in ("measure_type", "decision", "assigning_judge", "assigned_cpip")
    }
    for field, role in (("assigning_judge", "judge"), ("assigned_cpip", "cpip")):
        value = form.cleaned_data.get(field)
        current = getattr(measure, field) if measure is not None else None
        if value and current is not None and str(current.pk) == value:
            data[field] = current
        else:
            data[field] = staff_of_role_get(service_id, role, value) if value else None
    return data


@require_http_methods(["GET", "POST"])
def measure_create(request, pk: int):
    gated = person_get_for(
        request.membership, pk, action=Action.CREATE_RECORD, log_read=_form_read(request)
    )
    if not selectors.has_decisions(gated.person):
        messages.info(request, "Enregistrez d'abord la décision qui prononce la mesure.")
        return redirect("measures:decision_create", pk)
    form = _measure_form(request, gated)
    if request.method == "POST" and form.is_valid():
        decision = selectors.decision_get(gated.person, form.cleaned_data["decision"])
        try:
            measure = services.measure_create(
                gated=gated,
                decision=decision,
                measure_type_code=form.cleaned_data["measure_type"],
                data=_measure_data(form, request.membership.service_id),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Mesure enregistrée : {measure.measure_type.label}.")
            return redirect("measures:list", pk)
    return _render_form(
        request,
        gated,
        form,
        "Nouvelle mesure",
        "Enregistrer la mesure",
        intro="La date de fin est calculée à partir de la date de début et de "
        "la durée, et vérifiée au regard des bornes légales.",
    )


@require_http_methods(["GET", "POST"])
def measure_edit(request, pk: int, measure_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.CREATE_RECORD, log_read=_form_read(request)
    )
    measure = selectors.measure_get(gated.person, measure_id)
    form = _measure_form(request, gated, editing=True, measure=measure)
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_update_or_reload(
                gated=gated,
                measure=measure,
                data=_measure_data(form, request.membership.service_id, measure),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Mesure mise à jour.")
            return redirect("measures:list", pk)
    return _render_form(
        request, gated, form, f"Modifier : {measure.measure_type.label}", "Enregistrer"
    )


def _obligation_form(request, gated, editing=False, obligation=None, measure=None):
    initial = {"start_date": measure.start_date if measure else None}
    if obligation is not None:
        initial = {
            f: getattr(obligation, f)
            for f in (
                "start_date",
                "end_date",
                "status",
                "proof_frequency",
                "details",
                "victim_name",
                "victim_contact",
                "zone",
                "care_structure",
            )
        }
        initial["decision"] = str(obligation.decision_id)
    elif measure is not None:
        initial["decision"] = str(measure.decision_id)
    form = ObligationForm(
        request.POST or None,
        initial=initial,
        editing=editing,
        obligation_types=selectors.obligation_type_choices(),
        decisions=selectors.decisions_by_date(gated.person),
    )
    if not gated.allows(Action.READ_VICTIM):
        # Need-to-know: neither shown nor overwritten by those who may not read it.
        del form.fields["victim_name"]
        del form.fields["victim_contact"]
    return form


@require_http_methods(["GET", "POST"])
def obligation_create(request, pk: int, measure_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.CREATE_RECORD, log_read=_form_read(request)
    )
    measure = selectors.measure_get(gated.person, measure_id)
    form = _obligation_form(request, gated, measure=measure)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = selectors.decision_get(gated.person, data["decision"])
        try:
            obligation = services.obligation_create(
                gated=gated,
                measure=measure,
                decision=decision,
                obligation_type_code=data["obligation_type"],
                data=data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if obligation.awaits_victim_details:
                messages.success(request, f"Obligation enregistrée. {VICTIM_FOR_THE_CPIP}")
            else:
                messages.success(request, "Obligation enregistrée.")
            return redirect("measures:list", pk)
    return _render_form(
        request,
        gated,
        form,
        f"Nouvelle obligation — {measure.measure_type.label}",
        "Enregistrer l'obligation",
        intro="" if gated.allows(Action.READ_VICTIM) else VICTIM_FOR_THE_CPIP,
    )


@require_http_methods(["GET", "POST"])
def obligation_edit(request, pk: int, obligation_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.CREATE_RECORD, log_read=_form_read(request)
    )
    obligation = selectors.obligation_get(gated.person, obligation_id)
    form = _obligation_form(request, gated, editing=True, obligation=obligation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = selectors.decision_get(gated.person, data["decision"])
        if not data.get("proof_frequency"):
            data["proof_frequency"] = obligation.obligation_type.default_proof_frequency
        try:
            services.obligation_update_or_reload(
                gated=gated, obligation=obligation, decision=decision, data=data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Obligation mise à jour.")
            return redirect("measures:list", pk)
    return _render_form(
        request,
        gated,
        form,
        f"Modifier : {obligation.obligation_type.label}",
        "Enregistrer",
        intro=(
            VICTIM_FOR_THE_CPIP
            if obligation.obligation_type.detail == ObligationType.Detail.VICTIM
            and not gated.allows(Action.READ_VICTIM)
            else ""
        ),
    )
