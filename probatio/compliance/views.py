"""The dossier's proofs and incidents tabs, and their forms. Every view goes through the
dossier gate (``person_get_for``): another service's person is a 404, a role without the right
a 403; every read is journaled."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.compliance import previews, rules, selectors, services, sources
from probatio.compliance.forms import DismissForm, IncidentForm, ProofForm, ProofReviewForm
from probatio.compliance.models import Incident, Proof
from probatio.core.downloads import private_file, private_image
from probatio.core.errors import keeps_draft
from probatio.core.forms import apply_errors
from probatio.notes import services as draft_services
from probatio.notes.models import NoteDraft
from probatio.notes.selectors import dismissal_place_id, drafts_in
from probatio.people.selectors import log_person_read, person_get_for
from probatio.people.views import dossier_context, dossier_page


def _proofs_url(pk: int) -> str:
    return reverse("compliance:proofs", args=[pk])


def _incidents_url(pk: int) -> str:
    return reverse("compliance:incidents", args=[pk])


@require_GET
def proofs(request, pk: int):
    gated = person_get_for(request.membership, pk, log_read="justificatifs")
    today = timezone.localdate()
    items = selectors.person_compliance(gated.person, today=today)
    # Each obligation's periods, newest first, paged each by its own parameter.
    pages = [
        dossier_page(
            request,
            item.rows,
            param=f"periodes_{item.obligation.pk}",
            anchor=f"obligation-{item.obligation.pk}",
        )
        for item in items
    ]
    return render(
        request,
        "compliance/proofs.html",
        dossier_context(
            gated,
            "proofs",
            items=list(zip(items, pages, strict=True)),
            today=today,
            labels=rules.STATUS_LABELS,
            can_register=gated.allows(Action.REGISTER_PROOF),
            can_review=gated.allows(Action.REVIEW_PROOF),
            review_form=ProofReviewForm(),
            refusal_drafts=drafts_in(gated, NoteDraft.Place.PROOF_REFUSAL),
            health_codes=rules.HEALTH_CODES,
        ),
    )


@require_http_methods(["GET", "POST"])
def proof_new(request, pk: int, obligation_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.REGISTER_PROOF, log_read="nouveau justificatif"
    )
    obligation = selectors.scheduled_obligation_get(gated.person, obligation_id)
    if obligation is None:
        raise Http404("Obligation introuvable.")
    today = timezone.localdate()
    slots = selectors.open_slots(gated.person, obligation, today=today)
    initial = {
        "period_start": request.GET.get("periode")
        or (slots[0].slot.key.isoformat() if slots else ""),
        "received_on": today,
    }
    form = ProofForm(
        request.POST or None,
        request.FILES or None,
        obligation=obligation,
        slots=slots,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.proof_register(
                membership=request.membership,
                gated=gated,
                obligation_id=obligation.pk,
                period_start=date.fromisoformat(data["period_start"]),
                document_type=data["document_type"],
                received_on=data["received_on"],
                upload=data.get("file"),
                comment=data.get("comment", ""),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Justificatif enregistré : il reste à l'examiner.")
            return redirect(_proofs_url(pk))
    return render(
        request,
        "compliance/proof_form.html",
        dossier_context(gated, "proofs", form=form, obligation=obligation, slots=slots),
        status=400 if form.errors else 200,
    )


def _proof_of(gated, proof_id: int) -> Proof:
    proof = selectors.proof_get(gated.person, proof_id)
    if proof is None:
        raise Http404("Justificatif introuvable.")
    return proof


def _examine_url(pk: int, proof_id: int) -> str:
    return reverse("compliance:proof_examine", args=[pk, proof_id])


def _after_review(gated, proof: Proof, *, from_examination: bool, done: bool) -> str:
    """Back to the tab; from the examination page, on to the next proof to examine (or the
    same one again when the review was refused, its message shown there)."""
    if not from_examination:
        return f"{_proofs_url(gated.person.pk)}#obligation-{proof.obligation_id}"
    if not done:
        return _examine_url(gated.person.pk, proof.pk)
    waiting = selectors.proofs_to_review(gated.person)
    if waiting:
        return _examine_url(gated.person.pk, waiting[0])
    return f"{_proofs_url(gated.person.pk)}#obligation-{proof.obligation_id}"


@keeps_draft("compliance:proofs")
@require_POST
def proof_review(request, pk: int, proof_id: int):
    gated = person_get_for(request.membership, pk, action=Action.REVIEW_PROOF)
    proof = _proof_of(gated, proof_id)
    form = ProofReviewForm(request.POST)
    done = False
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            with transaction.atomic():  # the review, and the end of its reason's draft
                services.proof_review(
                    membership=request.membership,
                    gated=gated,
                    proof=proof,
                    accept=accept,
                    reason=form.cleaned_data["reason"],
                )
                draft_services.draft_done(
                    gated=gated, place=NoteDraft.Place.PROOF_REFUSAL, place_id=proof.pk
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            done = True
            messages.success(request, "Justificatif accepté." if accept else "Justificatif refusé.")
    else:
        messages.error(request, "Choisissez d'accepter ou de refuser le justificatif.")
    from_examination = request.POST.get("retour") == "examen"
    return redirect(_after_review(gated, proof, from_examination=from_examination, done=done))


@require_GET
def proof_file(request, pk: int, proof_id: int):
    gated = person_get_for(request.membership, pk)
    proof = _proof_of(gated, proof_id)
    if not proof.file:
        raise Http404("Ce justificatif a été vu sur papier : il n'a pas de fichier.")
    log_person_read(
        request.membership,
        gated.person,
        f"justificatif n° {proof.pk}, fichier téléchargé",
        document=proof,
    )
    extension = proof.file.name.rsplit(".", 1)[-1]
    return private_file(
        proof.file,
        filename=f"justificatif-{proof.pk}-{proof.period_start:%Y%m%d}.{extension}",
        content_type=proof.content_type or "application/octet-stream",
    )


@require_GET
def proof_examine(request, pk: int, proof_id: int):
    """A proof's page: what it is, its preview drawn on the server (never the file itself in a
    frame), the download, and the review in place; then the next proof to examine."""
    gated = person_get_for(request.membership, pk)
    proof = selectors.proof_examined_get(gated.person, proof_id)
    if proof is None:
        raise Http404("Justificatif introuvable.")
    log_person_read(
        request.membership, gated.person, f"justificatif n° {proof.pk}, aperçu", document=proof
    )
    preview = previews.preview_of(proof)
    waiting = [p for p in selectors.proofs_to_review(gated.person) if p != proof.pk]
    return render(
        request,
        "compliance/proof_examine.html",
        dossier_context(
            gated,
            "proofs",
            proof=proof,
            preview=preview,
            can_review=gated.allows(Action.REVIEW_PROOF),
            review_form=ProofReviewForm(),
            next_proof=waiting[0] if waiting else None,
            waiting=len(waiting),
            title=f"Justificatif du {proof.received_on:%d/%m/%Y} — {gated.person}",
        ),
    )


@require_GET
def proof_preview(request, pk: int, proof_id: int, page: int):
    """One page of a proof's preview: a PNG drawn on the server, journaled like the download."""
    gated = person_get_for(request.membership, pk)
    proof = _proof_of(gated, proof_id)
    content = previews.page_image(proof, page)
    if content is None:
        raise Http404("Cette page n'a pas d'aperçu.")
    log_person_read(
        request.membership,
        gated.person,
        f"justificatif n° {proof.pk}, aperçu de la page {page}",
        document=proof,
    )
    return private_image(content)


# --- Incidents. ---


@require_GET
def incidents(request, pk: int):
    gated = person_get_for(request.membership, pk, log_read="manquements")
    today = timezone.localdate()
    compliance = selectors.person_compliance(gated.person, today=today, with_proofs=False)
    # Every incident is read (one query): the proposals leave out what one already covers;
    # the table shows a page of them, the most recent first.
    incidents = list(selectors.incidents_of(gated.person))
    can_record = gated.allows(Action.RECORD_INCIDENT)
    return render(
        request,
        "compliance/incidents.html",
        dossier_context(
            gated,
            "incidents",
            proposals=selectors.proposals(gated.person, compliance, incidents, today=today),
            page=dossier_page(request, incidents, anchor="manquements-enregistres"),
            can_record=can_record,
            can_report=gated.allows(Action.DRAFT_REPORT),
            dismiss_form=DismissForm(),
            dismissal_drafts=drafts_in(gated, NoteDraft.Place.INCIDENT_DISMISSAL),
        ),
    )


def _prefill(request, gated) -> dict:
    """The incident form's initial values from a proposal (GET parameters)."""
    initial = {"occurred_on": timezone.localdate(), "source": Incident.Source.SPIP}
    appointment_id = request.GET.get("rendez_vous")
    if appointment_id and appointment_id.isdigit():
        appointment = selectors.no_show_get(gated.person, appointment_id)
        if appointment is not None:
            local = timezone.localtime(appointment.starts_at)
            initial.update(
                kind=Incident.Kind.MISSED_APPOINTMENT,
                occurred_on=local.date(),
                description=f"Absence non excusée au rendez-vous du {local:%d/%m/%Y à %H:%M} "
                f"({appointment.get_kind_display().lower()}).",
                appointment=appointment.pk,
            )
    obligation_id, period = request.GET.get("obligation"), request.GET.get("periode")
    if obligation_id and obligation_id.isdigit() and period:
        try:
            period_start = date.fromisoformat(period)
        except ValueError:
            period_start = None
        obligation = selectors.obligation_of(gated.person, obligation_id)
        if obligation is not None and period_start is not None:
            initial.update(
                kind=Incident.Kind.MISSING_PROOF,
                obligation=obligation.pk,
                description=f"Justificatif non produit pour « {obligation.obligation_type.label} » "
                f"(période commençant le {period_start:%d/%m/%Y}).",
                missed_period_start=period_start,
            )
    for source in sources.registered():
        record_id = request.GET.get(source.param) or ""
        found = source.find(gated.person, int(record_id)) if record_id.isdigit() else None
        if found is not None:
            initial.update(
                kind=source.kind,
                occurred_on=found.occurred_on,
                description=found.description,
                **{source.field: found.pk},
            )
    return initial


@require_http_methods(["GET", "POST"])
def incident_new(request, pk: int):
    gated = person_get_for(
        request.membership, pk, action=Action.RECORD_INCIDENT, log_read="nouveau manquement"
    )
    # Every obligation of the person, ended ones too: a proof missed before an obligation
    # ended is still an incident on it.
    obligations = selectors.obligations_of(gated.person)
    initial = _prefill(request, gated)
    form = IncidentForm(request.POST or None, obligations=obligations, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["appointment"] = initial.get("appointment")
        data["missed_period_start"] = initial.get("missed_period_start")
        for source in sources.registered():
            data[source.field] = initial.get(source.field)
        if data["missed_period_start"]:
            data["obligation"] = initial["obligation"]  # the proposal's, whatever was chosen
        try:
            services.incident_record(membership=request.membership, gated=gated, data=data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Manquement enregistré.")
            return redirect(_incidents_url(pk))
    return render(
        request,
        "compliance/incident_form.html",
        dossier_context(
            gated,
            "incidents",
            form=form,
            from_proposal="appointment" in initial
            or "missed_period_start" in initial
            or any(source.field in initial for source in sources.registered()),
        ),
        status=400 if form.errors else 200,
    )


@keeps_draft("compliance:incidents")
@require_POST
def incident_dismiss(request, pk: int):
    gated = person_get_for(request.membership, pk, action=Action.RECORD_INCIDENT)
    form = DismissForm(request.POST)
    appointment_id = request.POST.get("rendez_vous") or None
    obligation_id = request.POST.get("obligation") or None
    try:
        period_start = date.fromisoformat(request.POST.get("periode") or "")
    except ValueError:
        period_start = None
    if not form.is_valid():
        messages.error(request, "Indiquez pourquoi ce manquement est écarté.")
        return redirect(_incidents_url(pk))
    appointment_id = int(appointment_id) if appointment_id and appointment_id.isdigit() else None
    obligation_id = int(obligation_id) if obligation_id and obligation_id.isdigit() else None
    # Another app's record (``compliance.sources``): the first registered parameter sent.
    source, source_id = next(
        (
            (param, int(request.POST[param]))
            for param in sources.by_param()
            if (request.POST.get(param) or "").isdigit()
        ),
        (None, None),
    )
    try:
        with transaction.atomic():  # the dismissal, and the end of its reason's draft
            services.incident_dismiss(
                membership=request.membership,
                gated=gated,
                reason=form.cleaned_data["reason"],
                appointment_id=appointment_id,
                obligation_id=obligation_id,
                period_start=period_start,
                source=source,
                source_id=source_id,
            )
            draft_services.draft_done(
                gated=gated,
                place=NoteDraft.Place.INCIDENT_DISMISSAL,
                place_id=dismissal_place_id(
                    appointment_id=appointment_id,
                    obligation_id=obligation_id,
                    period_start=period_start,
                    source=source,
                    source_id=source_id,
                ),
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Proposition écartée : elle ne sera plus présentée.")
    return redirect(_incidents_url(pk))
