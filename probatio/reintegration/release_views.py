"""The dossier's "Sortie" tab. Reading it is reading the file; opening the plan and updating
its items needs ``record_reintegration`` (a CPIP on their caseload, managers, social workers on
their caseload). Every read is journaled by the dossier gate."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.core.forms import apply_errors
from probatio.people.selectors import person_get_for
from probatio.people.views import dossier_context
from probatio.reintegration import release, rules, selectors
from probatio.reintegration.release_forms import ReleaseItemForm


def _tab_url(pk: int) -> str:
    return reverse("release:tab", args=[pk])


@require_GET
def tab(request, pk: int):
    gated = person_get_for(request.membership, pk, log_read="sortie")
    context = dossier_context(gated, "release")
    today = timezone.localdate()
    data = release.release_of(gated.person, context["open_custody"], today=today)
    past_plan = None
    if data.custody is None:  # released: the plan of the last committal, for the record
        past_plan = selectors.last_release_plan(gated.person)
    context = dict(
        context,
        release=data,
        today=today,
        housing_at_risk=data.housing_at_risk(today),
        can_edit=gated.allows(Action.RECORD_REINTEGRATION),
        can_release=gated.allows(Action.ASSIGN_CPIP),
        statuses=rules.ITEM_STATUSES,
        past_plan=past_plan,
        past_items=selectors.release_plan_items(past_plan) if past_plan else [],
    )
    return render(request, "reintegration/release_tab.html", context)


@require_POST
def plan_new(request, pk: int):
    gated = person_get_for(request.membership, pk, action=Action.RECORD_REINTEGRATION)
    try:
        release.plan_create(gated=gated, today=timezone.localdate())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Plan de sortie établi.")
    return redirect(_tab_url(pk))


@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int, item_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.RECORD_REINTEGRATION, log_read="plan de sortie"
    )
    item = selectors.release_item_get(gated.person, item_id)
    form = ReleaseItemForm(
        request.POST or None,
        service_id=request.membership.service_id,
        initial={
            "status": item.status,
            "owner": item.owner_id,
            "due_date": item.due_date,
            "comment": item.comment,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            release.item_update(
                gated=gated,
                item=item,
                data=form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{item.get_code_display()} : enregistré.")
            return redirect(_tab_url(pk))
    context = dossier_context(
        gated,
        "release",
        form=form,
        form_title=f"Plan de sortie : {item.get_code_display()}",
        submit_label="Enregistrer",
        cancel_url=_tab_url(pk),
    )
    return render(request, "people/simple_form.html", context, status=400 if form.errors else 200)
