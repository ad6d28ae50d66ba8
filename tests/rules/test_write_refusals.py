"""Which database errors mean "the database refuses writes" (the French 503 page) and which
stay server errors. The driver errors are real ones (SQLite's, made on a throw-away
connection of the sqlite3 module) or PostgreSQL's error classes, raised as Django raises them:
its own error, from the driver's."""

import sqlite3

import psycopg.errors
import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.exceptions import SessionInterrupted
from django.db import IntegrityError, InternalError, OperationalError

from probatio.core.errors import refuses_writes


def as_django(driver_error: Exception, django_type: type[Exception]) -> Exception:
    """What Django's database wrapper raises: its own error, from the driver's."""
    try:
        raise django_type(*driver_error.args) from driver_error
    except django_type as error:
        return error


def sqlite_error(*statements: str, then: str) -> sqlite3.Error:
    database = sqlite3.connect(":memory:", isolation_level=None)
    try:
        database.execute("CREATE TABLE t (x)")
        for statement in statements:
            database.execute(statement)
        with pytest.raises(sqlite3.Error) as caught:
            database.execute(then)
        return caught.value
    finally:
        database.close()


def sqlite_locked(tmp_path) -> sqlite3.Error:
    path = tmp_path / "verrou.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(sqlite3.OperationalError) as caught:
            other.execute("INSERT INTO t VALUES (1)")
        return caught.value
    finally:
        holder.close()
        other.close()


def test_sqlite_read_only_is_a_refusal():
    error = sqlite_error("PRAGMA query_only = ON", then="INSERT INTO t VALUES (1)")
    assert str(error) == "attempt to write a readonly database"
    assert refuses_writes(as_django(error, OperationalError))


def test_sqlite_full_is_a_refusal():
    error = sqlite_error(
        "PRAGMA max_page_count = 2", then="INSERT INTO t VALUES (zeroblob(100000))"
    )
    assert str(error) == "database or disk is full"
    assert refuses_writes(as_django(error, OperationalError))


def test_a_sqlite_lock_is_not_a_refusal(tmp_path):
    error = sqlite_locked(tmp_path)
    assert str(error) == "database is locked"
    assert not refuses_writes(as_django(error, OperationalError))


@pytest.mark.parametrize(
    ("driver_error", "django_type", "refused"),
    [
        (
            psycopg.errors.ReadOnlySqlTransaction(
                "cannot execute INSERT in a read-only transaction"
            ),
            InternalError,
            True,
        ),
        (
            psycopg.errors.DiskFull('could not extend file "base/16384/2619": No space left'),
            OperationalError,
            True,
        ),
        (psycopg.errors.LockNotAvailable("could not obtain lock"), OperationalError, False),
        (psycopg.errors.SerializationFailure("could not serialize"), OperationalError, False),
        (psycopg.errors.InFailedSqlTransaction("current transaction is aborted"), InternalError,
         False),
    ],
)  # fmt: skip
def test_postgresql_errors_by_their_sqlstate(driver_error, django_type, refused):
    assert refuses_writes(as_django(driver_error, django_type)) is refused


def test_without_a_driver_error_the_message_says_it():
    assert refuses_writes(OperationalError("attempt to write a readonly database"))
    assert refuses_writes(OperationalError("could not write: No space left on device"))
    assert not refuses_writes(OperationalError("server closed the connection unexpectedly"))


def test_a_session_that_could_not_be_saved_because_of_it_is_a_refusal():
    """Django turns the failed session save into SessionInterrupted (a 400): its cause is
    the database refusing writes."""
    refused = as_django(
        sqlite_error("PRAGMA query_only = ON", then="INSERT INTO t VALUES (1)"),
        OperationalError,
    )
    try:
        try:
            raise refused
        except OperationalError:
            try:
                raise UpdateError  # noqa: B904 (raised as Django raises it)
            except UpdateError:
                raise SessionInterrupted("session interrompue")  # noqa: B904
    except SessionInterrupted as error:
        assert refuses_writes(error)


@pytest.mark.parametrize(
    "error",
    [
        None,
        RuntimeError("panne"),
        IntegrityError("attempt to write a readonly database"),  # not a refusal's type
        ValueError("database or disk is full"),
    ],
)
def test_other_errors_are_not_refusals(error):
    assert not refuses_writes(error)
