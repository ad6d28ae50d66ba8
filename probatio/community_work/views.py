"""Community work pages: the dossier's "TIG" tab and its forms (through the dossier gate:
another service's person is a 404, a role without the right a 403, every read journaled);
the service's TIG overview; host organisations, their supervisors and placements (through the
directory's gate); the hour sheets' import and the hosts' figures."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action, Scope, allows, scope_for
from probatio.audit import services as audit
from probatio.community_work import documents, exports, imports, rules, selectors, services
from probatio.community_work.forms import (
    AssignForm,
    EndForm,
    HostForm,
    ImportForm,
    OrderForm,
    PlacementForm,
    SessionForm,
    SupervisorForm,
)
from probatio.core import csvfiles
from probatio.core import exports as files
from probatio.core.forms import apply_errors
from probatio.core.gates import page_membership
from probatio.core.paging import paginate
from probatio.core.text import count
from probatio.people.selectors import log_person_read, person_get_for, person_list_for
from probatio.people.views import dossier_context, dossier_form_page, dossier_page
from probatio.reintegration import partners

NAV = "tig"


def _tab_url(pk: int, order_id: int | None = None) -> str:
    return reverse("community_work:tab", args=[pk]) + (f"#tig-{order_id}" if order_id else "")


# --- The dossier's tab -------------------------------------------------------------------------


@require_GET
def tab(request, pk: int):
    gated = person_get_for(request.membership, pk, log_read="tig")
    today = timezone.localdate()
    orders = selectors.orders_of_person(gated.person)
    progress = selectors.progress_of(orders, today=today, with_details=True)
    # Each order's sessions, the most recent first, paged each by its own parameter.
    sessions = [
        dossier_page(request, p.sessions, param=f"seances_{p.order.pk}", anchor=f"tig-{p.order.pk}")
        for p in progress
    ]
    measures, obligations = selectors.tig_sources_without_order(gated.person)
    context = dossier_context(
        gated,
        "tig",
        progress=list(zip(progress, sessions, strict=True)),
        new_measures=measures,
        new_obligations=obligations,
        can_manage=gated.allows(Action.MANAGE_COMMUNITY_WORK),
        can_record=gated.allows(Action.RECORD_WORK_HOURS),
        can_report=gated.allows(Action.DRAFT_REPORT),
        can_see_hosts=partners.may_read_partners(request.membership),
        today=today,
    )
    return render(request, "community_work/tab.html", context)


def _form_page(request, gated, form, *, title, submit, write, success, anchor=None, extra=None):
    return dossier_form_page(
        request,
        gated,
        form,
        tab="tig",
        title=title,
        submit=submit,
        write=write,
        success=success,
        redirect_to=lambda written: _tab_url(gated.person.pk, anchor(written) if anchor else None),
        cancel_url=_tab_url(gated.person.pk),
        **(extra or {}),
    )


@require_http_methods(["GET", "POST"])
def order_new(request, pk: int):
    gated = person_get_for(
        request.membership, pk, action=Action.MANAGE_COMMUNITY_WORK, log_read="tig"
    )
    source = {"measure": request.GET.get("mesure"), "obligation": request.GET.get("obligation")}
    try:
        measure, obligation = services.source_of(
            gated.person, source["measure"], source["obligation"]
        )
    except ValidationError as error:
        raise Http404(" ".join(error.messages)) from error
    initial = services.default_order_data(measure, obligation)
    form = OrderForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        gated,
        form,
        title="Mettre en place le suivi du TIG",
        submit="Ouvrir le suivi",
        write=lambda d: services.order_open(
            gated=gated,
            data={
                **d,
                "measure": measure.pk if measure else None,
                "obligation": obligation.pk if obligation else None,
            },
        ),  # fmt: skip
        success="Suivi du TIG ouvert.",
        anchor=lambda order: order.pk,
    )


@require_http_methods(["GET", "POST"])
def order_edit(request, pk: int, order_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.MANAGE_COMMUNITY_WORK, log_read="tig"
    )
    order = selectors.order_get(gated.person, order_id)
    initial = {name: getattr(order, name) for name in services.ORDER_FIELDS}
    form = OrderForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        gated,
        form,
        title=f"Modifier le {order}",
        submit="Enregistrer",
        write=lambda d: services.order_update(gated=gated, order=order, data=d),
        success="TIG modifié.",
        anchor=lambda o: o.pk,
    )


@require_GET
def suggestions(request, pk: int, order_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.MANAGE_COMMUNITY_WORK, log_read="tig : postes"
    )
    order = selectors.order_get(gated.person, order_id)
    today = timezone.localdate()
    suitable, others = selectors.suggestions_for(order, request.membership.service_id, today=today)
    context = dossier_context(
        gated,
        "tig",
        order=order,
        wishes=selectors.wishes_of(order),
        weekdays=rules.WEEKDAYS,
        suitable=suitable,
        others=others,
        today=today,
    )
    return render(request, "community_work/suggestions.html", context)


@require_http_methods(["GET", "POST"])
def assign(request, pk: int, order_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.MANAGE_COMMUNITY_WORK, log_read="tig"
    )
    order = selectors.order_get(gated.person, order_id)
    form = AssignForm(
        request.POST or None,
        service_id=request.membership.service_id,
        initial={"placement": request.GET.get("poste"), "start_date": timezone.localdate()},
    )
    return _form_page(
        request,
        gated,
        form,
        title=f"Affecter sur un poste — {order}",
        submit="Affecter",
        write=lambda d: services.assign(gated=gated, order=order, data=d),
        success="Affectation enregistrée.",
        anchor=lambda a: a.order_id,
    )


@require_http_methods(["GET", "POST"])
def assignment_end(request, pk: int, assignment_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.MANAGE_COMMUNITY_WORK, log_read="tig"
    )
    assignment = selectors.assignment_get(gated.person, assignment_id)
    form = EndForm(request.POST or None, initial={"end_date": timezone.localdate()})
    return _form_page(
        request,
        gated,
        form,
        title=f"Terminer l'affectation : {assignment.placement.activity}",
        submit="Terminer l'affectation",
        write=lambda d: services.assignment_end(
            gated=gated,
            assignment=assignment,
            end_date=d["end_date"],
            reason=d["reason"],
            cancel=d["cancel"],
        ),
        success="Affectation terminée.",
        anchor=lambda a: a.order_id,
    )


@require_http_methods(["GET", "POST"])
def session_new(request, pk: int, order_id: int):
    gated = person_get_for(request.membership, pk, action=Action.RECORD_WORK_HOURS, log_read="tig")
    order = selectors.order_get(gated.person, order_id)
    assignment = selectors.current_assignment(order)
    if assignment is None:
        messages.error(request, "Ce TIG n'a pas encore de poste : affectez d'abord la personne.")
        return redirect(_tab_url(pk, order.pk))
    form = SessionForm(
        request.POST or None,
        host=assignment.placement.host,
        initial={
            "kind": rules.WORK,
            "on": timezone.localdate(),
            # Who signed is chosen, never presumed: not the placement's usual supervisor.
        },
    )
    return _form_page(
        request,
        gated,
        form,
        title=f"Séance de TIG — {assignment.placement.activity} ({assignment.placement.host})",
        submit="Enregistrer la séance",
        write=lambda d: services.session_record(gated=gated, assignment=assignment, data=d),
        success="Séance enregistrée.",
        anchor=lambda s: order.pk,
    )


@require_GET
def attestation(request, pk: int, order_id: int):
    # Issued and signed by the SPIP: those who record the hours (the referent CPIP, managers,
    # the secretariat), never a judge.
    gated = person_get_for(request.membership, pk, action=Action.RECORD_WORK_HOURS)
    order = selectors.order_get(gated.person, order_id)
    log_person_read(request.membership, gated.person, "tig : attestation", document=order)
    today = timezone.localdate()
    progress = selectors.progress_of([order], today=today, with_details=True)[0]
    content = documents.render_attestation(documents.attestation_for(progress, today=today))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="attestation-tig-{order.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def end_report(request, pk: int, order_id: int):
    gated = person_get_for(request.membership, pk, action=Action.DRAFT_REPORT)
    order = selectors.order_get(gated.person, order_id)
    today = timezone.localdate()
    progress = selectors.progress_of([order], today=today, with_details=True)[0]
    try:
        report = documents.end_report_create(
            membership=request.membership, gated=gated, progress=progress, today=today
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect(_tab_url(pk, order.pk))
    messages.success(request, "Rapport de fin de mesure commencé, prérempli avec les heures.")
    return redirect("reports:detail", report.pk)


# --- The service's TIG -------------------------------------------------------------------------


PER_PAGE = 50  # orders per page of the list


def _staff_membership(request):
    return page_membership(
        request, Action.LIST_COMMUNITY_WORK, "Le suivi des TIG est réservé aux équipes du SPIP."
    )


@require_GET
def index(request):
    membership = _staff_membership(request)
    file_format = files.requested_format(request)
    if file_format:
        files.require_export(membership)
    today = timezone.localdate()
    service_wide = scope_for(membership.role, Action.LIST_COMMUNITY_WORK) is Scope.SERVICE
    persons = person_list_for(membership, caseload_only=not service_wide)
    # Every open order's pace (the counts and the order need them all), read light; the rows
    # drawn (a page, or the whole export) completed after.
    orders = selectors.open_orders_of(persons, light=True)
    progress = selectors.progress_of(list(orders), today=today, light=True)
    wanted = request.GET.get("etat", "")
    refused = bool(wanted) and wanted not in rules.PACE_LABELS
    if wanted in rules.PACE_LABELS:
        shown = [p for p in progress if p.pace.status == wanted]
    else:
        wanted = ""
        shown = progress
    shown.sort(key=lambda p: (not p.pace.at_risk, p.deadline.day, p.order.pk))
    if file_format and not refused:
        # The list as shown (every TIG of the state asked), journaled with its filter.
        table = exports.follow_up_table(
            selectors.with_rows_to_draw(shown),
            service_wide=service_wide,
            filters=[("État", rules.PACE_LABELS[wanted])] if wanted else [],
        )
        audit.record_export(
            membership,
            object_type="community_work.tigorder",
            summary="Export : travaux d'intérêt général",
            context={"filters": {"etat": wanted} if wanted else {}, "service": service_wide},
            file_format=file_format,
            rows=len(table.rows),
        )
        return files.table_response(table, file_format=file_format, stem="tig")
    if file_format:  # a state the page does not know: the page, no file
        messages.error(request, files.INVALID_FILTERS)
    counts = {code: sum(1 for p in progress if p.pace.status == code) for code in rules.PACE_LABELS}
    # Shown by pages: the order (at risk first) and the counts need every order's pace, a rule
    # of its hours, deadline and placement; the rows of a page are the ones drawn.
    page = paginate(request, shown, per_page=PER_PAGE)
    selectors.with_rows_to_draw(page.object_list)
    audit.record_list(
        membership,
        object_type="community_work.tigorder",
        summary="Liste : travaux d'intérêt général",
        context={
            "filters": {"etat": wanted} if wanted else {},
            "service": service_wide,
            "page_number": page.number,
        },
    )
    return render(
        request,
        "community_work/index.html",
        {
            "title": "Travaux d'intérêt général",
            "nav": NAV,
            "rows": page.object_list,
            "page": page,
            "query_string": f"etat={wanted}" if wanted else "",
            "total": len(progress),
            "counts": counts,
            "labels": rules.PACE_LABELS,
            "wanted": wanted,
            "service_wide": service_wide,
            "can_import": scope_for(membership.role, Action.RECORD_WORK_HOURS) == Scope.SERVICE,
            "can_figures": allows(membership.role, Action.READ_SERVICE_FIGURES),
            "today": today,
            "can_export": files.may_export(membership),
            "export_label": "travaux d'intérêt général, état choisi",
        },
        status=400 if file_format else 200,
    )


# --- Hosts, supervisors, placements -------------------------------------------------------------


@require_GET
def hosts(request):
    membership = partners.directory_membership(request.membership)
    file_format = files.requested_format(request)
    if file_format:
        files.require_export(membership)
    rows = selectors.host_directory(membership.service_id, today=timezone.localdate())
    if file_format:
        table = exports.hosts_table(rows)
        audit.record_export(
            membership,
            object_type="community_work.hostorganisation",
            summary="Export : structures d'accueil TIG",
            context={"page": "tig_hosts", "filters": {}},
            file_format=file_format,
            rows=len(table.rows),
        )
        return files.table_response(table, file_format=file_format, stem="structures tig")
    return render(
        request,
        "community_work/hosts.html",
        {
            "title": "Structures d'accueil TIG",
            "nav": NAV,
            "rows": rows,
            "can_manage": partners.may_manage_partners(membership),
            "can_export": files.may_export(membership),
            "export_label": "structures d'accueil TIG",
        },
    )


@require_GET
def host_detail(request, partner_id: int):
    host = selectors.host_get_for(request.membership, partner_id)
    partner = host.partner if host else partners.partner_get_for(request.membership, partner_id)
    today = timezone.localdate()
    placements = selectors.placements_of_host(host) if host else []
    taken = selectors.occupancy(placements, today=today)
    return render(
        request,
        "community_work/host_detail.html",
        {
            "title": f"{partner.name} — structure d'accueil TIG",
            "nav": NAV,
            "partner": partner,
            "host": host,
            "approved": host.approved_on(today) if host else False,
            "supervisors": selectors.supervisors_of_host(host) if host else [],
            "placements": [(p, taken[p.pk]) for p in placements],
            "can_manage": partners.may_manage_partners(request.membership),
            "today": today,
        },
    )


def _directory_form(request, partner_id, form, *, title, submit, write, success):
    """A form of a host's page, for whoever may manage the directory (403 otherwise)."""
    if request.method == "POST" and form.is_valid():
        try:
            write(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("community_work:host", partner_id)
    return render(
        request,
        "community_work/form.html",
        {
            "title": title,
            "nav": NAV,
            "form": form,
            "form_title": title,
            "submit_label": submit,
            "cancel_url": reverse("community_work:host", args=[partner_id]),
        },
        status=400 if form.errors else 200,
    )


def _managed_host(request, partner_id: int):
    partner = partners.partner_get_for(request.membership, partner_id, manage=True)
    if partner.kind != "tig_host":
        raise Http404("Ce partenaire n'est pas une structure d'accueil TIG.")
    return partner, selectors.host_get_for(request.membership, partner_id)


@require_http_methods(["GET", "POST"])
def host_edit(request, partner_id: int):
    partner, host = _managed_host(request, partner_id)
    initial = {name: getattr(host, name) for name in services.HOST_FIELDS} if host else {}
    return _directory_form(
        request,
        partner_id,
        HostForm(request.POST or None, initial=initial),
        title=f"Habilitation TIG — {partner.name}",
        submit="Enregistrer",
        write=lambda d: services.host_save(membership=request.membership, partner=partner, data=d),
        success="Habilitation enregistrée.",
    )


def _host_required(host):
    if host is None:
        raise Http404("Enregistrez d'abord l'habilitation de la structure.")
    return host


@require_http_methods(["GET", "POST"])
def supervisor_edit(request, partner_id: int, supervisor_id: int | None = None):
    partner, host = _managed_host(request, partner_id)
    host = _host_required(host)
    supervisor = selectors.host_supervisor_get(host, supervisor_id) if supervisor_id else None
    initial = (
        {name: getattr(supervisor, name) for name in services.SUPERVISOR_FIELDS}
        if supervisor
        else {"is_active": True}
    )
    return _directory_form(
        request,
        partner_id,
        SupervisorForm(request.POST or None, initial=initial),
        title=f"Tuteur — {partner.name}",
        submit="Enregistrer",
        write=lambda d: services.supervisor_save(
            membership=request.membership, host=host, data=d, supervisor=supervisor
        ),
        success="Tuteur enregistré.",
    )


@require_http_methods(["GET", "POST"])
def placement_edit(request, partner_id: int, placement_id: int | None = None):
    partner, host = _managed_host(request, partner_id)
    host = _host_required(host)
    placement = selectors.host_placement_get(host, placement_id) if placement_id else None
    if placement:
        initial = {name: getattr(placement, name) for name in services.PLACEMENT_FIELDS}
        initial["schedule"] = rules.schedule_input_text(placement.slots)
        initial["supervisor"] = placement.supervisor_id
    else:
        initial = {"public_transport": True, "is_active": True, "capacity": 1}
    return _directory_form(
        request,
        partner_id,
        PlacementForm(request.POST or None, host=host, initial=initial),
        title=f"Poste TIG — {partner.name}",
        submit="Enregistrer le poste",
        write=lambda d: services.placement_save(
            membership=request.membership, host=host, data=d, placement=placement
        ),
        success="Poste enregistré.",
    )


# --- Import and figures -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def import_page(request):
    membership = _staff_membership(request)
    if scope_for(membership.role, Action.RECORD_WORK_HOURS) != Scope.SERVICE:
        raise PermissionDenied(
            "L'import des feuilles d'heures revient à l'encadrement et au secrétariat."
        )
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(csvfiles.MAX_BYTES + 1)
        result = imports.import_sessions(
            membership=membership, file_name=upload.name, content=content
        )
        if result.refused:
            status = 400
        else:
            messages.success(
                request,
                f"Feuille d'heures importée : "
                f"{count(result.created, 'séance enregistrée', 'séances enregistrées')}, "
                f"{count(result.unchanged, 'déjà connue', 'déjà connues')}.",
            )
            return redirect("community_work:import")
    elif form.errors:
        status = 400
    return render(
        request,
        "community_work/import.html",
        {
            "title": "Importer une feuille d'heures",
            "nav": NAV,
            "form": form,
            "result": result,
            "header": csvfiles.SEPARATOR.join(imports.HEADER),
        },
        status=status,
    )


@require_GET
def figures(request):
    membership = _staff_membership(request)
    if not allows(membership.role, Action.READ_SERVICE_FIGURES):
        raise PermissionDenied("Les chiffres du service sont réservés à l'encadrement.")
    today = timezone.localdate()
    rows = selectors.host_figures(membership.service_id, today=today)
    audit.record_list(
        membership,
        object_type="community_work.hostorganisation",
        summary="Chiffres : structures d'accueil TIG",
        context={"months": 12},
    )
    return render(
        request,
        "community_work/figures.html",
        {
            "title": "Structures d'accueil TIG : chiffres",
            "nav": NAV,
            "rows": rows,
            "months": selectors.months_back(today, 12),
        },
    )
