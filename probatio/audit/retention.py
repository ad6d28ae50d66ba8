"""The purge of the journal's oldest entries, keeping every chain verifiable.

Called by the retention job (``probatio.retention``, the system actor) with the date before
which the journal's entries go; ``dry_run`` says what would go, with the same numbers.

Each chain is purged from its start, in the chain's order (its links, checked on the way:
hashes recomputed, each entry following the previous one), as long as the entries are older
than ``before``; the first younger entry stops it. A chain with an anomaly in the part to
purge is not purged past it (the anomaly stays for the verification to report), nor a
chain whose latest checkpoint does not bear the key's signature. Entries are
deleted in batches, one transaction each, and each batch moves the chain's checkpoint
(``AuditCheckpoint``: the hash the remaining chain starts after, its first entry, signed with
``AUDIT_ANCHOR_KEY`` when set): the chain verifies after any batch. The purge of a chain is
journaled at its end, in the chain, by the system actor (« Traitement automatique (Purge du
journal) »), in the transaction of the last batch.

On PostgreSQL the journal is partitioned by month: the purge is a ``DELETE`` of the entries
by id (with ``at < before``, so that only the old partitions are visited); the partitions it
empties stay, empty (docs/audit.md, « Retention »).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from probatio.audit import services as audit
from probatio.audit.anchors import sign, signing_key
from probatio.audit.models import AuditChainHead, AuditCheckpoint, AuditEntry

REASON = "Purge du journal"
BATCH = 5000


@dataclass
class JournalPurgeReport:
    """What a purge removed (or, in a dry run, would remove): entries per chain and in all;
    the chains purged only in part because of an anomaly, with the reason (French)."""

    before: datetime
    dry_run: bool
    per_chain: dict[str, int] = field(default_factory=dict)
    stopped: dict[str, str] = field(default_factory=dict)
    checkpoints: dict[str, int] = field(default_factory=dict)  # chain → checkpoint id

    @property
    def total(self) -> int:
        return sum(self.per_chain.values())


class _Stop(Exception):
    """The walk along a chain met an anomaly: purge nothing past it."""


def purge_journal(
    before: datetime,
    *,
    dry_run: bool,
    chains: list[str] | None = None,
    batch: int = BATCH,
    now: datetime | None = None,
) -> JournalPurgeReport:
    """Delete (or count, when ``dry_run``) every entry written before ``before``, from the
    start of each chain (every chain, or those named). ``before`` must be in the past."""
    now = now or timezone.now()
    if timezone.is_naive(before):
        raise ValidationError("La date de purge du journal doit porter un fuseau horaire.")
    if before > now:
        raise ValidationError(
            "La date de purge du journal doit être passée : seules des entrées anciennes "
            "sont purgées."
        )
    report = JournalPurgeReport(before=before, dry_run=dry_run)
    names = chains if chains is not None else AuditChainHead.objects.values_list("chain", flat=True)
    for chain in sorted(names):
        count = _purge_chain(chain, before, dry_run=dry_run, batch=batch, now=now, report=report)
        if count:
            report.per_chain[chain] = count
    return report


def _purge_chain(chain, before, *, dry_run, batch, now, report) -> int:
    checkpoint = audit.latest_checkpoint(chain)
    if checkpoint is not None:
        # A checkpoint whose signature does not hold is not built upon: a new, signed one
        # would hide it from the verification.
        doubts = audit.checkpoint_problems(checkpoint, signing_key())
        if doubts:
            report.stopped[chain] = f"{doubts[0]} — chaîne non purgée (lancez verify_audit_chain)"
            return 0
    expected = checkpoint.start_hash if checkpoint else audit.GENESIS
    after_id = checkpoint.last_purged_id if checkpoint else 0
    purged = 0
    mine: AuditCheckpoint | None = None
    journaled = False
    while True:
        # One more than a batch: whether the batch is the last one is known before deleting.
        page = list(
            AuditEntry.objects.filter(chain=chain, id__gt=after_id).order_by("id")[: batch + 1]
        )
        taken: list[AuditEntry] = []
        for entry in page[:batch]:
            if entry.at >= before:
                break
            try:
                _check(entry, expected)
            except _Stop as problem:
                report.stopped[chain] = str(problem)
                break
            taken.append(entry)
            expected = entry.hash
        # The last batch: it stopped before a younger entry, an anomaly or the end of the
        # chain, or the entry after it is younger.
        last = len(taken) < batch or len(page) <= batch or page[batch].at >= before
        if taken:
            purged += len(taken)
            after_id = taken[-1].pk
            if not dry_run:
                mine = _delete(chain, taken, before, mine, now=now, journal=last, total=purged)
                journaled = last
                report.checkpoints[chain] = mine.pk
        if last or not taken:
            if mine is not None and not journaled:
                # Stopped by an anomaly at the head of the next batch: journal it now.
                with transaction.atomic():
                    _journal(chain, before, mine)
                    _seal(mine)
            return purged


def _check(entry: AuditEntry, expected: str) -> None:
    if entry.previous_hash != expected:
        raise _Stop(
            f"entrée {entry.pk} : maillon précédent rompu — purge arrêtée avant elle "
            "(lancez verify_audit_chain)"
        )
    digest = audit.entry_digest(
        previous_hash=entry.previous_hash, fields=audit.hashed_fields(entry)
    )
    if digest != entry.hash:
        raise _Stop(
            f"entrée {entry.pk} : contenu modifié — purge arrêtée avant elle "
            "(lancez verify_audit_chain)"
        )


def _delete(chain, taken, before, checkpoint, *, now, journal, total) -> AuditCheckpoint:
    """One batch in one transaction: its entries deleted, the checkpoint moved after them
    (and signed), and for the last batch the purge journaled in the chain."""
    with transaction.atomic():
        ids = [entry.pk for entry in taken]
        AuditEntry.objects.filter(chain=chain, pk__in=ids, at__lt=before).delete()
        if checkpoint is None:
            checkpoint = AuditCheckpoint(chain=chain, purged_before=before)
        checkpoint.start_hash = taken[-1].hash
        checkpoint.last_purged_id = taken[-1].pk
        checkpoint.purged = total
        checkpoint.at = now
        checkpoint.first_entry_id = None
        checkpoint.signature = ""
        checkpoint.save()
        if journal:
            _journal(chain, before, checkpoint)
        _seal(checkpoint)
    return checkpoint


def _seal(checkpoint: AuditCheckpoint) -> None:
    """The checkpoint's first remaining entry (the chain's ids follow its order) and its
    signature, once its id is known."""
    checkpoint.first_entry_id = (
        AuditEntry.objects.filter(chain=checkpoint.chain, id__gt=checkpoint.last_purged_id)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    key = signing_key()
    checkpoint.signature = sign(checkpoint.signed_fields(), key) if key else ""
    checkpoint.save(update_fields=["first_entry_id", "signature"])


def _journal(chain: str, before: datetime, checkpoint: AuditCheckpoint) -> AuditEntry:
    from probatio.access.policy import SYSTEM
    from probatio.audit.partitions import PlatformJob
    from probatio.core.dates import format_fr

    day = format_fr(timezone.localdate(before))
    return audit.record(
        actor=PlatformJob(REASON),
        action=audit.Action.PURGE,
        service_id=audit.service_of_chain(chain),
        role=SYSTEM,
        object_type="audit.auditentry",
        summary=(
            f"Purge du journal : {checkpoint.purged} entrées antérieures au {day} supprimées "
            f"(point de reprise n° {checkpoint.pk})"
        ),
        context={
            "reason": REASON,
            "purged": checkpoint.purged,
            "before": before.isoformat(),
            "checkpoint": checkpoint.pk,
            "start_hash": checkpoint.start_hash,
        },
    )
