"""Anchors of the journal kept outside the database: the heads of every chain (chain, last
entry, its hash), exported with the time of export and signed with HMAC-SHA256.

Someone who can write to the database can rewrite a chain's last entries together with its
head, or delete a whole chain: the chain alone cannot show it. An anchor exported before,
and kept where the database's writers cannot reach it, can: ``verify_audit_chain --anchors``
checks that every anchored entry is still in its chain with the same hash, and that the head
is that entry or comes after it along the links.

The key (``AUDIT_ANCHOR_KEY``, from the environment) signs the anchors and the checkpoints of
the purge (``retention``); without it nothing is exported. Where the anchors go is one small
function, ``store``: a file in a folder today (``AUDIT_ANCHOR_DIR``, one new file per export,
never overwritten); another store (object storage with a retention lock) replaces that
function and ``newest_in`` — nothing else knows where anchors live.
"""

import hashlib
import hmac
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from probatio.audit.models import AuditChainHead

FORMAT = "probatio-ancres-journal"
VERSION = 1
FILE_PREFIX = "ancres-journal-"
_FILE_NAME = re.compile(r"^ancres-journal-(\d{8}T\d{12}Z)(?:-(\d+))?\.json$")


class AnchorError(Exception):
    """An export or a verification of anchors that cannot go on; its message is French."""


@dataclass(frozen=True)
class Anchor:
    """One chain's head at the time of an export."""

    chain: str
    last_entry_id: int | None
    last_hash: str
    exported_at: datetime

    @property
    def when(self) -> str:
        return timezone.localtime(self.exported_at).strftime("%d/%m/%Y à %H:%M")


# --- Signing ---------------------------------------------------------------------------------


def signing_key() -> bytes | None:
    """The key of the anchors and the checkpoints (``AUDIT_ANCHOR_KEY``); None when unset."""
    key = getattr(settings, "AUDIT_ANCHOR_KEY", "") or ""
    return key.encode() if key.strip() else None


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sign(payload: dict, key: bytes) -> str:
    """HMAC-SHA256 (hex) of a payload's canonical JSON."""
    return hmac.new(key, _canonical(payload), hashlib.sha256).hexdigest()


def signature_matches(payload: dict, signature: str, key: bytes) -> bool:
    return bool(signature) and hmac.compare_digest(sign(payload, key), str(signature))


# --- Export ----------------------------------------------------------------------------------


def build(*, key: bytes, now: datetime | None = None) -> dict:
    """The signed document of every chain's head, read in one query (one moment)."""
    now = now or timezone.now()
    heads = AuditChainHead.objects.order_by("chain").values_list(
        "chain", "last_entry_id", "last_hash"
    )
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.astimezone(UTC).isoformat(),
        "chains": [
            {"chain": chain, "last_entry_id": last_id, "last_hash": last_hash}
            for chain, last_id, last_hash in heads
        ],
    }
    document["signature"] = sign(document, key)
    return document


def store(document: dict, *, to: str | Path) -> str:
    """Write a signed document where anchors are kept, and say where: ``to`` is a folder (a
    new file named after the time of export; an existing file is never overwritten, a second
    export in the same microsecond takes a number) or the path of a new file. The file is
    written whole under a temporary name, then linked to its name (which fails if it exists).

    The one place that knows where anchors go: another store (object storage) replaces this
    function and ``newest_in``."""
    target = Path(to)
    if target.is_dir():
        stamp = datetime.fromisoformat(document["exported_at"]).strftime("%Y%m%dT%H%M%S%fZ")
        candidates = (
            target / (f"{FILE_PREFIX}{stamp}.json" if n == 0 else f"{FILE_PREFIX}{stamp}-{n}.json")
            for n in range(1000)
        )
    else:
        if not target.parent.is_dir():
            raise AnchorError(f"Dossier introuvable pour le fichier d'ancres : {target.parent}")
        candidates = iter([target])
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    handle, temporary = tempfile.mkstemp(dir=target if target.is_dir() else target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        for candidate in candidates:
            try:
                os.link(temporary, candidate)
            except FileExistsError:
                if not target.is_dir():
                    raise AnchorError(
                        f"Le fichier d'ancres {candidate} existe déjà : il n'est jamais écrasé."
                    ) from None
                continue
            os.chmod(candidate, 0o640)
            return str(candidate)
        raise AnchorError(f"Trop d'exports d'ancres à la même date dans {target}.")
    finally:
        os.unlink(temporary)


def export(*, to: str | Path | None = None, now: datetime | None = None) -> str:
    """Build, sign and store the anchors; the path written. ``to``: a file or a folder;
    ``AUDIT_ANCHOR_DIR`` when not given. No key, or nowhere to write: refused (French)."""
    key = signing_key()
    if key is None:
        raise AnchorError(
            "Aucune ancre exportée : la clé de signature AUDIT_ANCHOR_KEY n'est pas définie "
            "dans l'environnement."
        )
    destination = to or getattr(settings, "AUDIT_ANCHOR_DIR", "")
    if not destination:
        raise AnchorError(
            "Aucune ancre exportée : indiquez un fichier ou un dossier (--to) ou définissez "
            "AUDIT_ANCHOR_DIR."
        )
    return store(build(key=key, now=now), to=destination)


# --- Reading back ----------------------------------------------------------------------------


def newest_in(folder: Path) -> Path:
    """The latest export of a folder, by the time in its name."""
    found = []
    for path in folder.iterdir():
        match = _FILE_NAME.match(path.name)
        if match:
            found.append(((match.group(1), int(match.group(2) or 0)), path))
    if not found:
        raise AnchorError(f"Aucun fichier d'ancres ({FILE_PREFIX}….json) dans {folder}.")
    return max(found)[1]


def load(path: str | Path) -> tuple[Path, list[Anchor]]:
    """The anchors of a file (or of the newest file of a folder), once its signature is
    checked with the key of the environment. Any doubt is refused, in French: no key, an
    unreadable file, a signature that does not match (the file was changed, or signed with
    another key)."""
    source = Path(path)
    if source.is_dir():
        source = newest_in(source)
    if not source.is_file():
        raise AnchorError(f"Fichier d'ancres introuvable : {source}")
    key = signing_key()
    if key is None:
        raise AnchorError(
            "Impossible de vérifier les ancres : la clé AUDIT_ANCHOR_KEY n'est pas définie "
            "dans l'environnement."
        )
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise AnchorError(
            f"Fichier d'ancres refusé : {source} n'est pas un export d'ancres lisible."
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise AnchorError(f"Fichier d'ancres refusé : {source} n'est pas un export d'ancres.")
    signature = document.pop("signature", "")
    if not signature_matches(document, signature, key):
        raise AnchorError(
            f"Fichier d'ancres refusé : sa signature ne correspond pas ({source} a été modifié, "
            "ou signé avec une autre clé que AUDIT_ANCHOR_KEY). Aucune vérification faite."
        )
    try:
        exported_at = datetime.fromisoformat(document["exported_at"])
        anchors = [
            Anchor(
                chain=str(item["chain"]),
                last_entry_id=item["last_entry_id"],
                last_hash=str(item["last_hash"]),
                exported_at=exported_at,
            )
            for item in document["chains"]
        ]
    except (KeyError, TypeError, ValueError):
        raise AnchorError(f"Fichier d'ancres refusé : {source} est incomplet.") from None
    return source, anchors
