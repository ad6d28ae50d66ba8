"""The managers' anomaly view over the journal (docs/audit.md, « Anomalies »):

- « Contrôle des accès » (``Action.READ_ANOMALIES``): for a period, three lists per reader and
  day — unusual reads, reads out of hours, bursts of denials —, each paged on its own; reading
  it is journaled (a ``list`` entry);
- one reader's entries of a day, in French, 50 a page, each file linking to its access log
  (journaled too);
- the thresholds, under « Paramètres » (``Action.MANAGE_SERVICE``).
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from probatio.access.policy import Action
from probatio.access.roles import role_label
from probatio.audit import labels as audit_labels
from probatio.audit import services as audit
from probatio.core.forms import apply_errors
from probatio.core.gates import page_membership
from probatio.oversight import rules, selectors, services
from probatio.oversight.forms import PeriodForm, ReaderDayForm, ThresholdsForm
from probatio.people.selectors import user_names

REFUSAL = "Le contrôle des accès est réservé à l'encadrement du service."
SETTINGS_REFUSAL = "Les seuils du contrôle des accès sont tenus par l'encadrement."
READER_PAGE_SIZE = 50


def _page(request, rows, *, param: str, anchor: str) -> Page:
    """One page of a list of the page, by ``?<param>=``: the other lists keep theirs."""
    page = Paginator(rows, settings.PROBATIO_PAGE_SIZE).get_page(request.GET.get(param))
    others = request.GET.copy()
    others.pop(param, None)
    page.param, page.query_string, page.anchor = param, others.urlencode(), anchor
    return page


def _rows(page: Page) -> list[dict]:
    rows = []
    for row in page.object_list:
        rows.append({**row, "role": role_label(row["role_code"]) if row["role_code"] else ""})
    return rows


@require_GET
def anomalies(request):
    membership = page_membership(request, Action.READ_ANOMALIES, REFUSAL)
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, today=today)
    start, end = form.period()
    service_id = membership.service_id
    found = selectors.thresholds_for(service_id)
    thresholds = found.thresholds
    unusual = _page(
        request,
        selectors.unusual_reads(service_id, start, end, threshold=thresholds.unusual_reads_per_day),
        param="inhabituelles",
        anchor="inhabituelles",
    )
    out_of_hours = _page(
        request,
        selectors.out_of_hours_reads(
            service_id, start, end, thresholds=thresholds, alsace_moselle=found.alsace_moselle
        ),
        param="hors_horaires",
        anchor="hors-horaires",
    )
    bursts = _page(
        request,
        selectors.denial_bursts(service_id, start, end, thresholds=thresholds),
        param="refus",
        anchor="refus",
    )
    audit.record_list(
        membership,
        object_type="oversight.anomalies",
        summary="Liste : anomalies du journal",
        context={
            "page": "anomalies",
            "du": start.isoformat(),
            "au": end.isoformat(),
            "pages": [unusual.number, out_of_hours.number, bursts.number],
        },
    )
    return render(
        request,
        "oversight/anomalies.html",
        {
            "title": "Contrôle des accès",
            "nav": "oversight",
            "form": form,
            "start": start,
            "end": end,
            "thresholds": thresholds,
            "custom": found.custom,
            "unusual": unusual,
            "unusual_rows": _rows(unusual),
            "out_of_hours": out_of_hours,
            "out_of_hours_rows": _rows(out_of_hours),
            "bursts": bursts,
            "burst_rows": _rows(bursts),
        },
        status=400 if form.errors else 200,
    )


@require_GET
def reader(request, user_id: int):
    membership = page_membership(request, Action.READ_ANOMALIES, REFUSAL)
    service_id = membership.service_id
    member = selectors.staff_member_get(service_id, user_id)
    if member is None:
        raise Http404("Aucun agent de ce service sous cet identifiant.")
    form = ReaderDayForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "oversight/reader.html",
            {
                "title": "Journal d'un agent",
                "nav": "oversight",
                "form": form,
                "member": member,
            },
            status=400,
        )
    day = form.cleaned_data["jour"] or timezone.localdate()
    found = selectors.thresholds_for(service_id)
    thresholds = found.thresholds
    paginator = Paginator(selectors.reader_entries(service_id, user_id, day), READER_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    entries = list(page.object_list)
    persons = selectors.persons_named(
        service_id, {entry.person_id for entry in entries if entry.person_id}
    )
    names = user_names(audit_labels.user_ids(entries))
    rows = [
        {
            "entry": entry,
            "summary": audit_labels.summary_label(entry.summary),
            "changes": audit_labels.change_lines(entry, names),
            "person": persons.get(entry.person_id) if entry.person_id else None,
            "out_of_hours": rules.is_out_of_hours(
                timezone.localtime(entry.at),
                day_starts=thresholds.day_starts,
                day_ends=thresholds.day_ends,
                alsace_moselle=found.alsace_moselle,
            ),
        }
        for entry in entries
    ]
    denials = selectors.denial_moments(service_id, user_id, day)
    audit.record_list(
        membership,
        object_type="oversight.reader_entries",
        summary="Liste : entrées du journal d'un agent",
        context={
            "page": "anomalies_reader",
            "agent": user_id,
            "jour": day.isoformat(),
            "page_number": page.number,
        },
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "oversight/reader.html",
        {
            "title": f"Journal de {member.get_full_name() or member.username} le {day:%d/%m/%Y}",
            "nav": "oversight",
            "form": form,
            "member": member,
            "day": day,
            "page": page,
            "rows": rows,
            "query_string": query.urlencode(),
            "denials": len(denials),
            "largest_burst": rules.largest_burst(denials, thresholds.denial_burst_minutes),
            "thresholds": thresholds,
        },
    )


@require_http_methods(["GET", "POST"])
def thresholds_page(request):
    membership = page_membership(request, Action.MANAGE_SERVICE, SETTINGS_REFUSAL)
    found = selectors.thresholds_for(membership.service_id)
    form = ThresholdsForm(
        request.POST or None,
        initial={name: getattr(found.thresholds, name) for name in rules.FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.thresholds_update(membership=membership, data=form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Seuils du contrôle des accès enregistrés.")
            return redirect("oversight:settings")
    return render(
        request,
        "oversight/settings.html",
        {
            "title": "Paramètres du service : contrôle des accès",
            "nav": "settings",
            "form": form,
            "custom": found.custom,
            "defaults": rules.DEFAULTS,
        },
        status=400 if form.errors else 200,
    )
