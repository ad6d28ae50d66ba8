"""The read replica's router and the primary pinning, without a replica: the replica's health is
replaced by a stand-in (tests/services/test_replica.py runs a real streaming standby on
PostgreSQL). On SQLite, nothing changes: there is no replica, every read is on the primary."""

import logging
import runpy
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import HttpResponse
from django.test import RequestFactory

from probatio.audit.models import AuditEntry
from probatio.core import db_routing
from probatio.core.db_routing import (
    PIN_COOKIE,
    REPLICA,
    PrimaryPinningMiddleware,
    ReplicaRouter,
    reads_from_replica,
)
from probatio.people.models import Person

SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings.py"
router = ReplicaRouter()


@pytest.fixture(autouse=True)
def _fresh_health():
    db_routing.forget_health()
    yield
    db_routing.forget_health()


@pytest.fixture
def replica(monkeypatch):
    """A replica is configured; its lag is what the test sets (``replica.lag``: seconds, or an
    exception to raise). ``replica.checks`` counts the checks."""

    class Stand:
        lag: float | Exception = 0.5
        checks = 0

    stand = Stand()

    def lag_seconds(alias=REPLICA):
        stand.checks += 1
        if isinstance(stand.lag, Exception):
            raise stand.lag
        return stand.lag

    monkeypatch.setattr(db_routing, "replica_configured", lambda: True)
    monkeypatch.setattr(db_routing, "lag_seconds", lag_seconds)
    return stand


def test_without_a_replica_everything_is_on_the_primary():
    assert not db_routing.replica_configured()
    with reads_from_replica():
        assert router.db_for_read(Person) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Person) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Person) == DEFAULT_DB_ALIAS


def test_only_a_marked_block_reads_from_the_replica(replica):
    assert router.db_for_read(Person) == DEFAULT_DB_ALIAS
    with reads_from_replica():
        assert router.db_for_read(Person) == REPLICA
        # The journal is read and written on the primary; every write goes there.
        assert router.db_for_read(AuditEntry) == DEFAULT_DB_ALIAS
        assert router.db_for_write(Person) == DEFAULT_DB_ALIAS
        assert router.db_for_write(AuditEntry) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Person) == DEFAULT_DB_ALIAS


def test_the_decorator_marks_each_call(replica):
    @reads_from_replica()
    def read():
        return router.db_for_read(Person)

    assert read() == REPLICA
    assert read() == REPLICA
    assert router.db_for_read(Person) == DEFAULT_DB_ALIAS


def test_a_transaction_of_the_primary_reads_its_own_writes(replica, monkeypatch):
    # As inside ``transaction.atomic()`` (no database here).
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", True)
    with reads_from_replica():
        assert router.db_for_read(Person) == DEFAULT_DB_ALIAS


def test_migrations_and_relations():
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "people") is None
    assert router.allow_migrate(REPLICA, "people") is False
    assert router.allow_relation(object(), object()) is True


def test_a_lagging_replica_is_left_with_a_warning(replica, caplog, settings):
    settings.PROBATIO_REPLICA_MAX_LAG = 30
    replica.lag = 45.0
    with (
        caplog.at_level(logging.WARNING, logger="probatio.core.db_routing"),
        reads_from_replica(),
    ):
        assert router.db_for_read(Person) == DEFAULT_DB_ALIAS
    assert "en retard sur la base principale (45.0 s, maximum 30 s)" in caplog.text


def test_an_unreachable_replica_is_left_with_a_warning(replica, caplog):
    replica.lag = OperationalError("connection refused")
    with (
        caplog.at_level(logging.WARNING, logger="probatio.core.db_routing"),
        reads_from_replica(),
    ):
        assert router.db_for_read(Person) == DEFAULT_DB_ALIAS
    assert "injoignable (OperationalError: connection refused)" in caplog.text
    assert "Lectures sur la base principale" in caplog.text


def test_the_check_is_kept_a_few_seconds(replica, settings):
    settings.PROBATIO_REPLICA_CHECK_SECONDS = 60
    for _ in range(5):
        with reads_from_replica():
            assert router.db_for_read(Person) == REPLICA
    assert replica.checks == 1
    settings.PROBATIO_REPLICA_CHECK_SECONDS = 0
    replica.lag = OperationalError("gone")
    with reads_from_replica():
        assert router.db_for_read(Person) == DEFAULT_DB_ALIAS
    replica.lag = 0.0
    with reads_from_replica():
        assert router.db_for_read(Person) == REPLICA  # back as soon as it answers again
    assert replica.checks == 3


def serve(request, view):
    """The request through the middleware, as Django's handler does: ``process_view`` once
    every middleware has been entered, then the view."""

    def handler(req):
        middleware.process_view(req, view, (), {})
        return view(req)

    middleware = PrimaryPinningMiddleware(handler)
    return middleware(request)


def reads(request):
    """A view reading persons through a block marked for the replica."""
    with reads_from_replica():
        return HttpResponse(router.db_for_read(Person))


def test_a_post_pins_the_user_to_the_primary(replica, settings):
    settings.PROBATIO_PRIMARY_PIN_SECONDS = 10
    response = serve(RequestFactory().post("/personnes/1/notes/"), reads)
    assert response.cookies[PIN_COOKIE]["max-age"] == 10
    assert response.cookies[PIN_COOKIE]["httponly"]
    request = RequestFactory().get("/chiffres/")
    request.COOKIES[PIN_COOKIE] = "1"
    assert serve(request, reads).content == b"default"
    # Once the cookie is gone (after its seconds), the replica again.
    assert serve(RequestFactory().get("/chiffres/"), reads).content == REPLICA.encode()


def test_a_write_seen_in_a_get_pins_but_not_a_journal_line(replica):
    def journals(request):
        router.db_for_write(AuditEntry)
        return HttpResponse()

    def writes(request):
        router.db_for_write(Person)
        return HttpResponse()

    assert PIN_COOKIE not in serve(RequestFactory().get("/"), journals).cookies
    assert PIN_COOKIE in serve(RequestFactory().get("/"), writes).cookies


def test_an_export_reads_from_the_replica_not_its_page(replica):
    def view(request):
        return HttpResponse(router.db_for_read(Person))

    factory = RequestFactory()
    assert serve(factory.get("/service/", {"format": "csv"}), view).content == b"replica"
    assert serve(factory.get("/service/", {"format": "xlsx"}), view).content == b"replica"
    assert serve(factory.get("/service/"), view).content == b"default"
    assert serve(factory.get("/service/", {"format": "pdf"}), view).content == b"default"
    pinned = factory.get("/service/", {"format": "csv"})
    pinned.COOKIES[PIN_COOKIE] = "1"
    assert serve(pinned, view).content == b"default"
    # Outside the request, nothing is left marked.
    assert router.db_for_read(Person) == DEFAULT_DB_ALIAS


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, {"aliases": ["default"], "conn_max_age": 60, "pool": None}),
        (
            {"DATABASE_POOL": "2:8"},
            {"aliases": ["default"], "conn_max_age": 0, "pool": (2, 8)},
        ),
        (
            {"DATABASE_POOL": "8", "DATABASE_REPLICA_URL": "postgres://lecture@10.0.0.2/probatio"},
            {"aliases": ["default", "replica"], "conn_max_age": 0, "pool": (1, 8)},
        ),
    ],
)
def test_the_database_settings(monkeypatch, environment, expected):
    for name in ("DATABASE_POOL", "DATABASE_REPLICA_URL", "DATABASE_PGBOUNCER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://probatio@10.0.0.1:5432/probatio")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    databases = runpy.run_path(str(SETTINGS))["DATABASES"]
    assert list(databases) == expected["aliases"]
    for database in databases.values():
        # A pool and persistent connections exclude each other (Django refuses both).
        assert database["CONN_MAX_AGE"] == expected["conn_max_age"]
        pool = database["OPTIONS"].get("pool")
        sizes = (pool["min_size"], pool["max_size"]) if pool else None
        assert sizes == expected["pool"]
    if "replica" in databases:
        replica = databases["replica"]
        assert (replica["HOST"], replica["USER"]) == ("10.0.0.2", "lecture")
        assert replica["TEST"]["MIRROR"] == "default"
        assert replica["OPTIONS"]["connect_timeout"] == 3
        assert replica["OPTIONS"]["pool"]["timeout"] == 3


def test_pgbouncer_in_transaction_mode_has_no_server_side_cursors(monkeypatch):
    monkeypatch.delenv("DATABASE_POOL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://probatio@10.0.0.1:6432/probatio")
    monkeypatch.setenv("DATABASE_PGBOUNCER", "true")
    default = runpy.run_path(str(SETTINGS))["DATABASES"]["default"]
    assert default["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_the_sqlite_default_is_unchanged(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://lecture@10.0.0.2/probatio")
    monkeypatch.setenv("PROBATIO_VAR_DIR", str(tmp_path))
    databases = runpy.run_path(str(SETTINGS))["DATABASES"]
    assert list(databases) == ["default"]
    assert databases["default"]["ENGINE"] == "django.db.backends.sqlite3"
