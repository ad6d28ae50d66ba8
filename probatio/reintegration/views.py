"""The dossier's "Insertion" tab (needs and referrals) and its forms. Every view goes through
the dossier gate (``person_get_for``): another service's person is a 404, a role without the
right a 403, every read journaled. Reading is part of reading the file (``read_file``, a judge
on their files included); writing needs ``record_reintegration`` (a CPIP or a social worker on
their caseload, managers)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.core.downloads import private_file
from probatio.core.text import lower_first
from probatio.people.selectors import log_person_read, person_get_for
from probatio.people.views import dossier_context, dossier_form_page, dossier_page
from probatio.reintegration import rules, selectors, services
from probatio.reintegration.forms import (
    NeedForm,
    NeedStatusForm,
    OutcomeForm,
    ReferralForm,
    ReferralMoveForm,
)


def _tab_url(pk: int, anchor: str = "") -> str:
    return reverse("reintegration:tab", args=[pk]) + (f"#{anchor}" if anchor else "")


@require_GET
def tab(request, pk: int):
    gated = person_get_for(request.membership, pk, log_read="insertion")
    return render(
        request,
        "reintegration/tab.html",
        dossier_context(
            gated,
            "reintegration",
            needs=selectors.needs_of(gated.person),
            referrals=dossier_page(
                request,
                selectors.referrals_of(gated.person),
                param="orientations",
                anchor="referrals-title",
            ),
            can_record=gated.allows(Action.RECORD_REINTEGRATION),
            moves=rules.REFERRAL_MOVES,
            outcome_statuses=rules.OUTCOME_STATUSES,
            closed_statuses=rules.CLOSED_REFERRAL_STATUSES,
        ),
    )


def _form_page(
    request, gated, form, *, template, title, submit, write, success, anchor="", **extra
):
    return dossier_form_page(
        request,
        gated,
        form,
        tab="reintegration",
        template=template,
        title=title,
        submit=submit,
        write=write,
        success=success,
        redirect_to=lambda written: _tab_url(gated.person.pk, anchor(written) if anchor else ""),
        cancel_url=_tab_url(gated.person.pk),
        **extra,
    )


def _gate_write(request, pk: int, log_read: str):
    return person_get_for(
        request.membership, pk, action=Action.RECORD_REINTEGRATION, log_read=log_read
    )


@require_http_methods(["GET", "POST"])
def need_new(request, pk: int):
    gated = _gate_write(request, pk, "nouveau besoin")
    form = NeedForm(
        request.POST or None,
        initial={"identified_on": timezone.localdate(), "pathway": request.GET.get("parcours", "")},
    )
    return _form_page(
        request,
        gated,
        form,
        template="reintegration/need_form.html",
        title="Identifier un besoin",
        submit="Enregistrer le besoin",
        success="Besoin enregistré.",
        anchor=lambda need: f"besoin-{need.pk}",
        write=lambda data: services.need_create(gated=gated, data=data),
    )


@require_http_methods(["GET", "POST"])
def need_status(request, pk: int, need_id: int):
    gated = _gate_write(request, pk, "statut d'un besoin")
    need = selectors.need_get(gated.person, need_id)
    form = NeedStatusForm(
        request.POST or None, current=need.status, initial={"changed_on": timezone.localdate()}
    )
    return _form_page(
        request,
        gated,
        form,
        template="reintegration/need_form.html",
        title=f"Statut du besoin : {lower_first(need.get_pathway_display())}",
        submit="Enregistrer le statut",
        success="Statut du besoin enregistré.",
        anchor=lambda need: f"besoin-{need.pk}",
        write=lambda data: services.need_status_set(
            gated=gated,
            need=need,
            status=data["status"],
            changed_on=data["changed_on"],
            comment=data["comment"],
        ),
        need=need,
    )


@require_http_methods(["GET", "POST"])
def referral_new(request, pk: int):
    gated = _gate_write(request, pk, "nouvelle orientation")
    needs = [n for n in selectors.needs_of(gated.person) if n.status in rules.OPEN_NEED_STATUSES]
    partners = list(selectors.active_partners(gated.person.service_id))
    wanted = request.GET.get("besoin", "")
    form = ReferralForm(
        request.POST or None,
        needs=needs,
        partners=partners,
        initial={
            "referred_on": timezone.localdate(),
            "status": rules.PROPOSED,
            "need": wanted if wanted.isdigit() else "",
        },
    )
    return _form_page(
        request,
        gated,
        form,
        template="reintegration/referral_form.html",
        title="Orienter vers un partenaire",
        submit="Enregistrer l'orientation",
        success="Orientation enregistrée.",
        anchor=lambda referral: f"orientation-{referral.pk}",
        write=lambda data: services.referral_create(gated=gated, data=data),
        no_partner=not partners,
    )


@require_http_methods(["GET", "POST"])
def referral_move(request, pk: int, referral_id: int):
    gated = _gate_write(request, pk, "étape d'une orientation")
    referral = selectors.referral_get(gated.person, referral_id)
    if referral.status in rules.CLOSED_REFERRAL_STATUSES:
        messages.error(request, rules.move_error(referral.status, referral.status))
        return redirect(_tab_url(pk, f"orientation-{referral.pk}"))
    form = ReferralMoveForm(
        request.POST or None,
        current=referral.status,
        initial={"on": timezone.localdate(), "status": request.GET.get("statut", "")},
    )
    return _form_page(
        request,
        gated,
        form,
        template="reintegration/referral_form.html",
        title=f"Orientation vers {referral.partner.name} : nouvelle étape",
        submit="Enregistrer l'étape",
        success="Étape de l'orientation enregistrée.",
        anchor=lambda referral: f"orientation-{referral.pk}",
        write=lambda data: services.referral_move(
            gated=gated,
            referral=referral,
            status=data["status"],
            on=data["on"],
            comment=data["comment"],
        ),
        referral=referral,
    )


@require_http_methods(["GET", "POST"])
def referral_outcome(request, pk: int, referral_id: int):
    gated = _gate_write(request, pk, "retour d'un partenaire")
    referral = selectors.referral_get(gated.person, referral_id)
    form = OutcomeForm(request.POST or None, initial={"outcome": referral.outcome})
    return _form_page(
        request,
        gated,
        form,
        template="reintegration/referral_form.html",
        title=f"Retour de {referral.partner.name}",
        submit="Enregistrer le retour",
        success="Retour du partenaire enregistré.",
        anchor=lambda referral: f"orientation-{referral.pk}",
        write=lambda data: services.referral_outcome_set(
            gated=gated,
            referral=referral,
            outcome=data["outcome"],
        ),
        referral=referral,
    )


@require_POST
def referral_letter(request, pk: int, referral_id: int):
    gated = person_get_for(request.membership, pk, action=Action.RECORD_REINTEGRATION)
    referral = selectors.referral_get(gated.person, referral_id)
    try:
        services.referral_letter_create(gated=gated, referral=referral)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Courrier d'orientation édité : il est prêt à être envoyé.")
    return redirect(_tab_url(pk, f"orientation-{referral.pk}"))


@require_GET
def referral_letter_file(request, pk: int, referral_id: int):
    gated = person_get_for(request.membership, pk)
    referral = selectors.referral_get(gated.person, referral_id)
    if not referral.letter_file or not default_storage.exists(referral.letter_file):
        raise Http404("Aucun courrier d'orientation pour cette orientation.")
    log_person_read(request.membership, gated.person, "courrier d'orientation", document=referral)
    return private_file(
        default_storage.open(referral.letter_file, "rb"),
        filename=f"orientation-{referral.pk}-{referral.referred_on:%Y%m%d}.pdf",
        content_type="application/pdf",
    )
