from django.contrib import messages
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from probatio.access.policy import Action, Scope, allows, scope_for
from probatio.audit import services as audit
from probatio.caseloads import exports, selectors
from probatio.caseloads.forms import PersonFilterForm
from probatio.caseloads.teams import team_loads
from probatio.community_work import selectors as tig_selectors
from probatio.core import exports as files
from probatio.core.gates import page_membership
from probatio.core.paging import paginate
from probatio.measures import selectors as measure_selectors
from probatio.people.search import near_spellings_supported
from probatio.people.selectors import CLOSED, FOLLOWED, person_list_for
from probatio.reintegration import release
from probatio.reports import selectors as report_selectors
from probatio.sentences import selectors as sentence_selectors

# The page's action in the policy (access.menu shows the entry to the same roles).
PAGE_ACTIONS = {
    "mine": Action.OPEN_CASELOAD,
    "search": Action.LIST_PERSONS,
    "service": Action.ALLOCATE_CASELOADS,
}
REFUSALS = {
    "mine": "Aucune personne n'est confiée à votre rôle : cherchez-la parmi celles du service.",
    "service": "La vue du service est réservée à l'encadrement.",
}
# The lists exported as files (``?format=csv|xlsx``, core.exports).
EXPORTED_STEMS = {"service": "vue du service"}
EXPORTED = frozenset(EXPORTED_STEMS)
PAGES = {
    "mine": ("Mon portefeuille", "caseload"),
    "search": ("Personnes suivies par le service", "search"),
    "service": ("Le service", "service"),
}


def _list_page(request, kind: str):
    membership = page_membership(request, PAGE_ACTIONS[kind], REFUSALS.get(kind, ""))
    # The service view exports as a file (its own gate first, then the export's).
    file_format = files.requested_format(request) if kind in EXPORTED else None
    if file_format:
        files.require_export(membership)
    # A judge's persons are their files (the measures they assigned), not a caseload.
    is_judge = scope_for(membership.role, Action.LIST_PERSONS) is Scope.JUDGE_FILES
    cpips = None
    workload = None
    unassigned = None
    teams = None
    today = timezone.localdate()
    if kind == "service":  # the loads of one antenne's CPIPs, or of every one
        teams = team_loads(request, membership, today=today)
        workload, unassigned, cpips = teams.loads, teams.unassigned, teams.cpips
    form = PersonFilterForm(
        request.GET or None,
        measure_types=measure_selectors.measure_types(),
        cpips=cpips,
        today=today,
    )
    filters = form.filters()
    persons = person_list_for(
        membership, caseload_only=(kind == "mine" and not is_judge), **filters
    )
    if file_format and form.is_valid():
        return _export(membership, kind, form, filters, persons, file_format)
    if file_format:  # a filter the page refuses: the page and its errors, no file
        messages.error(request, files.INVALID_FILTERS)
    counts = selectors.counts(persons, today=today)
    # Nobody among the files followed under the names typed: say how many closed files
    # answer to them (one query, on an empty page only), with the link to show them.
    closed_matches = 0
    if not counts["total"] and filters.get("query") and filters.get("files") == FOLLOWED:
        closed_matches = person_list_for(
            membership,
            caseload_only=(kind == "mine" and not is_judge),
            **{**filters, "files": CLOSED},
        ).count()
    # Nobody under the names as typed: the names spelt close to them, closest first
    # (PostgreSQL; docs/search.md).
    near_spellings = False
    if not counts["total"] and filters.get("query") and near_spellings_supported():
        near = person_list_for(
            membership, caseload_only=(kind == "mine" and not is_judge), near=True, **filters
        )
        near_counts = selectors.counts(near, today=today)
        if near_counts["total"]:
            persons, counts, near_spellings = near, near_counts, True
    listed = persons
    if kind == "mine" and not is_judge:  # the next due item reads sentence dates and TIG
        listed = tig_selectors.with_tig(sentence_selectors.with_stored_dates(persons), today=today)
        # The judge's answers the CPIP has not read yet: marked on the row (same query).
        listed = report_selectors.with_unread_answer(listed)
    # The level in force of each person (same query), to who may read it on this list.
    show_intensity = _shows_intensity(membership, kind)
    if show_intensity:
        listed = selectors.with_intensity(listed)
    page = paginate(request, listed, per_page=25, count=counts["total"])
    rows = selectors.with_open_measures(list(page.object_list))
    if show_intensity:
        selectors.label_intensity(rows)
    if kind == "mine" and not is_judge:
        selectors.with_next_due_item(rows, membership, today=today)
    title, nav = PAGES[kind]
    if kind == "mine" and is_judge:
        title = "Mes dossiers"
    audit.record_list(
        membership,
        object_type="people.person",
        summary=f"Liste : {title}",
        context={
            "page": kind,
            "filters": {k: v for k, v in filters.items() if v},
            "page_number": page.number,
        },
    )
    # Releases within a month without housing: flagged to managers.
    housing_alerts = (
        release.housing_alerts(person_list_for(membership, files=FOLLOWED), today=today)
        if kind == "service"
        else []
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        "title": title,
        "nav": nav,
        "kind": kind,
        "form": form,
        "page": page,
        "rows": rows,
        "counts": counts,
        "today": today,
        "due_soon_days": selectors.DUE_SOON_DAYS,
        "workload": workload,
        "teams": teams,
        "housing_alerts": housing_alerts,
        "show_cpip": kind != "mine",
        "show_intensity": show_intensity,
        "section": "service",
        "query_string": query.urlencode(),
        "near_spellings": near_spellings,
        "closed_matches": closed_matches,
        "can_create": allows(membership.role, Action.CREATE_PERSON),
        # The échéancier lists what is due in the caseload (judges have none).
        "show_schedule": kind == "mine" and not is_judge,
        "unassigned": unassigned,
        "can_export": kind in EXPORTED and files.may_export(membership),
        "export_label": f"{title.lower()}, filtres appliqués",
    }
    # A fragment only for htmx's own requests, never when it rebuilds a page after "Back".
    fragment = request.htmx and not request.htmx.history_restore_request
    context["fragment"] = fragment
    # The changes of level waiting for a manager: counted on the service view's tabs.
    if kind == "service" and not fragment and allows(membership.role, Action.VALIDATE_INTENSITY):
        context["pending_intensities"] = selectors.pending_intensity_count(membership.service_id)
    template = "caseloads/_results.html" if fragment else "caseloads/list.html"
    response = render(request, template, context, status=400 if file_format else 200)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


def _shows_intensity(membership, kind: str) -> bool:
    """The « Intensité » column: to the roles that read the level, on their caseload, or on
    every list when they read it across the service (not the social worker's search)."""
    scope = scope_for(membership.role, Action.READ_INTENSITY)
    return scope is Scope.SERVICE or (scope is Scope.CASELOAD and kind == "mine")


def _export(membership, kind: str, form, filters: dict, persons, file_format: str):
    """The whole filtered list (every page of it) as a file, journaled with its filters."""
    title = PAGES[kind][0]
    show_intensity = _shows_intensity(membership, kind)
    if show_intensity:
        persons = selectors.with_intensity(persons)
    rows = selectors.with_open_measures(list(persons))
    if show_intensity:
        selectors.label_intensity(rows)
    table = exports.persons_table(
        rows,
        title=title,
        filters=files.described_filters(form),
        with_intensity=show_intensity,
    )
    audit.record_export(
        membership,
        object_type="people.person",
        summary=f"Export : {title}",
        context={"page": kind, "filters": {k: v for k, v in filters.items() if v}},
        file_format=file_format,
        rows=len(table.rows),
    )
    return files.table_response(table, file_format=file_format, stem=EXPORTED_STEMS[kind])


@require_GET
def mine(request):
    return _list_page(request, "mine")


@require_GET
def search(request):
    return _list_page(request, "search")


@require_GET
def service(request):
    return _list_page(request, "service")
