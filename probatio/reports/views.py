"""Report pages: the list (the judge's landing page, the managers' visa queue), the dossier
tab, the report itself (edit with autosave, one view per workflow step), and its documents.
Every view passes the report gate (``selectors.report_get_for``) or the dossier gate; a step
names its action to the gate, so that a role refused it gets a 403 before any service runs.
No query and no write here: reads are selectors, writes services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.audit import services as audit
from probatio.compliance.selectors import incidents_of
from probatio.core.downloads import private_file
from probatio.core.errors import keeps_draft
from probatio.core.forms import apply_errors
from probatio.core.gates import page_membership
from probatio.core.paging import paginate
from probatio.measures.selectors import measures_of
from probatio.people.selectors import UNASSIGNED, person_get_for
from probatio.people.views import dossier_context
from probatio.reports import documents, rules, selectors, services
from probatio.reports.forms import ReportCreateForm, SendBackForm


def _detail_url(pk: int) -> str:
    return reverse("reports:detail", args=[pk])


LIST_FILTERS = {
    "a_traiter": "À traiter",
    "tous": "Tous",
}


@require_GET
def report_list(request):
    """The judge's landing page (reports transmitted to them), the managers' queue (to visa,
    to transmit), the CPIP's own drafts and returned reports."""
    membership = page_membership(
        request, Action.LIST_REPORTS, "Les rapports ne sont pas accessibles à votre rôle."
    )
    which = request.GET.get("voir", "a_traiter")
    raw_cpip = request.GET.get("cpip", "")
    cpip_id = (
        UNASSIGNED if raw_cpip == UNASSIGNED else int(raw_cpip) if raw_cpip.isdigit() else None
    )
    reports = selectors.report_queue(membership, to_handle=which == "a_traiter", cpip_id=cpip_id)
    counts = selectors.report_counts(reports)
    page = paginate(request, reports, per_page=25, count=counts["total"])
    audit.record_list(
        membership,
        object_type="reports.report",
        summary="Liste : rapports",
        context={"voir": which, "cpip": raw_cpip, "page_number": page.number},
    )
    return render(
        request,
        "reports/list.html",
        {"title": "Rapports", "nav": "reports", "page": page, "which": which,
         "filters": LIST_FILTERS, "queue": selectors.queue_of(membership.role),
         "counts": counts, "cpip_filter": raw_cpip if cpip_id else ""},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def person_reports(request, pk: int):
    """The dossier tab, with the form that starts a new report."""
    gated = person_get_for(request.membership, pk, action=Action.READ_REPORTS, log_read="rapports")
    person = gated.person
    can_draft = gated.allows(Action.DRAFT_REPORT)
    measures = list(measures_of(person))
    incidents = list(incidents_of(person))
    courts = selectors.courts_of(person)
    form = ReportCreateForm(
        request.POST or None,
        measures=measures,
        incidents=incidents,
        courts=courts,
        initial={"kind": request.GET.get("type"), "incident": request.GET.get("manquement"),
                 "measure": request.GET.get("mesure"), "matter": request.GET.get("objet"),
                 "court": courts[0].pk if len(courts) == 1 else None},
    )  # fmt: skip
    if request.method == "POST":
        if not can_draft:
            raise PermissionDenied(
                "Votre rôle ne permet pas de rédiger un rapport pour ce dossier."
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.report_create(
                    membership=request.membership,
                    gated=gated,
                    kind=data["kind"],
                    measure=next((m for m in measures if m.pk == data["measure"]), None),
                    incident=next((i for i in incidents if i.pk == data["incident"]), None),
                    due_date=data["due_date"],
                    matter=data["matter"],
                    urgency=data["urgency"],
                    court=next((c for c in courts if c.pk == data["court"]), None),
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Rapport commencé : les rubriques sont préremplies.")
                return redirect(_detail_url(report.pk))
    return render(
        request,
        "reports/person_reports.html",
        dossier_context(
            gated,
            "reports",
            reports=selectors.reports_of(person, request.membership),
            form=form,
            can_draft=can_draft,
        ),
        status=400 if form.errors else 200,
    )


@require_GET
def detail(request, pk: int):
    gated_report = selectors.report_get_for(request.membership, pk, log_read="rapport")
    return _render_detail(request, gated_report)


def _render_detail(request, gated_report, *, send_back_form=None, status=200):
    report = gated_report.report
    return render(
        request,
        "reports/detail.html",
        dossier_context(
            gated_report.gated,
            "reports",
            report=report,
            g=gated_report,
            steps=selectors.report_steps(report),
            answer=selectors.answer_of(report),
            send_back_form=send_back_form or SendBackForm(),
            missing=rules.missing_required(report.sections),
            title=f"{report.title} — Probatio",
        ),
        status=status,
    )  # fmt: skip


def _posted_texts(request, report) -> dict[str, str]:
    """The sections' texts as posted (``section-<key>``); a section not posted keeps its text."""
    return {
        s["key"]: request.POST.get(f"section-{s['key']}", s.get("text", ""))
        for s in report.sections
    }


@require_POST
def autosave(request, pk: int):
    """The draft's autosave (htmx, while typing): saves the sections, answers a status line."""
    gated_report = selectors.report_get_for(request.membership, pk)
    texts = _posted_texts(request, gated_report.report)
    services.report_save(
        membership=request.membership,
        gated_report=gated_report,
        texts=texts,
        title=request.POST.get("title"),
        autosave=True,
    )
    return JsonResponse({"saved_at": f"{timezone.localtime():%H:%M:%S}"})


# --- The workflow: one view per step, each naming its action to the report gate. A step the
# report's status does not allow comes back to the report with the service's French message.


def _step_refused(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _step(request, gated_report, service, success: str, **arguments):
    """Run one workflow step's service: its success message, or the refusal's French reason
    (nothing changed); back to the report."""
    try:
        service(membership=request.membership, gated_report=gated_report, **arguments)
    except ValidationError as error:
        _step_refused(request, error)
    else:
        messages.success(request, success)
    return redirect(_detail_url(gated_report.report.pk))


@keeps_draft("reports:detail")
@require_POST
def save(request, pk: int):
    """Save the draft (its author, or a manager)."""
    membership = request.membership
    gated_report = selectors.report_get_for(membership, pk, action=Action.DRAFT_REPORT)
    services.report_save(
        membership=membership,
        gated_report=gated_report,
        texts=_posted_texts(request, gated_report.report),
        title=request.POST.get("title"),
    )
    messages.success(request, "Brouillon enregistré.")
    return redirect(_detail_url(pk))


@keeps_draft("reports:detail")
@require_POST
@transaction.atomic
def submit(request, pk: int):
    """Save what was typed, then submit to the visa: a required section left empty refuses
    the submission, the text stays saved. One transaction: a server error in the submission
    also undoes the save (the error page says nothing was saved)."""
    membership = request.membership
    gated_report = selectors.report_get_for(membership, pk, action=Action.DRAFT_REPORT)
    services.report_save(
        membership=membership,
        gated_report=gated_report,
        texts=_posted_texts(request, gated_report.report),
        title=request.POST.get("title"),
    )
    return _step(
        request, gated_report, services.report_submit, "Rapport soumis au visa de l'encadrement."
    )


@require_POST
def approve(request, pk: int):
    gated_report = selectors.report_get_for(request.membership, pk, action=Action.VISA_REPORT)
    return _step(
        request,
        gated_report,
        services.report_approve,
        "Rapport visé : il peut être transmis au magistrat.",
    )


@require_POST
def send_back(request, pk: int):
    """Back to the author, with what must be reworked (a comment is required)."""
    membership = request.membership
    gated_report = selectors.report_get_for(membership, pk, action=Action.VISA_REPORT)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, gated_report, send_back_form=form, status=400)
    return _step(
        request,
        gated_report,
        services.report_send_back,
        "Rapport renvoyé à son auteur pour correction.",
        comment=form.cleaned_data["comment"],
    )


@require_POST
def transmit(request, pk: int):
    """To the judge (or the court): the report is frozen, its PDF stored."""
    gated_report = selectors.report_get_for(request.membership, pk, action=Action.VISA_REPORT)
    return _step(
        request,
        gated_report,
        services.report_transmit,
        "Rapport transmis au magistrat : il est figé.",
    )


@require_POST
def correct(request, pk: int):
    """A new version of a transmitted report, to correct it (its author, or a manager)."""
    membership = request.membership
    gated_report = selectors.report_get_for(membership, pk, action=Action.DRAFT_REPORT)
    new = services.report_correct(membership=membership, gated_report=gated_report)
    messages.success(request, f"Version {new.version} créée : corrigez-la puis soumettez-la.")
    return redirect(_detail_url(new.pk))


@require_POST
def unknown_step(request, pk: int, step: str):
    """A step the workflow does not have (a forged form): refused, after the report gate."""
    selectors.report_get_for(request.membership, pk)
    raise PermissionDenied("Cette action n'existe pas sur un rapport.")


ODT = "application/vnd.oasis.opendocument.text"


@require_GET
def odt(request, pk: int):
    """The report as an editable ODT (for offices that edit in LibreOffice), from its current
    content (a transmitted report's content is frozen, so it is the transmitted text)."""
    from probatio.reports.odt import render_odt

    gated_report = selectors.report_get_for(request.membership, pk, log_read="rapport (ODT)")
    report = gated_report.report
    if not gated_report.can_read_content:
        raise PermissionDenied("Le contenu du rapport n'est pas accessible à votre rôle.")
    response = HttpResponse(render_odt(documents.document_for(report)), content_type=ODT)
    response["Content-Disposition"] = (
        f'attachment; filename="rapport-{report.pk}-v{report.version}.odt"'
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def pdf(request, pk: int):
    """The transmitted PDF as stored (its SHA-256 is on the page), or, before transmission, a
    preview of the current content."""
    gated_report = selectors.report_get_for(request.membership, pk, log_read="rapport (PDF)")
    report = gated_report.report
    if not gated_report.can_read_content:
        raise PermissionDenied("Le contenu du rapport n'est pas accessible à votre rôle.")
    if report.pdf:
        return private_file(
            report.pdf,
            filename=f"rapport-{report.pk}-v{report.version}.pdf",
            content_type="application/pdf",
        )
    content = documents.render_pdf(documents.document_for(report))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="rapport-{report.pk}-apercu.pdf"'
    response["Cache-Control"] = "no-store"
    return response
