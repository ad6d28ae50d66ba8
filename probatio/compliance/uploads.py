"""Checking an uploaded proof: its real type is read from its content (not its name or the
type the browser declares), its size is bounded, and an empty file is refused. Beyond the first
bytes, its structure: a PDF must open and end at its last ``%%EOF`` (nothing appended); an image
must decode whole and is re-encoded before storage (``rasterise.sanitise``, in a child process
with the previews' limits), which drops anything appended and its metadata. When a ClamAV
daemon is configured (``CLAMD_ADDRESS``), the file is scanned too (``antivirus``)."""

import logging
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import filetype
from django.conf import settings

from probatio.compliance import antivirus, rasterise
from probatio.core.errors import field_errors

logger = logging.getLogger(__name__)

# Real type (from the content) → extension used for storage.
ACCEPTED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
NOT_ACCEPTED = (
    "Ce fichier n'est pas un PDF, un JPEG ou un PNG (son contenu a été vérifié, quel que soit son "
    "nom)."
)
DAMAGED = (
    "Ce fichier ne peut pas être lu comme un vrai {kind} (endommagé, ou autre chose sous ce "
    "nom) : il n'a pas été enregistré. Enregistrez-le de nouveau depuis son application, ou "
    "numérisez le document."
)
APPENDED = (
    "Ce PDF contient des données ajoutées après sa fin : il n'a pas été enregistré. "
    "Enregistrez-le de nouveau depuis son application, ou numérisez le document."
)
INFECTED = "L'analyse antivirus a détecté un contenu malveillant ({signature}) : le fichier n'a pas été enregistré."
SCAN_UNAVAILABLE = (
    "L'analyse antivirus est indisponible pour le moment : le fichier n'a pas été enregistré. "
    "Réessayez plus tard."
)
KIND_LABELS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
# Whatever follows the last end-of-file marker of a PDF may only be white space.
LAST_EOF = re.compile(rb"%%EOF[\x00\t\n\x0c\r ]*\Z")


@dataclass(frozen=True)
class CheckedFile:
    content: bytes  # what is stored: the PDF as handed in, an image re-encoded
    content_type: str
    extension: str
    original_name: str


def max_bytes() -> int:
    return getattr(settings, "PROOF_MAX_BYTES", 10 * 1024 * 1024)


def ends_at_its_last_eof(content: bytes) -> bool:
    """A PDF whose last ``%%EOF`` is its end (white space aside): nothing appended after it."""
    return LAST_EOF.search(content[-1024:]) is not None


def _sanitised(content: bytes) -> bytes | None:
    """``rasterise.sanitise`` in a child process (memory, CPU and time limits, as for the
    previews); None when the file does not read or takes too long."""
    timeout = float(getattr(settings, "PROOF_CHECK_TIMEOUT", 20))
    command = [
        sys.executable,
        "-I",
        str(Path(rasterise.__file__)),
        "sanitise",
        str(int(getattr(settings, "PROOF_PREVIEW_MEMORY", 1 << 30))),
        str(max(int(timeout), 1)),
    ]
    try:
        done = subprocess.run(  # noqa: S603 - our own script, arguments are numbers
            command, input=content, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0 or not done.stdout:
        return None
    return done.stdout


def check(upload) -> CheckedFile:
    """``upload``: a Django ``UploadedFile``. Raises a French ValidationError on ``file``."""
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise field_errors(file=f"Le fichier dépasse la taille maximale ({limit // 1_000_000} Mo).")
    content = upload.read(limit + 1)
    if not content:
        raise field_errors(file="Le fichier est vide.")
    if len(content) > limit:
        raise field_errors(file=f"Le fichier dépasse la taille maximale ({limit // 1_000_000} Mo).")
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ACCEPTED:
        raise field_errors(file=NOT_ACCEPTED)
    if kind.mime == "application/pdf" and not ends_at_its_last_eof(content):
        # A PDF with no end at all is not one; one with something after its end hides it.
        damaged = b"%%EOF" not in content
        raise field_errors(file=DAMAGED.format(kind="PDF") if damaged else APPENDED)
    try:
        verdict = antivirus.scan(content)
    except antivirus.ScanUnavailable as error:
        logger.error("Analyse antivirus impossible : %s", error)
        raise field_errors(file=SCAN_UNAVAILABLE) from None
    if verdict is not None and not verdict.clean:
        raise field_errors(
            file=INFECTED.format(signature=verdict.signature or "signature inconnue")
        )
    stored = _sanitised(content)
    if stored is None:
        raise field_errors(file=DAMAGED.format(kind=KIND_LABELS[kind.mime]))
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    return CheckedFile(
        content=stored, content_type=kind.mime, extension=ACCEPTED[kind.mime], original_name=name
    )
