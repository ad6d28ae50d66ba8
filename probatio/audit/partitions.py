"""The journal's monthly partitions on PostgreSQL.

Since migration ``audit.0004``, ``audit_auditentry`` is a table partitioned by range of ``at``
on PostgreSQL: one partition per month (UTC, from the 1st at 00:00 to the next 1st), named
``audit_auditentry_pYYYY_MM``, and a ``DEFAULT`` partition (``audit_auditentry_default``) that
takes any row no monthly partition covers, so that an insert never fails.

``ensure_partitions`` creates the missing monthly partitions (this month and the months ahead,
and any past month asked for) and empties the default partition: a month that has rows there
gets its partition, and its rows are moved into it (see the function). It runs in the
migration, each night (``audit.periodic``, journaled by the platform's system actor when it
created or moved anything), in the national generator before it writes years of history, and
from ``manage.py audit_partitions --ensure``. On SQLite (and on a table not partitioned) it
does nothing.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

TABLE = "audit_auditentry"
DEFAULT_PARTITION = f"{TABLE}_default"
MONTHS_AHEAD = 3
# Serialises two runs of ``ensure_partitions`` (the worker's job and a command, two workers).
_LOCK_KEY = 0x4A_4F55_524E  # "JOURN"


@dataclass(frozen=True)
class Partition:
    name: str
    month: date | None  # None: the default partition
    rows: int | None = None

    @property
    def label(self) -> str:
        if self.month is None:
            return "partition par défaut"
        return f"{self.month:%m/%Y}"


def month_of(value: date | datetime) -> date:
    """The first day of the (UTC) month of a date or an aware datetime."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if timezone.is_aware(value) else value
        value = value.date()
    return value.replace(day=1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_p{month:%Y_%m}"


def _bound(month: date) -> str:
    # A literal built from a date only (no user input): bounds cannot be query parameters.
    return f"'{month:%Y-%m-%d} 00:00:00+00'"


def is_partitioned(using: str = DEFAULT_DB_ALIAS) -> bool:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c "
            "ON c.oid = p.partrelid WHERE c.oid = to_regclass(%s))",
            [TABLE],
        )
        return cursor.fetchone()[0]


def _attached(cursor) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
        [TABLE],
    )
    return [row[0] for row in cursor.fetchall()]


def _month_of_name(name: str) -> date | None:
    prefix = f"{TABLE}_p"
    if not name.startswith(prefix):
        return None
    try:
        year, month = name[len(prefix) :].split("_")
        return date(int(year), int(month), 1)
    except ValueError:
        return None


def partitions(*, counts: bool = True, using: str = DEFAULT_DB_ALIAS) -> list[Partition]:
    """The partitions attached to the journal, months in order then the default one, with
    their number of rows (exact, a count of each partition: slow on a large journal) unless
    ``counts`` is false. Empty on SQLite."""
    if not is_partitioned(using):
        return []
    found = []
    with connections[using].cursor() as cursor:
        for name in _attached(cursor):
            rows = None
            if counts:
                cursor.execute(f'SELECT count(*) FROM "{name}"')
                rows = cursor.fetchone()[0]
            found.append(Partition(name=name, month=_month_of_name(name), rows=rows))
    return sorted(found, key=lambda p: (p.month is None, p.month or date.min, p.name))


def ensure_partitions(
    months_ahead: int = MONTHS_AHEAD,
    *,
    from_month: date | datetime | None = None,
    today: date | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> dict:
    """Create the missing monthly partitions of the journal and the default one: every month
    from ``from_month`` (this month when not given, or when later) to ``months_ahead`` months
    after this month, and every month that has rows in the default partition.

    Rows in the default partition (written before their month had a partition: a date far in
    the past, a partition not created in time) are moved into their new partitions: the
    default partition is detached, the partitions created, its rows inserted into the journal
    (where they land in their months) and deleted from it, and it is attached again — one
    transaction, which holds the journal's lock meanwhile (only when the default partition has
    rows; otherwise creating a partition only checks that it is empty). Idempotent; does
    nothing on SQLite or when the table is not partitioned.

    Returns ``{"created": [names of the partitions created], "moved": rows moved}``."""
    done = {"created": [], "moved": 0}
    if not is_partitioned(using):
        return done
    this_month = month_of(today or timezone.now())
    first = min(month_of(from_month), this_month) if from_month else this_month
    last = add_months(this_month, months_ahead)
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        attached = set(_attached(cursor))
        wanted = set()
        month = first
        while month <= last:
            wanted.add(month)
            month = add_months(month, 1)
        has_default = DEFAULT_PARTITION in attached
        stranded = False
        if has_default:
            cursor.execute(
                f"SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC')::date "
                f'FROM "{DEFAULT_PARTITION}"'
            )
            months_in_default = {row[0] for row in cursor.fetchall()}
            wanted |= months_in_default
            stranded = bool(months_in_default)
        missing = sorted(m for m in wanted if partition_name(m) not in attached)
        if stranded:
            # PostgreSQL moves no row with a foreign-key check still pending (a row written
            # earlier in the same transaction): those checks are made now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'ALTER TABLE "{TABLE}" DETACH PARTITION "{DEFAULT_PARTITION}"')
        for month in missing:
            name = partition_name(month)
            cursor.execute(
                f'CREATE TABLE "{name}" PARTITION OF "{TABLE}" '
                f"FOR VALUES FROM ({_bound(month)}) TO ({_bound(add_months(month, 1))})"
            )
            done["created"].append(name)
        if stranded:
            columns = ", ".join(f'"{column}"' for column in _columns(cursor))
            cursor.execute(
                f'INSERT INTO "{TABLE}" ({columns}) SELECT {columns} FROM "{DEFAULT_PARTITION}"'
            )
            done["moved"] = cursor.rowcount
            cursor.execute(f'TRUNCATE "{DEFAULT_PARTITION}"')
        if stranded:
            cursor.execute(f'ALTER TABLE "{TABLE}" ATTACH PARTITION "{DEFAULT_PARTITION}" DEFAULT')
        elif not has_default:
            cursor.execute(f'CREATE TABLE "{DEFAULT_PARTITION}" PARTITION OF "{TABLE}" DEFAULT')
            done["created"].append(DEFAULT_PARTITION)
    return done


def _columns(cursor) -> list[str]:
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum",
        [TABLE],
    )
    return [row[0] for row in cursor.fetchall()]


# --- The nightly job ---------------------------------------------------------------------------

REASON = "Partitions du journal"


@dataclass(frozen=True)
class PlatformJob:
    """Who the journal names for the partitions' nightly job: the system actor of the
    platform (``accounts.system.SystemActor`` works for one service; the journal's partitions
    belong to none): no account, the label « Traitement automatique (<reason>) »."""

    reason: str
    is_system = True

    def __str__(self) -> str:
        return f"Traitement automatique ({self.reason})"


def run_periodic(*, now: datetime) -> dict:
    """The months ahead created each night (``audit.periodic``); journaled in the platform's
    chain when a partition was created or rows moved out of the default one."""
    from probatio.access.policy import SYSTEM
    from probatio.audit import services as audit

    done = ensure_partitions(today=timezone.localdate(now, UTC))
    if done["created"] or done["moved"]:
        labels = [_label(name) for name in done["created"]]
        with transaction.atomic():
            audit.record(
                actor=PlatformJob(REASON),
                action=audit.Action.CREATE,
                service_id=None,
                role=SYSTEM,
                object_type="audit.auditentry",
                summary=f"Partitions du journal créées : {', '.join(labels)}"[:300],
                context={"reason": REASON, "partitions": done["created"], "moved": done["moved"]},
            )
    return {"created": len(done["created"]), "moved": done["moved"]}


def _label(name: str) -> str:
    month = _month_of_name(name)
    return Partition(name=name, month=month).label
