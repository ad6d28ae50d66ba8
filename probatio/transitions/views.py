"""The judge's answer page (``/rapports/<id>/reponse/``) and the CPIP's follow-up of the
answer (read; person told of changed obligations). Every view passes the report gate."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.agenda.services import NeedsConfirmation
from probatio.core.errors import keeps_draft
from probatio.core.forms import BaseForm, DateInput, apply_errors
from probatio.notes import services as draft_services
from probatio.notes.views import draft_saved, drafting
from probatio.people.selectors import person_get_for
from probatio.people.views import dossier_context, dossier_form_page
from probatio.reports import answers, rules
from probatio.reports.selectors import report_get_for
from probatio.transitions import selectors, services
from probatio.transitions.forms import (
    AnswerForm,
    CommittalForm,
    EstablishmentChangeForm,
    ReleaseKindForm,
)


def _detail(pk: int) -> str:
    return reverse("reports:detail", args=[pk])


def _form(gated_report, data=None, draft_values=None) -> AnswerForm:
    report = gated_report.report
    measure_type = report.measure.measure_type_id if report.measure_id else None
    return AnswerForm(
        data,
        matter=report.matter,
        choices=answers.allowed(report.matter, measure_type),
        obligation_types=selectors.current_obligation_types(),
        obligations=selectors.answer_obligations(report),
        show_victim=gated_report.gated.allows(Action.READ_VICTIM),
        measure_type=measure_type,
        initial={"answered_on": timezone.localdate(), **(draft_values or {})},
    )


@keeps_draft("transitions:answer")
@require_http_methods(["GET", "POST"])
def answer(request, pk: int):
    membership = request.membership
    gated_report = report_get_for(membership, pk, log_read="réponse au rapport")
    report = gated_report.report
    if report.status == rules.ANSWERED:
        messages.info(request, "Ce rapport a déjà reçu une réponse.")
        return redirect(_detail(pk))
    if not gated_report.can_answer:
        raise PermissionDenied(
            "La réponse s'enregistre sur un rapport transmis, par le magistrat destinataire ou, "
            "reçue sur papier, par l'encadrement ou le secrétariat."
        )
    # The writer's draft of this answer (only who may record it on this file keeps one).
    place, gated = draft_services.Place.JUDGE_ANSWER, gated_report.gated
    drafts = drafting(request, gated, place, pk) if gated.allows(Action.RECORD_ANSWER) else {}
    form = _form(gated_report, request.POST or None, drafts.get("draft_values"))
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the answer, and the end of its draft
                services.answer_record(
                    membership=membership, gated_report=gated_report, data=form.answer_data()
                )
                if drafts:
                    draft_services.draft_done(gated=gated, place=place, place_id=pk)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if drafts:
                draft_saved(request, gated, place, pk)
            messages.success(request, "Réponse du magistrat enregistrée. Le dossier est à jour.")
            return redirect(_detail(pk))
    facts, prison = services.answer_facts(report, today=timezone.localdate())
    return render(
        request,
        "transitions/answer.html",
        dossier_context(
            gated_report.gated,
            "reports",
            report=report,
            g=gated_report,
            answer_form=form,
            facts=facts,
            prison=prison,
            matter=answers.MATTERS.get(report.matter),
            **drafts,
            title=("Erreur : " if form.errors else "")
            + f"Réponse au rapport — {report.person}",  # base.html adds « — Probatio »
        ),
        status=400 if form.errors else 200,
    )


@require_POST
def answer_seen(request, pk: int):
    gated_report = report_get_for(request.membership, pk)
    services.answer_mark_seen(membership=request.membership, gated_report=gated_report)
    messages.success(request, "Réponse du juge marquée comme lue.")
    return redirect(_detail(pk))


class InformedForm(BaseForm):
    on = forms.DateField(label="Personne informée le", widget=DateInput())


@require_POST
def answer_informed(request, pk: int):
    gated_report = report_get_for(request.membership, pk)
    form = InformedForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez la date à laquelle la personne a été informée.")
        return redirect(_detail(pk))
    try:
        services.answer_mark_informed(
            membership=request.membership, gated_report=gated_report, on=form.cleaned_data["on"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "La personne est informée de ses nouvelles obligations.")
    return redirect(_detail(pk))


# --- Committal and release ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def committal(request, pk: int):
    """A new écrou: the file goes on in milieu fermé (what the law suspends, suspended)."""
    membership = request.membership
    gated = person_get_for(
        membership, pk, action=Action.CREATE_RECORD, log_read="écrou (formulaire)"
    )
    form = CommittalForm(
        request.POST or None,
        service_id=membership.service_id,
        may_assign=gated.allows(Action.ASSIGN_CPIP),
        initial={"committal_date": timezone.localdate()},
    )
    return dossier_form_page(
        request,
        gated,
        form,
        tab="identity",
        title="Enregistrer un écrou",
        submit="Enregistrer l'écrou",
        write=lambda data: services.committal_record(
            membership=membership, gated=gated, data=form.committal_data()
        ),
        success="Écrou enregistré : la personne est suivie en milieu fermé. Les délais que la "
        "détention suspend le sont ; les rendez-vous en milieu ouvert sont annulés.",
        redirect_to=lambda custody: reverse("sentences:panel", args=[pk]),
        cancel_url=reverse("people:detail", args=[pk]),
        template="transitions/committal_form.html",
    )


@require_http_methods(["GET", "POST"])
def release(request, pk: int):
    """The release from prison, by its kind: the file goes on in the community. Managers (the
    community CPIP is theirs to choose)."""
    membership = request.membership
    gated = person_get_for(
        membership, pk, action=Action.ASSIGN_CPIP, log_read="sortie de détention"
    )
    person = gated.person
    custody = selectors.open_custody(person)
    form = ReleaseKindForm(
        request.POST or None,
        service_id=membership.service_id,
        initial={
            "release_date": timezone.localdate(),
            "cpip": custody.community_cpip_id if custody else None,
            "housing": "unknown",
        },
    )
    warnings = []
    if request.method == "POST" and form.is_valid():
        try:
            services.release_record(membership=membership, gated=gated, data=form.release_data())
        except NeedsConfirmation as exc:
            warnings = exc.warnings
            person.refresh_from_db()  # the rolled-back CPIP stays off the page
        except ValidationError as error:
            apply_errors(form, error)
            person.refresh_from_db()
        else:
            messages.success(
                request,
                f"Sortie enregistrée : la personne est suivie en milieu ouvert par "
                f"{form.cleaned_data['cpip'].get_full_name()}, premier rendez-vous fixé.",
            )
            return redirect("release:tab", pk)
    context = dossier_context(
        gated,
        "release",
        form=form,
        form_title="Enregistrer la sortie de détention",
        submit_label="Enregistrer la sortie",
        cancel_url=reverse("release:tab", args=[pk]),
        warnings=warnings,
        custody=custody,
        title=f"Sortie de détention — {person}",
    )
    status = 400 if form.errors or warnings else 200
    return render(request, "transitions/release_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def establishment_change(request, pk: int):
    """A transfer to another establishment: a custody event, the committal goes on."""
    membership = request.membership
    gated = person_get_for(
        membership, pk, action=Action.CREATE_RECORD, log_read="transfert (formulaire)"
    )
    form = EstablishmentChangeForm(
        request.POST or None,
        service_id=membership.service_id,
        initial={"on": timezone.localdate()},
    )
    return dossier_form_page(
        request,
        gated,
        form,
        tab="identity",
        title="Changement d'établissement (transfert)",
        submit="Enregistrer le transfert",
        write=lambda data: services.establishment_change(
            membership=membership,
            gated=gated,
            establishment_id=data["establishment"].pk,
            committal_number=data["committal_number"],
            on=data["on"],
        ),
        success="Transfert enregistré : la détention se poursuit dans le nouvel établissement.",
        redirect_to=lambda custody: reverse("people:detail", args=[pk]),
        cancel_url=reverse("people:detail", args=[pk]),
    )
