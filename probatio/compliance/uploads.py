"""Checking an uploaded proof: its real type is read from its content (not its name or the
type the browser declares), its size is bounded, and an empty file is refused."""

from dataclasses import dataclass

import filetype
from django.conf import settings

from probatio.core.errors import field_errors

# Real type (from the content) → extension used for storage.
ACCEPTED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str
    original_name: str


def max_bytes() -> int:
    return getattr(settings, "PROOF_MAX_BYTES", 10 * 1024 * 1024)


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
        raise field_errors(
            file="Ce fichier n'est pas un PDF, un JPEG ou un PNG (son contenu a été vérifié, "
            "quel que soit son nom)."
        )
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    return CheckedFile(
        content=content, content_type=kind.mime, extension=ACCEPTED[kind.mime], original_name=name
    )
