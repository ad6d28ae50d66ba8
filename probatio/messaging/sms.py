"""The SMS gateway: one interface, two backends.

- ``FileBackend`` (demo, tests): one JSON file per message under ``settings.SMS_FILE_PATH``.
  Like a provider honouring idempotency keys, a second send with the same key returns the first
  message's reference and writes nothing.
- ``HttpBackend``: Brevo's transactional SMS API (``POST /v3/transactionalSMS/sms``, header
  ``api-key``), a French provider. Configured by environment variables (docs/messaging.md).
  The idempotency key travels in an ``Idempotency-Key`` header and as the message ``tag``.

Before a message whose send was interrupted (its worker died) is sent again, the backend is asked
whether the provider already has it (``lookup``): ``FileBackend`` looks for its file, and
``HttpBackend`` reads Brevo's SMS events filtered by our tag (``GET
/v3/transactionalSMS/statistics/events?tags=…``). ``None`` means the provider cannot tell.

Errors are sorted for the retry logic: ``SmsTemporaryError`` (timeout, network, HTTP 429 or
5xx: retried with the same key) and ``SmsPermanentError`` (other 4xx: not retried).
"""

import json
import os
import socket
import urllib.error
import urllib.parse
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


@dataclass(frozen=True)
class Lookup:
    """What the provider knows of an earlier request: ``found`` with its reference, or not."""

    found: bool
    provider_id: str = ""


class SmsBackend:
    def send(self, *, to: str, text: str, idempotency_key: str, reference: str) -> SendResult:
        raise NotImplementedError

    def lookup(self, *, idempotency_key: str, to: str, since) -> Lookup | None:
        """Whether the provider received the request with that key (``None``: it cannot
        tell). Raises ``SmsTemporaryError`` when it cannot be asked now."""
        return None


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

    def lookup(self, *, idempotency_key: str, to: str, since) -> Lookup | None:
        target = self.path / f"{idempotency_key}.json"
        if not target.exists():
            return Lookup(found=False)
        return Lookup(found=True, provider_id=json.loads(target.read_text("utf-8"))["provider_id"])


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
        self.events_url = _env("SMS_EVENTS_URL", self.url.rsplit("/", 1)[0] + "/statistics/events")
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
        payload = self._call(request)
        provider_id = str(payload.get("messageId") or payload.get("reference") or "")
        if not provider_id:
            raise SmsTemporaryError("Le prestataire SMS n'a pas renvoyé de référence.")
        return SendResult(provider_id=provider_id)

    def lookup(self, *, idempotency_key: str, to: str, since) -> Lookup | None:
        """Brevo's SMS events of the request tagged with our key (``sent``, ``accepted``,
        ``delivered``…): any event means the provider has it; none means it does not."""
        days = max(1, min(90, (timezone.now() - since).days + 1))
        query = urllib.parse.urlencode(
            {"tags": idempotency_key, "phoneNumber": to.removeprefix("+"), "days": days}
        )
        request = urllib.request.Request(
            f"{self.events_url}?{query}",
            method="GET",
            headers={"api-key": self.api_key, "accept": "application/json"},
        )
        try:
            payload = self._call(request)
        except SmsPermanentError as exc:  # a refused status query tells nothing of the SMS
            raise SmsTemporaryError(f"Vérification impossible : {exc}") from exc
        events = payload.get("events")
        if not isinstance(events, list):
            raise SmsTemporaryError("Réponse illisible du prestataire SMS (vérification).")
        mine = [e for e in events if isinstance(e, dict) and idempotency_key in _tags(e)]
        if not mine:
            return Lookup(found=False)
        return Lookup(found=True, provider_id=str(mine[0].get("messageId") or ""))

    def _call(self, request) -> dict:
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
        if not isinstance(payload, dict):
            raise SmsTemporaryError("Réponse illisible du prestataire SMS.")
        return payload


def _tags(event: dict) -> list[str]:
    tag = event.get("tag") or event.get("tags") or []
    return [tag] if isinstance(tag, str) else [str(t) for t in tag]


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
