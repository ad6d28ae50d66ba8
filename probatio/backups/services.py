"""Backup and restore of the database and the private files (docs/deployment.md,
« Sauvegarde et restauration »).

An archive is a gzip-compressed tar stream holding the database copy (``database.sqlite3`` or
``database.pgdump``), the private files under ``files/`` and, last, ``manifest.json``: format
version, time, database vendor, applied migrations, row counts per table, audit chain heads,
and the size and SHA-256 of the copy and of every file. With a key the whole stream is
encrypted (``crypto``), chunk by chunk.

A restore reads and checks the whole archive into a staging folder before it touches anything:
a wrong key, an altered or cut archive, another vendor, migrations this code does not know or a
non-empty target (without ``force``) stop it with a French message and nothing changed. After
the restore it compares the row counts and the chain heads with the manifest, the files with
their SHA-256, and runs ``verify_audit_chain``.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from probatio.backups import crypto, databases
from probatio.core.text import count, number_fr

FORMAT = "probatio-sauvegarde"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES_PREFIX = "files/"
COMPRESS_LEVEL = 6
NOTHING_CHANGED = "Rien n'a été modifié."


class BackupError(Exception):
    """A French message for the operator; nothing was changed."""


@dataclass
class BackupResult:
    path: Path
    size: int
    encrypted: bool
    vendor: str
    tables: int
    rows: int
    files: int
    files_size: int
    chains: int
    seconds: float


@dataclass
class RestoreResult:
    manifest: dict
    files_root: Path
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def size_fr(size: int) -> str:
    """« 812 o », « 3,4 Ko », « 12,3 Mo », « 1,2 Go »."""
    value = float(size)
    for unit in ("o", "Ko", "Mo", "Go"):
        if value < 1024 or unit == "Go":
            return f"{number_fr(round(value, 1) if unit != 'o' else int(value))} {unit}"
        value /= 1024
    return f"{size} o"  # pragma: no cover


def default_directory() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def files_root() -> Path:
    """The folder of the private files (proofs, reports, summonses): the default storage,
    which must be a local folder to be backed up here."""
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        raise BackupError(
            "Les fichiers privés ne sont pas dans un dossier local (stockage "
            f"{type(storage).__name__}) : sauvegardez-les avec les outils de ce stockage."
        )
    return Path(storage.location)


def _private_files(root: Path, skip: list[Path]) -> list[tuple[str, Path]]:
    """Regular files under ``root``, in a stable order, as (archive-relative path, path)."""
    found = []
    if not root.is_dir():
        return found
    skipped = [s.resolve() for s in skip]
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if (here / d).resolve() not in skipped)
        for name in sorted(names):
            path = here / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return found


class _Hashing:
    """Reads a file for tarfile while computing its SHA-256."""

    def __init__(self, handle):
        self._handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict:
    with path.open("rb") as handle:
        stat = os.fstat(handle.fileno())
        info = tarfile.TarInfo(name)
        info.size = stat.st_size
        info.mtime = int(stat.st_mtime)
        info.mode = 0o600
        reader = _Hashing(handle)
        tar.addfile(info, reader)
    return {"size": stat.st_size, "sha256": reader.digest.hexdigest()}


def archive_name(vendor: str, now: datetime, encrypted: bool) -> str:
    local = timezone.localtime(now)
    return f"probatio-{vendor}-{local:%Y%m%d-%H%M%S}.tar.gz" + (".chiffre" if encrypted else "")


def create_backup(*, directory: Path, key: str | None, now: datetime | None = None) -> BackupResult:
    """Write one archive into ``directory``: the database, the private files, the manifest;
    encrypted with ``key`` when given. Written under a temporary name, renamed when whole."""
    started = time.monotonic()
    now = now or timezone.now()
    vendor = connection.vendor
    root = files_root()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / archive_name(vendor, now, bool(key))
    partial = final.with_name(final.name + ".partiel")
    try:
        with tempfile.TemporaryDirectory(dir=directory, prefix=".sauvegarde-") as staging:
            dump_path, facts = databases.dump(connection, Path(staging))
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with open(descriptor, "wb") as out:
                sink = crypto.EncryptingWriter(out, key) if key else out
                with (
                    gzip.GzipFile(
                        fileobj=sink, mode="wb", compresslevel=COMPRESS_LEVEL, mtime=0
                    ) as compressed,
                    tarfile.open(fileobj=compressed, mode="w|", format=tarfile.PAX_FORMAT) as tar,
                ):
                    database = _add_file(tar, dump_path, dump_path.name)
                    database["file"] = dump_path.name
                    files = []
                    for relative, path in _private_files(root, skip=[directory]):
                        try:
                            entry = _add_file(tar, path, FILES_PREFIX + relative)
                        except FileNotFoundError:  # deleted since the listing (a preview)
                            continue
                        files.append({"path": relative, **entry})
                    manifest = {
                        "format": FORMAT,
                        "version": FORMAT_VERSION,
                        "created_at": now.isoformat(),
                        "vendor": vendor,
                        "encrypted": bool(key),
                        "database": database,
                        "migrations": facts.migrations,
                        "tables": facts.tables,
                        "audit_chain_heads": facts.heads,
                        "files": files,
                    }
                    content = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size, info.mtime, info.mode = len(content), int(now.timestamp()), 0o600
                    tar.addfile(info, io.BytesIO(content))
                if key:
                    sink.close()
                out.flush()
                os.fsync(out.fileno())
        os.replace(partial, final)
    except databases.DatabaseError as error:
        partial.unlink(missing_ok=True)
        raise BackupError(str(error)) from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(
        path=final,
        size=final.stat().st_size,
        encrypted=bool(key),
        vendor=vendor,
        tables=len(facts.tables),
        rows=sum(facts.tables.values()),
        files=len(files),
        files_size=sum(f["size"] for f in files),
        chains=len(facts.heads),
        seconds=time.monotonic() - started,
    )


# --- Reading an archive ---------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _altered(detail: str) -> BackupError:
    return BackupError(
        f"Archive altérée ou incomplète ({detail}) : elle ne peut pas être restaurée. "
        + NOTHING_CHANGED
    )


def _open_stream(handle, key: str | None):
    first = handle.read(len(crypto.MAGIC))
    handle.seek(0)
    if not crypto.is_encrypted(first):
        return handle, False
    if not key:
        raise BackupError(
            "Cette archive est chiffrée : définissez BACKUP_KEY avec la clé de la sauvegarde. "
            + NOTHING_CHANGED
        )
    try:
        return crypto.DecryptingReader(handle, key), True
    except crypto.WrongKey:
        raise BackupError(
            "Clé de sauvegarde incorrecte : BACKUP_KEY n'est pas la clé de cette archive (ou son "
            "en-tête a été altéré). " + NOTHING_CHANGED
        ) from None
    except crypto.Altered as error:
        raise _altered(str(error)) from None


def _safe_name(name: str) -> bool:
    """A member's name stays inside its folder: relative, no « .. », no empty part."""
    parts = name.split("/")
    return (
        not name.startswith("/")
        and "\\" not in name
        and all(part not in {"", ".", ".."} for part in parts)
    )


def read_archive(archive: Path, key: str | None, staging: Path) -> dict:
    """Decrypt and unpack ``archive`` into ``staging`` and check it whole against its manifest;
    return the manifest. Raises BackupError (French) on anything amiss."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"Archive introuvable : {archive}. " + NOTHING_CHANGED)
    members: set[str] = set()
    with archive.open("rb") as handle:
        stream, encrypted = _open_stream(handle, key)
        try:
            with (
                gzip.GzipFile(fileobj=stream, mode="rb") as compressed,
                tarfile.open(fileobj=compressed, mode="r|") as tar,
            ):
                for member in tar:
                    name = member.name
                    if (
                        not member.isfile()
                        or not _safe_name(name)
                        or not (
                            name == MANIFEST
                            or name in databases.DUMP_NAMES.values()
                            or name.startswith(FILES_PREFIX)
                        )
                    ):
                        raise _altered(f"élément inattendu « {name} »")
                    if name in members:
                        raise _altered(f"élément en double « {name} »")
                    tar.extract(member, staging, filter="data")
                    members.add(name)
                # To the end: gzip's checksum, and the encrypted stream's last chunk.
                while compressed.read(1024 * 1024):
                    pass
            if encrypted and stream.read():
                raise _altered("données après la fin de l'archive")
        except crypto.Altered as error:
            raise _altered(str(error)) from None
        except (OSError, EOFError, tarfile.TarError, zlib.error) as error:
            raise _altered(f"illisible : {error}") from None
    if MANIFEST not in members:
        raise _altered("manifeste absent")
    try:
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    except ValueError:
        raise _altered("manifeste illisible") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupError(
            "Ce fichier n'est pas une sauvegarde Probatio de format connu "
            f"(format {manifest.get('format')!r}, version {manifest.get('version')!r}). "
            + NOTHING_CHANGED
        )
    if manifest.get("encrypted") and not encrypted:
        raise _altered("le manifeste la dit chiffrée, elle ne l'est pas")
    try:
        expected = {manifest["database"]["file"]: manifest["database"]}
        expected.update({FILES_PREFIX + f["path"]: f for f in manifest["files"]})
        for key_name in ("vendor", "created_at", "migrations", "tables", "audit_chain_heads"):
            manifest[key_name]  # noqa: B018 (present, or the archive is refused)
    except (KeyError, TypeError):
        raise _altered("manifeste incomplet") from None
    if set(expected) != members - {MANIFEST}:
        missing = sorted(set(expected) - members)
        extra = sorted(members - {MANIFEST} - set(expected))
        raise _altered(f"éléments absents {missing[:3]}, ou en trop {extra[:3]}")
    for name, entry in expected.items():
        path = staging / name
        if path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            raise _altered(f"l'empreinte de « {name} » ne correspond pas au manifeste")
    return manifest


# --- Restore --------------------------------------------------------------------------------


def _known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _fits_target(manifest: dict, *, force: bool) -> list[str]:
    """Refusals before anything is touched; returns notes for the report."""
    vendor = manifest["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"Cette sauvegarde est une base {databases.vendor_label(vendor)} ; la base cible est "
            f"{databases.vendor_label(connection.vendor)}. Restaurez-la dans une base du même "
            "type (DATABASE_URL). " + NOTHING_CHANGED
        )
    known = _known_migrations()
    archived = {tuple(m) for m in manifest["migrations"]}
    unknown = sorted(archived - known)
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
        raise BackupError(
            "Cette sauvegarde vient d'une version plus récente de Probatio (migrations "
            f"inconnues de ce code : {names}). Installez cette version avant de restaurer. "
            + NOTHING_CHANGED
        )
    contents = databases.target_contents(connection)
    if contents and not force:
        found = ", ".join(f"{n} {what}" for what, n in contents.items())
        raise BackupError(
            f"La base cible n'est pas vide ({found}) : la restauration la remplacerait. "
            f"{NOTHING_CHANGED} Choisissez une base vide (DATABASE_URL) ou relancez avec --force "
            "pour l'écraser."
        )
    notes = []
    newer = len(known - archived)
    if newer:
        notes.append(
            f"Le code a {count(newer, 'migration')} de plus que la sauvegarde : lancez "
            "« manage.py migrate » après la restauration."
        )
    return notes


def _restore_files(manifest: dict, staging: Path, root: Path) -> list[str]:
    root.mkdir(parents=True, exist_ok=True)
    listed = {f["path"] for f in manifest["files"]}
    for entry in manifest["files"]:
        target = root / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staging / (FILES_PREFIX + entry["path"]), target)
    others = [rel for rel, _ in _private_files(root, skip=[]) if rel not in listed]
    if others:
        return [
            f"{count(len(others), 'fichier')} du dossier des fichiers privés hors de la "
            "sauvegarde, laissés en place (par exemple « " + others[0] + " »)."
        ]
    return []


def _check(manifest: dict, root: Path, anchors: str | None, result: RestoreResult) -> None:
    facts = databases.live_facts(connection)
    differing = [
        f"{table} : {facts.tables.get(table, 'absente')} au lieu de {expected}"
        for table, expected in manifest["tables"].items()
        if facts.tables.get(table) != expected
    ]
    if differing:
        result.problems.append(
            f"lignes : tables différentes du manifeste ({count(len(differing), 'table')}) : "
            + " ; ".join(differing[:5])
        )
    else:
        rows = sum(manifest["tables"].values())
        result.checks.append(
            f"lignes : {count(len(manifest['tables']), 'table')}, {number_fr(rows)} lignes, "
            "identiques au manifeste"
        )
    if facts.heads != manifest["audit_chain_heads"]:
        result.problems.append("têtes de chaîne du journal différentes du manifeste")
    else:
        result.checks.append(
            f"têtes de chaîne : {count(len(facts.heads), 'chaîne')}, identiques au manifeste"
        )
    bad = [
        f["path"]
        for f in manifest["files"]
        if not (root / f["path"]).is_file() or _sha256(root / f["path"]) != f["sha256"]
    ]
    if bad:
        result.problems.append(
            f"fichiers : empreintes SHA-256 différentes ({count(len(bad), 'fichier')}) : "
            + bad[0]
            + "…"
        )
    else:
        result.checks.append(
            f"fichiers : {count(len(manifest['files']), 'fichier')}, empreintes SHA-256 identiques"
        )
    output = io.StringIO()
    options = {"anchors": anchors} if anchors else {}
    try:
        call_command("verify_audit_chain", stdout=output, stderr=output, **options)
    except CommandError as error:
        details = [line for line in output.getvalue().splitlines() if line.strip()]
        result.problems.append(
            f"journal d'audit : {error}" + "".join(f"\n    {line}" for line in details[:20])
        )
    else:
        lines = [line for line in output.getvalue().splitlines() if line.strip()]
        last = lines[-1] if lines else "vérifié"
        result.checks.append(
            f"journal d'audit : {last}" + (" (ancres vérifiées)" if anchors else "")
        )


def restore_backup(
    *,
    archive: Path,
    key: str | None,
    force: bool = False,
    anchors: str | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> RestoreResult:
    """Restore ``archive`` into the database of ``DATABASE_URL`` and the private files'
    folder, then check the result. Raises BackupError before touching anything when the
    archive or the target is refused."""
    started = time.monotonic()
    root = files_root()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root.parent, prefix=".restauration-") as folder:
        staging = Path(folder)
        manifest = read_archive(Path(archive), key, staging)
        progress(
            f"Archive vérifiée : {Path(archive).name}"
            + (" (chiffrée)" if manifest["encrypted"] else "")
            + f", sauvegarde {databases.vendor_label(manifest['vendor'])} du "
            + f"{timezone.localtime(datetime.fromisoformat(manifest['created_at'])):%d/%m/%Y à %H:%M:%S}, "
            + f"{count(len(manifest['tables']), 'table')}, "
            + f"{number_fr(sum(manifest['tables'].values()))} lignes, "
            + f"{count(len(manifest['files']), 'fichier')}."
        )
        result = RestoreResult(manifest=manifest, files_root=root)
        result.notes += _fits_target(manifest, force=force)
        try:
            databases.restore(
                connection, manifest["vendor"], staging / manifest["database"]["file"]
            )
        except databases.DatabaseError as error:
            raise BackupError(f"{error} {NOTHING_CHANGED}") from error
        ContentType.objects.clear_cache()
        cache.clear()
        progress(f"Base {databases.vendor_label(manifest['vendor'])} restaurée.")
        result.notes += _restore_files(manifest, staging, root)
        progress(
            f"Fichiers privés restaurés : {count(len(manifest['files']), 'fichier')} dans {root}."
        )
    _check(manifest, root, anchors, result)
    result.seconds = time.monotonic() - started
    return result
