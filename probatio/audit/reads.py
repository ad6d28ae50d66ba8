"""Reads journaled only when what was read was shown.

A gate that journals a read (``person_get_for(..., log_read=...)``, a report's, a transfer's)
runs before the view has found what it shows: the sub-object asked for may not exist
(``/personnes/8/notes/999999/``), the role may lack the action, the page may fail. Inside a
request, the gate therefore *holds* its entries (``record_reads``), and the request's
middleware (``accounts.middleware.DeniedJournalMiddleware``) writes them, in one transaction,
once the view has answered with a success (2xx, a file download included); otherwise they are
dropped (a refusal is journaled as such instead). A failure to write them fails the request:
a page is never served without its journal entry.

Outside a request (a service, a command, a test calling the gate directly) nothing holds
them: they are written at once, in their own transaction, as before.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from probatio.audit import services as audit

# (service_id, entry fields) held by the request being served; None outside a request.
_held: ContextVar[list[tuple[int | None, dict]] | None] = ContextVar(
    "probatio_held_reads", default=None
)


@contextmanager
def held() -> Iterator[list[tuple[int | None, dict]]]:
    """Hold the reads journaled inside the block (a request); the caller writes them with
    ``write_held`` when what they read was shown."""
    pending: list[tuple[int | None, dict]] = []
    token = _held.set(pending)
    try:
        yield pending
    finally:
        _held.reset(token)


def record_reads(*, service_id: int | None, entries: list[dict]) -> None:
    """Journal reads (each as ``audit.record``'s fields) in the chain of ``service_id``: held
    until the response inside a request, written at once outside one."""
    pending = _held.get()
    if pending is not None:
        pending.extend((service_id, dict(fields)) for fields in entries)
        return
    with transaction.atomic():
        audit.record_many(service_id=service_id, entries=entries)


def record_read(*, service_id: int | None, **fields) -> None:
    """One read (``audit.record``'s fields); see ``record_reads``."""
    record_reads(service_id=service_id, entries=[fields])


def write_held(pending: list[tuple[int | None, dict]]) -> None:
    """Write the held reads in one transaction, one append per chain, in the order they were
    read. Raises when the journal cannot be written (the request then fails)."""
    if not pending:
        return
    chains: dict[int | None, list[dict]] = {}
    for service_id, fields in pending:
        chains.setdefault(service_id, []).append(fields)
    with transaction.atomic():
        for service_id, entries in chains.items():
            audit.record_many(service_id=service_id, entries=entries)
