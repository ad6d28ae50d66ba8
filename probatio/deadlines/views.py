from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from probatio.access.roles import Role
from probatio.accounts.models import User
from probatio.audit import services as audit
from probatio.core.deadlines import Severity
from probatio.core.paging import paginate
from probatio.deadlines.forms import ScheduleFilterForm
from probatio.deadlines.selectors import SERVICE_WIDE, schedule_for
from probatio.people.models import Person


@require_GET
def schedule(request):
    """The échéancier: everything due, soonest first, overdue items marked."""
    membership = request.membership
    if membership is None:
        raise Http404("Aucun service choisi.")
    if membership.role == Role.JUDGE:
        raise PermissionDenied("L'échéancier est réservé aux équipes du SPIP.")
    service_wide = membership.role in SERVICE_WIDE
    cpips = (
        list(
            User.objects.filter(
                memberships__service_id=membership.service_id,
                memberships__role=Role.CPIP,
                memberships__is_active=True,
            )
            .distinct()
            .order_by("last_name", "first_name")
        )
        if service_wide
        else None
    )
    params = request.GET.copy()
    params.setdefault("horizon", "30")
    form = ScheduleFilterForm(params, cpips=cpips)
    filters = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    horizon = filters.get("horizon") or 30
    result = schedule_for(
        membership,
        today=today,
        until=today + timedelta(days=horizon),
        cpip_id=filters.get("cpip"),
        kinds=[filters["kind"]] if filters.get("kind") else None,
    )
    items = [i for i in result.items if not filters.get("overdue") or i.is_overdue(today)]
    page = paginate(request, items, per_page=50)
    persons = Person.objects.filter(pk__in={i.person_id for i in page.object_list}).only(
        "pk", "surname", "first_names", "assigned_cpip_id"
    )
    names = {p.pk: p for p in persons}
    staff_ids = {s for i in page.object_list for s in i.staff_ids}
    staff = {u.pk: u for u in cpips or []}
    missing = staff_ids - staff.keys()
    if missing:
        staff.update({u.pk: u for u in User.objects.filter(pk__in=missing)})
    rows = [
        {
            "item": item,
            "person": names.get(item.person_id),
            "overdue_days": (today - item.due).days if item.is_overdue(today) else 0,
            "is_today": item.due == today,
            "alert": item.severity == Severity.ALERT,
            "staff": [staff[s] for s in sorted(item.staff_ids) if s in staff],
        }
        for item in page.object_list
    ]
    with transaction.atomic():
        audit.record(
            actor=request.user,
            action=audit.Action.LIST,
            service_id=membership.service_id,
            role=membership.role,
            object_type="people.person",
            summary="Liste : échéancier",
            context={
                "page": "schedule",
                "filters": {k: v for k, v in filters.items() if v},
                "page_number": page.number,
            },
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deadlines/schedule.html",
        {
            "title": "Échéancier",
            "nav": "schedule",
            "form": form,
            "page": page,
            "rows": rows,
            "today": today,
            "horizon": horizon,
            "overdue_count": sum(1 for i in items if i.is_overdue(today)),
            "total": len(items),
            "service_wide": service_wide,
            "query_string": query.urlencode(),
        },
    )
