"""Backup and restore (docs/deployment.md, « Sauvegarde et restauration ») on a small dataset:
the round trip is identical (rows of every table, private files byte for byte, audit chain
heads, the chain verified); encryption, a wrong key, an altered archive, another vendor and a
non-empty target are refused in French with nothing changed; --force overwrites. On
PostgreSQL the archive is restored by the command itself, in a process of its own, into a
database made for the test."""

import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from probatio.audit.models import AuditChainHead
from probatio.audit.services import verify_chain
from probatio.backups import crypto, databases
from probatio.people.models import Person
from tests.factories import make_measure, make_person

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("private_files"),
]

KEY = "une phrase de passe assez longue pour la sauvegarde"
FILES = {
    "justificatifs/2026/11/justificatif-1-1-20261101.pdf": b"%PDF-1.4 bulletin de salaire\n",
    "rapports/2026/11/rapport-7.pdf": b"%PDF-1.4 rapport au juge\n" * 50,
    "convocations/2026/12/convocation-1-3-20261201.pdf": os.urandom(3000),
}


@pytest.fixture
def dataset(private_files, cpip, judge, other_person):
    """Two services (two chains), persons with decisions and measures, private files."""
    for _ in range(3):
        make_measure(cpip, make_person(cpip), judge=judge.user)
    make_person(cpip, surname="Tournesol")
    for name, content in FILES.items():
        default_storage.save(name, ContentFile(content))


@pytest.fixture
def archives(tmp_path_factory):
    return tmp_path_factory.mktemp("archives")


def state(files_root: Path) -> dict:
    """What a restore must give back: each model's rows, the chain heads, the files."""
    return {
        "rows": {m._meta.label: m._base_manager.count() for m in apps.get_models()},
        "heads": list(AuditChainHead.objects.order_by("chain").values_list()),
        "files": {
            path.relative_to(files_root).as_posix(): path.read_bytes()
            for path in sorted(files_root.rglob("*"))
            if path.is_file()
        },
    }


def backup(archives: Path) -> Path:
    before = set(archives.iterdir())
    out = io.StringIO()
    call_command("backup", to=str(archives), stdout=out)
    (archive,) = set(archives.iterdir()) - before
    assert f"Sauvegarde écrite : {archive}" in out.getvalue()
    return archive


def restore(archive: Path, *args) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), *args, stdout=out, stderr=out)
    return out.getvalue()


def empty_everything(files_root: Path) -> None:
    call_command("flush", interactive=False, verbosity=0)
    for child in files_root.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    assert Person.objects.count() == 0


def assert_chains_intact() -> None:
    chains = list(AuditChainHead.objects.values_list("chain", flat=True))
    assert len(chains) >= 2
    for chain in chains:
        entries, problems = verify_chain(chain)
        assert entries > 0 and problems == []


def rebuild(archive: Path, destination: Path, change, extra: dict | None = None) -> Path:
    """A plain archive rewritten member by member, ``change(name, content)`` giving the new
    content (the manifest kept unless changed), ``extra`` members added first."""
    buffer = io.BytesIO()
    with (
        tarfile.open(archive, "r:gz") as source,
        gzip.GzipFile(fileobj=buffer, mode="wb") as packed,
        tarfile.open(fileobj=packed, mode="w|") as target,
    ):
        for name, content in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            target.addfile(info, io.BytesIO(content))
        for member in source:
            content = change(member.name, source.extractfile(member).read())
            info = tarfile.TarInfo(member.name)
            info.size = len(content)
            target.addfile(info, io.BytesIO(content))
    destination.write_bytes(buffer.getvalue())
    return destination


@pytest.mark.usefixtures("dataset")
def test_round_trip_gives_back_rows_files_and_chain(private_files, archives, monkeypatch):
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    before = state(private_files)
    assert before["rows"]["people.Person"] == 5 and len(before["files"]) == 3
    archive = backup(archives)
    assert archive.name.startswith(f"probatio-{connection.vendor}-")
    assert archive.name.endswith(".tar.gz")
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["vendor"] == connection.vendor
    assert manifest["tables"]["people_person"] == 5
    assert {f["path"] for f in manifest["files"]} == set(FILES)
    assert len(manifest["audit_chain_heads"]) == len(before["heads"])
    assert ["people", "0001_initial"] in manifest["migrations"]

    empty_everything(private_files)
    output = restore(archive)

    assert state(private_files) == before
    assert_chains_intact()
    assert "Restauration réussie et vérifiée" in output
    assert "empreintes SHA-256 identiques" in output
    assert "identiques au manifeste" in output


@pytest.mark.usefixtures("dataset")
def test_encrypted_round_trip(private_files, archives, monkeypatch):
    monkeypatch.setenv("BACKUP_KEY", KEY)
    before = state(private_files)
    archive = backup(archives)
    assert archive.name.endswith(".tar.gz.chiffre")
    raw = archive.read_bytes()
    assert raw.startswith(crypto.MAGIC)
    assert b"Tournesol" not in raw and b"manifest.json" not in raw

    empty_everything(private_files)
    output = restore(archive)

    assert "(chiffrée)" in output and "Restauration réussie" in output
    assert state(private_files) == before
    assert_chains_intact()


@pytest.mark.usefixtures("dataset")
def test_wrong_or_missing_key_changes_nothing(private_files, archives, monkeypatch):
    monkeypatch.setenv("BACKUP_KEY", KEY)
    archive = backup(archives)
    empty_everything(private_files)
    emptied = state(private_files)

    monkeypatch.setenv("BACKUP_KEY", "une autre clé")
    with pytest.raises(CommandError, match="Clé de sauvegarde incorrecte.*Rien n'a été modifié"):
        restore(archive)
    monkeypatch.delenv("BACKUP_KEY")
    with pytest.raises(CommandError, match="archive est chiffrée : définissez BACKUP_KEY"):
        restore(archive)

    assert state(private_files) == emptied
    assert [p for p in private_files.parent.iterdir() if ".restauration-" in p.name] == []


@pytest.mark.usefixtures("dataset")
def test_altered_encrypted_archive_changes_nothing(private_files, archives, monkeypatch):
    monkeypatch.setenv("BACKUP_KEY", KEY)
    archive = backup(archives)
    empty_everything(private_files)
    emptied = state(private_files)
    raw = bytearray(archive.read_bytes())

    flipped = archives / "flipped.tar.gz.chiffre"
    raw_flipped = bytearray(raw)
    raw_flipped[len(raw) // 2] ^= 0x01
    flipped.write_bytes(raw_flipped)
    cut = archives / "cut.tar.gz.chiffre"
    cut.write_bytes(raw[: len(raw) - 100])

    for bad in (flipped, cut):
        with pytest.raises(CommandError, match="Archive altérée ou incomplète.*Rien n'a été"):
            restore(bad)
    assert state(private_files) == emptied


@pytest.mark.usefixtures("dataset")
def test_altered_plain_archive_is_refused(private_files, archives, monkeypatch):
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    archive = backup(archives)
    empty_everything(private_files)
    emptied = state(private_files)

    one_file = "files/rapports/2026/11/rapport-7.pdf"
    altered = rebuild(
        archive,
        archives / "altered.tar.gz",
        lambda name, content: content.replace(b"juge", b"JUGE") if name == one_file else content,
    )
    with pytest.raises(CommandError, match=f"l'empreinte de « {one_file} » ne correspond pas"):
        restore(altered)

    def other_vendor(name, content):
        if name != "manifest.json":
            return content
        manifest = json.loads(content)
        manifest["vendor"] = "postgresql" if connection.vendor == "sqlite" else "sqlite"
        return json.dumps(manifest).encode()

    foreign = rebuild(archive, archives / "foreign.tar.gz", other_vendor)
    with pytest.raises(CommandError, match="Restaurez-la dans une base du même type"):
        restore(foreign)

    escaping = rebuild(
        archive, archives / "escaping.tar.gz", lambda name, content: content,
        extra={"files/../../hors-du-dossier.txt": b"x"},
    )  # fmt: skip
    with pytest.raises(CommandError, match="élément inattendu « files/../../hors-du-dossier"):
        restore(escaping)
    assert not (private_files.parent / "hors-du-dossier.txt").exists()
    assert state(private_files) == emptied


@pytest.mark.usefixtures("dataset")
def test_non_empty_target_refused_unless_forced(private_files, archives, cpip, monkeypatch):
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    before = state(private_files)
    archive = backup(archives)
    make_person(cpip, surname="Après-Sauvegarde")
    changed = state(private_files)

    with pytest.raises(CommandError, match=r"La base cible n'est pas vide \(.*6 personnes\)"):
        restore(archive)
    assert state(private_files) == changed

    output = restore(archive, "--force")
    assert "Restauration réussie" in output
    assert state(private_files) == before
    assert not Person.objects.filter(surname="Après-Sauvegarde").exists()
    assert_chains_intact()


def test_encryption_stream_detects_reordered_and_dropped_chunks(monkeypatch):
    monkeypatch.setattr(crypto, "CHUNK_SIZE", 64)
    plain = os.urandom(64 * 5 + 10)
    sealed = io.BytesIO()
    writer = crypto.EncryptingWriter(sealed, KEY)
    writer.write(plain[:100])
    writer.write(plain[100:])
    writer.close()
    raw = sealed.getvalue()
    assert crypto.DecryptingReader(io.BytesIO(raw), KEY).read() == plain

    header, body = raw[: crypto.HEADER_SIZE], raw[crypto.HEADER_SIZE :]
    size = 4 + 64 + crypto.TAG_SIZE
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    assert len(chunks) == 6
    swapped = header + chunks[1] + chunks[0] + b"".join(chunks[2:])
    dropped_last = header + b"".join(chunks[:-1])
    dropped_middle = header + b"".join(chunks[:2] + chunks[3:])
    for bad in (swapped, dropped_last, dropped_middle):
        with pytest.raises(crypto.Altered):
            crypto.DecryptingReader(io.BytesIO(bad), KEY).read()
    with pytest.raises(crypto.WrongKey):
        crypto.DecryptingReader(io.BytesIO(raw), KEY + "!")


# --- PostgreSQL: the command restores into a database of its own ------------------------------


def _maintenance(settings_dict: dict):
    return psycopg.connect(
        dbname="postgres",
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"] or None,
        password=settings_dict["PASSWORD"] or None,
        autocommit=True,
    )


@pytest.fixture
def target_database():
    """An empty PostgreSQL database for the restore, dropped afterwards."""
    settings_dict = connection.settings_dict
    name = "restore_target_" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    with _maintenance(settings_dict) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    user = settings_dict["USER"] or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    yield name, f"postgres://{user}{password}@{host}:{port}/{name}"
    with _maintenance(settings_dict) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_restore(archive: Path, url: str, files: Path, *args) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_REPLICA_URL", "DATABASE_POOL", "BACKUP_KEY"}
    }
    env.update(DATABASE_URL=url, PROBATIO_FILES_DIR=str(files), DEBUG="false")
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive), *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.postgres
@pytest.mark.usefixtures("dataset")
def test_postgresql_round_trip_into_another_database(
    private_files, archives, target_database, tmp_path_factory, monkeypatch
):
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    source = databases.live_facts(connection)
    archive = backup(archives)
    assert archive.name.startswith("probatio-postgresql-")
    name, url = target_database
    files = tmp_path_factory.mktemp("restored-files")

    result = run_restore(archive, url, files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Restauration réussie et vérifiée" in result.stdout
    assert "Journal d'audit vérifié" in result.stdout

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as target:
        restored = databases.read_facts(target.cursor(), "postgresql")
    assert restored.tables == source.tables
    assert restored.tables["people_person"] == 5
    assert restored.heads == source.heads and len(restored.heads) >= 2
    assert {
        p.relative_to(files).as_posix(): p.read_bytes() for p in files.rglob("*") if p.is_file()
    } == FILES

    again = run_restore(archive, url, files)
    assert again.returncode != 0
    assert "La base cible n'est pas vide" in again.stderr
    assert "Rien n'a été modifié" in again.stderr

    forced = run_restore(archive, url, files, "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as target:
        assert databases.read_facts(target.cursor(), "postgresql").tables == source.tables


@pytest.mark.usefixtures("dataset")
def test_restore_checks_the_anchors_when_given(
    private_files, archives, cpip, settings, monkeypatch
):
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    settings.AUDIT_ANCHOR_KEY = "clé des ancres du test"
    at_backup = archives / "ancres-sauvegarde.json"
    later = archives / "ancres-plus-tard.json"
    call_command("export_audit_anchors", to=str(at_backup), stdout=io.StringIO())
    archive = backup(archives)
    make_person(cpip, surname="Après-Ancres")  # the service's chain moves on
    call_command("export_audit_anchors", to=str(later), stdout=io.StringIO())

    empty_everything(private_files)
    output = restore(archive, "--anchors", str(at_backup))
    assert "journal d'audit : Journal d'audit vérifié" in output
    assert "(ancres vérifiées)" in output

    # Anchors newer than the archive: the restored chain stops short of them.
    out = io.StringIO()
    with pytest.raises(CommandError, match="les vérifications relèvent 1 écart"):
        call_command(
            "restore", str(archive), "--force", "--anchors", str(later), stdout=out, stderr=out
        )
    assert "ÉCART journal d'audit" in out.getvalue()
    assert "têtes de chaîne : " in out.getvalue() and "identiques au manifeste" in out.getvalue()
