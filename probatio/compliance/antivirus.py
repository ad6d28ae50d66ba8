"""An optional virus scan of uploads through a ClamAV daemon (clamd), when one is configured.

``CLAMD_ADDRESS`` (setting, from the environment): ``unix:/run/clamav/clamd.ctl`` or
``tcp:host:3310``; empty (the default), no scan. The file is streamed with clamd's ``INSTREAM``
command (chunks prefixed by their length, a zero-length chunk to end) and clamd answers
``stream: OK`` or ``stream: <signature> FOUND``. A daemon that cannot be reached, or an answer
that is neither, refuses the upload: a configured scan is never skipped silently.
"""

import socket
import struct
from dataclasses import dataclass

from django.conf import settings

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str = ""  # the virus found, when not clean


class ScanUnavailable(Exception):
    """clamd is configured but did not answer as it should."""


def address() -> str:
    return (getattr(settings, "CLAMD_ADDRESS", "") or "").strip()


def _connect(where: str, timeout: float) -> socket.socket:
    kind, _, rest = where.partition(":")
    if kind == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: object = rest
    elif kind == "tcp":
        host, _, port = rest.rpartition(":")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (host, int(port))
    else:
        raise ScanUnavailable(
            f"CLAMD_ADDRESS : « unix:CHEMIN » ou « tcp:HÔTE:PORT », pas {where!r}"
        )
    sock.settimeout(timeout)
    try:
        sock.connect(target)
    except OSError as error:
        sock.close()
        raise ScanUnavailable(str(error)) from error
    return sock


def scan(content: bytes, *, where: str | None = None) -> Verdict | None:
    """The daemon's verdict on ``content``; None when no scan is configured."""
    where = address() if where is None else where
    if not where:
        return None
    timeout = float(getattr(settings, "CLAMD_TIMEOUT", 30))
    sock = _connect(where, timeout)
    try:
        sock.sendall(b"zINSTREAM\0")
        for start in range(0, len(content), CHUNK):
            chunk = content[start : start + CHUNK]
            sock.sendall(struct.pack("!L", len(chunk)) + chunk)
        sock.sendall(struct.pack("!L", 0))
        answer = b""
        while not answer.endswith(b"\0"):
            received = sock.recv(4096)
            if not received:
                break
            answer += received
    except OSError as error:
        raise ScanUnavailable(str(error)) from error
    finally:
        sock.close()
    text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith(": OK"):
        return Verdict(clean=True)
    if text.endswith(" FOUND"):
        signature = text.split(":", 1)[-1].removesuffix(" FOUND").strip()
        return Verdict(clean=False, signature=signature)
    raise ScanUnavailable(f"réponse inattendue de clamd : {text[:200]!r}")
