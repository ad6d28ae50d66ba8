"""Errors and what they mean for the user: validation errors keyed by field, a database that
refuses writes, and whether a form that failed keeps its typed text in a draft."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import InternalError, OperationalError
from django.urls import NoReverseMatch, reverse


def field_errors(**messages: str) -> ValidationError:
    """A ValidationError keyed by field, for services to raise and forms to show in place."""
    return ValidationError({field: [message] for field, message in messages.items()})


# --- A database that refuses writes ------------------------------------------------------

# SQLite's primary result codes (the extended ones carry them in their low byte).
SQLITE_READONLY = 8  # "attempt to write a readonly database" (file, folder, query_only)
SQLITE_FULL = 13  # "database or disk is full"
# PostgreSQL's SQLSTATE: a read-only transaction (default_transaction_read_only, a hot
# standby) and a full disk.
PG_READ_ONLY_SQL_TRANSACTION = "25006"
PG_DISK_FULL = "53100"
WRITE_REFUSED_SQLSTATES = frozenset({PG_READ_ONLY_SQL_TRANSACTION, PG_DISK_FULL})
# When the driver gives no code: the messages of SQLite and PostgreSQL for those causes.
WRITE_REFUSED_MESSAGES = (
    "attempt to write a readonly database",
    "database or disk is full",
    "read-only transaction",
    "no space left on device",
)


def refuses_writes(error: BaseException | None) -> bool:
    """Whether ``error`` is the database refusing to write, or was raised because of it (a
    session that could not be saved becomes Django's ``SessionInterrupted``): read-only
    (SQLite file or ``query_only``, PostgreSQL read-only transaction or standby) or full.
    Other database errors (a lock, a lost connection, a constraint) are not: they stay server
    errors."""
    for _ in range(10):  # the chain of causes, bounded
        if error is None:
            return False
        if _refuses_writes(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def _refuses_writes(error: BaseException) -> bool:
    """Django raises its own ``OperationalError`` / ``InternalError`` from the driver's, which
    is kept as the cause and says why (SQLite's result code, PostgreSQL's SQLSTATE)."""
    if not isinstance(error, OperationalError | InternalError):
        return False
    for candidate in (error.__cause__, error):
        code = getattr(candidate, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (SQLITE_READONLY, SQLITE_FULL)
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if state:
            return state in WRITE_REFUSED_SQLSTATES
    message = str(error).lower()
    return any(text in message for text in WRITE_REFUSED_MESSAGES)


# --- Forms whose text autosaves ----------------------------------------------------------

DRAFT_FORM_ATTRIBUTE = "draft_form"


def keeps_draft(form_url_name: str) -> Callable:
    """Marks a view receiving a form whose text autosaves while it is typed (``probatio.js``
    keeps a copy in the browser tab until the server has saved the text, and the server a
    draft): when that view fails, the error page can say that the text is kept, and link to
    ``form_url_name`` (reversed with the view's own URL arguments), where it is restored."""

    def mark(view: Callable) -> Callable:
        setattr(view, DRAFT_FORM_ATTRIBUTE, form_url_name)
        return view

    return mark


def draft_form_url(request) -> str | None:
    """The page of the form that keeps a draft of what ``request`` sent, or None (another
    form, no form, or a request that failed before its URL was resolved)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    name = getattr(match.func, DRAFT_FORM_ATTRIBUTE, None)
    if not name:
        return None
    try:
        return reverse(name, args=match.args, kwargs=match.kwargs)
    except NoReverseMatch:
        return None
