"""A real streaming replica on loopback: the figures and the exports read from it, their journal
lines are written on the primary, a user who just wrote is pinned to the primary, and the
router falls back to the primary, with a warning, when the replica lags or is down.

The run's PostgreSQL server is left alone (neither reconfigured nor restarted): the test makes
its own pair of clusters in a temporary folder, as the ``postgres`` user when run as root.
``initdb`` a primary (``wal_level = replica``, a ``host replication`` line in its access file)
on a free port; a copy there of this run's test database (``pg_dump``: migrating a new one
would take minutes); ``pg_basebackup -R`` a standby, started on another free port. The
application runs in child processes whose ``DATABASE_URL`` and ``DATABASE_REPLICA_URL`` point
at the pair, exactly as a deployment sets them (docs/deployment.md). Everything is stopped and
removed at the end. Skipped only when the server's programs are not installed.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
# The django_db mark has pytest-django create this run's test database, copied to the pair.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def postgres_bindir() -> Path | None:
    """The server's programs (initdb, pg_ctl, pg_basebackup): ``pg_config --bindir``, else the
    newest version of Debian's layout."""
    config = shutil.which("pg_config")
    if config:
        found = subprocess.run([config, "--bindir"], capture_output=True, text=True).stdout
        if (Path(found.strip()) / "initdb").exists():
            return Path(found.strip())
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return versions[-1].parent if versions else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Pair:
    """A primary and its streaming standby, each on its own port, in one folder."""

    def __init__(self, bindir: Path, base: Path):
        self.bindir = bindir
        self.base = base
        self.primary_dir = base / "primary"
        self.standby_dir = base / "standby"
        self.primary_port = free_port()
        self.standby_port = free_port()
        self.database = "probatio_replica"
        self.running: list[Path] = []

    def run(self, program: str, *args: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*as_postgres, str(self.bindir / program), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, f"{program} {' '.join(args)}: {done.stderr[-2000:]}"

    def start(self, data: Path) -> None:
        self.run("pg_ctl", "-D", str(data), "-l", str(data) + ".log", "-w", "-t", "30", "start")
        self.running.append(data)

    def stop(self, data: Path) -> None:
        self.run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "-t", "30", "stop")
        self.running.remove(data)

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{self.database}"

    def sql(self, port: int, query: str, *, database: str | None = None):
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname=database or self.database,
            autocommit=True, connect_timeout=5,
        ) as connection:  # fmt: skip
            cursor = connection.execute(query)
            return cursor.fetchall() if cursor.description else None

    def make_primary(self) -> None:
        self.run("initdb", "-D", str(self.primary_dir), "-U", "postgres", "-A", "trust",
                 "-E", "UTF8", "--no-sync")  # fmt: skip
        with open(self.primary_dir / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nport = {self.primary_port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.base}'\n"
                "wal_level = replica\nmax_wal_senders = 4\n"
                # A throwaway cluster: no durability needed, only speed.
                "fsync = off\nfull_page_writes = off\nsynchronous_commit = off\n"
            )
        with open(self.primary_dir / "pg_hba.conf", "a") as hba:
            hba.write("\nhost replication postgres 127.0.0.1/32 trust\n")
        self.start(self.primary_dir)
        self.sql(self.primary_port, f"CREATE DATABASE {self.database}", database="postgres")

    def copy_database(self, source: dict) -> None:
        dump = subprocess.Popen(
            [str(self.bindir / "pg_dump"), "--no-owner", "--no-privileges",
             "-h", str(source["HOST"] or "127.0.0.1"), "-p", str(source["PORT"] or 5432),
             "-U", source["USER"] or "postgres", source["NAME"]],
            stdout=subprocess.PIPE,
            env={**os.environ, "PGPASSWORD": source["PASSWORD"] or ""},
        )  # fmt: skip
        subprocess.run(
            [str(self.bindir / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(self.primary_port), "-U", "postgres", "-d", self.database],
            stdin=dump.stdout, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        dump.stdout.close()
        assert dump.wait(timeout=60) == 0

    def make_standby(self) -> None:
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U",
                 "postgres", "-D", str(self.standby_dir), "-R", "-X", "stream",
                 "--checkpoint=fast", "--no-sync")  # fmt: skip
        with open(self.standby_dir / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.standby_port}\nhot_standby = on\n")
        self.start(self.standby_dir)

    def close(self) -> None:
        try:
            for data in list(self.running):
                try:
                    self.stop(data)
                except (AssertionError, subprocess.SubprocessError):
                    self.run("pg_ctl", "-D", str(data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="module")
def pair(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import connection

        assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
        source = dict(connection.settings_dict)
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("Les programmes du serveur PostgreSQL (initdb, pg_basebackup) sont absents.")
    base = Path(tempfile.mkdtemp(prefix="probatio-replica-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    pair = Pair(bindir, base)
    try:
        pair.make_primary()
        # The schema and the data of the migrations: a copy of this run's test database
        # (migrating anew would take minutes).
        pair.copy_database(source)
        pair.make_standby()
        yield pair
    finally:
        pair.close()


def app(pair: Pair, probe: str, **env) -> tuple[dict, str]:
    """A child process of the application on the pair running one of the probes below.
    Returns what the probe printed (JSON) and the process's logs."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": pair.url(pair.primary_port),
        "DATABASE_REPLICA_URL": pair.url(pair.standby_port),
        "LOG_LEVEL": "WARNING",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBES, probe],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]), done.stderr


# What the child processes run (``python -c PROBES <probe>``).
PROBES = r"""
import json, sys, time
import django
django.setup()
from django.db import connections, router
from django.test import Client
from probatio.accounts.models import Membership
from probatio.audit.models import AuditEntry
from probatio.core import db_routing
from probatio.organisation.models import Service
from probatio.people.models import Person
from tests.factories import MembershipFactory, ServiceFactory

def served_by():
    alias = router.db_for_read(Person)
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
        return [alias, *cursor.fetchone()]

def replicated(model, pk):
    for _ in range(100):
        if model.objects.using("replica").filter(pk=pk).exists():
            return True
        time.sleep(0.1)
    return False

def request(client, url, **kwargs):
    # The response, and the statements run on the primary and on the replica meanwhile.
    seen = {"default": [], "replica": []}

    def recorder(alias):
        def record(execute, sql, params, many, context):
            seen[alias].append(sql)
            return execute(sql, params, many, context)
        return record

    with connections["default"].execute_wrapper(recorder("default")), \
         connections["replica"].execute_wrapper(recorder("replica")):
        response = client.get(url, **kwargs)
    # The router's own check of the replica is not a read of the page.
    checks = ("pg_is_in_recovery", "pg_wal_lsn_diff", "pg_current_wal_lsn")
    replica = [q for q in seen["replica"] if not any(c in q for c in checks)]
    return response, seen["default"], replica

MANAGER = "encadrement.replique"
out = {}
probe = sys.argv[1]
if probe == "up":
    with db_routing.reads_from_replica():
        out["inside"] = served_by()
    out["outside"] = served_by()
    # A write on the primary reaches the standby.
    service = ServiceFactory(name="SPIP de la réplique", department_code="997")
    out["replicated"] = replicated(Service, service.pk)
    manager = MembershipFactory(role="manager", service=service, user__username=MANAGER)
    replicated(Membership, manager.pk)
    client = Client()
    client.force_login(manager.user)
    before = AuditEntry.objects.count()
    response, primary, replica = request(client, "/chiffres/?figure=followed&format=csv")
    out["export"] = {
        "status": response.status_code,
        "type": response["Content-Type"],
        "replica_reads": len(replica),
        "replica_writes": [q for q in replica if not q.lstrip().upper().startswith("SELECT")],
        "journal_on_primary": any('INSERT INTO "audit_auditentry"' in q for q in primary),
        "journal_on_replica": any("audit_" in q for q in replica),
        "journal": list(
            AuditEntry.objects.order_by("-pk").values_list("action", "object_type")[:1]
        ),
        "journal_lines": AuditEntry.objects.count() - before,
        "pin_cookie": db_routing.PIN_COOKIE in response.cookies,
    }
    response, primary, replica = request(client, "/chiffres/")
    out["page"] = {
        "status": response.status_code,
        "replica_reads": len(replica),
        "journal_on_primary": any('INSERT INTO "audit_auditentry"' in q for q in primary),
    }
    response, primary, replica = request(client, "/")
    out["home"] = {"status": response.status_code, "replica_reads": len(replica)}
    # A form sent: the user reads from the primary for the next seconds.
    posted = client.post("/chiffres/")
    out["post"] = {
        "status": posted.status_code,
        "pin_cookie": db_routing.PIN_COOKIE in posted.cookies,
    }
    response, primary, replica = request(client, "/chiffres/?figure=followed&format=csv")
    out["pinned_export"] = {"status": response.status_code, "replica_reads": len(replica)}
    client.cookies.pop(db_routing.PIN_COOKIE)
    response, primary, replica = request(client, "/chiffres/?figure=followed&format=xlsx")
    out["unpinned_export"] = {"status": response.status_code, "replica_reads": len(replica)}
elif probe == "fallback":
    started = time.monotonic()
    with db_routing.reads_from_replica():
        out["inside"] = served_by()
    out["seconds"] = time.monotonic() - started
    # The figures still answer, from the primary.
    manager = Membership.objects.get(user__username=MANAGER)
    client = Client()
    client.force_login(manager.user)
    db_routing.forget_health()
    response, primary, replica = request(client, "/chiffres/?figure=followed&format=csv")
    out["export"] = {"status": response.status_code, "replica_reads": len(replica)}
print(json.dumps(out))
"""


def test_reads_routed_to_a_streaming_replica_and_back_to_the_primary(pair):
    # Up and current: the marked reads are served by the standby, the rest by the primary.
    up, logs = app(pair, "up", DATABASE_POOL="1:4")
    assert up["inside"] == ["replica", True, pair.standby_port]
    assert up["outside"] == ["default", False, pair.primary_port]
    assert up["replicated"]
    export = up["export"]
    assert export["status"] == 200 and export["type"].startswith("text/csv")
    assert export["replica_reads"] > 0 and export["replica_writes"] == []
    # Its journal line: on the primary, written before the response came back.
    assert export["journal_on_primary"] and not export["journal_on_replica"]
    assert export["journal"] == [["export", "figures.figure"]]
    assert export["journal_lines"] == 1
    assert not export["pin_cookie"]  # a journal line does not pin
    assert up["page"]["status"] == 200 and up["page"]["replica_reads"] > 0
    assert up["page"]["journal_on_primary"]
    assert up["home"]["replica_reads"] == 0  # an unmarked page: the primary only
    assert up["post"] == {"status": 405, "pin_cookie": True}
    assert up["pinned_export"] == {"status": 200, "replica_reads": 0}
    assert up["unpinned_export"]["status"] == 200 and up["unpinned_export"]["replica_reads"] > 0
    assert "écartée" not in logs

    # Lagging: the standby stops replaying, the primary goes on writing.
    pair.sql(pair.standby_port, "SELECT pg_wal_replay_pause()")
    try:
        pair.sql(pair.primary_port, "CREATE TABLE replica_probe (n int); DROP TABLE replica_probe")
        time.sleep(2.5)
        lagging, logs = app(pair, "fallback", DATABASE_REPLICA_MAX_LAG="2")
    finally:
        pair.sql(pair.standby_port, "SELECT pg_wal_replay_resume()")
    assert lagging["inside"] == ["default", False, pair.primary_port]
    assert lagging["export"] == {"status": 200, "replica_reads": 0}
    assert "Réplique de lecture « replica » écartée : en retard sur la base principale" in logs

    # Down: the standby stopped.
    pair.stop(pair.standby_dir)
    down, logs = app(pair, "fallback")
    assert down["inside"] == ["default", False, pair.primary_port]
    assert down["seconds"] < 5
    assert down["export"] == {"status": 200, "replica_reads": 0}
    assert "Réplique de lecture « replica » écartée : injoignable" in logs
