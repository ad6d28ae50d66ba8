"""The manager's allocation pages: the queue « À attribuer », the allocation form with the
workload of each CPIP, the week's view, moving files between CPIPs, capacities and the
service's workload scale (docs/allocation.md)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.audit import services as audit
from probatio.caseloads import exports, rules, selectors, services
from probatio.caseloads.forms import (
    AllocateForm,
    MoveForm,
    QueueFilterForm,
    ReductionForm,
    WeightForm,
    WorkingTimeForm,
)
from probatio.caseloads.teams import team_loads, team_of
from probatio.core import exports as files
from probatio.core.forms import apply_errors
from probatio.core.gates import page_membership
from probatio.core.paging import paginate
from probatio.measures import selectors as measure_selectors
from probatio.people import selectors as people_selectors
from probatio.people import services as people_services
from probatio.people.selectors import UNASSIGNED, person_get_for
from probatio.people.views import dossier_context

ALLOCATION_REFUSAL = "L'attribution des dossiers est réservée à l'encadrement."
SETTINGS_REFUSAL = "Les capacités et le barème de charge sont réservés à l'encadrement."


def _manager(request, action=Action.ALLOCATE_CASELOADS):
    return page_membership(
        request,
        action,
        ALLOCATION_REFUSAL if action is Action.ALLOCATE_CASELOADS else SETTINGS_REFUSAL,
    )


@require_GET
def queue(request):
    membership = _manager(request)
    file_format = files.requested_format(request)
    if file_format:
        files.require_export(membership)
    today = timezone.localdate()
    form = QueueFilterForm(request.GET or None, measure_types=measure_selectors.measure_types())
    filters = form.filters()
    rows = selectors.queue(membership, today=today, **filters)
    if file_format and form.is_valid():
        # The whole queue as filtered (every page of it), journaled with its filters.
        table = exports.queue_table(rows, filters=files.described_filters(form))
        audit.record_export(
            membership,
            object_type="people.person",
            summary="Export : à attribuer",
            context={"page": "queue", "filters": {k: v for k, v in filters.items() if v}},
            file_format=file_format,
            rows=len(table.rows),
        )
        return files.table_response(table, file_format=file_format, stem="a attribuer")
    if file_format:  # a filter the page refuses: the page and its errors, no file
        messages.error(request, files.INVALID_FILTERS)
    page = paginate(request, rows, per_page=25)
    audit.record_list(
        membership,
        object_type="people.person",
        summary="Liste : à attribuer",
        context={"page": "queue", "filters": {k: v for k, v in filters.items() if v},
                 "page_number": page.number},
    )  # fmt: skip
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        "title": "À attribuer",
        "nav": "service",
        "section": "queue",
        "form": form,
        "page": page,
        "rows": page.object_list,
        "total": len(rows),
        "today": today,
        "query_string": query.urlencode(),
        "incoming": selectors.incoming_transfers(membership.service_id),
        "can_export": files.may_export(membership),
        "export_label": "dossiers à attribuer, filtres appliqués",
    }
    fragment = request.htmx and not request.htmx.history_restore_request
    context["fragment"] = fragment
    template = "caseloads/_queue_results.html" if fragment else "caseloads/queue.html"
    response = render(request, template, context, status=400 if file_format else 200)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


@require_http_methods(["GET", "POST"])
def allocate(request, pk: int):
    """Give a file to a CPIP, seeing each CPIP's workload, with a suggestion."""
    gated = person_get_for(
        request.membership,
        pk,
        action=Action.ASSIGN_CPIP,
        log_read="formulaire d'attribution du suivi",
    )
    membership, person = gated.membership, gated.person
    today = timezone.localdate()
    loads, support = selectors.allocation_staff(
        membership.service_id, people_services.SUPPORT_ROLES, today=today
    )
    # The dossier's header reads the custody records: the open one says where the person is.
    around = dossier_context(gated, "identity")
    custody = around["open_custody"]
    establishment_id = custody.establishment_id if custody else None
    suggestion = rules.suggest(
        [load.candidate() for load in loads],
        in_custody=establishment_id is not None,
        establishment_id=establishment_id,
        today=today,
    )
    cpips = [load.user for load in loads]
    # A file's CPIP who left the service stays shown until someone else takes the file.
    if person.assigned_cpip is not None and person.assigned_cpip not in cpips:
        cpips.append(person.assigned_cpip)
    by_id = {str(u.pk): u for u in cpips + support}
    initial_cpip = person.assigned_cpip_id or (suggestion.user_id if suggestion else "")
    form = AllocateForm(
        request.POST or None,
        initial={
            "cpip": str(initial_cpip or ""),
            "support_staff": [str(pk) for pk in people_selectors.support_staff_ids(person)],
        },
        cpips=cpips,
        support=support,
    )
    back = "queue" if request.GET.get("depuis") == "queue" else "file"
    if request.method == "POST" and form.is_valid():
        try:
            people_services.follow_up_assign(
                gated=gated,
                cpip=by_id.get(form.cleaned_data["cpip"]),
                support=[by_id[pk] for pk in form.cleaned_data["support_staff"] if pk in by_id],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Suivi de {person} attribué.")
            if back == "queue":
                return redirect("caseloads:queue")
            return redirect("people:detail", pk)
    return render(
        request,
        "caseloads/allocate.html",
        {
            **around,
            "title": f"{person} — Attribuer le suivi",
            "nav": "service",
            "form": form,
            "loads": loads,
            "suggestion": suggestion,
            "in_custody": custody is not None,
            "back": back,
        },
        status=400 if form.errors else 200,
    )


@require_GET
def week(request):
    """The Monday view: per CPIP, the counts a manager acts on, each a link to its list."""
    membership = _manager(request)
    today = timezone.localdate()
    teams = team_loads(request, membership, today=today)
    rows = selectors.monday(membership.service_id, teams.loads, today=today)
    audit.record_list(
        membership,
        object_type="people.person",
        summary="Tableau de la semaine",
        context={"page": "week", "antenne": teams.team},
    )
    return render(
        request,
        "caseloads/week.html",
        {
            "title": "La semaine du service",
            "nav": "service",
            "section": "week",
            "rows": rows,
            "unassigned": teams.unassigned,
            "teams": teams,
            "today": today,
            "monday": selectors.week_start(today),
        },
    )


@require_GET
def week_overdue(request):
    """The échéancier's counts per CPIP (overdue items, first interviews to book), read
    through every provider of the échéancier: loaded after the week's page (htmx), or shown
    as a page of its own without JavaScript."""
    membership = _manager(request)
    today = timezone.localdate()
    teams = team_of(request, membership, today=today)
    overdue, unbooked = selectors.overdue_by_cpip(
        membership,
        today=today,
        cpip_ids=teams.cpip_ids,
    )
    rows = [(m.user, overdue.get(m.user_id, 0), unbooked.get(m.user_id, 0)) for m in teams.members]
    audit.record_list(
        membership,
        object_type="people.person",
        summary="Tableau de la semaine : retards",
        context={"page": "week_overdue", "antenne": teams.team},
    )
    fragment = request.htmx and not request.htmx.history_restore_request
    response = render(
        request,
        "caseloads/_week_overdue.html" if fragment else "caseloads/week_overdue.html",
        {
            "title": "Retards de l'échéancier par CPIP",
            "nav": "service",
            "section": "week",
            "rows": rows,
            "teams": teams,
            "nobody": (overdue.get(None, 0), unbooked.get(None, 0)),
        },
    )
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


def _move_persons(membership, request):
    """The files offered on the moving page: one CPIP's (``?de=<id>``), the queue's
    (``?de=none``), or those ticked in the queue (``?p=1&p=2``)."""
    source = request.GET.get("de", "")
    chosen = [int(x) for x in request.GET.getlist("p") if x.isdigit()]
    if source == UNASSIGNED:
        return source, list(selectors.files_of(membership, UNASSIGNED))
    if source.isdigit():
        return source, list(selectors.files_of(membership, int(source)))
    if chosen:
        return "", list(selectors.files_among(membership, chosen))
    return "", []


@require_http_methods(["GET", "POST"])
def move(request):
    """Move files between CPIPs: choose (GET), preview who gets what and the conflicts in
    the new agendas (POST « preview »), confirm (POST « confirm »: one transaction)."""
    membership = _manager(request)
    today, now = timezone.localdate(), timezone.now()
    source, persons = _move_persons(membership, request)
    loads = selectors.cpip_loads(membership.service_id, today=today)
    cpips = [load.user for load in loads]
    step = request.POST.get("etape", "")
    checked = {p.pk for p in persons}
    if request.method == "POST":
        # The files ticked, among those offered (the page's query still names them) and any
        # other of the service the form carried (a file ticked in the queue).
        checked = {int(x) for x in request.POST.getlist("persons") if x.isdigit()}
        offered = {p.pk for p in persons}
        persons += list(selectors.files_among(membership, sorted(checked - offered)))
    form = MoveForm(
        request.POST or None,
        initial={"persons": [p.pk for p in persons], "appointments": "move"},
        persons=persons,
        cpips=cpips,
    )
    context = {
        "title": "Déplacer des dossiers",
        "nav": "service",
        "section": "move",
        "form": form,
        "loads": loads,
        "source": source,
        "sources": cpips,
        "persons": persons,
        "UNASSIGNED": UNASSIGNED,
        "checked_persons": checked,
        "checked_targets": {int(x) for x in request.POST.getlist("targets") if x.isdigit()},
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan, targets = selectors.move_plan(
            membership,
            person_ids=data["persons"],
            target_ids=data["targets"],
            today=today,
            now=now,
        )
        assignments = {row.person.pk: row.target.pk for row in plan}
        if step == "confirm":
            # The plan confirmed is the one previewed (hidden fields), not a new spread.
            assignments = {
                int(key[5:]): int(value)
                for key, value in request.POST.items()
                if key.startswith("plan-") and key[5:].isdigit() and value.isdigit()
            } or assignments
            try:
                result = services.caseload_move(
                    membership=membership,
                    assignments=assignments,
                    appointments=data["appointments"],
                    reason=data["reason"],
                    comment=data["comment"],
                    confirmed=request.POST.get("confirmed") == "on",
                    now=now,
                )
            except services.NeedsConfirmation as warning:
                context["conflicts"] = warning.warnings
                context["needs_confirmation"] = True
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, selectors.move_summary(result))
                return redirect("caseloads:service")
        else:
            context["conflicts"] = (
                selectors.move_conflicts(
                    membership.service_id,
                    {row.person.pk: row.appointments for row in plan},
                    assignments,
                    persons=[row.person for row in plan],
                )
                if data["appointments"] == services.APPOINTMENTS_MOVE
                else []
            )
        if not form.errors:
            context.update(plan=plan, targets=targets, preview=True)
            return render(request, "caseloads/move_preview.html", context)
    return render(request, "caseloads/move.html", context, status=400 if form.errors else 200)


@require_GET
def capacities(request):
    membership = _manager(request, Action.MANAGE_SERVICE)
    today = timezone.localdate()
    teams = team_loads(request, membership, today=today, with_reductions=True)
    return render(
        request,
        "caseloads/capacities.html",
        {
            "title": "Capacités des CPIP",
            "nav": "service",
            "section": "capacities",
            "loads": teams.loads,
            "teams": teams,
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
def capacity_edit(request, membership_id: int):
    membership = _manager(request, Action.MANAGE_SERVICE)
    target = selectors.cpip_membership_get(membership.service_id, membership_id)
    if target is None:
        raise Http404("CPIP introuvable dans ce service.")
    which = request.POST.get("formulaire", "")
    time_form = WorkingTimeForm(
        request.POST if which == "quotite" else None,
        initial={"working_time": target.working_time},
        prefix="quotite",
    )
    reduction_form = ReductionForm(
        request.POST if which == "reduction" else None,
        prefix="reduction",
        initial={"start_date": timezone.localdate()},
    )
    if request.method == "POST":
        form = time_form if which == "quotite" else reduction_form
        if form.is_valid():
            try:
                if which == "quotite":
                    services.working_time_set(
                        membership=membership,
                        target_id=target.pk,
                        working_time=form.cleaned_data["working_time"],
                    )
                    messages.success(request, "Quotité de travail enregistrée.")
                else:
                    services.capacity_reduction_add(
                        membership=membership, target_id=target.pk, **form.cleaned_data
                    )
                    messages.success(request, "Réduction de capacité enregistrée.")
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect("caseloads:capacity_edit", target.pk)
    return render(
        request,
        "caseloads/capacity_edit.html",
        {
            "title": f"Capacité de {target.user}",
            "nav": "service",
            "section": "capacities",
            "target": target,
            "time_form": time_form,
            "reduction_form": reduction_form,
            "reductions": selectors.reductions_of(target),
        },
        status=400 if time_form.errors or reduction_form.errors else 200,
    )


@require_POST
def reduction_delete(request, reduction_id: int):
    membership = _manager(request, Action.MANAGE_SERVICE)
    reduction = selectors.reduction_get(membership.service_id, reduction_id)
    if reduction is None:
        raise Http404("Réduction introuvable dans ce service.")
    services.capacity_reduction_delete(membership=membership, reduction_id=reduction.pk)
    messages.success(request, "Réduction supprimée.")
    return redirect("caseloads:capacity_edit", reduction.membership_id)


@require_http_methods(["GET", "POST"])
def scale(request):
    membership = _manager(request, Action.MANAGE_SERVICE)
    today = timezone.localdate()
    form = WeightForm(
        request.POST or None,
        subjects=selectors.weight_subjects(),
        initial={"valid_from": today, "setting": "any"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.weight_set(membership=membership, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Valeur du barème enregistrée pour le service.")
            return redirect("caseloads:scale")
    table, own_rows = selectors.scale(membership.service_id, on=today)
    return render(
        request,
        "caseloads/scale.html",
        {
            "title": "Barème de charge de travail",
            "nav": "service",
            "section": "scale",
            "form": form,
            "table": table,
            "own_rows": own_rows,
            "today": today,
        },
        status=400 if form.errors else 200,
    )
