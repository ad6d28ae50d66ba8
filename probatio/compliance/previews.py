"""Previews of the proofs' files, rendered on the server and kept.

A proof's file is the person's, hence untrusted: it is never framed nor shown to the browser as
it is. Its first pages are rasterised to PNG images by ``rasterise.py`` in a child process
(memory and CPU limits, a timeout), and the images are kept in the private storage under
``apercus/``, keyed by the file's SHA-256 (and the renderer's version), so that opening the
proof again, or another page of it, reads the images and renders nothing. A file that cannot be
read (a damaged PDF, HTML named ``.pdf``, a truncated image) or that takes too long is
remembered the same way: its page says so and offers the download.

Settings (all optional): ``PROOF_PREVIEW_PAGES`` (3), ``PROOF_PREVIEW_MAX_SIDE`` (1600 pixels),
``PROOF_PREVIEW_TIMEOUT`` (20 seconds), ``PROOF_PREVIEW_MEMORY`` (1 GiB for the child).
"""

import hashlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from probatio.compliance import rasterise

VERSION = 1  # of the renderer: a change of output is a new folder, old images are left
FOLDER = "apercus"
READY, UNREADABLE, TOO_LONG = "ready", "unreadable", "too_long"
SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Page:
    number: int
    width: int
    height: int


@dataclass(frozen=True)
class Preview:
    status: str
    total: int = 0  # pages of the document (1 for an image)
    pages: tuple[Page, ...] = ()  # the pages rendered (the first ones)

    @property
    def ready(self) -> bool:
        return self.status == READY

    @property
    def more(self) -> int:
        """Pages left out of the preview (to read in the downloaded file)."""
        return max(0, self.total - len(self.pages))


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _key(proof) -> str:
    """The file's SHA-256: the one recorded at the upload, or read again from the file."""
    if SHA256.match(proof.sha256 or ""):
        return proof.sha256
    with proof.file.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _folder(key: str) -> str:
    return f"{FOLDER}/{key[:2]}/{key}-v{VERSION}"


def _meta_name(key: str) -> str:
    return f"{_folder(key)}/apercu.json"


def _page_name(key: str, number: int) -> str:
    return f"{_folder(key)}/page-{number}.png"


def _read_meta(key: str) -> Preview | None:
    name = _meta_name(key)
    try:
        with default_storage.open(name, "rb") as handle:
            data = json.loads(handle.read())
        return Preview(
            status=data["status"],
            total=data.get("total", 0),
            pages=tuple(Page(*page) for page in data.get("pages", ())),
        )
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def _store(name: str, content: bytes) -> None:
    """Write once: two requests rendering the same file at the same time write the same bytes,
    and the storage's alternative name of the second one is removed."""
    if default_storage.exists(name):
        return
    saved = default_storage.save(name, ContentFile(content))
    if saved != name:
        default_storage.delete(saved)


def _run(content: bytes, *, max_pages: int) -> tuple[str, int, list[tuple[int, int, bytes]]]:
    """The child process: (status, total pages, [(width, height, png), ...])."""
    timeout = _setting("PROOF_PREVIEW_TIMEOUT", 20)
    command = [
        sys.executable,
        "-I",  # no environment variables, user site or current folder: the script alone
        str(Path(rasterise.__file__)),
        str(_setting("PROOF_PREVIEW_MEMORY", 1 << 30)),
        str(timeout),
        str(max_pages),
        str(_setting("PROOF_PREVIEW_MAX_SIDE", rasterise.MAX_SIDE)),
    ]
    try:
        done = subprocess.run(  # noqa: S603 - our own script, arguments are numbers
            command, input=content, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return TOO_LONG, 0, []
    if done.returncode != 0:
        return UNREADABLE, 0, []
    header, _, body = done.stdout.partition(b"\n")
    try:
        data = json.loads(header)
        images, offset = [], 0
        for width, height, length in data["sizes"]:
            images.append((int(width), int(height), body[offset : offset + length]))
            offset += length
        total = int(data["total"])
    except (ValueError, KeyError, TypeError):
        return UNREADABLE, 0, []
    if offset != len(body) or not images:
        return UNREADABLE, 0, []
    return READY, total, images


def _render(proof, key: str) -> Preview:
    with proof.file.open("rb") as handle:
        content = handle.read()
    status, total, images = _run(content, max_pages=_setting("PROOF_PREVIEW_PAGES", 3))
    pages = []
    for number, (width, height, png) in enumerate(images, start=1):
        _store(_page_name(key, number), png)
        pages.append([number, width, height])
    # The description last: whoever reads it finds the pages already written.
    _store(
        _meta_name(key),
        json.dumps({"status": status, "total": total, "pages": pages}).encode(),
    )
    return Preview(status=status, total=total, pages=tuple(Page(*page) for page in pages))


def preview_of(proof) -> Preview | None:
    """The preview of a proof's file, rendered the first time only; None for a paper proof."""
    if not proof.file:
        return None
    key = _key(proof)
    return _read_meta(key) or _render(proof, key)


def page_image(proof, number: int) -> bytes | None:
    """The PNG of page ``number`` of the preview; None when there is no such page."""
    preview = preview_of(proof)
    if preview is None or not preview.ready or not 1 <= number <= len(preview.pages):
        return None
    key = _key(proof)
    try:
        with default_storage.open(_page_name(key, number), "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        # The kept images were removed (a clean-up): drawn again, once.
        kept = range(1, len(preview.pages) + 1)
        for name in (_meta_name(key), *(_page_name(key, n) for n in kept)):
            default_storage.delete(name)
        preview = _render(proof, key)
        if not preview.ready or number > len(preview.pages):
            return None
        with default_storage.open(_page_name(key, number), "rb") as handle:
            return handle.read()
