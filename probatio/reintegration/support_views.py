"""The dossier's "Accompagnement" tab (arrival interview, destitution, family ties), its forms,
and the managers' destitution figures per establishment.

Every dossier view goes through the dossier gate (``person_get_for``): another service's
person is a 404, a role without the right a 403, every read journaled. Reading is part of
reading the file; writing needs ``record_reintegration``. The figures need
``read_service_figures`` (managers).
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from probatio.access.policy import Action, allows
from probatio.audit import services as audit
from probatio.core.text import lower_first
from probatio.people.selectors import person_get_for
from probatio.people.views import dossier_context, dossier_form_page
from probatio.reintegration import rules, selectors, support
from probatio.reintegration.support_forms import (
    AidForm,
    ArrivalInterviewForm,
    DestitutionForm,
    FamilyContactForm,
    FamilyStepForm,
    FiguresPeriodForm,
)
from probatio.sentences import selectors as sentence_selectors


def _tab_url(pk: int, anchor: str = "") -> str:
    return reverse("support:tab", args=[pk]) + (f"#{anchor}" if anchor else "")


@require_GET
def tab(request, pk: int):
    gated = person_get_for(request.membership, pk, log_read="accompagnement")
    context = dossier_context(gated, "support")
    custody = context["open_custody"]
    # After a release, the last committal's arrival interview and destitution stay readable.
    past = None if custody is not None else sentence_selectors.last_closed_committal(gated.person)
    data = support.support_of(
        gated.person,
        custody or past,
        delay_days=request.membership.service.arrival_interview_days,
    )
    context = dict(
        context,
        support=data,
        released=past is not None,
        today=timezone.localdate(),
        can_record=gated.allows(Action.RECORD_REINTEGRATION),
        contact_modes=rules.CONTACT_MODES,
    )
    return render(request, "reintegration/support_tab.html", context)


def _write_page(request, pk: int, *, form_class, write, title, submit, success, anchor,
                form_kwargs=None, initial=None, gated=None):  # fmt: skip
    """A form of the tab, through the dossier gate with ``record_reintegration``."""
    gated = gated or person_get_for(
        request.membership, pk, action=Action.RECORD_REINTEGRATION, log_read="accompagnement"
    )
    return dossier_form_page(
        request,
        gated,
        form_class(request.POST or None, initial=initial, **(form_kwargs or {})),
        tab="support",
        title=title,
        submit=submit,
        write=lambda data: write(gated, data),
        success=success,
        redirect_to=lambda written: _tab_url(pk, anchor),
        cancel_url=_tab_url(pk, anchor),
    )


@require_http_methods(["GET", "POST"])
def interview_new(request, pk: int):
    def write(gated, data):
        _, needs = support.arrival_interview_record(gated=gated, data=data)
        if needs:
            names = ", ".join(lower_first(n.get_pathway_display()) for n in needs)
            messages.info(request, f"Besoins identifiés au repérage : {names}.")

    return _write_page(
        request,
        pk,
        form_class=ArrivalInterviewForm,
        write=write,
        title="Entretien arrivant",
        submit="Enregistrer l'entretien",
        success="Entretien arrivant enregistré.",
        anchor="arrivant",
        initial={"held_on": timezone.localdate()},
    )


@require_http_methods(["GET", "POST"])
def destitution_new(request, pk: int):
    return _write_page(
        request,
        pk,
        form_class=DestitutionForm,
        write=lambda g, d: support.destitution_assess(gated=g, data=d),
        title="Situation d'indigence",
        submit="Enregistrer",
        success="Situation d'indigence enregistrée.",
        anchor="indigence",
        initial={"assessed_on": timezone.localdate()},
    )


@require_http_methods(["GET", "POST"])
def aid_new(request, pk: int):
    return _write_page(
        request,
        pk,
        form_class=AidForm,
        write=lambda g, d: support.aid_grant(gated=g, data=d),
        title="Aide accordée",
        submit="Enregistrer l'aide",
        success="Aide enregistrée.",
        anchor="indigence",
        initial={"granted_on": timezone.localdate()},
    )


@require_http_methods(["GET", "POST"])
def contact_new(request, pk: int):
    return _write_page(
        request,
        pk,
        form_class=FamilyContactForm,
        write=lambda g, d: support.family_contact_save(gated=g, data=d),
        title="Ajouter un proche",
        submit="Ajouter",
        success="Proche ajouté.",
        anchor="liens",
    )


@require_http_methods(["GET", "POST"])
def contact_edit(request, pk: int, contact_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.RECORD_REINTEGRATION, log_read="accompagnement"
    )
    contact = selectors.family_contact_get(gated.person, contact_id)
    return _write_page(
        request,
        pk,
        gated=gated,
        form_class=FamilyContactForm,
        write=lambda g, d: support.family_contact_save(gated=g, data=d, contact=contact),
        title=f"Modifier : {contact}",
        submit="Enregistrer",
        success="Proche modifié.",
        anchor="liens",
        initial={name: getattr(contact, name) for name in support.CONTACT_FIELDS},
    )


@require_http_methods(["GET", "POST"])
def step_new(request, pk: int):
    gated = person_get_for(
        request.membership, pk, action=Action.RECORD_REINTEGRATION, log_read="accompagnement"
    )
    return _write_page(
        request,
        pk,
        gated=gated,
        form_class=FamilyStepForm,
        form_kwargs={"contacts": selectors.family_contacts_of(gated.person)},
        write=lambda g, d: support.family_step_record(gated=g, data=d),
        title="Démarche pour les liens familiaux",
        submit="Enregistrer la démarche",
        success="Démarche enregistrée.",
        anchor="liens",
        initial={"on": timezone.localdate()},
    )


@require_GET
def destitution_figures(request):
    membership = request.membership
    if membership is None:
        raise Http404("Aucun service choisi.")
    if not allows(membership.role, Action.READ_SERVICE_FIGURES):
        raise PermissionDenied("Les chiffres du service sont réservés à l'encadrement.")
    today = timezone.localdate()
    default = {"start": date(today.year, 1, 1), "end": today}
    form = FiguresPeriodForm(request.GET or None, initial=default)
    period = form.cleaned_data if request.GET and form.is_valid() else default
    figures = support.destitution_figures(
        membership.service_id, start=period["start"], end=period["end"]
    )
    audit.record_list(
        membership,
        object_type="reintegration.destitutionaid",
        summary="Chiffres : indigence par établissement",
        context={"start": period["start"].isoformat(), "end": period["end"].isoformat()},
    )
    return render(
        request,
        "reintegration/destitution_figures.html",
        {
            "title": "Indigence : aides par établissement",
            "nav": "detention",
            "form": form,
            "period": period,
            "figures": figures,
            "aid_kinds": rules.AID_KINDS,
        },
        status=400 if form.errors else 200,
    )
