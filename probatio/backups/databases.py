"""The database half of a backup, one way per vendor (docs/deployment.md, « Sauvegarde et
restauration »).

- SQLite: Python's online backup API copies the live database page by page under one read
  lock; writers go on (WAL) and the copy is the database at one instant. Restoring runs the
  same API the other way, into the target connection, in one write transaction.
- PostgreSQL: ``pg_dump --format=custom`` inside a repeatable-read transaction whose snapshot
  it shares (``--snapshot``), so that the row counts and the chain heads of the manifest are
  those of the dump to the row. Restoring is ``pg_restore --single-transaction``: all or
  nothing.

The facts of the manifest (tables and their row counts, applied migrations, audit chain heads)
are read from the copy itself, never from the live database.
"""

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from probatio.accounts.models import User
from probatio.organisation.models import Service
from probatio.people.models import Person

VENDOR_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MIGRATIONS_TABLE = "django_migrations"
HEADS_TABLE = "audit_auditchainhead"


class DatabaseError(Exception):
    """A French message: a dump or a restore that failed (nothing was changed)."""


@dataclass
class Facts:
    tables: dict[str, int]
    migrations: list[list[str]]
    heads: list[dict]


def vendor_label(vendor: str) -> str:
    return VENDOR_LABELS.get(vendor, vendor)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_names(cursor, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    else:
        # Partitions are counted through their parent (the journal, docs/audit.md).
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
            "AND NOT c.relispartition ORDER BY c.relname"
        )
    return [row[0] for row in cursor.fetchall()]


def read_facts(cursor, vendor: str) -> Facts:
    """Tables with their row counts, applied migrations and chain heads, through a DB-API
    cursor (of the copy when backing up, of the restored database when checking)."""
    names = _table_names(cursor, vendor)
    tables = {}
    for name in names:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(name)}")
        tables[name] = cursor.fetchone()[0]
    migrations: list[list[str]] = []
    if MIGRATIONS_TABLE in tables:
        cursor.execute(f"SELECT app, name FROM {MIGRATIONS_TABLE} ORDER BY app, name")
        migrations = [[app, name] for app, name in cursor.fetchall()]
    heads: list[dict] = []
    if HEADS_TABLE in tables:
        cursor.execute(f"SELECT chain, last_hash, last_entry_id FROM {HEADS_TABLE} ORDER BY chain")
        heads = [
            {"chain": chain, "last_hash": last_hash, "last_entry_id": last_id}
            for chain, last_hash, last_id in cursor.fetchall()
        ]
    return Facts(tables=tables, migrations=migrations, heads=heads)


def live_facts(connection) -> Facts:
    with connection.cursor() as cursor:
        return read_facts(cursor, connection.vendor)


# --- Dump -----------------------------------------------------------------------------------


def dump(connection, directory: Path) -> tuple[Path, Facts]:
    """Write a consistent copy of the database into ``directory``; return its path and facts."""
    if connection.vendor == "sqlite":
        return _sqlite_dump(connection, directory / DUMP_NAMES["sqlite"])
    if connection.vendor == "postgresql":
        return _postgresql_dump(connection, directory / DUMP_NAMES["postgresql"])
    raise DatabaseError(
        f"Base de données « {connection.vendor} » non prise en charge : seules SQLite et "
        "PostgreSQL se sauvegardent avec cette commande."
    )


def _sqlite_dump(connection, path: Path) -> tuple[Path, Facts]:
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        # One step: the whole database under one read lock, a copy of one instant.
        connection.connection.backup(copy)
        # A single self-contained file (the live database is in WAL mode).
        copy.execute("PRAGMA journal_mode=DELETE")
        facts = read_facts(copy.cursor(), "sqlite")
    finally:
        copy.close()
    return path, facts


def _client(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise DatabaseError(
            f"Le programme « {tool} » est introuvable : installez les outils clients de "
            "PostgreSQL (paquet Debian postgresql-client, de la version du serveur)."
        )
    return found


def _client_env(settings_dict: dict) -> dict:
    """libpq's variables for the database of ``settings_dict`` (the password never on a
    command line)."""
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        value = settings_dict.get(key)
        if value:
            env[variable] = str(value)
        else:
            env.pop(variable, None)
    options = settings_dict.get("OPTIONS") or {}
    for variable, key in (("PGSSLMODE", "sslmode"), ("PGSSLROOTCERT", "sslrootcert")):
        if options.get(key):
            env[variable] = str(options[key])
    return env


def _run(command: list[str], env: dict, what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise DatabaseError(f"{what} a échoué : {' / '.join(detail[-3:]) or result.returncode}")


def _postgresql_dump(connection, path: Path) -> tuple[Path, Facts]:
    pg_dump = _client("pg_dump")
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise DatabaseError("La sauvegarde ne peut pas s'exécuter dans une transaction ouverte.")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={path}"],
            _client_env(connection.settings_dict),
            "pg_dump",
        )
        facts = read_facts(cursor, "postgresql")
    return path, facts


# --- Target ---------------------------------------------------------------------------------


def target_contents(connection) -> dict[str, int]:
    """What makes the target non-empty: its accounts, services and persons (zero when their
    tables do not even exist)."""
    tables = set(connection.introspection.table_names())
    found = {}
    for key, model in (("comptes", User), ("services", Service), ("personnes", Person)):
        if model._meta.db_table in tables:
            found[key] = model.objects.using(connection.alias).count()
    return {key: n for key, n in found.items() if n}


def restore(connection, vendor: str, path: Path) -> None:
    """Replace the target database by the copy at ``path``, all or nothing."""
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        except sqlite3.Error as error:
            raise DatabaseError(f"La copie dans la base SQLite a échoué : {error}") from error
        finally:
            source.close()
        connection.close()
        return
    _postgresql_restore(connection, path)


# The target's schema emptied, in the transaction of the restore: what the archive does not
# have (tables of a later migration, partitions) goes too, and a failure leaves it whole.
EMPTY_SCHEMA = """
DO $$
DECLARE target text := coalesce(current_schema(), 'public');
BEGIN
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', target);
    EXECUTE format('CREATE SCHEMA %I', target);
END
$$;
"""


def _postgresql_restore(connection, path: Path) -> None:
    """``pg_restore`` writes the archive as SQL, which ``psql`` runs in one transaction after
    emptying the schema; the COMMIT is sent only once pg_restore has written everything
    without error: all or nothing. (``pg_restore --clean`` cannot drop a partitioned table's
    partitions in place.)"""
    pg_restore, psql = _client("pg_restore"), _client("psql")
    env = _client_env(connection.settings_dict)
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " -c client_min_messages=warning").strip()
    # The target's open connection would hold locks that the drops wait for.
    connection.close()
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        runner = subprocess.Popen(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=env,
        )
        script = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(path)],
            stdout=subprocess.PIPE,
            stderr=restore_errors,
            env=env,
        )
        try:
            runner.stdin.write(b"BEGIN;\n" + EMPTY_SCHEMA.encode())
            shutil.copyfileobj(script.stdout, runner.stdin, 1024 * 1024)
            script.stdout.close()
            if script.wait() == 0:
                runner.stdin.write(b"COMMIT;\n")
            runner.stdin.close()
        except BrokenPipeError:  # psql stopped on an error: its transaction is rolled back
            script.kill()
            script.wait()
            with contextlib.suppress(BrokenPipeError):
                runner.stdin.close()
        runner.wait()
        restore_errors.seek(0)
        psql_errors.seek(0)
        messages = (
            restore_errors.read().decode("utf-8", "replace")
            + psql_errors.read().decode("utf-8", "replace")
        ).strip()
    if script.returncode != 0 or runner.returncode != 0:
        detail = messages.splitlines()
        raise DatabaseError(
            "La restauration PostgreSQL a échoué et a été annulée : "
            + (" / ".join(detail[-3:]) or f"code {script.returncode or runner.returncode}")
        )
