"""Report pages: the list (the judge's landing page, the managers' visa queue), the dossier
tab, the report itself (edit with autosave, workflow actions, answer), and its documents.
Every view passes the report gate (``selectors.report_get_for``) or the dossier gate."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.access.roles import Role
from probatio.audit import services as audit
from probatio.compliance.selectors import incidents_of
from probatio.core.downloads import private_file
from probatio.core.forms import apply_errors
from probatio.core.gates import page_membership
from probatio.core.paging import paginate
from probatio.measures.selectors import measures_of
from probatio.organisation.models import Court
from probatio.people.selectors import person_get_for
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
    role = membership.role
    which = request.GET.get("voir", "a_traiter")
    reports = selectors.visible_reports(membership).select_related(
        "person", "measure__measure_type", "author", "judge", "court"
    )
    if which == "a_traiter":
        if role == Role.JUDGE or role == Role.SECRETARIAT:
            reports = reports.filter(status=rules.TRANSMITTED)
        elif role == Role.MANAGER:
            reports = reports.filter(status__in=(rules.SUBMITTED, rules.APPROVED))
        else:
            reports = reports.filter(author_id=membership.user_id, status__in=rules.EDITABLE)
    if role in (Role.JUDGE, Role.SECRETARIAT):
        # Those who answer: the most urgent first, then the longest waiting.
        reports = reports.annotate(urgency_order=selectors.URGENCY_ORDER).order_by(
            "urgency_order", "transmitted_at", "pk"
        )
    else:
        reports = reports.order_by("due_date", "-updated_at", "-pk")
    counts = selectors.report_counts(reports)
    page = paginate(request, reports, per_page=25, count=counts["total"])
    audit.record_list(
        membership,
        object_type="reports.report",
        summary="Liste : rapports",
        context={"voir": which, "page_number": page.number},
    )
    return render(
        request,
        "reports/list.html",
        {"title": "Rapports", "nav": "reports", "page": page, "which": which,
         "filters": LIST_FILTERS, "role": role, "counts": counts},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def person_reports(request, pk: int):
    """The dossier tab, with the form that starts a new report."""
    gated = person_get_for(request.membership, pk, action=Action.READ_REPORTS, log_read="rapports")
    person = gated.person
    can_draft = gated.allows(Action.DRAFT_REPORT)
    measures = list(measures_of(person))
    incidents = list(incidents_of(person))
    courts = list(Court.objects.filter(service_id=person.service_id))
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
            steps=list(report.steps.select_related("by")),
            answer=getattr(report, "answer", None) if report.is_frozen else None,
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


@require_POST
def act(request, pk: int, step: str):
    """The workflow's buttons: save, submit, approve, send back, transmit, correct."""
    membership = request.membership
    gated_report = selectors.report_get_for(membership, pk)
    report = gated_report.report
    try:
        if step in ("save", "submit"):
            texts = _posted_texts(request, report)
            services.report_save(membership=membership, gated_report=gated_report, texts=texts,
                                 title=request.POST.get("title"))  # fmt: skip
            if step == "submit":
                services.report_submit(membership=membership, gated_report=gated_report)
                messages.success(request, "Rapport soumis au visa de l'encadrement.")
            else:
                messages.success(request, "Brouillon enregistré.")
        elif step == "approve":
            services.report_approve(membership=membership, gated_report=gated_report)
            messages.success(request, "Rapport visé : il peut être transmis au magistrat.")
        elif step == "send_back":
            if not gated_report.gated.allows(Action.VISA_REPORT):
                raise PermissionDenied("Le renvoi revient à l'encadrement du service.")
            form = SendBackForm(request.POST)
            if not form.is_valid():
                return _render_detail(request, gated_report, send_back_form=form, status=400)
            services.report_send_back(
                membership=membership,
                gated_report=gated_report,
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, "Rapport renvoyé à son auteur pour correction.")
        elif step == "transmit":
            services.report_transmit(membership=membership, gated_report=gated_report)
            messages.success(request, "Rapport transmis au magistrat : il est figé.")
        elif step == "correct":
            new = services.report_correct(membership=membership, gated_report=gated_report)
            messages.success(
                request, f"Version {new.version} créée : corrigez-la puis soumettez-la."
            )
            return redirect(_detail_url(new.pk))
        else:
            raise PermissionDenied("Action inconnue.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_detail_url(pk))


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
