"""What reports feed into the échéancier, in one query whatever the number of persons:
- reports with a due date not yet transmitted to the judge (an alert once overdue), and reports
  waiting for a manager's visa or transmission;
- the judge's answers the CPIP has not read yet, and those whose new obligations the person
  has not been told of (the CPIP hears of every answer);
- the hearing due within 15 days of a provisional incarceration (CPP 712-19), and the date of
  a new examination the judge set when adjourning.
Registered in ``ReportsConfig.ready``."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.measures.models import Measure
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


# A report the law calls for stays in the échéancier this long after its deadline (then the
# file moved on); the 3-month assessment of a reinforced probation, for a measure of the year.
LEGAL_REPORT_KEPT_DAYS = 90


@register("legal_report", "Rapport prévu par la loi ou le service", on_caseload=False)
def legal_reports(query: Query) -> list[DueItem]:
    """The reports a measure calls for (``rules.legal_report_deadline``) not yet transmitted:
    the 3-month assessment of a reinforced probation, the 723-15-1 report, the end-of-measure
    report a set number of days before the end. One query."""
    service = query.service_settings()
    days = service.end_report_days
    since = query.today - timedelta(days=LEGAL_REPORT_KEPT_DAYS)

    def sent(kind):
        return Exists(
            Report.objects.filter(measure_id=OuterRef("pk"), kind=kind, status__in=rules.FROZEN)
        )

    rows = (
        Measure.objects.filter(
            person_id__in=query.persons.order_by().values("pk"),
            status__in=Measure.OPEN_STATUSES,
            suspended_since__isnull=True,
        )
        .filter(
            Q(
                measure_type_id="SURSIS_PROBATOIRE_RENFORCE",
                decision__date__gte=since - timedelta(days=92),
            )
            | Q(measure_type_id="AMENAGEMENT_723_15", report_requested_on__isnull=False)
            | Q(end_date__gte=since, end_date__lte=query.until + timedelta(days=days))
        )
        .annotate(
            sent_evaluation=sent(rules.EVALUATION),
            sent_opinion=sent(rules.OPINION),
            sent_end_of_measure=sent(rules.END_OF_MEASURE),
        )
        .values(
            "pk",
            "person_id",
            "person__assigned_cpip_id",
            "assigned_cpip_id",
            "measure_type_id",
            "measure_type__short_label",
            "decision__date",
            "report_requested_on",
            "end_date",
            "sent_evaluation",
            "sent_opinion",
            "sent_end_of_measure",
        )
    )
    items = []
    for row in rows:
        for deadline in rules.legal_report_deadline(
            row["measure_type_id"],
            decision_date=row["decision__date"],
            report_requested_on=row["report_requested_on"],
            end=row["end_date"],
            end_report_days=days,
        ):
            if row[f"sent_{deadline.kind}"] or deadline.due > query.until or deadline.due < since:
                continue
            cpip = row["assigned_cpip_id"] or row["person__assigned_cpip_id"]
            url = reverse("reports:person_list", args=[row["person_id"]])
            items.append(
                DueItem(
                    person_id=row["person_id"],
                    due=deadline.due,
                    kind="legal_report",
                    label=f"{deadline.label} à transmettre au juge avant le {deadline.due:%d/%m/%Y}",
                    severity=Severity.ALERT if deadline.due < query.today else Severity.INFO,
                    detail=f"{row['measure_type__short_label']} — {deadline.basis}",
                    url=f"{url}?type={deadline.kind}&mesure={row['pk']}",
                    staff_ids=frozenset([cpip]) if cpip else frozenset(),
                )
            )
    return items
