"""What reports feed into the échéancier, in one query whatever the number of persons:
- reports with a due date not yet transmitted to the judge (an alert once overdue), and reports
  waiting for a manager's visa or transmission;
- the judge's answers the CPIP has not read yet, and those whose new obligations the person
  has not been told of (the CPIP hears of every answer);
- the hearing due within 15 days of a provisional incarceration (CPP 712-19), and the date of
  a new examination the judge set when adjourning.
Registered in ``ReportsConfig.ready``."""

from datetime import timedelta

from django.db.models import Q
from django.urls import reverse

from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.reports import answers, rules
from probatio.reports.models import Report

# The person is told of changed obligations at the latest this many days after the decision.
INFORM_DAYS = 15
# A hearing date stays in the échéancier this long after it passed (then the file moved on).
HEARING_KEPT_DAYS = 30

PENDING = (rules.DRAFT, rules.RETURNED, rules.SUBMITTED, rules.APPROVED)


# Reports are followed on the échéancier and the reports list, not in the caseload's column
# (which keeps to a fixed, small number of queries; it marks unread answers on its own).
@register("report", "Rapport au magistrat", on_caseload=False)
def reports(query: Query) -> list[DueItem]:
    answered = Q(status=rules.ANSWERED) & (
        Q(answer__seen_at__isnull=True)
        | Q(answer__obligations_changed=True, answer__person_informed_on__isnull=True)
        | Q(answer__hearing_due__gte=query.today - timedelta(days=HEARING_KEPT_DAYS))
        | Q(answer__next_review_on__gte=query.today, answer__next_review_on__lte=query.until)
    )
    pending = Q(status__in=PENDING) & ~Q(due_date__gt=query.until)
    rows = Report.objects.filter(
        pending | answered, person_id__in=query.persons.order_by().values("pk")
    ).values(
        "pk",
        "person_id",
        "person__assigned_cpip_id",
        "kind",
        "matter",
        "status",
        "due_date",
        "author_id",
        "answer__kind",
        "answer__date",
        "answer__seen_at",
        "answer__obligations_changed",
        "answer__person_informed_on",
        "answer__hearing_due",
        "answer__next_review_on",
    )
    items = []
    for row in rows:
        if row["status"] == rules.ANSWERED:
            items.extend(_answer_items(row, query))
        else:
            item = _pending_item(row, query)
            if item is not None:
                items.append(item)
    return items


def _pending_item(row: dict, query: Query) -> DueItem | None:
    waiting_visa = row["status"] in (rules.SUBMITTED, rules.APPROVED)
    due = row["due_date"] or query.today
    if row["due_date"] is None and not waiting_visa:
        return None  # a draft without due date is not a deadline
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
    return DueItem(
        person_id=row["person_id"],
        due=due,
        kind="report",
        label=text,
        severity=Severity.ALERT if row["due_date"] and due < query.today else Severity.INFO,
        detail=rules.STATUS_LABELS[row["status"]],
        url=reverse("reports:detail", args=[row["pk"]]),
        staff_ids=frozenset([row["author_id"]]),
    )


def _answer_items(row: dict, query: Query) -> list[DueItem]:
    url = reverse("reports:detail", args=[row["pk"]])
    cpip = row["person__assigned_cpip_id"]
    staff = frozenset([cpip]) if cpip else frozenset()
    label = answers.label_of(row["matter"], row["answer__kind"])
    decided = row["answer__date"]
    detail = f"Décision du {decided:%d/%m/%Y}"
    found = []

    def add(due, text, severity=Severity.INFO):
        found.append(DueItem(person_id=row["person_id"], due=due, kind="report", label=text,
                             severity=severity, detail=detail, url=url, staff_ids=staff))  # fmt: skip

    if row["answer__seen_at"] is None:
        add(decided, f"Réponse du juge à lire : {label}")
    if row["answer__obligations_changed"] and row["answer__person_informed_on"] is None:
        due = decided + timedelta(days=INFORM_DAYS)
        add(due, "Informer la personne de ses nouvelles obligations",
            Severity.ALERT if due < query.today else Severity.INFO)  # fmt: skip
    hearing = row["answer__hearing_due"]
    if hearing is not None and hearing >= query.today - timedelta(days=HEARING_KEPT_DAYS):
        add(hearing, f"Débat contradictoire avant le {hearing:%d/%m/%Y} (incarcération "
            "provisoire, CPP 712-19)", Severity.ALERT)  # fmt: skip
    review = row["answer__next_review_on"]
    if review is not None and query.today <= review <= query.until:
        add(review, f"Nouvel examen par le juge le {review:%d/%m/%Y} ({label.lower()})")
    return found
