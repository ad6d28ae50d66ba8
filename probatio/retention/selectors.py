"""Reads of the retention app: the rules in force, the legal holds, and what each rule finds due
in a service (the dry-run and the job read the same selectors, so that what the dry-run lists
is what the run removes)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate

from probatio.agenda.models import Appointment
from probatio.audit.models import AuditEntry
from probatio.compliance.models import Proof
from probatio.core.dates import add_months
from probatio.core.text import count
from probatio.measures.models import Measure
from probatio.messaging.models import Message
from probatio.notes.models import InterviewNote
from probatio.people.models import CustodyRecord, Person
from probatio.retention import rules
from probatio.retention.models import Kind, LegalHold, RetentionRule

# Messages whose life is over (never one still to send or being sent).
FINISHED_MESSAGES = (
    Message.Status.SENT,
    Message.Status.DELIVERED,
    Message.Status.FAILED,
    Message.Status.CANCELLED,
    Message.Status.UNCERTAIN,
)


def rules_in_force() -> list[RetentionRule]:
    return list(RetentionRule.objects.filter(active=True).order_by("pk"))


def rule_get(code: str) -> RetentionRule | None:
    return RetentionRule.objects.filter(code=code).first()


def hold_in_force(person: Person) -> LegalHold | None:
    return (
        LegalHold.objects.filter(person=person, lifted_at__isnull=True)
        .select_related("set_by")
        .first()
    )


def holds_of(person: Person) -> list[LegalHold]:
    """Every hold of a file, the current one first (the dossier's retention section)."""
    return list(LegalHold.objects.filter(person=person).select_related("set_by", "lifted_by")[:20])


def service_holds(service_id: int) -> list[LegalHold]:
    """The holds in force in a service, with their person (the managers' page)."""
    return list(
        LegalHold.objects.filter(person__service_id=service_id, lifted_at__isnull=True)
        .select_related("person", "set_by")
        .order_by("-set_at", "-pk")
    )


def _held() -> Exists:
    return Exists(LegalHold.objects.filter(person=OuterRef("pk"), lifted_at__isnull=True))


def closed_files(
    service_id: int, *, before: date, now: datetime, person_ids: list[int] | None = None
) -> QuerySet:
    """The service's closed files (``rules.file_is_closed``) not under a legal hold whose end
    — the end of the last measure, or the last release from custody when later — is on or
    before ``before``; annotated ``ended``, ``note_count`` and ``proof_count``, oldest first.
    A file with no measure at all is never closed (pre-sentence work: docs/data-protection.md).
    """
    measure_end = Coalesce(F("end_date"), TruncDate("updated_at"), output_field=DateField())
    last_measure_end = Subquery(
        Measure.objects.filter(person=OuterRef("pk"))
        .annotate(ended=measure_end)
        .order_by(F("ended").desc(nulls_last=True))
        .values("ended")[:1],
        output_field=DateField(),
    )
    last_release = Subquery(
        CustodyRecord.objects.filter(person=OuterRef("pk"), release_date__isnull=False)
        .order_by("-release_date")
        .values("release_date")[:1],
        output_field=DateField(),
    )
    open_measure = Measure.objects.filter(person=OuterRef("pk"), status__in=Measure.OPEN_STATUSES)
    in_custody = CustodyRecord.objects.filter(person=OuterRef("pk"), release_date__isnull=True)
    to_come = Appointment.objects.filter(
        person=OuterRef("pk"), status=Appointment.Status.PLANNED, starts_at__gte=now
    )
    count_of = {
        "note_count": InterviewNote.objects.filter(person=OuterRef("pk")),
        "proof_count": Proof.objects.filter(person=OuterRef("pk")),
    }
    persons = Person.objects.filter(service_id=service_id)
    if person_ids is not None:
        persons = persons.filter(pk__in=person_ids)
    return (
        persons.annotate(last_measure_end=last_measure_end)
        .filter(last_measure_end__isnull=False)
        .annotate(
            ended=Greatest(
                F("last_measure_end"),
                Coalesce(last_release, F("last_measure_end"), output_field=DateField()),
                output_field=DateField(),
            )
        )
        .filter(ended__lte=before)
        .exclude(Exists(open_measure))
        .exclude(Exists(in_custody))
        .exclude(Exists(to_come))
        .exclude(_held())
        .annotate(
            **{
                name: Coalesce(
                    Subquery(
                        rows.order_by().values("person").annotate(n=Count("pk")).values("n")[:1],
                        output_field=IntegerField(),
                    ),
                    Value(0),
                )
                for name, rows in count_of.items()
            }
        )
        .order_by("ended", "pk")
    )


def messages_due(service_id: int, *, before: datetime) -> QuerySet:
    """The service's finished messages sent (or, never sent, scheduled) before ``before``,
    except those of a file under a legal hold."""
    held = LegalHold.objects.filter(person=OuterRef("person"), lifted_at__isnull=True)
    return (
        Message.objects.filter(service_id=service_id, status__in=FINISHED_MESSAGES)
        .annotate(sent_or_scheduled=Coalesce("sent_at", "scheduled_at"))
        .filter(sent_or_scheduled__lt=before)
        .exclude(Exists(held))
        .order_by("pk")
    )


def journal_due_count(service_id: int, *, before: datetime) -> int:
    """The entries of the service's chain older than ``before`` (what the purge would take
    from it: docs/audit.md, « Retention »)."""
    return AuditEntry.objects.filter(chain=f"service:{service_id}", at__lt=before).count()


# --- The managers' page: the dry-run today and within a year, in a few queries. ---


@dataclass
class DueFile:
    person_id: int
    name: str
    ended: date
    due_on: date
    note_count: int
    proof_count: int


@dataclass
class RuleOutlook:
    rule: RetentionRule
    today: int = 0
    within_a_year: int = 0

    @property
    def today_text(self) -> str:
        return count(self.today, *UNITS[self.rule.kind])

    @property
    def within_a_year_text(self) -> str:
        return count(self.within_a_year, *UNITS[self.rule.kind])


@dataclass
class Outlook:
    today: date
    horizon: date
    rules: list[RuleOutlook] = field(default_factory=list)
    files: list[DueFile] = field(default_factory=list)  # the files due within the horizon


UNITS = {
    Kind.FILES: ("dossier", "dossiers"),
    Kind.NOTES: ("note", "notes"),
    Kind.PROOF_FILES: ("justificatif", "justificatifs"),
    Kind.MESSAGES: ("message", "messages"),
    Kind.JOURNAL: ("entrée", "entrées"),
}


def outlook(service_id: int, *, today: date, now: datetime) -> Outlook:
    """What the rules in force would take from the service today and within a year (the
    dry-run as of today + 1 year), by rule, and the files due within the year. A fixed number
    of queries, whatever the size of the service: one for the rules, one for the closed files
    (the longest horizon of the file rules), one for the messages, one for the journal."""
    horizon = add_months(today, 12)
    result = Outlook(today=today, horizon=horizon)
    in_force = rules_in_force()
    by_kind = {rule.kind: rule for rule in in_force}
    file_rule = by_kind.get(Kind.FILES)
    part_rules = [by_kind[k] for k in (Kind.NOTES, Kind.PROOF_FILES) if k in by_kind]
    closed = []
    if file_rule or part_rules:
        shortest = min(rule.duration_months for rule in [r for r in (file_rule, *part_rules) if r])
        closed = list(
            closed_files(service_id, before=rules.cutoff(horizon, shortest), now=now).values(
                "pk", "surname", "first_names", "ended", "note_count", "proof_count"
            )
        )
    messages = {}
    if Kind.MESSAGES in by_kind:
        months = by_kind[Kind.MESSAGES].duration_months
        held = LegalHold.objects.filter(person=OuterRef("person"), lifted_at__isnull=True)
        messages = (
            Message.objects.filter(service_id=service_id, status__in=FINISHED_MESSAGES)
            .exclude(Exists(held))
            .annotate(sent_or_scheduled=Coalesce("sent_at", "scheduled_at"))
            .aggregate(
                today=Count("pk", filter=Q(sent_or_scheduled__lt=rules.cutoff_time(today, months))),
                within_a_year=Count(
                    "pk", filter=Q(sent_or_scheduled__lt=rules.cutoff_time(horizon, months))
                ),
            )
        )
    journal = {}
    if Kind.JOURNAL in by_kind:
        months = by_kind[Kind.JOURNAL].duration_months
        journal = AuditEntry.objects.filter(chain=f"service:{service_id}").aggregate(
            today=Count("pk", filter=Q(at__lt=rules.cutoff_time(today, months))),
            within_a_year=Count("pk", filter=Q(at__lt=rules.cutoff_time(horizon, months))),
        )

    def files_due(rule: RetentionRule, as_of: date) -> list[dict]:
        last = rules.cutoff(as_of, rule.duration_months)
        return [row for row in closed if row["ended"] <= last]

    deleted_today = {row["pk"] for row in files_due(file_rule, today)} if file_rule else set()
    deleted_later = {row["pk"] for row in files_due(file_rule, horizon)} if file_rule else set()
    for rule in in_force:
        one = RuleOutlook(rule=rule)
        if rule.kind == Kind.FILES:
            one.today, one.within_a_year = len(deleted_today), len(deleted_later)
        elif rule.kind in (Kind.NOTES, Kind.PROOF_FILES):
            counted = "note_count" if rule.kind == Kind.NOTES else "proof_count"
            for as_of, deleted, attribute in (
                (today, deleted_today, "today"),
                (horizon, deleted_later, "within_a_year"),
            ):
                total = sum(
                    row[counted] for row in files_due(rule, as_of) if row["pk"] not in deleted
                )
                setattr(one, attribute, total)
        elif rule.kind == Kind.MESSAGES:
            one.today, one.within_a_year = messages["today"], messages["within_a_year"]
        elif rule.kind == Kind.JOURNAL:
            one.today, one.within_a_year = journal["today"], journal["within_a_year"]
        result.rules.append(one)
    if file_rule:
        result.files = [
            DueFile(
                person_id=row["pk"],
                name=f"{row['surname'].upper()} {row['first_names']}",
                ended=row["ended"],
                due_on=rules.due_on(row["ended"], file_rule.duration_months),
                note_count=row["note_count"],
                proof_count=row["proof_count"],
            )
            for row in files_due(file_rule, horizon)
        ]
    return result
