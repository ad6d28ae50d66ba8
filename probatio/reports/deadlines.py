"""What reports feed into the échéancier: reports with a due date not yet transmitted to the
judge (an alert once overdue), and reports waiting for a manager's visa or transmission.
Registered in ``ReportsConfig.ready``; one query whatever the number of persons."""

from django.urls import reverse

from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.reports import rules
from probatio.reports.models import Report


# Reports are followed on the échéancier and the reports list, not in the caseload's column
# (which keeps to a fixed, small number of queries).
@register("report", "Rapport au magistrat", on_caseload=False)
def reports(query: Query) -> list[DueItem]:
    rows = (
        Report.objects.filter(
            person_id__in=query.persons.order_by().values("pk"),
            status__in=(rules.DRAFT, rules.RETURNED, rules.SUBMITTED, rules.APPROVED),
        )
        .exclude(due_date__gt=query.until)
        .values("pk", "person_id", "kind", "status", "due_date", "author_id", "updated_at")
    )
    items = []
    for row in rows:
        waiting_visa = row["status"] in (rules.SUBMITTED, rules.APPROVED)
        due = row["due_date"] or query.today
        if row["due_date"] is None and not waiting_visa:
            continue  # a draft without due date is not a deadline
        label = rules.KIND_LABELS[row["kind"]]
        if row["status"] == rules.SUBMITTED:
            text = f"{label} à viser"
        elif row["status"] == rules.APPROVED:
            text = f"{label} visé, à transmettre au magistrat"
        elif row["status"] == rules.RETURNED:
            text = f"{label} renvoyé pour correction"
        else:
            text = f"{label} à rendre"
        if row["due_date"]:
            text += f" (pour le {row['due_date']:%d/%m/%Y})"
        items.append(
            DueItem(
                person_id=row["person_id"],
                due=due,
                kind="report",
                label=text,
                severity=Severity.ALERT if row["due_date"] and due < query.today else Severity.INFO,
                detail=rules.STATUS_LABELS[row["status"]],
                url=reverse("reports:detail", args=[row["pk"]]),
                staff_ids=frozenset([row["author_id"]]),
            )
        )
    return items
