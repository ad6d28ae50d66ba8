"""The activity figures, computed in SQL: aggregates (``Count``, ``Sum``, ``filter=Q(...)``,
``values().annotate()``), medians by window functions (one query for every group, SQLite and
PostgreSQL alike), a fixed number of queries per figure whatever the size of the service.

Each ``compute_<code>`` returns a ``rules.Figure`` (before masking) for a ``Scope``: the whole
service (a manager, the system actor) or the persons whose CPIP is one user (a CPIP's own
figures). ``figures_for`` reads the stored snapshot of a closed period when there is one of the
current definitions version, and computes the others. docs/figures.md defines each figure.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import RowNumber, TruncDate, TruncMonth

from probatio.access.policy import Action, scope_for
from probatio.access.policy import Scope as AccessScope
from probatio.agenda.models import Appointment
from probatio.assessments import rules as intensity_rules
from probatio.assessments import selectors as assessment_selectors
from probatio.assessments.models import Assessment, IntensityDecision
from probatio.caseloads.selectors import cpip_loads, own_load
from probatio.community_work import rules as tig_rules
from probatio.community_work.models import WorkSession
from probatio.compliance.models import Incident, Proof
from probatio.core.dates import on_day
from probatio.figures import rules
from probatio.figures.models import FigureSnapshot
from probatio.figures.rules import (
    HOURS,
    MEDIAN,
    PERCENT,
    PLAIN,
    POINTS,
    SHARE,
    Column,
    Figure,
    Period,
    Row,
)
from probatio.measures import first_interview
from probatio.measures.models import Decision, Measure, Obligation
from probatio.organisation.models import Service
from probatio.people.models import CustodyRecord, Setting, SituationEntry
from probatio.programmes.models import Attendance, EnrolmentStep
from probatio.reports import answers
from probatio.reports import rules as report_rules
from probatio.reports.models import JudgeAnswer, Report


@dataclass(frozen=True)
class Scope:
    """Whose figures: a service, or the caseload of one CPIP of it (``cpip_id``: the user,
    ``membership_id``: their membership, the key of their stored snapshots)."""

    service_id: int
    cpip_id: int | None = None
    membership_id: int | None = None
    # The service's settings when already read (the membership's service): none read again.
    service: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, membership) -> "Scope":
        """The scope the policy gives ``membership`` (``read_activity_figures``): a CPIP's
        own caseload, the manager's (or the system actor's) whole service."""
        service = getattr(membership, "service", None)
        if scope_for(membership.role, Action.READ_ACTIVITY_FIGURES) is AccessScope.CASELOAD:
            return cls(membership.service_id, membership.user_id, membership.pk, service)
        return cls(membership.service_id, service=service)

    def settings(self) -> Service:
        """The service's settings the figures use (one query unless already read)."""
        if self.service is not None:
            return self.service
        return Service.objects.only(
            "first_interview_default_days", "alsace_moselle", "proof_grace_days"
        ).get(pk=self.service_id)

    def persons(self, path: str = "person__") -> Q:
        """The rows of persons in scope, ``path`` leading from the row to its person."""
        q = Q(**{f"{path}service_id": self.service_id})
        if self.cpip_id is not None:
            q &= Q(**{f"{path}assigned_cpip_id": self.cpip_id})
        return q


# --- Medians ----------------------------------------------------------------------------------


def medians(queryset: QuerySet, value, by: str | None = None) -> dict:
    """The median of ``value`` (an expression) over ``queryset``, for each value of ``by`` (a
    field; None: one median, under the key None), in one query: each row's rank and its
    group's size by window functions, and only the one or two middle rows read back."""
    partition = [F(by)] if by else None
    rows = (
        queryset.order_by()
        .annotate(figure_value=value)
        .filter(figure_value__isnull=False)
        .annotate(
            figure_rank=Window(
                RowNumber(),
                partition_by=partition,
                order_by=[F("figure_value").asc(), F("pk").asc()],
            ),
            figure_half=Window(Count("pk"), partition_by=partition) * Value(0.5),
        )
        .filter(
            figure_rank__gte=F("figure_half"),
            figure_rank__lte=ExpressionWrapper(F("figure_half") + 1, output_field=FloatField()),
        )
        .values_list(by or "pk", "figure_value")
    )
    middles: dict = {}
    for key, found in rows:  # one or two rows per group: the middle ones
        middles.setdefault(key if by else None, []).append(_days(found))
    return {key: rules.median_of_middle(values) for key, values in middles.items()}


def _days(value) -> float | None:
    """A duration in days (an interval from date arithmetic), or a plain number."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    return float(value)


def _days_between(later: str, earlier: str):
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


# --- The figures ------------------------------------------------------------------------------


def _by_type(rows) -> list:
    """Rows grouped by measure type, in the catalogue's order."""
    return sorted(rows, key=lambda r: (r["measure_type__sort_order"], r["measure_type_id"]))


TYPE_FIELDS = ("measure_type_id", "measure_type__short_label", "measure_type__sort_order")


def compute_followed(scope: Scope, period: Period, *, today: date) -> Figure:
    """Persons with a measure running on the day (the period's last day, or today), by
    measure type and setting: two queries."""
    day = period.as_of(today)
    running = (
        Measure.objects.filter(scope.persons(), start_date__lte=day)
        .exclude(status__in=(Measure.Status.VOID, Measure.Status.PENDING))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .order_by()
    )
    persons = {
        "community": Count("person", distinct=True, filter=Q(setting=Setting.COMMUNITY)),
        "custody": Count("person", distinct=True, filter=Q(setting=Setting.CUSTODY)),
        "all": Count("person", distinct=True),
    }
    rows = [
        Row(
            r["measure_type_id"],
            r["measure_type__short_label"],
            {"community": r["community"], "custody": r["custody"], "all": r["all"]},
        )
        for r in _by_type(running.values(*TYPE_FIELDS).annotate(**persons))
    ]
    return Figure(
        "followed",
        [
            Column("community", "Milieu ouvert"),
            Column("custody", "Milieu fermé"),
            Column("all", "Ensemble (personnes distinctes)"),
        ],
        rows,
        Row("total", "Toutes mesures (personnes distinctes)", running.aggregate(**persons)),
        row_total="all",
        row_parts=("community", "custody"),
        as_of=day,
        distinct=("community", "custody", "all"),
    )


CLOSED = (Measure.Status.ENDED, Measure.Status.REVOKED)


def compute_measures_flow(scope: Scope, period: Period, *, today: date) -> Figure:
    """Measures opened (started in the period, void ones left out) and closed (ended or
    revoked, their end in the period), by type: one query."""
    span = (period.start, period.end)
    opened = Q(start_date__range=span) & ~Q(status=Measure.Status.VOID)
    closed = Q(end_date__range=span, status__in=CLOSED)
    counts = {
        "opened": Count("pk", filter=opened),
        "closed": Count("pk", filter=closed),
        "revoked": Count("pk", filter=closed & Q(status=Measure.Status.REVOKED)),
    }
    found = _by_type(
        Measure.objects.filter(scope.persons())
        .filter(opened | closed)
        .order_by()
        .values(*TYPE_FIELDS)
        .annotate(**counts)
    )
    rows = [
        Row(r["measure_type_id"], r["measure_type__short_label"], {k: r[k] for k in counts})
        for r in found
    ]
    total = {k: sum(r.values[k] for r in rows) for k in counts}
    return Figure(
        "measures_flow",
        [
            Column("opened", "Ouvertes"),
            Column("closed", "Closes"),
            Column("revoked", "dont révoquées"),
        ],
        rows,
        Row("total", "Toutes mesures", total),
    )


def _first_interviews(scope: Scope, period: Period) -> QuerySet:
    """The measures started in the period that call for a first interview, each with the day
    of its first honoured first interview (on or after its start) and the release it may
    follow (the échéancier's inputs: ``agenda.deadlines.first_interviews``)."""
    firsts = (
        Appointment.objects.filter(
            person_id=OuterRef("person_id"),
            kind=Appointment.Kind.FIRST,
            status=Appointment.Status.HONOURED,
            starts_at__date__gte=OuterRef("start_date"),
        )
        .order_by("starts_at", "pk")
        .annotate(day=TruncDate("starts_at"))
        .values("day")[:1]
    )
    latest_release = (
        CustodyRecord.objects.filter(
            person_id=OuterRef("person_id"), release_date__lte=OuterRef("start_date")
        )
        .order_by("-release_date")
        .values("release_date")[:1]
    )
    return (
        Measure.objects.filter(scope.persons(), start_date__range=(period.start, period.end))
        .exclude(status=Measure.Status.VOID)
        .exclude(measure_type_id__in=first_interview.NO_FIRST_INTERVIEW)
        .annotate(
            first_on=Subquery(firsts, output_field=DateField()),
            release=Subquery(latest_release, output_field=DateField()),
        )
        .order_by()
    )


def compute_first_interview(scope: Scope, period: Period, *, today: date) -> Figure:
    """Per rule of the first interview's deadline (``measures.first_interview``): the
    measures started in the period, those whose first interview was held, held within the
    deadline, held late or still missing past the deadline, the share within the deadline
    and the median delay from the decision. Three queries: the measures' inputs (the
    deadline counts calendar months and French working days, which SQL cannot count the same
    way on both databases: the échéancier's own rule is applied to each measure of the
    period), the median over every measure (window functions), and the service's
    settings when not read already."""
    service = scope.settings()
    measures = _first_interviews(scope, period)
    inputs = measures.values(
        "pk",
        "measure_type_id",
        "start_date",
        "decision__date",
        "decision__kind",
        "decision__provisional_execution",
        "decision__ssj_incurred",
        "decision__ssj_on_record",
        "reinforced_follow_up",
        "release",
        "first_on",
    )
    counts: dict[str, dict] = {}
    rule_of: dict[int, str] = {}
    labels: dict[str, str] = {}
    for m in inputs:
        deadline = first_interview.first_interview_deadline(
            m["measure_type_id"],
            decision_date=m["decision__date"],
            start_date=m["start_date"],
            release_date=m["release"],
            default_days=service.first_interview_default_days,
            referred_by_prosecutor=m["decision__kind"] == Decision.Kind.PROSECUTOR,
            reinforced_follow_up=m["reinforced_follow_up"],
            provisional=m["decision__provisional_execution"],
            ssj_incurred=m["decision__ssj_incurred"],
            ssj_on_record=m["decision__ssj_on_record"],
            alsace_moselle=service.alsace_moselle,
        )
        code = deadline.rule.code
        rule_of[m["pk"]] = code
        labels[code] = f"{deadline.rule.label} ({deadline.delay}, {deadline.rule.basis})"
        row = counts.setdefault(code, {"measures": 0, "held": 0, "within": 0, "missing": 0})
        row["measures"] += 1
        if m["first_on"] is not None:
            row["held"] += 1
            row["within"] += m["first_on"] <= deadline.due
        elif deadline.due < today:
            row["missing"] += 1
    overall = medians(measures, _days_between("first_on", "decision__date")) if rule_of else {}
    order = [r.code for r in first_interview.RULES] + [first_interview.SERVICE_DEFAULT]
    rows = []
    for code in sorted(counts, key=order.index):
        values = dict(counts[code])
        values["share"] = _share(values["within"], values["held"] + values["missing"])
        values["decided"] = values["held"] + values["missing"]
        rows.append(Row(code, labels[code], values))
    total = {k: sum(r.values[k] for r in rows) for k in ("measures", "held", "within", "missing")}
    total["decided"] = total["held"] + total["missing"]
    total["share"] = _share(total["within"], total["decided"])
    total["median"] = overall.get(None)
    return Figure(
        "first_interview",
        [
            Column("measures", "Mesures commencées"),
            Column("held", "Premier entretien tenu"),
            Column("within", "Tenu dans le délai légal"),
            Column("missing", "Non tenu, délai dépassé"),
            Column("share", "Part dans le délai (%)", SHARE, base="decided", numerator="within"),
            Column("median", "Délai médian décision → entretien (jours)", MEDIAN, base="held"),
        ],
        rows,
        Row("total", "Toutes mesures", total),
    )


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def compute_caseload(scope: Scope, period: Period, *, today: date) -> Figure:
    """Each active CPIP's caseload and workload today (``caseloads.selectors.cpip_loads``:
    the same numbers as the service view); a CPIP sees their own line only. A stored figure
    of a closed period keeps the day it was computed."""
    if scope.cpip_id is None:
        loads = cpip_loads(scope.service_id, today=today)
    else:  # the CPIP's own files only are read
        loads = own_load(scope.service_id, scope.cpip_id, today=today)
    rows = [
        Row(
            str(load.membership.pk),
            load.user.get_full_name() or load.user.username,
            {
                "persons": load.persons,
                "custody": load.custody,
                "measures": load.measures,
                "reports_due": load.reports_due,
                "points": load.points,
                "capacity": load.capacity,
                "percent": load.percent,
            },
        )
        for load in loads
    ]
    total = None
    if scope.cpip_id is None:
        sums = {
            k: sum((r.values[k] for r in rows), Decimal(0))
            for k in ("persons", "custody", "measures", "reports_due", "points", "capacity")
        }
        sums.update({k: int(sums[k]) for k in ("persons", "custody", "measures", "reports_due")})
        sums["percent"] = (
            round(100 * sums["points"] / sums["capacity"]) if sums["capacity"] else None
        )
        total = Row("total", "Tous les CPIP", sums)
    return Figure(
        "caseload",
        [
            Column("persons", "Personnes suivies"),
            Column("custody", "dont détenues"),
            Column("measures", "Mesures en cours"),
            Column("reports_due", "Rapports à rédiger"),
            Column("points", "Charge (points)", POINTS, base="persons"),
            Column("capacity", "Capacité (points)", PLAIN),
            Column("percent", "Charge / capacité (%)", PERCENT, base="persons"),
        ],
        rows,
        total,
        as_of=today,
    )


def compute_reports(scope: Scope, period: Period, *, today: date) -> Figure:
    """Reports transmitted to the judge in the period, by kind: transmitted by their due
    day, the median lateness against it, answers received and the median delay of the
    answer. Three queries (the counts, then the two medians for every kind at once)."""
    sent = Report.objects.filter(
        scope.persons(), transmitted_at__date__range=(period.start, period.end)
    ).annotate(sent_on=TruncDate("transmitted_at"))
    counts = {
        "sent": Count("pk"),
        "with_due": Count("pk", filter=Q(due_date__isnull=False)),
        "on_time": Count("pk", filter=Q(due_date__gte=F("sent_on"))),
        "answered": Count("answer"),
    }
    found = {r["kind"]: r for r in sent.order_by().values("kind").annotate(**counts)}
    lateness = medians(
        sent.filter(due_date__isnull=False), _days_between("sent_on", "due_date"), by="kind"
    )
    answer_delay = medians(
        sent.filter(answer__isnull=False), _days_between("answer__date", "sent_on"), by="kind"
    )
    rows = []
    for kind, label in report_rules.KIND_LABELS.items():
        if kind not in found:
            continue
        values = {k: found[kind][k] for k in counts}
        values["share"] = _share(values["on_time"], values["with_due"])
        values["lateness"] = lateness.get(kind)
        values["answer_delay"] = answer_delay.get(kind)
        rows.append(Row(kind, label, values))
    total = {k: sum(r.values[k] for r in rows) for k in counts}
    total["share"] = _share(total["on_time"], total["with_due"])
    return Figure(
        "reports",
        [
            Column("sent", "Transmis"),
            Column("with_due", "Avec une échéance"),
            Column("on_time", "Transmis avant l'échéance"),
            Column("share", "Part avant l'échéance (%)", SHARE, "with_due", "on_time"),
            Column("lateness", "Retard médian sur l'échéance (jours)", MEDIAN, "with_due"),
            Column("answered", "Réponses reçues"),
            Column("answer_delay", "Délai médian de réponse (jours)", MEDIAN, "answered"),
        ],
        rows,
        Row("total", "Tous les rapports", total),
    )


# The matters of the opinions whose answer grants (or not) a release or an adjustment.
GRANT_MATTERS = {
    answers.PAROLE: "lc",
    answers.LSC: "lsc",
    answers.LSC_PLEIN_DROIT: "lsc",
    answers.SEMI_LIBERTY: "adjustment",
    answers.OUTSIDE_PLACEMENT: "adjustment",
    answers.HOME_DETENTION: "adjustment",
    answers.ADJUSTMENT_723_15: "adjustment",
}
GRANT_ROWS = {
    "lc": "Libération conditionnelle",
    "lsc": "Libération sous contrainte (dont de plein droit)",
    "adjustment": "Aménagement de peine (semi-liberté, placement extérieur, DDSE, 723-15)",
}
ANSWER_COLUMNS = {
    answers.GRANTED: "granted",
    answers.REFUSED: "refused",
    answers.ADJOURNED: "adjourned",
}


def compute_grants(scope: Scope, period: Period, *, today: date) -> Figure:
    """The judges' answers dated in the period to the opinions on a parole, a release under
    constraint or an adjustment: granted, refused, adjourned, other. One query, grouped by
    matter and answer (a handful of groups, folded into three rows)."""
    found = (
        JudgeAnswer.objects.filter(
            scope.persons("report__person__"),
            date__range=(period.start, period.end),
            report__matter__in=list(GRANT_MATTERS),
        )
        .order_by()
        .values("report__matter", "kind")
        .annotate(n=Count("pk"))
    )
    keys = ("granted", "refused", "adjourned", "other")
    values = {row: dict.fromkeys(keys, 0) for row in GRANT_ROWS}
    for group in found:  # at most 7 matters × the answers to them
        column = ANSWER_COLUMNS.get(group["kind"], "other")
        values[GRANT_MATTERS[group["report__matter"]]][column] += group["n"]
    rows = []
    for key, label in GRANT_ROWS.items():
        values[key]["total"] = sum(values[key][k] for k in keys)
        rows.append(Row(key, label, values[key]))
    total = {k: sum(r.values[k] for r in rows) for k in (*keys, "total")}
    return Figure(
        "grants",
        [
            Column("granted", "Accordées"),
            Column("refused", "Refusées"),
            Column("adjourned", "Ajournées"),
            Column("other", "Autres réponses"),
            Column("total", "Ensemble des réponses"),
        ],
        rows,
        Row("all", "Ensemble", total),
        row_total="total",
        row_parts=keys,
    )


def compute_incidents(scope: Scope, period: Period, *, today: date) -> Figure:
    """Incidents whose facts date from the period, by kind: recorded (of which reported to
    the judge by a report) and dismissed. One query."""
    recorded = Q(status=Incident.Status.RECORDED)
    counts = {
        "recorded": Count("pk", filter=recorded),
        "reported": Count("pk", filter=recorded & Q(has_report=True)),
        "dismissed": Count("pk", filter=Q(status=Incident.Status.DISMISSED)),
    }
    found = {
        r["kind"]: r
        for r in Incident.objects.filter(
            scope.persons(), occurred_on__range=(period.start, period.end)
        )
        .annotate(has_report=Exists(Report.objects.filter(incident_id=OuterRef("pk"))))
        .order_by()
        .values("kind")
        .annotate(**counts)
    }
    rows = [
        Row(kind, label, {k: found[kind][k] for k in counts})
        for kind, label in Incident.Kind.choices
        if kind in found
    ]
    total = {k: sum(r.values[k] for r in rows) for k in counts}
    return Figure(
        "incidents",
        [
            Column("recorded", "Constatés"),
            Column("reported", "dont signalés au magistrat"),
            Column("dismissed", "Écartés"),
        ],
        rows,
        Row("total", "Tous les manquements", total),
    )


def compute_tig_hours(scope: Scope, period: Period, *, today: date) -> Figure:
    """Hours of community work done in the period, by month, with the persons who did them,
    the sessions and the absences without excuse. Two queries (by month, then the period's
    distinct persons)."""
    work = Q(kind=tig_rules.WORK)
    sessions = WorkSession.objects.filter(
        scope.persons("assignment__order__person__"), on__range=(period.start, period.end)
    ).order_by()
    counts = {
        "hours": Sum("hours", filter=work),
        "persons": Count("assignment__order__person", distinct=True, filter=work),
        "sessions": Count("pk", filter=work),
        "unexcused": Count("pk", filter=Q(kind="absence_unexcused")),
    }
    found = {
        _month_key(r["month"]): r
        for r in sessions.annotate(month=TruncMonth("on")).values("month").annotate(**counts)
    }
    rows = []
    for first in period.months():
        r = found.get(first.isoformat(), {})
        rows.append(
            Row(
                first.isoformat(),
                f"{rules.MONTHS_FR[first.month - 1].capitalize()} {first.year}",
                {
                    "hours": r.get("hours") or Decimal(0),
                    "persons": r.get("persons", 0),
                    "sessions": r.get("sessions", 0),
                    "unexcused": r.get("unexcused", 0),
                },
            )
        )
    total = sessions.aggregate(**counts)
    total["hours"] = total["hours"] or Decimal(0)
    return Figure(
        "tig_hours",
        [
            Column("hours", "Heures effectuées", HOURS, base="persons"),
            Column("persons", "Personnes"),
            Column("sessions", "Séances effectuées"),
            Column("unexcused", "Absences non justifiées"),
        ],
        rows,
        Row("total", "Période (personnes distinctes)", total),
        distinct=("persons",),
    )


# The enrolments' moves counted by ``compute_programmes`` (their step dated in the period).
PROGRAMME_MOVES = {
    "proposed": ("proposed",),
    "enrolled": ("enrolled",),
    "completed": ("completed",),
    "left": ("withdrawn", "excluded"),
}


def compute_programmes(scope: Scope, period: Period, *, today: date) -> Figure:
    """Per programme of the service: the enrolments' moves dated in the period (referred,
    enrolled, completed, withdrawn or excluded: ``EnrolmentStep``), the sessions of the period
    held (an attendance recorded), the attendances recorded, present and absent without excuse,
    and the attendance rate. Persons in scope only. Two queries."""
    steps = {
        r["enrolment__programme_id"]: r
        for r in EnrolmentStep.objects.filter(
            scope.persons("enrolment__person__"), at__date__range=(period.start, period.end)
        )
        .order_by()
        .values("enrolment__programme_id", "enrolment__programme__name")
        .annotate(
            **{
                key: Count("enrolment", distinct=True, filter=Q(status__in=statuses))
                for key, statuses in PROGRAMME_MOVES.items()
            }
        )
    }
    attendances = {
        r["enrolment__programme_id"]: r
        for r in Attendance.objects.filter(
            scope.persons("enrolment__person__"),
            session__starts_at__date__range=(period.start, period.end),
        )
        .order_by()
        .values("enrolment__programme_id", "enrolment__programme__name")
        .annotate(
            sessions=Count("session", distinct=True),
            recorded=Count("pk"),
            present=Count("pk", filter=Q(status="present")),
            unexcused=Count("pk", filter=Q(status="unexcused")),
        )
    }
    names = {
        pk: (steps.get(pk) or attendances.get(pk))["enrolment__programme__name"]
        for pk in {*steps, *attendances}
    }
    keys = (*PROGRAMME_MOVES, "sessions", "recorded", "present", "unexcused")
    rows = []
    for pk in sorted(names, key=lambda pk: (names[pk].casefold(), pk)):
        found = {**steps.get(pk, {}), **attendances.get(pk, {})}
        values = {k: found.get(k, 0) for k in keys}
        values["rate"] = _share(values["present"], values["recorded"])
        rows.append(Row(str(pk), names[pk], values))
    total = {k: sum(r.values[k] for r in rows) for k in keys}
    total["rate"] = _share(total["present"], total["recorded"])
    return Figure(
        "programmes",
        [
            Column("proposed", "Orientations"),
            Column("enrolled", "Inscriptions"),
            Column("completed", "Programmes terminés"),
            Column("left", "Abandons et exclusions"),
            Column("sessions", "Séances tenues"),
            Column("recorded", "Présences relevées"),
            Column("present", "dont présent·es"),
            Column("unexcused", "dont absences non excusées"),
            Column("rate", "Taux de présence (%)", SHARE, "recorded", "present"),
        ],
        rows,
        Row("total", "Tous les programmes", total),
    )


def _month_key(value) -> str:
    """TruncMonth's value (a date, or a datetime on some backends) as the month's first day."""
    return date(value.year, value.month, 1).isoformat()


# The housing recorded on the day of a release (``transitions.services.release_record``).
HOUSED = ("own_home", "hosted_family", "shelter", "social_housing")
HOMELESS = "homeless"


def compute_releases(scope: Scope, period: Period, *, today: date) -> Figure:
    """Releases from prison in the period (a committal closed), by how the person left, with
    the housing recorded on the release day: housed, homeless, not recorded. One query."""
    housing = (
        SituationEntry.objects.filter(
            person_id=OuterRef("person_id"),
            domain=SituationEntry.Domain.HOUSING,
            effective_date=OuterRef("release_date"),
        )
        .order_by("-pk")
        .values("status")[:1]
    )
    counts = {
        "housed": Count("pk", filter=Q(housing__in=HOUSED)),
        "homeless": Count("pk", filter=Q(housing=HOMELESS)),
        "unknown": Count(
            "pk", filter=Q(housing__isnull=True) | ~Q(housing__in=(*HOUSED, HOMELESS))
        ),
    }
    found = {
        r["release_kind"]: r
        for r in CustodyRecord.objects.filter(
            scope.persons(), release_date__range=(period.start, period.end)
        )
        .annotate(housing=Subquery(housing))
        .order_by()
        .values("release_kind")
        .annotate(**counts)
    }
    kinds = [*CustodyRecord.ReleaseKind.choices, ("", "Nature non renseignée")]
    rows = []
    for kind, label in kinds:
        if kind not in found:
            continue
        values = {k: found[kind][k] for k in counts}
        values["total"] = sum(values.values())
        rows.append(Row(kind or "unknown", label, values))
    total = {k: sum(r.values[k] for r in rows) for k in (*counts, "total")}
    return Figure(
        "releases",
        [
            Column("housed", "Avec hébergement"),
            Column("homeless", "Sans domicile"),
            Column("unknown", "Hébergement non renseigné"),
            Column("total", "Sorties"),
        ],
        rows,
        Row("all", "Toutes les sorties", total),
        row_total="total",
        row_parts=tuple(counts),
    )


PERIODIC = (Obligation.ProofFrequency.MONTHLY, Obligation.ProofFrequency.QUARTERLY)


def compute_proofs(scope: Scope, period: Period, *, today: date) -> Figure:
    """Monthly and quarterly proofs received in the period, by frequency: received,
    accepted, accepted and received by their due day (the end of the period they cover plus
    the service's grace), refused. One query (and the service's grace when not read already)."""
    grace = scope.settings().proof_grace_days
    due = ExpressionWrapper(F("period_end") + timedelta(days=grace), output_field=DateField())
    accepted = Q(status=Proof.Status.ACCEPTED)
    counts = {
        "received": Count("pk"),
        "accepted": Count("pk", filter=accepted),
        "on_time": Count("pk", filter=accepted & Q(received_on__lte=F("due"))),
        "refused": Count("pk", filter=Q(status=Proof.Status.REFUSED)),
    }
    found = {
        r["obligation__proof_frequency"]: r
        for r in Proof.objects.filter(
            scope.persons(),
            received_on__range=(period.start, period.end),
            obligation__proof_frequency__in=PERIODIC,
        )
        .annotate(due=due)
        .order_by()
        .values("obligation__proof_frequency")
        .annotate(**counts)
    }
    labels = dict(Obligation.ProofFrequency.choices)
    rows = []
    for frequency in PERIODIC:
        if frequency not in found:
            continue
        values = {k: found[frequency][k] for k in counts}
        values["share"] = _share(values["on_time"], values["accepted"])
        rows.append(Row(frequency, labels[frequency], values))
    total = {k: sum(r.values[k] for r in rows) for k in counts}
    total["share"] = _share(total["on_time"], total["accepted"])
    return Figure(
        "proofs",
        [
            Column("received", "Reçus"),
            Column("accepted", "Acceptés"),
            Column("on_time", "Acceptés, reçus à temps"),
            Column("share", "Part à temps (%)", SHARE, "accepted", "on_time"),
            Column("refused", "Refusés"),
        ],
        rows,
        Row("total", "Tous les justificatifs périodiques", total),
    )


def _level_in_force(day: date, person_ref: str = "person_id") -> QuerySet:
    """The applied decision in force on ``day`` of each row's person (the latest applied on or
    before it), to read its level or the day it applies from in a subquery."""
    return IntensityDecision.objects.filter(
        person_id=OuterRef(person_ref),
        status=IntensityDecision.Status.APPLIED,
        applies_from__lte=day,
    ).order_by("-applies_from", "-pk")


NO_LEVEL = "none"
LEVEL_ROWS = {**intensity_rules.LEVEL_LABELS, NO_LEVEL: "Sans niveau d'intensité"}


def compute_intensity(scope: Scope, period: Period, *, today: date) -> Figure:
    """Persons followed on the day (the period's last day, or today), by their level of
    follow-up in force that day, with the compliance of their contacts over the period
    (``rules.contact_window`` and ``rules.contact_compliance``: the échéancier's
    ``contact_status`` over a whole period of the level's rule, the figures' period when
    longer) and the assessments due for review that day. Three queries whatever the size:
    the persons followed with their measure types, level, its start and their latest
    assessment's day (subqueries; only that day of an assessment is read, never its answers),
    the service's contact rules, and the contacts held counted per person in SQL."""
    day = period.as_of(today)
    running = (
        Measure.objects.filter(scope.persons(), start_date__lte=day)
        .exclude(status__in=(Measure.Status.VOID, Measure.Status.PENDING))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .order_by()
        .annotate(
            level=Subquery(_level_in_force(day).values("chosen_level")[:1]),
            level_since=Subquery(
                _level_in_force(day).values("applies_from")[:1], output_field=DateField()
            ),
            assessed_on=Subquery(
                Assessment.objects.filter(person_id=OuterRef("person_id"), assessed_on__lte=day)
                .order_by("-assessed_on", "-pk")
                .values("assessed_on")[:1],
                output_field=DateField(),
            ),
        )
        .values_list("person_id", "measure_type_id", "level", "level_since", "assessed_on")
    )
    persons: dict[int, dict] = {}
    for person_id, kind, level, since, assessed_on in running:
        found = persons.setdefault(
            person_id, {"kinds": set(), "level": level, "since": since, "assessed": assessed_on}
        )
        found["kinds"].add(kind)
    rules_in_force = assessment_selectors.contact_rules(scope.service_id, day)
    bases = sorted(rules.window_bases(rules_in_force, start=period.start, end=day))
    held = _contacts_held(scope, day, bases) if any(p["level"] for p in persons.values()) else {}
    keys = ("persons", "compliant", "below", "recent", "review")
    counts = {level: dict.fromkeys(keys, 0) for level in LEVEL_ROWS}
    for person_id, found in persons.items():
        level = found["level"] if found["level"] in LEVEL_ROWS else NO_LEVEL
        row = counts[level]
        row["persons"] += 1
        if level == NO_LEVEL:
            continue
        rule = intensity_rules.rule_for(rules_in_force, level, found["kinds"])
        window = (
            rules.contact_window(rule, level_since=found["since"], start=period.start, end=day)
            if rule is not None
            else None
        )
        if window is None:
            row["recent"] += 1
        else:
            base = bases.index(min(period.start, day - timedelta(days=rule.period_days - 1)))
            interviews, visits = held.get(person_id, {}).get(base, (0, 0))
            window_days = (window[1] - window[0]).days + 1
            row[
                rules.contact_compliance(
                    rule, window_days=window_days, interviews=interviews, visits=visits
                )
            ] += 1
        if found["assessed"] is None or (
            rule is not None and intensity_rules.review_due(found["assessed"], rule) <= day
        ):
            row["review"] += 1
    rows = []
    for level, label in LEVEL_ROWS.items():
        values: dict = dict(counts[level])
        if level == NO_LEVEL:
            values.update(dict.fromkeys(("compliant", "below", "recent", "review")))
        values["measured"] = counts[level]["compliant"] + counts[level]["below"]
        values["share"] = _share(counts[level]["compliant"], values["measured"])
        rows.append(Row(level, label, values))
    total = {k: sum(counts[level][k] for level in LEVEL_ROWS) for k in keys}
    total["measured"] = total["compliant"] + total["below"]
    total["share"] = _share(total["compliant"], total["measured"])
    return Figure(
        "intensity",
        [
            Column("persons", "Personnes suivies"),
            Column("compliant", "Contacts conformes au niveau"),
            Column("below", "Contacts en dessous du niveau"),
            Column("recent", "Niveau en vigueur depuis moins d'une période"),
            Column("share", "Part conforme (%)", SHARE, base="measured", numerator="compliant"),
            Column("review", "Évaluation à réexaminer"),
        ],
        rows,
        Row("total", "Toutes les personnes suivies", total),
        row_total="persons",
        row_parts=("compliant", "below", "recent"),
        as_of=day,
    )


def _contacts_held(scope: Scope, day: date, bases: list[date]) -> dict[int, dict]:
    """Per person with a level in force on ``day``: for each first day of ``bases`` (by its
    index), the interviews (home visits included) and the home visits honoured from that day,
    or from the day the level applies when later, to ``day``. One query, counted in SQL."""
    interview = Q(kind__in=sorted(intensity_rules.INTERVIEW_KINDS))
    visit = Q(kind__in=sorted(intensity_rules.HOME_VISIT_KINDS))
    counts = {}
    for i, base in enumerate(bases):
        window = Q(held_on__gte=base) & Q(held_on__gte=F("level_since"))
        counts[f"interviews_{i}"] = Count("pk", filter=window & interview)
        counts[f"visits_{i}"] = Count("pk", filter=window & visit)
    rows = (
        Appointment.objects.filter(
            scope.persons(),
            status=Appointment.Status.HONOURED,
            starts_at__gte=on_day(bases[0], 0),
            starts_at__lt=on_day(day + timedelta(days=1), 0),
        )
        .annotate(
            held_on=TruncDate("starts_at"),
            level_since=Subquery(
                _level_in_force(day).values("applies_from")[:1], output_field=DateField()
            ),
        )
        .filter(level_since__isnull=False)
        .order_by()
        .values("person_id")
        .annotate(**counts)
    )
    return {
        row["person_id"]: {
            i: (row[f"interviews_{i}"], row[f"visits_{i}"]) for i in range(len(bases))
        }
        for row in rows
    }


COMPUTE: dict[str, Callable[..., Figure]] = {
    "followed": compute_followed,
    "measures_flow": compute_measures_flow,
    "first_interview": compute_first_interview,
    "caseload": compute_caseload,
    "reports": compute_reports,
    "grants": compute_grants,
    "incidents": compute_incidents,
    "tig_hours": compute_tig_hours,
    "programmes": compute_programmes,
    "releases": compute_releases,
    "proofs": compute_proofs,
    "intensity": compute_intensity,
}


# --- Stored snapshots -------------------------------------------------------------------------


def stored(scope: Scope, period: Period, codes: list[str]) -> dict[str, Figure]:
    """The snapshots of ``codes`` stored for this scope and period with the current
    definitions version (one query)."""
    rows = FigureSnapshot.objects.filter(
        service_id=scope.service_id,
        membership_id=scope.membership_id,
        period_start=period.start,
        period_end=period.end,
        code__in=codes,
        version=rules.DEFINITIONS_VERSION,
    ).values_list("code", "data")
    return {code: Figure.from_data(data) for code, data in rows}


def figures_for(
    scope: Scope, period: Period, codes: list[str], *, today: date
) -> tuple[dict[str, Figure], set[str]]:
    """The figures ``codes`` (before masking) and those read from a stored snapshot: a closed
    period's stored figures, the others computed."""
    found = stored(scope, period, codes) if period.closed(today) else {}
    figures = {
        code: found[code] if code in found else COMPUTE[code](scope, period, today=today)
        for code in codes
    }
    return figures, set(found)
