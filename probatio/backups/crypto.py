"""Authenticated encryption of a backup archive, streamed in chunks (docs/deployment.md).

The key is a passphrase from the environment (``BACKUP_KEY``). Scrypt turns it, with a random
salt kept in the header, into two keys: one for AES-256-GCM, one that signs the header (so
that a wrong key is told apart from an altered archive). The archive is then cut into chunks of
at most 1 MiB, each sealed by AES-GCM with the header as associated data and a nonce made of a
random prefix, the chunk's number and a last-chunk flag (the "STREAM" construction): a chunk
altered, moved, dropped or added, and an archive cut short, all fail to decrypt. Only one chunk
is ever held in memory, whatever the size of the database.

Layout::

    MAGIC | salt (16) | log2 n, r, p (3 bytes) | nonce prefix (7) | header tag (32)
    then chunks: length of the sealed chunk (4 bytes, big-endian) | sealed chunk
"""

import hashlib
import hmac
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"PROBATIO-SAUVEGARDE-CHIFFREE-1\n"
CHUNK_SIZE = 1024 * 1024
SALT_SIZE = 16
PREFIX_SIZE = 7
TAG_SIZE = 16
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 15, 8, 1
_PARAMS = struct.Struct(">BBB")
_LENGTH = struct.Struct(">I")
HEADER_SIZE = len(MAGIC) + SALT_SIZE + _PARAMS.size + PREFIX_SIZE + 32


class WrongKey(Exception):
    """The header's tag does not match: another key (or an altered header)."""


class Altered(Exception):
    """A chunk does not decrypt, or the archive stops before its last chunk."""


def _keys(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> tuple[bytes, bytes]:
    derived = Scrypt(salt=salt, length=64, n=2**log2_n, r=r, p=p).derive(passphrase.encode("utf-8"))
    return derived[:32], derived[32:]


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + number.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def is_encrypted(first_bytes: bytes) -> bool:
    return first_bytes.startswith(MAGIC)


class EncryptingWriter:
    """A write-only file object: what is written reaches ``out`` encrypted, chunk by chunk.
    ``close()`` seals the last chunk (and does not close ``out``)."""

    def __init__(self, out, passphrase: str):
        self._out = out
        salt = os.urandom(SALT_SIZE)
        self._prefix = os.urandom(PREFIX_SIZE)
        key, check_key = _keys(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)
        header = MAGIC + salt + _PARAMS.pack(SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P) + self._prefix
        self._header = header + hmac.new(check_key, header, hashlib.sha256).digest()
        self._aead = AESGCM(key)
        self._buffer = bytearray()
        self._number = 0
        self._closed = False
        out.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK_SIZE:
            self._seal(bytes(self._buffer[:CHUNK_SIZE]), last=False)
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def flush(self) -> None:
        self._out.flush()

    def _seal(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._number, last), plain, self._header)
        self._out.write(_LENGTH.pack(len(sealed)) + sealed)
        self._number += 1

    def close(self) -> None:
        if not self._closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer = bytearray()
            self._closed = True
            self._out.flush()


class DecryptingReader:
    """A read-only file object over an encrypted archive. Opening it checks the key (WrongKey);
    reading raises Altered as soon as a chunk fails or the archive ends before its last
    chunk."""

    def __init__(self, source, passphrase: str):
        self._source = source
        header = source.read(HEADER_SIZE)
        if len(header) < HEADER_SIZE or not is_encrypted(header):
            raise Altered("en-tête illisible")
        body, tag = header[:-32], header[-32:]
        offset = len(MAGIC)
        salt = body[offset : offset + SALT_SIZE]
        log2_n, r, p = _PARAMS.unpack(body[offset + SALT_SIZE : offset + SALT_SIZE + _PARAMS.size])
        if not (10 <= log2_n <= 20 and 1 <= r <= 16 and 1 <= p <= 4):
            raise Altered("paramètres de dérivation de clé invalides")
        self._prefix = body[-PREFIX_SIZE:]
        key, check_key = _keys(passphrase, salt, log2_n, r, p)
        if not hmac.compare_digest(hmac.new(check_key, body, hashlib.sha256).digest(), tag):
            raise WrongKey()
        self._header = header
        self._aead = AESGCM(key)
        self._number = 0
        self._buffer = b""  # the current chunk's plain text, read from self._position
        self._position = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        length = self._source.read(_LENGTH.size)
        if len(length) < _LENGTH.size:
            raise Altered("archive tronquée (dernier bloc absent)")
        (size,) = _LENGTH.unpack(length)
        if size < TAG_SIZE or size > CHUNK_SIZE + TAG_SIZE:
            raise Altered(f"bloc {self._number} de taille invalide")
        sealed = self._source.read(size)
        if len(sealed) < size:
            raise Altered("archive tronquée")
        for last in (False, True):
            try:
                plain = self._aead.decrypt(
                    _nonce(self._prefix, self._number, last), sealed, self._header
                )
            except InvalidTag:
                continue
            self._number += 1
            self._buffer = self._buffer[self._position :] + plain
            self._position = 0
            if last:
                self._done = True
                if self._source.read(1):
                    raise Altered("données après le dernier bloc")
            return
        raise Altered(f"bloc {self._number} altéré")

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) - self._position < size):
            self._next_chunk()
        end = len(self._buffer) if size < 0 else min(len(self._buffer), self._position + size)
        data = self._buffer[self._position : end]
        self._position = end
        return data

    def close(self) -> None:
        pass
