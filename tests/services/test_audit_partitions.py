"""The journal partitioned by month (PostgreSQL) and a verification that follows the chain's
links, whatever the order of the ids or of the rows: forks, gaps, entries added after the head.

The tests not marked ``postgres`` run on both databases."""

import importlib
import random
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from probatio.audit import partitions
from probatio.audit import services as audit
from probatio.audit.models import AuditChainHead, AuditEntry
from probatio.audit.services import GENESIS, entry_digest, hashed_fields, verify_chain

pytestmark = pytest.mark.django_db

CHAIN = "service:987654"
BASE_ID = 10**12  # explicit ids, far from the sequence's


def _entry(previous: str, at: datetime, *, pk=None, summary="Consultation", chain=CHAIN):
    entry = AuditEntry(
        pk=pk,
        at=at,
        chain=chain,
        actor=None,
        actor_label="Camille Conseil",
        role="cpip",
        service_id=987654,
        action="read",
        object_type="people.person",
        object_id=1,
        person_id=1,
        summary=summary,
        changes={},
        context={},
    )
    entry.previous_hash = previous
    entry.hash = entry_digest(previous_hash=previous, fields=hashed_fields(entry))
    return entry


def write_chain(moments, *, ids=None, order=None, chain=CHAIN) -> list[AuditEntry]:
    """A valid chain over ``moments`` (in link order), with the ids given (else the
    sequence's), inserted in ``order`` (indexes into the links; link order by default).
    Returns the entries in link order; the head points at the last one."""
    entries, previous = [], GENESIS
    for k, at in enumerate(moments):
        entry = _entry(previous, at, pk=ids[k] if ids else None, summary=f"n° {k}", chain=chain)
        entries.append(entry)
        previous = entry.hash
    for k in order if order is not None else range(len(entries)):
        entries[k].save(force_insert=True)
    AuditChainHead.objects.update_or_create(
        chain=chain, defaults={"last_hash": entries[-1].hash, "last_entry_id": entries[-1].pk}
    )
    return entries


def _months(n: int, start=datetime(2026, 3, 15, 10, tzinfo=UTC)) -> list[datetime]:
    return [start + timedelta(days=31 * k, hours=k) for k in range(n)]


# --- the links, on both databases --------------------------------------------------------------


def test_hash_is_indexed_not_unique():
    field = AuditEntry._meta.get_field("hash")
    assert not field.unique
    assert any(index.fields == ["hash"] for index in AuditEntry._meta.indexes)


def test_a_chain_verifies_whatever_the_order_of_its_ids():
    """Ids that do not follow the links (a later entry with a lower id) and rows inserted in
    yet another order: the verification follows the links."""
    ids = [BASE_ID + k for k in (4, 1, 6, 2, 5, 3, 0)]
    write_chain(_months(7), ids=ids, order=[6, 0, 5, 1, 4, 2, 3])
    assert verify_chain(CHAIN) == (7, [])


def test_a_shuffled_long_chain_verifies_in_small_chunks(monkeypatch):
    """Read in chunks of 3 (the iterator streams), ids shuffled: still one intact chain."""
    monkeypatch.setattr(audit, "VERIFY_CHUNK", 3)
    ids = [BASE_ID + k for k in range(40)]
    random.Random(5).shuffle(ids)
    write_chain(_months(40, start=datetime(2024, 1, 2, tzinfo=UTC)), ids=ids)
    assert verify_chain(CHAIN) == (40, [])


def test_a_removed_entry_is_a_gap_whatever_the_order():
    ids = [BASE_ID + k for k in (3, 0, 4, 1, 2)]
    entries = write_chain(_months(5), ids=ids)
    AuditEntry.objects.filter(pk=entries[2].pk).delete()
    assert verify_chain(CHAIN) == (4, [f"entrée {entries[3].pk} : maillon précédent rompu"])


def test_an_altered_entry_is_detected_whatever_the_order():
    ids = [BASE_ID + k for k in (2, 0, 1)]
    entries = write_chain(_months(3), ids=ids)
    AuditEntry.objects.filter(pk=entries[1].pk).update(summary="Rien à signaler")
    assert verify_chain(CHAIN) == (
        3,
        [f"entrée {entries[1].pk} : contenu modifié (empreinte invalide)"],
    )


def test_an_inserted_entry_is_a_fork():
    """An entry added after an entry already followed (its hash valid): two entries follow
    the same one."""
    entries = write_chain(_months(4))
    forged = _entry(entries[1].hash, entries[1].at + timedelta(minutes=5), summary="Ajoutée")
    forged.save(force_insert=True)
    count, problems = verify_chain(CHAIN)
    assert count == 5
    assert problems == [
        f"entrée {forged.pk} : embranchement (l'entrée {entries[1].pk} est déjà suivie d'une autre)"
    ]


def test_a_copied_entry_is_a_fork():
    """The same entry twice (same hash: nothing unique forbids it any more)."""
    entries = write_chain(_months(3))
    copy = AuditEntry.objects.get(pk=entries[1].pk)
    copy.pk = None
    copy.save(force_insert=True)
    assert copy.hash == entries[1].hash
    _, problems = verify_chain(CHAIN)
    assert problems == [
        f"entrée {copy.pk} : embranchement (l'entrée {entries[0].pk} est déjà suivie d'une autre)"
    ]


def test_a_second_start_is_a_fork():
    entries = write_chain(_months(2))
    other = _entry(GENESIS, entries[0].at + timedelta(minutes=1), summary="Autre début")
    other.save(force_insert=True)
    assert verify_chain(CHAIN)[1] == [f"entrée {other.pk} : second début de chaîne (embranchement)"]


def test_entries_added_after_the_head_are_detected():
    entries = write_chain(_months(3))
    _entry(entries[-1].hash, entries[-1].at + timedelta(minutes=1)).save(force_insert=True)
    assert verify_chain(CHAIN)[1] == [
        "des entrées suivent la tête de chaîne (entrées ajoutées hors de l'application ?)"
    ]


def test_the_head_must_be_the_end_of_the_chain():
    entries = write_chain(_months(3))
    AuditChainHead.objects.filter(chain=CHAIN).update(last_entry_id=entries[1].pk)
    assert verify_chain(CHAIN)[1] == [
        "la tête de chaîne ne correspond pas à la dernière entrée (entrées supprimées ?)"
    ]


def test_ensure_partitions_does_nothing_without_partitions():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    assert partitions.ensure_partitions() == {"created": [], "moved": 0}
    assert AuditEntry.objects.ensure_partitions() == {"created": [], "moved": 0}
    assert partitions.partitions() == []
    assert partitions.run_periodic(now=timezone.now()) == {"created": 0, "moved": 0}
    out = StringIO()
    call_command("audit_partitions", "--ensure", stdout=out)
    assert "Journal non partitionné" in out.getvalue()


def test_month_arithmetic():
    assert partitions.add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert partitions.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    # A UTC month: 31 January 23:30 UTC is 1 February in Paris, but January's partition.
    assert partitions.month_of(datetime(2027, 1, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert partitions.partition_name(date(2027, 1, 1)) == "audit_auditentry_p2027_01"
    assert AuditEntry._meta.db_table == partitions.TABLE


# --- the partitions, on PostgreSQL -------------------------------------------------------------


def _pg():
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"


def _where(pks) -> dict[int, str]:
    """The partition each entry's row is in."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, tableoid::regclass::text FROM {partitions.TABLE} WHERE id = ANY(%s)",
            [list(pks)],
        )
        return dict(cursor.fetchall())


def _attached() -> set[str]:
    with connection.cursor() as cursor:
        return set(partitions._attached(cursor))


@pytest.mark.postgres
def test_after_migrate_the_journal_is_partitioned_by_month():
    _pg()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
            "WHERE p.partrelid = %s::regclass",
            [partitions.TABLE],
        )
        assert cursor.fetchall() == [("r", "at")]
        cursor.execute(
            "SELECT a.attname FROM pg_constraint c JOIN pg_attribute a "
            "ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
            "WHERE c.conrelid = %s::regclass AND c.contype = 'p' ORDER BY a.attnum",
            [partitions.TABLE],
        )
        assert [row[0] for row in cursor.fetchall()] == ["id", "at"]
        cursor.execute(
            "SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass AND indisunique "
            "AND NOT indisprimary",
            [partitions.TABLE],
        )
        assert cursor.fetchone()[0] == 0  # no unique index on hash
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [partitions.TABLE])
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"audit_entry_hash_idx", "audit_audit_person__2a18a7_idx"} <= indexes
    assert {"audit_audit_chain_6ef4cc_idx", "audit_auditentry_pkey"} <= indexes
    this_month = partitions.month_of(timezone.now())
    expected = {partitions.partition_name(partitions.add_months(this_month, k)) for k in range(4)}
    assert expected | {partitions.DEFAULT_PARTITION} <= _attached()
    assert partitions.is_partitioned()


@pytest.mark.postgres
def test_entries_written_across_months_land_in_their_partitions(cpip, time_machine):
    """Entries written by ``audit.record`` this month and two months ahead: each row in its
    month's partition, the chain intact."""
    _pg()
    this_month = partitions.month_of(timezone.now())
    written = []
    for k in range(3):
        moment = datetime.combine(
            partitions.add_months(this_month, k), datetime.min.time(), tzinfo=UTC
        ) + timedelta(days=9, hours=8)
        time_machine.move_to(moment, tick=False)
        with transaction.atomic():
            written.append(
                audit.record(
                    actor=cpip.user,
                    action="read",
                    service_id=cpip.service_id,
                    role=cpip.role,
                    summary=f"Consultation {k}",
                )
            )
    where = _where(e.pk for e in written)
    assert [where[e.pk] for e in written] == [
        partitions.partition_name(partitions.add_months(this_month, k)) for k in range(3)
    ]
    count, problems = verify_chain(f"service:{cpip.service_id}")
    assert problems == []
    assert count == 1 + 3  # the creation of the service starts its chain


@pytest.mark.postgres
def test_a_chain_across_partitions_verifies_whatever_the_physical_order():
    """The rows deleted and inserted again in reverse order (another physical order, other
    places in their partitions), ids against the links: intact; then altered, then cut."""
    _pg()
    partitions.ensure_partitions(from_month=date(2025, 10, 1))
    ids = [BASE_ID + k for k in (5, 3, 4, 0, 2, 1)]
    entries = write_chain(_months(6, start=datetime(2025, 10, 3, tzinfo=UTC)), ids=ids)
    table = partitions.TABLE
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE moved AS SELECT * FROM {table} WHERE chain = %s", [CHAIN]
        )
        cursor.execute(f"DELETE FROM {table} WHERE chain = %s", [CHAIN])
        cursor.execute(f"INSERT INTO {table} SELECT * FROM moved ORDER BY at DESC")
        cursor.execute("DROP TABLE moved")
    assert len(set(_where(ids).values())) == 6  # six months, six partitions
    assert verify_chain(CHAIN) == (6, [])
    AuditEntry.objects.filter(pk=entries[3].pk).update(summary="Réécrit")
    assert verify_chain(CHAIN)[1] == [
        f"entrée {entries[3].pk} : contenu modifié (empreinte invalide)"
    ]
    AuditEntry.objects.filter(pk=entries[3].pk).delete()
    assert verify_chain(CHAIN) == (5, [f"entrée {entries[4].pk} : maillon précédent rompu"])


@pytest.mark.postgres
def test_ensure_partitions_is_idempotent_and_creates_the_past_asked_for():
    _pg()
    this_month = partitions.month_of(timezone.now())
    past = partitions.add_months(this_month, -14)
    done = partitions.ensure_partitions(from_month=past)
    assert done["moved"] == 0
    assert partitions.partition_name(past) in done["created"]
    assert len(done["created"]) == 14  # the 14 months before this one
    assert partitions.ensure_partitions(from_month=past) == {"created": [], "moved": 0}
    assert partitions.ensure_partitions() == {"created": [], "moved": 0}
    ahead = partitions.ensure_partitions(months_ahead=5)
    assert ahead["created"] == [
        partitions.partition_name(partitions.add_months(this_month, k)) for k in (4, 5)
    ]


@pytest.mark.postgres
def test_rows_of_the_default_partition_are_moved_into_their_months():
    """History written before its months had partitions (an import, the generator) lands in
    the default partition; ``ensure_partitions`` gives it its months and moves it there."""
    _pg()
    old = [datetime(2015, 3, 4, 9, tzinfo=UTC), datetime(2015, 3, 20, 9, tzinfo=UTC)]
    old.append(datetime(2016, 7, 1, 0, 30, tzinfo=UTC))
    entries = write_chain(old + _months(2, start=timezone.now()))
    where = _where(e.pk for e in entries)
    assert [where[e.pk] for e in entries[:3]] == [partitions.DEFAULT_PARTITION] * 3
    done = partitions.ensure_partitions()
    assert done == {
        "created": ["audit_auditentry_p2015_03", "audit_auditentry_p2016_07"],
        "moved": 3,
    }
    where = _where(e.pk for e in entries)
    assert [where[e.pk] for e in entries[:3]] == [
        "audit_auditentry_p2015_03",
        "audit_auditentry_p2015_03",
        "audit_auditentry_p2016_07",
    ]
    assert partitions.DEFAULT_PARTITION in _attached()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {partitions.DEFAULT_PARTITION}")
        assert cursor.fetchone()[0] == 0
    assert verify_chain(CHAIN) == (5, [])
    assert partitions.ensure_partitions() == {"created": [], "moved": 0}
    # A new row of a past month without partition still goes to the default one.
    row = _entry(entries[-1].hash, datetime(2014, 1, 1, tzinfo=UTC))
    row.save(force_insert=True)
    assert _where([row.pk])[row.pk] == partitions.DEFAULT_PARTITION


@pytest.mark.postgres
def test_the_nightly_job_creates_the_months_ahead_and_journals_it():
    _pg()
    later = timezone.now() + timedelta(days=400)
    before = AuditEntry.objects.filter(chain="platform").count()
    assert partitions.run_periodic(now=later)["created"] >= 4
    entry = AuditEntry.objects.filter(chain="platform").latest("id")
    assert entry.actor_id is None
    assert entry.actor_label == "Traitement automatique (Partitions du journal)"
    assert entry.role == "system"
    assert entry.summary.startswith("Partitions du journal créées : ")
    assert verify_chain("platform")[1] == []
    # Nothing to do the next night: nothing journaled.
    assert partitions.run_periodic(now=later) == {"created": 0, "moved": 0}
    assert AuditEntry.objects.filter(chain="platform").count() == before + 1


@pytest.mark.postgres
def test_the_command_lists_the_partitions_and_their_rows():
    _pg()
    write_chain(_months(2, start=timezone.now()))
    out = StringIO()
    call_command("audit_partitions", "--ensure", "--from", "2024-01", stdout=out)
    text = out.getvalue()
    assert "hors de la partition par défaut" in text
    assert "audit_auditentry_p2024_01 (01/2024) : 0 ligne" in text
    assert "audit_auditentry_default (partition par défaut) : 0 ligne" in text
    assert "Journal d'audit :" in text


@pytest.mark.postgres
def test_the_migration_rebuilds_the_table_with_its_rows():
    """Back to a plain table and partitioned again, with rows across months: the rows land in
    their partitions, the chain verifies, the sequence goes on after the highest id."""
    _pg()
    entries = write_chain(_months(4, start=datetime(2023, 5, 5, tzinfo=UTC)))
    migration = importlib.import_module("probatio.audit.migrations.0004_partitioned_journal")
    editor = SimpleNamespace(connection=connection)
    migration.unpartition(None, editor)
    assert not partitions.is_partitioned()
    assert verify_chain(CHAIN) == (4, [])
    migration.partition(None, editor)
    assert partitions.is_partitioned()
    where = _where(e.pk for e in entries)
    assert [where[e.pk] for e in entries] == [
        partitions.partition_name(partitions.month_of(e.at)) for e in entries
    ]
    assert verify_chain(CHAIN) == (4, [])
    following = _entry(entries[-1].hash, timezone.now())
    following.save(force_insert=True)
    assert following.pk > max(e.pk for e in entries)
