"""Writing the audit journal. Callers are services and gates, always inside the transaction of
the change (or of the read) they record."""

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from probatio.audit import fields as journal_fields
from probatio.audit.anchors import Anchor, signature_matches, signing_key
from probatio.audit.models import AuditChainHead, AuditCheckpoint, AuditEntry

GENESIS = "0" * 64
Action = AuditEntry.Action


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def entry_digest(*, previous_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, default=_json_default, ensure_ascii=False)
    return hashlib.sha256((previous_hash + payload).encode()).hexdigest()


def hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "chain": entry.chain,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "role": entry.role,
        "service_id": entry.service_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "person_id": entry.person_id,
        "summary": entry.summary,
        "changes": entry.changes,
        "context": entry.context,
    }


def fingerprint(secret: Any) -> str:
    """What the journal keeps of a secret (a password hash): enough to see it changed."""
    return "empreinte " + hashlib.sha256(str(secret).encode()).hexdigest()[:8]


# Derived or bookkeeping columns: the search text and the duplicate check's keys of a person
# (computed from fields journaled themselves), the times of a row.
NOT_SNAPSHOT = frozenset(
    {
        "search_text",
        "surname_key",
        "birth_surname_key",
        "first_names_key",
        "email_key",
        "created_at",
        "updated_at",
        "last_login",
    }
)


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Plain values of a model's concrete fields (foreign keys as ids), for before/after diffs."""
    data = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in NOT_SNAPSHOT:
            continue
        value = getattr(instance, field.attname)
        if field.name == "password":
            # Never journal a password hash: only a fingerprint that shows it changed.
            value = fingerprint(value)
        data[field.name] = value
    return json.loads(json.dumps(data, default=_json_default))


NOT_KEPT = "(valeur non conservée)"


def _masked(instance: models.Model, changes: dict | None) -> dict | None:
    """The free texts declared name-only (``audit.fields``) leave their name, not their value."""
    hidden = journal_fields.name_only(instance._meta.label_lower)
    if not changes or not hidden:
        return changes
    return {
        name: ([NOT_KEPT, NOT_KEPT] if name in hidden else value) for name, value in changes.items()
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def _entry(
    *,
    chain: str,
    actor,
    action: str,
    service_id: int | None,
    role: str = "",
    instance: models.Model | None = None,
    object_type: str = "",
    object_id: int | None = None,
    person_id: int | None = None,
    summary: str = "",
    changes: dict | None = None,
    context: dict | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id if object_id is not None else instance.pk
        changes = _masked(instance, changes)
    if getattr(actor, "is_system", False):
        # The system actor (accounts.system): no user; its label and reason are journaled.
        label, actor = str(actor), None
        context = {**(context or {}), "system_reason": label}
    else:
        actor = actor if actor is not None and actor.pk else None
        label = str(actor) if actor is not None else ""
    return AuditEntry(
        # ``at``: the demo's past activity only (demo/oversight.py); the application journals
        # now. In UTC, as read back from the database: the hash covers ``at.isoformat()``.
        at=at.astimezone(UTC) if at is not None else timezone.now(),
        chain=chain,
        actor=actor,
        actor_label=label[:200],
        role=role,
        service_id=service_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        person_id=person_id,
        summary=summary[:300],
        changes=json.loads(json.dumps(changes or {}, default=_json_default)),
        context=json.loads(json.dumps(context or {}, default=_json_default)),
    )


def chain_name(service_id: int | None) -> str:
    """The chain of a service (``service:<id>``), or the platform's when none."""
    return f"service:{service_id}" if service_id else "platform"


def service_of_chain(chain: str) -> int | None:
    """The service id of a chain name (None for the platform's)."""
    return int(chain.split(":", 1)[1]) if chain.startswith("service:") else None


def _chain_head(service_id: int | None) -> AuditChainHead:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of what it records")
    chain = chain_name(service_id)
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        chain=chain, defaults={"last_hash": GENESIS}
    )
    return head


def record(*, service_id: int | None, **fields) -> AuditEntry:
    """Append one entry to the service's chain. Must run inside the caller's transaction.
    ``fields``: actor, action, and optionally role, instance (or object_type and object_id),
    person_id, summary, changes, context, at (a past time: the demo only)."""
    return record_many(service_id=service_id, entries=[fields])[0]


def record_many(*, service_id: int | None, entries: list[dict]) -> list[AuditEntry]:
    """Append several entries to the service's chain at once (one lock of its head, one
    insert, one update): a page that reads several files journals each of them. Must run
    inside the caller's transaction; each entry as ``record``'s fields."""
    head = _chain_head(service_id)
    previous = head.last_hash
    built = []
    for fields in entries:
        entry = _entry(chain=head.chain, service_id=service_id, **fields)
        entry.previous_hash = previous
        entry.hash = previous = entry_digest(previous_hash=previous, fields=hashed_fields(entry))
        built.append(entry)
    if len(built) == 1:
        built[0].save(force_insert=True)
    else:
        AuditEntry.objects.bulk_create(built)
    AuditChainHead.objects.filter(chain=head.chain).update(
        last_hash=built[-1].hash, last_entry_id=built[-1].pk
    )
    return built


# --- The start of a service's chain -----------------------------------------------------------

CHAIN_START_REASON = "Création du service"


def chain_start_values(
    *, service_id: int, name: str, department_code: str, at: datetime, actor=None
) -> dict[str, Any]:
    """The fields of the first entry of a service's chain: the creation of the service, by
    ``actor`` (a user of the platform administration) or by the system actor (the demo, a
    test, a data migration, the national generator, which writes them with COPY). The one
    definition of that entry, so that every path writes the same."""
    from probatio.access.policy import SYSTEM

    context: dict[str, Any] = {"chain_start": True}
    if actor is None:
        label, role = f"Traitement automatique ({CHAIN_START_REASON})", SYSTEM
        context["system_reason"] = label
    else:
        label, role = str(actor), ""
    return {
        "at": at,
        "chain": chain_name(service_id),
        "actor_id": actor.pk if actor is not None else None,
        "actor_label": label[:200],
        "role": role,
        "service_id": service_id,
        "action": Action.CREATE.value,
        "object_type": "organisation.service",
        "object_id": service_id,
        "person_id": None,
        "summary": f"Création du service « {name} » : début de sa chaîne du journal"[:300],
        "changes": {"name": [None, name], "department_code": [None, department_code]},
        "context": context,
    }


def start_service_chain(service: models.Model, *, actor=None) -> AuditEntry:
    """Write the first entry of a new service's chain, in the transaction that creates the
    service (``organisation.services.service_create``, the platform administration): every
    service has a chain from its creation, and ``verify_audit_chain`` fails on a service
    without one. Refused on a chain that already has entries."""
    head = _chain_head(service.pk)
    if head.last_entry_id is not None or head.last_hash != GENESIS:
        raise ValueError(f"La chaîne du service {service.pk} a déjà commencé.")
    entry = AuditEntry(
        previous_hash=head.last_hash,
        **chain_start_values(
            service_id=service.pk,
            name=service.name,
            department_code=service.department_code,
            at=timezone.now(),
            actor=actor if actor is not None and actor.pk else None,
        ),
    )
    entry.hash = entry_digest(previous_hash=entry.previous_hash, fields=hashed_fields(entry))
    entry.save(force_insert=True)
    AuditChainHead.objects.filter(chain=head.chain).update(
        last_hash=entry.hash, last_entry_id=entry.pk
    )
    return entry


# The chains that must exist (one per service), given by the apps that own what they stand
# for: ``organisation`` registers its services' (``audit`` cannot import it).
_EXPECTED_CHAINS: list[Callable[[], Iterable[str]]] = []


def register_expected_chains(provider: Callable[[], Iterable[str]]) -> None:
    if provider not in _EXPECTED_CHAINS:
        _EXPECTED_CHAINS.append(provider)


def expected_chains() -> set[str]:
    """Every chain that must exist: the chain of each service."""
    return {chain for provider in _EXPECTED_CHAINS for chain in provider()}


def actor_of(membership):
    """Who the journal names for a membership: its user, or the system actor itself."""
    return membership if getattr(membership, "is_system", False) else membership.user


def record_by(
    membership,
    action: str,
    instance: models.Model,
    *,
    person_id: int | None,
    summary: str,
    changes: dict | None = None,
    context: dict | None = None,
    service_id: int | None = None,
) -> AuditEntry:
    """``record`` for a write made by a membership (user, service and role) on a dossier.
    ``service_id``: another service's chain (a transfer is journaled in both services'),
    the membership's own by default."""
    return record(
        actor=actor_of(membership),
        action=action,
        service_id=service_id or membership.service_id,
        role=membership.role,
        instance=instance,
        person_id=person_id,
        summary=summary,
        changes=changes,
        context=context,
    )


def record_list(membership, *, object_type: str, summary: str, context: dict) -> AuditEntry:
    """The journal line of a list page read by a membership (its filters in ``context``), in
    its own transaction: a list page writes nothing else. No savepoint: inside an outer
    transaction (tests), a failure here fails the whole request anyway."""
    with transaction.atomic(savepoint=False):
        return record(
            actor=actor_of(membership),
            action=Action.LIST,
            service_id=membership.service_id,
            role=membership.role,
            object_type=object_type,
            summary=summary,
            context=context,
        )


def record_export(
    membership, *, object_type: str, summary: str, context: dict, file_format: str, rows: int
) -> AuditEntry:
    """The journal line of a list or a table exported by a membership: its filters in
    ``context``, with the file's format and its number of rows. Its own transaction, like a
    list page's line."""
    with transaction.atomic(savepoint=False):
        return record(
            actor=actor_of(membership),
            action=Action.EXPORT,
            service_id=membership.service_id,
            role=membership.role,
            object_type=object_type,
            summary=summary,
            context={**context, "format": file_format, "rows": rows},
        )


def record_creation(
    membership, instance: models.Model, *, person_id: int | None, summary: str
) -> AuditEntry:
    """The journal line of a new row: every field, from nothing to its value."""
    return record_by(
        membership,
        Action.CREATE,
        instance,
        person_id=person_id,
        summary=summary,
        changes=diff({}, snapshot(instance)),
    )


class _Segment:
    """A run of entries linked one to the next, as found so far by ``verify_chain``."""

    __slots__ = ("anchored", "first_id", "last_id", "needs", "tip")

    def __init__(self, entry: AuditEntry):
        self.needs = entry.previous_hash  # the hash of the entry it must follow
        self.first_id = entry.pk
        self.tip = entry.hash  # the hash the next entry must point at
        self.last_id = entry.pk
        self.anchored = False  # holds the entry named by the anchor


# Entries read at once by ``verify_chain``: a chain of tens of millions of entries streams.
VERIFY_CHUNK = 2000


def latest_checkpoint(chain: str) -> AuditCheckpoint | None:
    """The checkpoint the chain starts from (the latest purge's), if any."""
    return AuditCheckpoint.objects.filter(chain=chain).order_by("-id").first()


def checkpoint_problems(checkpoint: AuditCheckpoint, key: bytes | None) -> list[str]:
    """A checkpoint must carry the signature of the key when one is set: one written outside
    the application (to hide entries deleted from the start of a chain) is reported. Without
    a key the signature cannot be checked (docs/audit.md)."""
    if key is None:
        return []
    if not checkpoint.signature:
        return [
            f"point de reprise n° {checkpoint.pk} non signé alors qu'une clé est définie "
            "(écrit hors de l'application ?)"
        ]
    if not signature_matches(checkpoint.signed_fields(), checkpoint.signature, key):
        return [
            f"point de reprise n° {checkpoint.pk} : signature invalide (point de reprise "
            "modifié, ou signé avec une autre clé)"
        ]
    return []


def verify_chain(chain: str, *, anchor: Anchor | None = None) -> tuple[int, list[str]]:
    """Follow one chain by its links; return the number of entries checked and the problems
    found (in French).

    Each entry's hash is recomputed from its content. The links are followed from the start
    of the chain — the first entry (``previous_hash`` of 64 zeros), or after its latest
    checkpoint once its oldest entries were purged (``AuditCheckpoint``, whose signature is
    checked when ``AUDIT_ANCHOR_KEY`` is set) — to the head's ``last_hash``: the entries are
    read in id order, as they were written, but that order is not trusted — an entry whose
    predecessor comes later (a lower id, another partition, another physical place) is linked
    when its predecessor is read. Only the runs of linked entries are kept in memory (one for
    an intact chain), never the entries. What is left at the end is reported: an entry whose
    predecessor is missing or altered (a gap: ``maillon précédent rompu``), two entries after
    the same one (a fork: an inserted or copied entry), a second start, a head that is not the
    end of the chain (entries deleted, or added after it). The uniqueness of hashes is not
    needed: two entries with the same predecessor are a fork, whatever their hashes.

    ``anchor``: the chain's head as exported earlier (``anchors``): the anchored entry must
    still be in the chain with that hash (unless purged since, behind a checkpoint), and the
    head must be that entry or come after it along the links."""
    problems: list[str] = []
    count = 0
    checkpoint = latest_checkpoint(chain)
    start = GENESIS
    if checkpoint is not None:
        start = checkpoint.start_hash
        problems += checkpoint_problems(checkpoint, signing_key())
    by_tip: dict[str, _Segment] = {}  # the runs still open, by the hash that extends them
    by_need: dict[str, list[_Segment]] = {}  # the runs waiting for their predecessor
    runs: set[_Segment] = set()
    anchor_found = False
    entries = AuditEntry.objects.filter(chain=chain).order_by("id")
    for entry in entries.iterator(chunk_size=VERIFY_CHUNK):
        count += 1
        expected = entry_digest(previous_hash=entry.previous_hash, fields=hashed_fields(entry))
        if expected != entry.hash:
            problems.append(f"entrée {entry.pk} : contenu modifié (empreinte invalide)")
        run = by_tip.pop(entry.previous_hash, None)
        if run is None:
            run = _Segment(entry)
            runs.add(run)
            by_need.setdefault(run.needs, []).append(run)
        else:
            run.tip, run.last_id = entry.hash, entry.pk
        if anchor is not None and (entry.pk, entry.hash) == (
            anchor.last_entry_id,
            anchor.last_hash,
        ):
            anchor_found = run.anchored = True
        waiting = by_need.get(entry.hash)
        if waiting and run.needs != entry.hash:
            # A run read earlier follows this entry: join it (the first one, if several).
            follower = waiting.pop(0)
            if not waiting:
                del by_need[entry.hash]
            if by_tip.get(follower.tip) is follower:
                del by_tip[follower.tip]
            runs.remove(follower)
            run.tip, run.last_id = follower.tip, follower.last_id
            run.anchored = run.anchored or follower.anchored
        by_tip.setdefault(run.tip, run)
    problems += _loose_runs(chain, runs, start)
    if checkpoint is not None:
        first = next((run for run in runs if run.needs == start), None)
        if first is not None and first.first_id != checkpoint.first_entry_id:
            problems.append(
                f"le point de reprise n° {checkpoint.pk} annonce l'entrée "
                f"{checkpoint.first_entry_id} en début de chaîne, c'est l'entrée "
                f"{first.first_id} (point de reprise modifié ?)"
            )
    head = AuditChainHead.objects.filter(chain=chain).first()
    end = None
    if head is None:
        if count:
            problems.append("aucune tête de chaîne pour des entrées existantes (tête supprimée ?)")
    elif not (head.last_hash == start == GENESIS and head.last_entry_id is None and not count):
        end = by_tip.get(head.last_hash)
        if end is None or end.last_id != head.last_entry_id:
            if end is None and AuditEntry.objects.filter(chain=chain, hash=head.last_hash).exists():
                problems.append(
                    "des entrées suivent la tête de chaîne "
                    "(entrées ajoutées hors de l'application ?)"
                )
            else:
                problems.append(
                    "la tête de chaîne ne correspond pas à la dernière entrée "
                    "(entrées supprimées ?)"
                )
            end = None
    if anchor is not None:
        problems += _anchor_problems(anchor, anchor_found, end, checkpoint, head, count)
    return count, problems


def _anchor_problems(
    anchor: Anchor,
    found: bool,
    end: _Segment | None,
    checkpoint: AuditCheckpoint | None,
    head: AuditChainHead | None,
    count: int,
) -> list[str]:
    """What an anchor says against the chain as it is now."""
    if head is None and not count and checkpoint is None:
        return [f"chaîne ancrée le {anchor.when} introuvable (chaîne supprimée ?)"]
    if anchor.last_entry_id is None:
        return []  # anchored while empty: nothing to hold the chain to
    if not found:
        purged = checkpoint is not None and (
            checkpoint.start_hash == anchor.last_hash
            or checkpoint.last_purged_id >= anchor.last_entry_id
        )
        if purged:
            return []  # purged since, behind the checkpoint (whose signature is checked)
        return [
            f"l'entrée {anchor.last_entry_id} ancrée le {anchor.when} n'est plus dans la chaîne "
            "avec son empreinte (entrées réécrites ou supprimées ?)"
        ]
    if end is not None and not end.anchored:
        return [
            f"la tête de chaîne ne suit pas l'entrée {anchor.last_entry_id} ancrée le "
            f"{anchor.when} (chaîne réécrite ?)"
        ]
    return []


def _loose_runs(chain: str, runs: set[_Segment], start: str = GENESIS) -> list[str]:
    """The problems of the runs that do not start the chain (after 64 zeros, or after its
    checkpoint): each one's first entry follows an entry that is missing or altered (a gap),
    or one already followed (a fork)."""
    starts = [run for run in runs if run.needs == start]
    problems = [
        f"entrée {run.first_id} : second début de chaîne (embranchement)"
        for run in sorted(starts, key=lambda run: run.first_id)[1:]
    ]
    loose = sorted((run for run in runs if run.needs != start), key=lambda run: run.first_id)
    for begin in range(0, len(loose), VERIFY_CHUNK):
        part = loose[begin : begin + VERIFY_CHUNK]
        found: dict[str, int] = {}
        predecessors = AuditEntry.objects.filter(chain=chain, hash__in={run.needs for run in part})
        for digest, pk in predecessors.order_by("id").values_list("hash", "id"):
            found.setdefault(digest, pk)
        for run in part:
            if run.needs in found:
                problems.append(
                    f"entrée {run.first_id} : embranchement (l'entrée {found[run.needs]} "
                    "est déjà suivie d'une autre)"
                )
            else:
                problems.append(f"entrée {run.first_id} : maillon précédent rompu")
    return sorted(problems, key=_entry_number)


def _entry_number(problem: str) -> int:
    return int(problem.split()[1]) if problem.startswith("entrée ") else 0
