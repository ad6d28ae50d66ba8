"""Reads of the anomaly view (docs/audit.md, « Anomalies »): the journal of one service,
aggregated in SQL per reader and day (Paris time), each list a query to page.

- ``unusual_reads``: the files of persons never assigned to the reader, read that day, above
  the service's threshold. « Never assigned »: not the reader's file now (their CPIP, or
  among the other professionals who follow the person), never given to them according to the
  journal's assignment changes (``assigned_cpip`` after a change, ``support_staff`` after a
  change), and never written in by them (an entry of creation, change or deletion on that
  person). For the roles that hold no file (manager, secretariat) only the last part can hold:
  a file they never wrote in. Judges are left out (their gate opens only their own files).
- ``out_of_hours_reads``: the reads out of the service's working hours (``rules``).
- ``denial_bursts``: the refusals of one user, when the largest number within the window
  reaches the threshold.

The journal only: nothing here names a person by what their file holds.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import NotSupportedError
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import (
    Cast,
    ExtractHour,
    ExtractIsoWeekDay,
    ExtractMinute,
    TruncDate,
)
from django.utils import timezone

from probatio.access.roles import Role
from probatio.audit.models import AuditEntry
from probatio.core.workdays import public_holidays
from probatio.organisation.models import Service
from probatio.oversight import rules
from probatio.people.models import Person

User = get_user_model()
Action = AuditEntry.Action
WRITES = (Action.CREATE, Action.UPDATE, Action.DELETE)
PERSON = "people.person"


@dataclass(frozen=True)
class ServiceThresholds:
    thresholds: rules.Thresholds
    alsace_moselle: bool  # the service's calendar of public holidays
    custom: bool  # the service set its own (else the defaults)


def thresholds_for(service_id: int) -> ServiceThresholds:
    """The service's thresholds, or the defaults when it set none (one query)."""
    names = [f"oversight_settings__{name}" for name in rules.FIELDS]
    row = Service.objects.filter(pk=service_id).values("alsace_moselle", *names).first() or {}
    values = {name: row.get(f"oversight_settings__{name}") for name in rules.FIELDS}
    custom = values["day_starts"] is not None
    return ServiceThresholds(
        thresholds=rules.Thresholds(**values) if custom else rules.DEFAULTS,
        alsace_moselle=bool(row.get("alsace_moselle")),
        custom=custom,
    )


# --- Days and hours -------------------------------------------------------------------------


def day_start(day: date) -> datetime:
    """Midnight, Paris time, at the start of ``day``."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _in_days(entries: QuerySet, start: date, end: date) -> QuerySet:
    return entries.filter(at__gte=day_start(start), at__lt=day_start(end + timedelta(days=1)))


def _local_day():
    return TruncDate("at", tzinfo=timezone.get_default_timezone())


# --- « Never assigned » ---------------------------------------------------------------------


class ListHolds(Func):
    """The list that ``changes[key][1]`` holds (the value after a change) contains ``value``:
    ``json_each`` on SQLite, ``@>`` on PostgreSQL (an index-free test on the few entries of
    one file)."""

    output_field = BooleanField()

    def __init__(self, key: str, value, **extra):
        super().__init__(F("changes"), value, **extra)
        self.key = key

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError(f"ListHolds: {connection.vendor} n'est pas pris en charge.")

    def _parts(self, compiler):
        changes, value = self.source_expressions
        return compiler.compile(changes), compiler.compile(value)

    def as_sqlite(self, compiler, connection, **extra):
        (changes_sql, changes_params), (value_sql, value_params) = self._parts(compiler)
        return (
            f"EXISTS (SELECT 1 FROM json_each({changes_sql}, %s) AS held "
            f"WHERE held.value = {value_sql})",
            [*changes_params, f'$."{self.key}"[1]', *value_params],
        )

    def as_postgresql(self, compiler, connection, **extra):
        (changes_sql, changes_params), (value_sql, value_params) = self._parts(compiler)
        return (
            f"COALESCE(({changes_sql} -> %s -> 1) @> to_jsonb({value_sql}), false)",
            [*changes_params, self.key, *value_params],
        )


def never_assigned(person, actor) -> Q:
    """The condition « the file of ``person`` was never assigned to ``actor`` and ``actor``
    never wrote in it » (``person`` and ``actor``: expressions of the outer query, such as
    ``OuterRef("person_id")`` or a ``Value``)."""
    file_entries = AuditEntry.objects.filter(person_id=person)
    return (
        ~Q(Exists(Person.objects.filter(pk=person, assigned_cpip_id=actor)))
        & ~Q(Exists(Person.support_staff.through.objects.filter(person_id=person, user_id=actor)))
        & ~Q(
            Exists(
                file_entries.filter(object_type=PERSON, action__in=(Action.CREATE, Action.UPDATE))
                .annotate(cpip_after=Cast(KT("changes__assigned_cpip__1"), BigIntegerField()))
                .filter(cpip_after=actor)
            )
        )
        & ~Q(
            Exists(
                file_entries.filter(object_type=PERSON, action__in=(Action.CREATE, Action.UPDATE))
                .filter(changes__has_key="support_staff")
                .filter(ListHolds("support_staff", actor))
            )
        )
        & ~Q(Exists(file_entries.filter(actor_id=actor, action__in=WRITES)))
    )


def _never_assigned_here() -> Q:
    return never_assigned(OuterRef("person_id"), OuterRef("actor_id"))


# --- The three lists ------------------------------------------------------------------------


def _reads(service_id: int, start: date, end: date) -> QuerySet:
    """The reads of files by the service's staff in the days (no system actor)."""
    return _in_days(
        AuditEntry.objects.filter(
            service_id=service_id,
            action=Action.READ,
            actor_id__isnull=False,
            person_id__isnull=False,
        ),
        start,
        end,
    )


def _per_reader_day(entries: QuerySet, **aggregates) -> QuerySet:
    return (
        entries.annotate(day=_local_day())
        .values("actor_id", "day")
        .annotate(label=Max("actor_label"), role_code=Max("role"), **aggregates)
    )


def unusual_reads(service_id: int, start: date, end: date, *, threshold: int) -> QuerySet:
    """Per reader and day, the files of persons never assigned to them that they read, when
    more than ``threshold``: rows of ``actor_id``, ``day``, ``label``, ``role_code``,
    ``files`` (distinct files), ``reads`` (entries), latest day first."""
    entries = _reads(service_id, start, end).exclude(role=Role.JUDGE).filter(_never_assigned_here())
    return (
        _per_reader_day(entries, files=Count("person_id", distinct=True), reads=Count("id"))
        .filter(files__gt=threshold)
        .order_by("-day", "-files", "label", "actor_id")
    )


def out_of_hours_condition(thresholds: rules.Thresholds, holidays) -> Q:
    """Entries annotated by ``with_local_clock``: out of the working hours (``rules``)."""
    starts = thresholds.day_starts.hour * 60 + thresholds.day_starts.minute
    ends = thresholds.day_ends.hour * 60 + thresholds.day_ends.minute
    return (
        Q(minute_of_day__lt=starts)
        | Q(minute_of_day__gte=ends)
        | Q(weekday__gte=6)
        | Q(day__in=list(holidays))
    )


def with_local_clock(entries: QuerySet) -> QuerySet:
    tz = timezone.get_default_timezone()
    return entries.annotate(
        day=_local_day(),
        minute_of_day=ExtractHour("at", tzinfo=tz) * 60 + ExtractMinute("at", tzinfo=tz),
        weekday=ExtractIsoWeekDay("at", tzinfo=tz),
    )


def holidays_between(start: date, end: date, *, alsace_moselle: bool) -> list[date]:
    return sorted(
        day
        for year in range(start.year, end.year + 1)
        for day in public_holidays(year, alsace_moselle=alsace_moselle)
        if start <= day <= end
    )


def out_of_hours_reads(
    service_id: int,
    start: date,
    end: date,
    *,
    thresholds: rules.Thresholds,
    alsace_moselle: bool,
) -> QuerySet:
    """Per reader and day, their reads out of the working hours: ``files``, ``reads``,
    ``first`` and ``last`` (times of the first and last such read), latest day first."""
    holidays = holidays_between(start, end, alsace_moselle=alsace_moselle)
    entries = with_local_clock(_reads(service_id, start, end)).filter(
        out_of_hours_condition(thresholds, holidays)
    )
    return (
        entries.values("actor_id", "day")
        .annotate(
            label=Max("actor_label"),
            role_code=Max("role"),
            files=Count("person_id", distinct=True),
            reads=Count("id"),
            first=Min("at"),
            last=Max("at"),
        )
        .order_by("-day", "-reads", "label", "actor_id")
    )


def _denials(service_id: int) -> QuerySet:
    return AuditEntry.objects.filter(
        service_id=service_id, action=Action.DENIED, actor_id__isnull=False
    )


def denial_bursts(service_id: int, start: date, end: date, *, thresholds: rules.Thresholds):
    """Per user and day, their refusals when a burst reached the threshold: ``denials`` (that
    day), ``peak`` (the largest number within the window, counted from each refusal),
    ``first`` and ``last``, latest day first."""
    window = timedelta(minutes=thresholds.denial_burst_minutes)
    in_window = (
        _denials(service_id)
        .filter(
            actor_id=OuterRef("actor_id"), at__gte=OuterRef("at"), at__lt=OuterRef("at") + window
        )
        .order_by()
        .values("actor_id")
        .annotate(count=Count("id"))
        .values("count")
    )
    entries = _in_days(_denials(service_id), start, end).annotate(
        in_window=Subquery(in_window, output_field=IntegerField())
    )
    return (
        _per_reader_day(
            entries, peak=Max("in_window"), denials=Count("id"), first=Min("at"), last=Max("at")
        )
        .filter(peak__gte=thresholds.denial_burst_count)
        .order_by("-day", "-peak", "label", "actor_id")
    )


# --- One reader's day -----------------------------------------------------------------------


def staff_member_get(service_id: int, user_id: int):
    """A user who is or was a member of the service, else None (another service's user, or
    no one: a 404)."""
    return User.objects.filter(pk=user_id, memberships__service_id=service_id).first()


def reader_entries(service_id: int, user_id: int, day: date) -> QuerySet:
    """The journal entries of one user in the service on ``day`` (Paris time), latest first,
    each read annotated ``unassigned`` (the file was never assigned to them: as above)."""
    entries = _in_days(AuditEntry.objects.filter(service_id=service_id, actor_id=user_id), day, day)
    return entries.annotate(
        unassigned=Case(
            When(
                Q(action=Action.READ, person_id__isnull=False) & _never_assigned_here(),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    ).order_by("-at", "-id")


def denial_moments(service_id: int, user_id: int, day: date) -> list[datetime]:
    """The times of the user's refusals on ``day``."""
    return list(
        _in_days(_denials(service_id).filter(actor_id=user_id), day, day).values_list(
            "at", flat=True
        )
    )


def persons_named(service_id: int, ids) -> dict[int, str]:
    """``{id: name}`` of the persons of the service among ``ids`` (one query; none without
    ids): a file of another service is not named."""
    if not ids:
        return {}
    return {
        pk: f"{surname.upper()} {first_names}".strip()  # as ``Person.__str__``
        for pk, surname, first_names in Person.objects.filter(
            service_id=service_id, pk__in=ids
        ).values_list("pk", "surname", "first_names")
    }


def files_never_assigned_to(service_id: int, user_id: int, *, limit: int) -> list[int]:
    """Ids of persons of the service never assigned to the user nor written in by them (the
    demo picks the files its unusual reader opens)."""
    actor = Value(user_id, output_field=BigIntegerField())
    return list(
        Person.objects.filter(service_id=service_id)
        .filter(never_assigned(OuterRef("pk"), actor))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
