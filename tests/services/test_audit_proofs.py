"""Chains that prove themselves: every service's chain from its creation, anchors kept outside
the database (signed), the purge of the oldest entries behind a signed checkpoint."""

import json
import re
from datetime import UTC, date, datetime, timedelta
from importlib import import_module
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import RequestFactory

from probatio.audit import anchors
from probatio.audit import services as audit
from probatio.audit.models import AuditChainHead, AuditCheckpoint, AuditEntry
from probatio.audit.periodic import export_anchors
from probatio.audit.retention import purge_journal
from probatio.audit.services import GENESIS, entry_digest, hashed_fields, verify_chain
from probatio.organisation.models import Service
from tests.factories import ServiceFactory, UserFactory

KEY = "clé d'essai des ancres"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def key(settings):
    settings.AUDIT_ANCHOR_KEY = KEY
    return KEY


def verify(**options) -> tuple[str, str]:
    """The command's output and errors; raises CommandError on an anomaly."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_chain", stdout=out, stderr=err, **options)
    except CommandError as error:
        error.output = out.getvalue() + err.getvalue()
        raise
    return out.getvalue(), err.getvalue()


def failing(**options) -> str:
    with pytest.raises(CommandError) as caught:
        verify(**options)
    return caught.value.output + str(caught.value)


def read(service, n: int) -> list[AuditEntry]:
    """``n`` read entries in the service's chain (no user needed: plain ids)."""
    with transaction.atomic():
        return [
            audit.record(
                actor=None,
                action="read",
                service_id=service.pk,
                role="cpip",
                object_type="people.person",
                object_id=1000 + i,
                person_id=1000 + i,
                summary=f"Consultation n° {i}",
            )
            for i in range(n)
        ]


def chain(service) -> str:
    return f"service:{service.pk}"


def entries_of(service) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(chain=chain(service)).order_by("id"))


# --- Every service has its chain from its creation --------------------------------------------


@pytest.mark.django_db
def test_a_new_service_starts_its_chain_with_its_creation(service):
    [start] = entries_of(service)
    assert start.previous_hash == GENESIS
    assert (start.action, start.object_type, start.object_id) == (
        "create",
        "organisation.service",
        service.pk,
    )
    assert start.actor_label == "Traitement automatique (Création du service)"
    assert start.changes["name"] == [None, service.name]
    head = AuditChainHead.objects.get(chain=chain(service))
    assert (head.last_entry_id, head.last_hash) == (start.pk, start.hash)
    assert verify_chain(chain(service)) == (1, [])


@pytest.mark.django_db
def test_a_service_created_in_the_administration_starts_its_chain_with_its_author():
    user = UserFactory(username="admin.plateforme", is_staff=True, is_superuser=True)
    request = RequestFactory().post("/admin/organisation/service/add/")
    request.user = user
    created = Service(name="SPIP de l'administration", department_code="977")
    admin.site._registry[Service].save_model(request, created, None, False)
    [start] = entries_of(created)
    assert (start.actor_id, start.object_id, start.action) == (user.pk, created.pk, "create")
    assert verify_chain(chain(created)) == (1, [])
    # The platform's chain keeps the administration's own line, as for any other object.
    assert AuditEntry.objects.filter(chain="platform", object_id=created.pk).exists()


def test_no_code_creates_a_service_but_through_its_service():
    """``organisation.services.service_create`` writes the chain's start in the transaction of
    the service: no other path may create one (the national generator writes both with COPY,
    tests/services/test_national_generator.py verifies its chains)."""
    pattern = re.compile(
        r"\bService\.objects\.(create|bulk_create|get_or_create|update_or_create)\("
        r"|[^\w.]Service\(|w\[Service\]"
    )
    allowed = {
        "probatio/organisation/services.py",  # the service itself
        "probatio/organisation/models.py",  # the model
        "probatio/national/generator.py",  # COPY, with its chains (AuditStream)
        "tests/services/test_audit_proofs.py",  # this test, and the administration's
    }
    found = []
    for folder in ("probatio", "bench", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            name = str(path.relative_to(ROOT))
            if name in allowed or "/migrations/" in name:
                continue
            if pattern.search(path.read_text(encoding="utf-8")):
                found.append(name)
    assert found == []


@pytest.mark.django_db
def test_a_service_without_its_chain_fails_the_verification(service, other_service):
    read(service, 2)
    AuditEntry.objects.filter(chain=chain(other_service)).delete()
    AuditChainHead.objects.filter(chain=chain(other_service)).delete()
    output = failing()
    assert f"{chain(other_service)} : aucune entrée pour ce service : sa chaîne a disparu" in output
    assert f"{chain(service)} : 3 entrées, chaîne intacte" in output
    assert "1 anomalie dans le journal d'audit" in output


@pytest.mark.django_db
def test_an_emptied_journal_fails_the_verification(service, other_service):
    read(service, 2)
    AuditEntry.objects.all().delete()
    AuditChainHead.objects.all().delete()
    output = failing()
    assert "le journal est vide alors que 2 services existent (journal vidé ?)" in output


@pytest.mark.django_db
def test_the_migration_starts_the_chains_of_older_services(service, other_service):
    read(other_service, 1)
    AuditEntry.objects.filter(chain=chain(service)).delete()
    AuditChainHead.objects.filter(chain=chain(service)).delete()
    migration = import_module("probatio.audit.migrations.0006_service_chain_starts")
    from django.apps import apps

    migration.start_missing_chains(apps, type("Editor", (), {"connection": connection})())
    [start] = entries_of(service)
    assert (start.object_type, start.object_id) == ("organisation.service", service.pk)
    assert len(entries_of(other_service)) == 2  # a chain already started is left alone
    out, _ = verify()
    assert "Journal d'audit vérifié : 3 entrées." in out


# --- Anchors -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_key_no_export(settings, tmp_path, service):
    settings.AUDIT_ANCHOR_KEY = ""
    with pytest.raises(CommandError, match="AUDIT_ANCHOR_KEY n'est pas définie"):
        call_command("export_audit_anchors", to=str(tmp_path), stdout=StringIO())
    settings.AUDIT_ANCHOR_DIR = str(tmp_path)
    assert export_anchors(datetime.now(UTC)) == {"exported": 0}
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_anchors_are_signed_files_never_overwritten(key, settings, tmp_path, service):
    read(service, 2)
    settings.AUDIT_ANCHOR_DIR = str(tmp_path)
    first = export_anchors(datetime.now(UTC))["path"]
    read(service, 1)
    out = StringIO()
    call_command("export_audit_anchors", stdout=out)
    second = out.getvalue().split(" : ")[1].strip()
    assert first != second and {Path(first), Path(second)} == set(tmp_path.iterdir())
    document = json.loads(Path(second).read_text())
    [head] = [item for item in document["chains"] if item["chain"] == chain(service)]
    last = entries_of(service)[-1]
    assert (head["last_entry_id"], head["last_hash"]) == (last.pk, last.hash)
    assert len(document["signature"]) == 64
    # A folder: its newest file is read.
    out, _ = verify(anchors=str(tmp_path))
    assert f"Ancres : {second}" in out
    assert "Journal d'audit vérifié : 4 entrées." in out


@pytest.mark.django_db
def test_deleting_the_last_entries_with_their_head_is_caught_by_an_anchor(key, tmp_path, service):
    read(service, 3)
    path = anchors.export(to=tmp_path)
    entries = entries_of(service)
    # Delete the last two entries and move the head back: the chain alone looks intact.
    AuditEntry.objects.filter(pk__in=[e.pk for e in entries[-2:]]).delete()
    AuditChainHead.objects.filter(chain=chain(service)).update(
        last_hash=entries[-3].hash, last_entry_id=entries[-3].pk
    )
    verify()
    output = failing(anchors=path)
    assert f"{chain(service)} : l'entrée {entries[-1].pk} ancrée le " in output
    assert "n'est plus dans la chaîne avec son empreinte" in output


@pytest.mark.django_db
def test_rewriting_the_last_entry_with_its_head_is_caught_by_an_anchor(key, tmp_path, service):
    read(service, 2)
    path = anchors.export(to=tmp_path)
    last = entries_of(service)[-1]
    last.summary = "Rien à signaler"
    rewritten = entry_digest(previous_hash=last.previous_hash, fields=hashed_fields(last))
    AuditEntry.objects.filter(pk=last.pk).update(summary=last.summary, hash=rewritten)
    AuditChainHead.objects.filter(chain=chain(service)).update(last_hash=rewritten)
    verify()  # the chain alone cannot see it
    assert f"l'entrée {last.pk} ancrée le" in failing(anchors=path)


@pytest.mark.django_db
def test_a_deleted_chain_is_caught_by_an_anchor(key, tmp_path, service):
    with transaction.atomic():
        audit.record(actor=None, action="login", service_id=None, summary="Connexion")
    path = anchors.export(to=tmp_path)
    AuditEntry.objects.filter(chain="platform").delete()
    AuditChainHead.objects.filter(chain="platform").delete()
    verify()  # the platform's chain is no service's: only the anchor knows it existed
    output = failing(anchors=path)
    assert "platform : chaîne ancrée le" in output
    assert "introuvable (chaîne supprimée ?)" in output


@pytest.mark.django_db
def test_an_anchor_naming_a_hash_not_in_the_chain_is_reported(key, tmp_path, service):
    read(service, 1)
    last = entries_of(service)[-1]
    document = {
        "format": anchors.FORMAT,
        "version": anchors.VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "chains": [{"chain": chain(service), "last_entry_id": last.pk, "last_hash": "f" * 64}],
    }
    document["signature"] = anchors.sign(document, KEY.encode())
    path = anchors.store(document, to=tmp_path)
    output = failing(anchors=path)
    assert f"l'entrée {last.pk} ancrée le" in output


@pytest.mark.django_db
def test_a_head_that_does_not_follow_the_anchored_entry_is_reported(key, tmp_path, service):
    """The anchored entry is still there, but the chain was rewritten before it: the head
    follows the rewritten entries, not the anchored one."""
    read(service, 2)
    path = anchors.export(to=tmp_path)
    start, middle, last = entries_of(service)
    middle.summary = "Réécrite"
    rewritten = entry_digest(previous_hash=middle.previous_hash, fields=hashed_fields(middle))
    AuditEntry.objects.filter(pk=middle.pk).update(summary=middle.summary, hash=rewritten)
    AuditChainHead.objects.filter(chain=chain(service)).update(
        last_hash=rewritten, last_entry_id=middle.pk
    )
    output = failing(anchors=path)
    assert f"la tête de chaîne ne suit pas l'entrée {last.pk} ancrée le" in output


@pytest.mark.django_db
def test_a_tampered_anchor_file_is_refused_before_anything(key, tmp_path, service):
    read(service, 1)
    path = Path(anchors.export(to=tmp_path))
    document = json.loads(path.read_text())
    document["chains"][0]["last_entry_id"] += 1
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError) as caught:
        verify(anchors=str(path))
    assert "Fichier d'ancres refusé : sa signature ne correspond pas" in str(caught.value)
    assert "chaîne intacte" not in caught.value.output  # nothing verified


@pytest.mark.django_db
def test_anchors_signed_with_another_key_are_refused(settings, tmp_path, service):
    settings.AUDIT_ANCHOR_KEY = "une autre clé"
    path = anchors.export(to=tmp_path)
    settings.AUDIT_ANCHOR_KEY = KEY
    with pytest.raises(CommandError, match="signé avec une autre clé"):
        verify(anchors=path)
    settings.AUDIT_ANCHOR_KEY = ""
    with pytest.raises(CommandError, match="AUDIT_ANCHOR_KEY n'est pas définie"):
        verify(anchors=path)


# --- The purge and its checkpoint ------------------------------------------------------------

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def history(db):
    """A service created on T0 with entries on five days, two a day; the cut is day 3."""
    with time_machine.travel(T0, tick=False):
        old = ServiceFactory(name="SPIP ancien", department_code="978")
    for day in range(5):
        with time_machine.travel(T0 + timedelta(days=day, hours=1), tick=False):
            read(old, 2)
    return old


CUT = T0 + timedelta(days=3)  # the service's creation and 6 reads are older


@pytest.mark.django_db
def test_the_dry_run_says_what_the_purge_does(key, history):
    dry = purge_journal(CUT, dry_run=True)
    assert AuditEntry.objects.filter(chain=chain(history)).count() == 11  # nothing gone
    assert AuditCheckpoint.objects.count() == 0
    done = purge_journal(CUT, dry_run=False, batch=3)  # in batches of three
    assert dry.per_chain == done.per_chain == {chain(history): 7}
    assert dry.total == done.total == 7
    assert (dry.dry_run, done.dry_run) == (True, False)
    left = entries_of(history)
    assert [e.at >= CUT for e in left[:-1]] == [True] * 4
    assert left[-1].action == "purge"
    assert left[-1].actor_label == "Traitement automatique (Purge du journal)"
    assert "7 entrées antérieures au 09/01/2025" in left[-1].summary


@pytest.mark.django_db
def test_the_chain_verifies_after_a_purge(key, history):
    entries = entries_of(history)
    purge_journal(CUT, dry_run=False)
    checkpoint = AuditCheckpoint.objects.get(chain=chain(history))
    assert checkpoint.start_hash == entries[6].hash
    assert (checkpoint.last_purged_id, checkpoint.first_entry_id) == (entries[6].pk, entries[7].pk)
    assert checkpoint.purged == 7 and len(checkpoint.signature) == 64
    assert verify_chain(chain(history)) == (5, [])
    out, _ = verify()
    assert f"{chain(history)} : 5 entrées, chaîne intacte depuis la purge du" in out
    # A later purge starts from the checkpoint (the four reads left; the first purge's line,
    # written today, stops it), and leaves its own.
    assert purge_journal(T0 + timedelta(days=5), dry_run=False).per_chain == {chain(history): 4}
    assert AuditCheckpoint.objects.filter(chain=chain(history)).count() == 2
    assert [e.action for e in entries_of(history)] == ["purge", "purge"]
    assert verify_chain(chain(history)) == (2, [])


@pytest.mark.django_db
def test_an_anchor_older_than_a_purge_still_holds(key, tmp_path, history):
    path = anchors.export(to=tmp_path)
    purge_journal(T0 + timedelta(days=10), dry_run=False)  # every entry, up to the head
    [left] = entries_of(history)
    assert left.action == "purge"
    verify(anchors=path)


@pytest.mark.django_db
def test_a_tampered_checkpoint_is_caught(key, settings, history):
    purge_journal(CUT, dry_run=False)
    checkpoint = AuditCheckpoint.objects.get()
    AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(purged=1)
    problems = verify_chain(chain(history))[1]
    assert problems == [
        f"point de reprise n° {checkpoint.pk} : signature invalide (point de reprise modifié, "
        "ou signé avec une autre clé)"
    ]
    # A checkpoint written outside the application, unsigned, to hide deleted entries.
    AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(purged=7, signature="")
    assert "non signé alors qu'une clé est définie" in failing()
    # The next purge does not build on it (a new signed checkpoint would hide it).
    report = purge_journal(T0 + timedelta(days=10), dry_run=False)
    assert report.per_chain == {} and "chaîne non purgée" in report.stopped[chain(history)]
    assert AuditCheckpoint.objects.count() == 1


@pytest.mark.django_db
def test_deleting_the_start_of_a_chain_without_a_checkpoint_is_caught(history):
    AuditEntry.objects.filter(pk__in=[e.pk for e in entries_of(history)[:3]]).delete()
    assert failing().count("maillon précédent rompu") == 1


@pytest.mark.django_db
def test_the_purge_stops_before_an_anomaly(key, history):
    victim = entries_of(history)[4]
    AuditEntry.objects.filter(pk=victim.pk).update(summary="Modifiée")
    dry = purge_journal(CUT, dry_run=True)
    done = purge_journal(CUT, dry_run=False)
    assert dry.per_chain == done.per_chain == {chain(history): 4}
    assert done.stopped[chain(history)].startswith(f"entrée {victim.pk} : contenu modifié")
    # The anomaly stays for the verification to report; the purged part is accepted.
    assert verify_chain(chain(history))[1] == [
        f"entrée {victim.pk} : contenu modifié (empreinte invalide)"
    ]


@pytest.mark.django_db
def test_a_purge_date_in_the_future_is_refused(history):
    with pytest.raises(ValidationError, match="doit être passée"):
        purge_journal(datetime.now(UTC) + timedelta(days=1), dry_run=True)


# --- PostgreSQL: the partitioned journal ------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_the_purge_keeps_the_chain_and_the_anchors_hold(key, tmp_path):
    """The journal partitioned by month: entries over four months, purged by batches from
    their partitions; the chain verifies after, an anchor exported before holds, and the
    tampering cases are still caught."""
    from probatio.audit import partitions

    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
    AuditEntry.objects.ensure_partitions(from_month=T0)
    with time_machine.travel(T0, tick=False):
        old = ServiceFactory(name="SPIP ancien", department_code="978")
    for month in range(4):
        with time_machine.travel(T0 + timedelta(days=31 * month + 1), tick=False):
            read(old, 2)
    path = anchors.export(to=tmp_path)
    cut = T0 + timedelta(days=62)  # the creation and the first two months' reads
    dry = purge_journal(cut, dry_run=True)
    done = purge_journal(cut, dry_run=False, batch=2)
    assert dry.per_chain == done.per_chain == {chain(old): 5}
    rows = {p.month: p.rows for p in partitions.partitions() if p.month}
    assert (rows[date(2025, 1, 1)], rows[date(2025, 2, 1)], rows[date(2025, 3, 1)]) == (0, 0, 2)
    assert verify_chain(chain(old)) == (5, [])
    verify(anchors=path)
    # Deleting the last entries with their head: only the anchor sees it (exported before the
    # purge, it names the last read, now before the purge's line).
    entries = entries_of(old)
    AuditEntry.objects.filter(pk__in=[e.pk for e in entries[-2:]]).delete()
    AuditChainHead.objects.filter(chain=chain(old)).update(
        last_hash=entries[-3].hash, last_entry_id=entries[-3].pk
    )
    assert verify_chain(chain(old)) == (3, [])
    assert f"l'entrée {entries[-2].pk} ancrée le" in failing(anchors=path)
    # A tampered checkpoint, an altered entry.
    AuditCheckpoint.objects.update(purged=99)
    AuditEntry.objects.filter(pk=entries[0].pk).update(summary="Modifiée")
    problems = verify_chain(chain(old))[1]
    assert f"entrée {entries[0].pk} : contenu modifié (empreinte invalide)" in problems
    assert any("signature invalide" in problem for problem in problems)
