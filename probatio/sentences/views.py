"""The dossier's "Peine et dates" tab and its forms. Every view goes through the dossier gate
(``person_get_for``): another service's person is a 404, a role without the right a 403, every
read journaled. Writes need ``create_record`` (a CPIP on their caseload, managers, secretariat).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.core.forms import apply_errors
from probatio.people.selectors import person_get_for
from probatio.people.views import dossier_context
from probatio.sentences import rules, selectors, services
from probatio.sentences.forms import OfficialDateForm, ReductionForm, SentenceForm, TermsForm


def _panel_url(pk: int) -> str:
    return reverse("sentences:panel", args=[pk])


def _open_custody(context: dict):
    custody = context["open_custody"]
    if custody is None:
        raise Http404("La personne n'est pas écrouée.")
    return custody


@require_GET
def panel(request, pk: int):
    gated = person_get_for(request.membership, pk, log_read="peine et dates")
    context = dossier_context(gated, "sentence")
    custody = context["open_custody"]
    # After a release, the last committal's sentence, dates and reductions stay readable to
    # whoever follows the person (read only).
    past = None if custody is not None else selectors.last_closed_committal(gated.person)
    data = selectors.panel_for(gated.person, custody or past)
    context = dict(
        context,
        panel=data,
        released=past is not None,
        to_serve=selectors.sentences_to_serve(gated.person),
        can_edit=gated.allows(Action.CREATE_RECORD) and custody is not None,
        today=timezone.localdate(),
        lsc_exclusion_labels=rules.LSC_EXCLUSIONS,
        lsc_plein_droit_exclusion_labels=rules.LSC_PLEIN_DROIT_EXCLUSIONS,
    )
    return render(request, "sentences/panel.html", context)


def _form_page(request, gated, context, form, *, title, submit, write, success):
    if request.method == "POST" and form.is_valid():
        try:
            write(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(_panel_url(gated.person.pk))
    context = dict(
        context,
        form=form,
        form_title=title,
        submit_label=submit,
        cancel_url=_panel_url(gated.person.pk),
    )
    return render(request, "people/simple_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def sentence_new(request, pk: int):
    gated = person_get_for(
        request.membership, pk, action=Action.CREATE_RECORD, log_read="nouvelle peine"
    )
    context = dossier_context(gated, "sentence")
    custody = _open_custody(context)
    form = SentenceForm(request.POST or None, person=gated.person)
    return _form_page(
        request,
        gated,
        context,
        form,
        title="Ajouter une peine d'emprisonnement",
        submit="Ajouter la peine",
        success="Peine enregistrée ; les dates sont recalculées.",
        write=lambda data: services.sentence_add(gated=gated, custody=custody, data=data),
    )


@require_POST
def sentence_remove(request, pk: int, sentence_id: int):
    gated = person_get_for(request.membership, pk, action=Action.CREATE_RECORD)
    sentence = selectors.sentence_get(gated.person, sentence_id)
    try:
        services.sentence_remove(gated=gated, sentence=sentence)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Peine retirée ; les dates sont recalculées.")
    return redirect(_panel_url(pk))


@require_http_methods(["GET", "POST"])
def terms_edit(request, pk: int):
    gated = person_get_for(
        request.membership, pk, action=Action.CREATE_RECORD, log_read="situation pénale"
    )
    context = dossier_context(gated, "sentence")
    custody = _open_custody(context)
    # A GET writes nothing: an unrecorded situation shows the defaults.
    situation = selectors.terms_of(custody)
    initial = {name: getattr(situation, name) for name in services.TERMS_FIELDS}
    form = TermsForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        gated,
        context,
        form,
        title="Détention provisoire, période de sûreté et exclusions",
        submit="Enregistrer",
        success="Situation pénale enregistrée ; les dates sont recalculées.",
        write=lambda data: services.terms_update(gated=gated, custody=custody, data=data),
    )


@require_http_methods(["GET", "POST"])
def reduction_new(request, pk: int):
    gated = person_get_for(
        request.membership, pk, action=Action.CREATE_RECORD, log_read="réduction de peine"
    )
    context = dossier_context(gated, "sentence")
    custody = _open_custody(context)
    form = ReductionForm(
        request.POST or None, initial={"kind": "granted", "date": timezone.localdate()}
    )
    return _form_page(
        request,
        gated,
        context,
        form,
        title="Réduction de peine accordée ou retirée par le JAP",
        submit="Enregistrer la décision",
        success="Décision du JAP enregistrée ; les dates sont recalculées.",
        write=lambda data: services.reduction_add(gated=gated, custody=custody, data=data),
    )


@require_http_methods(["GET", "POST"])
def official_new(request, pk: int):
    gated = person_get_for(
        request.membership, pk, action=Action.CREATE_RECORD, log_read="date officielle"
    )
    context = dossier_context(gated, "sentence")
    custody = _open_custody(context)
    form = OfficialDateForm(request.POST or None, initial={"kind": request.GET.get("type", "")})
    outcome = {}

    def write(data):
        outcome["result"] = services.official_date_enter(gated=gated, custody=custody, data=data)

    response = _form_page(
        request,
        gated,
        context,
        form,
        title="Saisir une date communiquée par le greffe",
        submit="Enregistrer la date",
        success="Date officielle enregistrée.",
        write=write,
    )
    if outcome.get("result") == "unchanged":
        messages.info(request, "Cette date était déjà enregistrée : rien n'a changé.")
    return response
