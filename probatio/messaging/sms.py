"""The SMS gateway: one interface, two backends.

- ``FileBackend`` (demo, tests): one JSON file per message under ``settings.SMS_FILE_PATH``.
  Like a provider honouring idempotency keys, a second send with the same key returns the first
  message's reference and writes nothing.
- ``HttpBackend``: Brevo's transactional SMS API (``POST /v3/transactionalSMS/sms``, header
  ``api-key``), a French provider. Configured by environment variables (docs/messaging.md).
  The idempotency key travels in an ``Idempotency-Key`` header and as the message ``tag``.

Errors are sorted for the retry logic: ``SmsTemporaryError`` (timeout, network, HTTP 429 or
5xx: retried with the same key) and ``SmsPermanentError`` (other 4xx: not retried).
"""

import json
import os
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    pass


class SmsTemporaryError(SmsError):
    pass


class SmsPermanentError(SmsError):
    pass


@dataclass(frozen=True)
class SendResult:
    provider_id: str


class SmsBackend:
    def send(self, *, to: str, text: str, idempotency_key: str, reference: str) -> SendResult:
        raise NotImplementedError


class FileBackend(SmsBackend):
    def __init__(self, path: Path | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, *, to: str, text: str, idempotency_key: str, reference: str) -> SendResult:
        self.path.mkdir(parents=True, exist_ok=True)
        target = self.path / f"{idempotency_key}.json"
        provider_id = f"file-{idempotency_key[:12]}"
        record = {
            "provider_id": provider_id,
            "to": to,
            "text": text,
            "reference": reference,
            "idempotency_key": idempotency_key,
            "at": timezone.now().isoformat(),
        }
        try:
            with open(target, "x", encoding="utf-8") as out:  # "x": never twice
                json.dump(record, out, ensure_ascii=False, indent=1)
        except FileExistsError:
            existing = json.loads(target.read_text(encoding="utf-8"))
            return SendResult(provider_id=existing["provider_id"])
        return SendResult(provider_id=provider_id)


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, getattr(settings, name, default)) or default


class HttpBackend(SmsBackend):
    """Brevo transactional SMS. Variables: ``SMS_API_URL`` (default
    ``https://api.brevo.com/v3/transactionalSMS/sms``), ``SMS_API_KEY``, ``SMS_SENDER``
    (11 characters at most), ``SMS_WEBHOOK_URL`` (delivery reports), ``SMS_TIMEOUT`` (s)."""

    def __init__(self):
        self.url = _env("SMS_API_URL", "https://api.brevo.com/v3/transactionalSMS/sms")
        self.api_key = _env("SMS_API_KEY")
        self.sender = _env("SMS_SENDER", "SPIP")[:11]
        self.webhook_url = _env("SMS_WEBHOOK_URL")
        self.timeout = float(_env("SMS_TIMEOUT", "10"))
        if not self.api_key:
            raise SmsPermanentError("Passerelle SMS non configurée (SMS_API_KEY manquant).")

    def send(self, *, to: str, text: str, idempotency_key: str, reference: str) -> SendResult:
        body = {
            "type": "transactional",
            "sender": self.sender,
            "recipient": to.removeprefix("+"),
            "content": text,
            "tag": idempotency_key,
            "unicodeEnabled": True,
        }
        if self.webhook_url:
            body["webUrl"] = self.webhook_url
        request = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "api-key": self.api_key,
                "accept": "application/json",
                "content-type": "application/json",
                "Idempotency-Key": idempotency_key,
                "X-Reference": reference,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode(errors="replace")
            if exc.code in (408, 429) or exc.code >= 500:
                raise SmsTemporaryError(
                    f"Le prestataire SMS est indisponible (HTTP {exc.code})."
                ) from exc
            raise SmsPermanentError(
                f"Le prestataire SMS a refusé le message (HTTP {exc.code}) : {detail}"
            ) from exc
        except TimeoutError as exc:
            raise SmsTemporaryError("Le prestataire SMS n'a pas répondu à temps.") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise SmsTemporaryError("Le prestataire SMS n'a pas répondu à temps.") from exc
            raise SmsTemporaryError(f"Prestataire SMS injoignable : {exc.reason}") from exc
        except ValueError as exc:
            raise SmsTemporaryError("Réponse illisible du prestataire SMS.") from exc
        provider_id = str(payload.get("messageId") or payload.get("reference") or "")
        if not provider_id:
            raise SmsTemporaryError("Le prestataire SMS n'a pas renvoyé de référence.")
        return SendResult(provider_id=provider_id)


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
