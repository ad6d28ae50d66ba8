from datetime import timedelta

from django.contrib import messages
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from probatio.access.policy import Action, allows
from probatio.audit import services as audit
from probatio.core import exports as files
from probatio.core.deadlines import Severity
from probatio.core.gates import page_membership
from probatio.core.paging import paginate
from probatio.deadlines import exports, rules, selectors
from probatio.deadlines.forms import ScheduleFilterForm
from probatio.deadlines.services import refresh
from probatio.deadlines.services.refresh import SERVICE_LEVEL_KINDS
from probatio.people.selectors import UNASSIGNED

DEFAULT_HORIZON = 30
PER_PAGE = 40  # persons' days (groups of items) per page


def _filters(form: ScheduleFilterForm) -> dict:
    return form.cleaned_data if form.is_valid() else {}


@require_GET
def schedule(request):
    """The échéancier: everything due, soonest first, overdue items marked."""
    membership = page_membership(
        request, Action.OPEN_SCHEDULE, "L'échéancier est réservé aux équipes du SPIP."
    )
    file_format = files.requested_format(request)
    if file_format:  # every staff role opens the échéancier; three may export it
        files.require_export(membership)
    service_wide = selectors.sees_whole_service(membership.role)
    params = request.GET.copy()
    params.setdefault("horizon", str(DEFAULT_HORIZON))
    # The filters read first; the CPIP chosen is checked against the service's CPIPs once they
    # are read, with the names of the page (one query for both). A CPIP's items are always
    # within the service: an id that is not one of its CPIPs finds none of another service.
    filters = _filters(ScheduleFilterForm(params, cpips=None))
    raw_cpip = params.get("cpip", "") if service_wide else ""
    # ``none``: the files without a CPIP (people.selectors.UNASSIGNED).
    cpip_id = int(raw_cpip) if raw_cpip.isdigit() else None
    if raw_cpip == UNASSIGNED:
        cpip_id = UNASSIGNED
    today = timezone.localdate()
    horizon = filters.get("horizon") or DEFAULT_HORIZON
    until = today + timedelta(days=horizon)
    # The stored items (docs/deadlines.md, « Stored items »): what changed since they were
    # computed is computed first (normally nothing), then the page counts and pages in SQL.
    refresh.ensure_current(membership.service_id, today)
    rows = selectors.stored_rows(
        membership,
        today=today,
        until=until,
        cpip_id=cpip_id,
        kinds=[filters["kind"]] if filters.get("kind") else None,
        overdue=bool(filters.get("overdue")),
    )
    if file_format:
        # Every item (not one page), with the names of every person they concern.
        items = selectors.all_items(rows)
        staff, names = selectors.staff_and_persons(
            membership.service_id, {i.person_id for i in items}
        )
        items = [i for i in items if i.person_id in names or i.kind in SERVICE_LEVEL_KINDS]
        form = ScheduleFilterForm(params, cpips=staff.cpips if service_wide else None)
        if form.is_valid():
            return _export(membership, form, items, names, staff, service_wide, today, file_format)
        messages.error(request, files.INVALID_FILTERS)  # the page and its errors, no file
    totals = selectors.totals(rows, today)
    # A page holds whole groups: a person's items of a day are never split between pages.
    page = paginate(request, selectors.groups(rows), per_page=PER_PAGE, count=totals.groups)
    groups = rules.by_person_and_day(selectors.items_of(rows, list(page.object_list)))
    staff, names = selectors.staff_and_persons(membership.service_id, (g.person_id for g in groups))
    # Only the service's files are named and shown (the incoming transfers excepted: their
    # file is still another service's).
    groups = [
        g
        for g in groups
        if g.person_id in names or all(i.kind in SERVICE_LEVEL_KINDS for i in g.items)
    ]
    form = ScheduleFilterForm(params, cpips=staff.cpips if service_wide else None)
    filters = _filters(form)

    def row(group: rules.PersonDay) -> dict:
        return {
            "person": names.get(group.person_id),
            "items": [
                {
                    "item": item,
                    "overdue_days": (today - item.due).days if item.is_overdue(today) else 0,
                    "alert": item.severity == Severity.ALERT,
                }
                for item in group.items
            ],
            # Who must act, for those who see the whole service (a CPIP's is themself).
            "staff": [
                staff.by_id[s]
                for s in sorted({s for i in group.items for s in i.staff_ids})
                if s in staff.by_id
            ]
            if service_wide
            else [],
        }

    days = [
        {
            "day": day.day,
            "rows": [row(group) for group in day.persons],
            "count": day.count,
            "is_today": day.day == today,
            "overdue_days": (today - day.day).days if day.day < today else 0,
        }
        for day in rules.by_day(groups)
    ]
    audit.record_list(
        membership,
        object_type="people.person",
        summary="Liste : échéancier",
        context={
            "page": "schedule",
            "filters": {k: v for k, v in filters.items() if v},
            "page_number": page.number,
        },
    )
    query = params.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "deadlines/schedule.html",
        {
            "title": "Échéancier",
            "nav": "schedule",
            "form": form,
            "page": page,
            "days": days,
            "today": today,
            "horizon": horizon,
            "until": until,
            "overdue_count": totals.overdue,
            "total": totals.items,
            "service_wide": service_wide,
            "can_allocate": allows(membership.role, Action.ALLOCATE_CASELOADS),
            "query_string": query.urlencode(),
            "can_export": files.may_export(membership),
            "export_label": "échéancier, filtres appliqués",
        },
        status=400 if file_format else 200,
    )


def _export(membership, form, items, names, staff, service_wide: bool, today, file_format: str):
    """The échéancier as a file: the items the role sees, journaled with the filters."""
    table = exports.schedule_table(
        items,
        names=names,
        staff=staff.by_id if service_wide else None,
        today=today,
        filters=files.described_filters(form),
    )
    audit.record_export(
        membership,
        object_type="people.person",
        summary="Export : échéancier",
        context={
            "page": "schedule",
            "filters": {k: v for k, v in form.cleaned_data.items() if v},
        },
        file_format=file_format,
        rows=len(table.rows),
    )
    return files.table_response(table, file_format=file_format, stem="echeancier")
