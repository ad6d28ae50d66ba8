"""The hash-chained audit journal: appends, verification, tamper detection."""

import os
import threading
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from probatio.audit import services as audit
from probatio.audit.models import AuditChainHead, AuditEntry
from probatio.audit.services import GENESIS, entry_digest, hashed_fields, verify_chain
from tests.factories import make_measure, make_person


def chain_of(membership) -> str:
    return f"service:{membership.service_id}"


def write_some(membership, n: int = 3) -> list:
    """``n`` persons (one create entry each), plus a read entry for each."""
    persons = [make_person(membership) for _ in range(n)]
    for person in persons:
        with transaction.atomic():
            audit.record(
                actor=membership.user,
                action="read",
                service_id=membership.service_id,
                role=membership.role,
                instance=person,
                person_id=person.pk,
                summary="Consultation",
                context={"tab": "identite"},
            )
    return persons


def test_record_must_run_inside_a_transaction():
    """No database needed: the check comes before any query."""
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.record(actor=None, action="read", service_id=None, summary="hors transaction")


@pytest.mark.django_db
def test_entries_are_chained_from_genesis(cpip):
    write_some(cpip, 2)
    entries = list(AuditEntry.objects.filter(chain=chain_of(cpip)).order_by("id"))
    assert len(entries) == 5  # the creation of the service starts the chain
    assert entries[0].previous_hash == GENESIS
    assert (entries[0].object_type, entries[0].object_id) == (
        "organisation.service",
        cpip.service_id,
    )
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.previous_hash == previous.hash
        assert len(entry.hash) == 64
    head = AuditChainHead.objects.get(chain=chain_of(cpip))
    assert (head.last_hash, head.last_entry_id) == (entries[-1].hash, entries[-1].pk)


@pytest.mark.django_db
def test_chain_verifies_after_several_writes(cpip, manager):
    persons = write_some(cpip, 3)
    make_measure(cpip, persons[0])
    write_some(manager, 1)
    count, problems = verify_chain(chain_of(cpip))
    assert problems == []
    assert count == AuditEntry.objects.filter(chain=chain_of(cpip)).count() >= 10


@pytest.mark.django_db
def test_several_entries_in_one_write_keep_the_chain(cpip, django_assert_num_queries):
    """``record_many``: the entries follow one another in the chain, between single ones,
    written with one lock of the head, one insert and one update."""
    persons = write_some(cpip, 2)
    entries = [
        {"actor": cpip.user, "action": "read", "role": cpip.role, "instance": person,
         "person_id": person.pk, "summary": f"Lecture n° {n}", "context": {"tab": "cap"}}
        for n, person in enumerate(persons * 3)
    ]  # fmt: skip
    with transaction.atomic(), django_assert_num_queries(3):
        written = audit.record_many(service_id=cpip.service_id, entries=entries)
    write_some(cpip, 1)
    assert [e.summary for e in written] == [f"Lecture n° {n}" for n in range(6)]
    stored = list(AuditEntry.objects.filter(pk__in=[e.pk for e in written]).order_by("pk"))
    assert [e.summary for e in stored] == [f"Lecture n° {n}" for n in range(6)]
    for previous, entry in zip(stored, stored[1:], strict=False):
        assert entry.previous_hash == previous.hash
    count, problems = verify_chain(chain_of(cpip))
    assert problems == []
    assert count == AuditEntry.objects.filter(chain=chain_of(cpip)).count()


@pytest.mark.django_db
def test_command_reports_an_intact_journal(cpip):
    write_some(cpip, 2)
    from io import StringIO

    out = StringIO()
    call_command("verify_audit_chain", stdout=out)
    # The creation of the service, then four entries.
    assert f"{chain_of(cpip)} : 5 entrées, chaîne intacte" in out.getvalue()
    assert "Journal d'audit vérifié : 5 entrées." in out.getvalue()


@pytest.mark.django_db
def test_hash_covers_every_recorded_field(cpip):
    write_some(cpip, 1)
    entry = AuditEntry.objects.filter(chain=chain_of(cpip)).latest("id")
    assert entry.hash == entry_digest(
        previous_hash=entry.previous_hash, fields=hashed_fields(entry)
    )
    for field, value in [
        ("summary", "autre"),
        ("actor_label", "quelqu'un"),
        ("action", "delete"),
        ("person_id", 424242),
        ("role", "manager"),
        ("context", {"tab": "notes"}),
        ("changes", {"a": [1, 2]}),
    ]:
        tampered = AuditEntry.objects.get(pk=entry.pk)
        setattr(tampered, field, value)
        assert (
            entry_digest(previous_hash=entry.previous_hash, fields=hashed_fields(tampered))
            != entry.hash
        ), field


@pytest.mark.django_db
def test_tampered_summary_is_detected(cpip):
    write_some(cpip, 3)
    victim = AuditEntry.objects.filter(chain=chain_of(cpip)).order_by("id")[2]
    AuditEntry.objects.filter(pk=victim.pk).update(summary="Rien à signaler")
    count, problems = verify_chain(chain_of(cpip))
    assert count == 7
    assert problems == [f"entrée {victim.pk} : contenu modifié (empreinte invalide)"]
    with pytest.raises(CommandError, match="1 anomalie"):
        call_command("verify_audit_chain", stdout=_null(), stderr=_null())


@pytest.mark.django_db
def test_tampering_with_raw_sql_is_detected(cpip):
    write_some(cpip, 2)
    victim = AuditEntry.objects.filter(chain=chain_of(cpip)).order_by("id").first()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEntry._meta.db_table} SET context = %s WHERE id = %s",
            ['{"tab": "autre"}', victim.pk],
        )
    _, problems = verify_chain(chain_of(cpip))
    assert problems == [f"entrée {victim.pk} : contenu modifié (empreinte invalide)"]


@pytest.mark.django_db
def test_rehashed_tampering_breaks_the_next_link(cpip):
    """Recomputing the tampered entry's hash does not help: the next entry points elsewhere."""
    write_some(cpip, 2)
    first, second = AuditEntry.objects.filter(chain=chain_of(cpip)).order_by("id")[:2]
    first.summary = "Réécrit"
    new_hash = entry_digest(previous_hash=first.previous_hash, fields=hashed_fields(first))
    AuditEntry.objects.filter(pk=first.pk).update(summary="Réécrit", hash=new_hash)
    _, problems = verify_chain(chain_of(cpip))
    assert problems == [f"entrée {second.pk} : maillon précédent rompu"]


@pytest.mark.django_db
def test_deleting_the_last_entry_is_detected(cpip):
    write_some(cpip, 2)
    AuditEntry.objects.filter(chain=chain_of(cpip)).latest("id").delete()
    count, problems = verify_chain(chain_of(cpip))
    assert count == 4
    assert problems == [
        "la tête de chaîne ne correspond pas à la dernière entrée (entrées supprimées ?)"
    ]
    with pytest.raises(CommandError):
        call_command("verify_audit_chain", stdout=_null(), stderr=_null())


@pytest.mark.django_db
def test_deleting_an_entry_in_the_middle_is_detected(cpip):
    write_some(cpip, 2)
    entries = list(AuditEntry.objects.filter(chain=chain_of(cpip)).order_by("id"))
    entries[1].delete()
    _, problems = verify_chain(chain_of(cpip))
    assert problems == [f"entrée {entries[2].pk} : maillon précédent rompu"]


@pytest.mark.django_db
def test_deleting_every_entry_of_a_chain_is_detected(cpip):
    """A chain whose head says it has entries, but which has none left, was wiped."""
    write_some(cpip, 1)
    AuditEntry.objects.filter(chain=chain_of(cpip)).delete()
    count, problems = verify_chain(chain_of(cpip))
    assert count == 0
    assert problems != []
    with pytest.raises(CommandError):
        call_command("verify_audit_chain", stdout=_null(), stderr=_null())


@pytest.mark.django_db
def test_command_verifies_chains_whose_head_was_deleted(cpip):
    """The command must walk every chain that has entries, not only those with a head row:
    deleting the head must not take a tampered chain out of the check."""
    write_some(cpip, 2)
    first = AuditEntry.objects.filter(chain=chain_of(cpip)).earliest("id")
    AuditEntry.objects.filter(pk=first.pk).update(summary="Rien à signaler")
    AuditChainHead.objects.filter(chain=chain_of(cpip)).delete()
    with pytest.raises(CommandError):
        call_command("verify_audit_chain", stdout=_null(), stderr=_null())


@pytest.mark.django_db
def test_chains_are_per_service(cpip, member, other_service):
    elsewhere = member("cpip", service=other_service)
    write_some(cpip, 2)
    write_some(elsewhere, 1)
    write_some(cpip, 1)
    mine = list(AuditEntry.objects.filter(chain=chain_of(cpip)).order_by("id"))
    theirs = list(AuditEntry.objects.filter(chain=chain_of(elsewhere)).order_by("id"))
    assert (len(mine), len(theirs)) == (7, 3)  # each starts with its service's creation
    assert {e.service_id for e in mine} == {cpip.service_id}
    assert mine[0].previous_hash == theirs[0].previous_hash == GENESIS
    assert verify_chain(chain_of(cpip)) == (7, [])
    assert verify_chain(chain_of(elsewhere)) == (3, [])
    # Tampering in one service leaves the other's chain intact.
    AuditEntry.objects.filter(pk=theirs[0].pk).update(summary="x")
    assert verify_chain(chain_of(cpip)) == (7, [])
    assert verify_chain(chain_of(elsewhere))[1] != []


@pytest.mark.django_db
def test_platform_events_have_their_own_chain(cpip):
    with transaction.atomic():
        entry = audit.record(
            actor=cpip.user,
            action="login",
            service_id=None,
            instance=cpip.user,
            summary="Connexion",
        )
    assert entry.chain == "platform"
    assert entry.actor_label == str(cpip.user)
    assert verify_chain("platform") == (1, [])


@pytest.mark.django_db
def test_record_serialises_dates_and_truncates_summary(cpip):
    with transaction.atomic():
        entry = audit.record(
            actor=cpip.user,
            action="update",
            service_id=cpip.service_id,
            summary="s" * 400,
            changes={"d": [date(2025, 1, 1), None]},
        )
    entry.refresh_from_db()
    assert len(entry.summary) == 300
    assert entry.changes == {"d": ["2025-01-01", None]}
    assert verify_chain(chain_of(cpip)) == (2, [])


def test_diff_and_snapshot_helpers():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": [2, 3]}
    assert audit.diff({}, {"a": "x"}) == {"a": [None, "x"]}


def _null():
    from io import StringIO

    return StringIO()


# --- concurrency (PostgreSQL) ------------------------------------------------------------


def _in_own_connection(target, *args) -> threading.Thread:
    """Run ``target`` in a thread, hence on its own database connection (autocommit)."""

    def run():
        try:
            target(*args)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


@pytest.mark.postgres
@pytest.mark.django_db
def test_concurrent_appends_keep_the_chain_valid():
    """Several connections appending to the same (new) chain at once: the head row lock
    serialises them, so every entry points at the one committed just before it.

    The writers commit on their own connections, outside the test's transaction: the chain
    uses a service id with no row (the journal keeps plain ids) and is deleted at the end, so
    nothing is left behind for other tests.
    """
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
    service_id = 900_000_000 + os.getpid()
    chain = f"service:{service_id}"
    per_thread, threads_count = 25, 4
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(per_thread):
                with transaction.atomic():
                    audit.record(
                        actor=None,
                        action="read",
                        service_id=service_id,
                        role="cpip",
                        summary=f"fil {worker}, entrée {i}",
                    )
        except BaseException as error:  # reported by the test's thread
            errors.append(error)

    def clean_up() -> None:
        with transaction.atomic():
            AuditEntry.objects.filter(chain=chain).delete()
            AuditChainHead.objects.filter(chain=chain).delete()

    try:
        threads = [_in_own_connection(append, n) for n in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        count, problems = verify_chain(chain)
        assert problems == []
        assert count == per_thread * threads_count
        previous = list(
            AuditEntry.objects.filter(chain=chain).values_list("previous_hash", flat=True)
        )
        assert len(set(previous)) == count  # no two entries share a predecessor: no fork
    finally:
        cleaner = _in_own_connection(clean_up)
        cleaner.start()
        cleaner.join(timeout=60)
    assert not AuditEntry.objects.filter(chain=chain).exists()
