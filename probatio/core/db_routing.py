"""A read replica for the heavy reads, the primary for everything else (docs/deployment.md).

``DATABASE_REPLICA_URL`` adds the database alias ``replica`` (a PostgreSQL streaming standby).
Nothing reads from it unless the code says so:

- ``reads_from_replica()`` (a context manager, or a decorator: ``@reads_from_replica()``)
  routes the reads of its block to the replica: the activity figures' pages;
- ``PrimaryPinningMiddleware`` routes the reads of a view asked for a file (``?format=csv`` or
  ``xlsx``, ``core.exports.requested_format``): every list export, in one place.

Every write goes to the primary (``db_for_write``), and so do, even inside such a block, the
reads of the journal and of the sessions (``PRIMARY_APPS``) and every read made inside a
transaction of the primary (it must see that transaction's own writes and locks). The journal
line of a figure or an export is thus written on the primary, before the response, as
everywhere else.

Before a block reads from the replica, the replica is checked (at most every
``PROBATIO_REPLICA_CHECK_SECONDS``, per process): it must answer, and be no more than
``PROBATIO_REPLICA_MAX_LAG`` seconds behind the primary. Otherwise a warning is logged and the
block reads from the primary: a figure may come slower, never staler than that threshold.

A user who has just written (a request other than GET/HEAD/OPTIONS/TRACE, or a write seen by the
router other than a journal line or a session) is *pinned* to the primary for
``PROBATIO_PRIMARY_PIN_SECONDS``: a short cookie, so that the next pages never show a replica
that has not yet received what they just saved.
"""

import contextlib
import logging
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

log = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "probatio_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Read on the primary even in a replica block: the journal's chain is read and extended in
# one transaction; the session is the user's own, just written.
PRIMARY_APPS = frozenset({"audit", "sessions"})
# Writes that do not pin the user: every read of a file writes its journal line, every page
# may touch its session.
UNPINNING_APPS = frozenset({"audit", "sessions"})

DEFAULT_MAX_LAG = 30
DEFAULT_PIN_SECONDS = 10
DEFAULT_CHECK_SECONDS = 5
# How long a replica whose last replayed transaction is old may take to show it is current.
SETTLE = 1.0


@dataclass
class RequestState:
    """What the router knows of the request being served (one per request, in a context
    variable set by the middleware)."""

    pinned: bool = False
    wrote: bool = False
    # The alias the view reads from (an export), chosen once, before the view runs.
    view_reads_from: str | None = None


_request: ContextVar[RequestState | None] = ContextVar("probatio_db_request", default=None)
_reads_from: ContextVar[str | None] = ContextVar("probatio_db_reads_from", default=None)

_health_lock = threading.Lock()
_health: dict[str, tuple[float, bool]] = {}
_checking: set[str] = set()
# A refused replica is checked again after this many check periods.
FAILED_FOR = 3


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def max_lag() -> float:
    return float(getattr(settings, "PROBATIO_REPLICA_MAX_LAG", DEFAULT_MAX_LAG))


def lag_seconds(alias: str = REPLICA) -> float:
    """How far the replica is behind the primary, in seconds: 0 when it has replayed all the
    primary has written. Raises ``DatabaseError`` when either does not answer.

    The age of the last transaction replayed says it only while the primary writes: after an
    idle spell (or just after the standby started), it is old, or unknown, though the replica
    is current. So the WAL positions come first, and when the replica is behind the primary's
    position with such an old (or no) transaction, it is given ``SETTLE`` seconds to reach
    that position: a current replica does, a stuck or lagging one does not."""
    replica = connections[alias]
    if replica.vendor != "postgresql":
        with replica.cursor() as cursor:
            cursor.execute("SELECT 1")
        return 0.0
    with replica.cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(), "
            "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8"
        )
        in_recovery, behind = cursor.fetchone()
    if not in_recovery:  # a promoted standby, or the test database's mirror
        return 0.0
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (written,) = cursor.fetchone()
    started = time.monotonic()
    while True:
        with replica.cursor() as cursor:
            cursor.execute(
                "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())", [written]
            )
            (missing_bytes,) = cursor.fetchone()
        if missing_bytes is not None and missing_bytes <= 0:
            return time.monotonic() - started
        if behind is not None and behind <= max_lag():
            return max(float(behind), 0.0)  # replaying recent transactions: that is the lag
        if time.monotonic() - started >= SETTLE:
            return float("inf") if behind is None else float(behind)
        time.sleep(0.05)


def _check(alias: str) -> str | None:
    """Why the replica may not be read now, or None."""
    try:
        lag = lag_seconds(alias)
    except DatabaseError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"injoignable ({exc.__class__.__name__}: {first_line})"
    if lag > max_lag():
        shown = "inconnu" if lag == float("inf") else f"{lag:.1f} s"
        return f"en retard sur la base principale ({shown}, maximum {max_lag():g} s)"
    return None


def replica_usable(alias: str = REPLICA) -> bool:
    """Is the replica reachable and close enough behind? Checked at most every
    ``PROBATIO_REPLICA_CHECK_SECONDS`` in this process (a refusal is kept ``FAILED_FOR`` times
    longer: a replica that is down costs a connection timeout per check); a refusal is logged
    as a warning. While one thread checks, the others read from the primary."""
    period = float(getattr(settings, "PROBATIO_REPLICA_CHECK_SECONDS", DEFAULT_CHECK_SECONDS))
    with _health_lock:
        checked = _health.get(alias)
        if checked is not None:
            at, usable = checked
            if time.monotonic() - at < (period if usable else period * FAILED_FOR):
                return usable
        if alias in _checking:
            return False
        _checking.add(alias)
    reason = "vérification interrompue"
    try:
        reason = _check(alias)
        if reason is not None:
            log.warning(
                "Réplique de lecture « %s » écartée : %s. Lectures sur la base principale.",
                alias,
                reason,
            )
            # The failed connection is dropped: the next check opens a new one.
            if alias in settings.DATABASES:
                with contextlib.suppress(DatabaseError):
                    connections[alias].close()
    finally:
        with _health_lock:
            _checking.discard(alias)
            _health[alias] = (time.monotonic(), reason is None)
    return reason is None


def forget_health() -> None:
    """Forget the last check (tests, or after a failover)."""
    with _health_lock:
        _health.clear()


def read_alias() -> str:
    """Where a block marked for the replica reads now: the replica if there is one, the user
    is not pinned and it is healthy; else the primary."""
    if not replica_configured():
        return DEFAULT_DB_ALIAS
    state = _request.get()
    if state is not None and state.pinned:
        return DEFAULT_DB_ALIAS
    return REPLICA if replica_usable() else DEFAULT_DB_ALIAS


@contextmanager
def reads_from_replica():
    """The reads of this block (or of the decorated function) from the replica, when it may be
    read; see the module's docstring. Writes and journal lines stay on the primary."""
    token = _reads_from.set(read_alias())
    try:
        yield
    finally:
        _reads_from.reset(token)


class ReplicaRouter:
    """Reads on the primary unless a block marked them for the replica; writes and migrations
    on the primary only."""

    def db_for_read(self, model, **hints):
        alias = _reads_from.get()
        if alias is None:
            state = _request.get()
            alias = state.view_reads_from if state is not None else None
        if alias is None or alias == DEFAULT_DB_ALIAS:
            return DEFAULT_DB_ALIAS
        if model._meta.app_label in PRIMARY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        state = _request.get()
        if state is not None and model._meta.app_label not in UNPINNING_APPS:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return None if db == DEFAULT_DB_ALIAS else False


class PrimaryPinningMiddleware:
    """Pins to the primary, for a few seconds, a user who has just written; routes an export's
    reads to the replica (``?format=csv|xlsx`` on a GET)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = RequestState(pinned=PIN_COOKIE in request.COOKIES)
        token = _request.set(state)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if request.method not in SAFE_METHODS or state.wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=int(getattr(settings, "PROBATIO_PRIMARY_PIN_SECONDS", DEFAULT_PIN_SECONDS)),
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        from probatio.core.exports import requested_format

        state = _request.get()
        if state is not None and request.method == "GET" and requested_format(request):
            state.view_reads_from = read_alias()
        return None
