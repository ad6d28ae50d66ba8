"""The HTTP SMS backend against a local server imitating the provider's API."""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from probatio.messaging.sms import HttpBackend, SmsPermanentError, SmsTemporaryError


class Provider:
    """A tiny imitation of Brevo's transactional SMS endpoint."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []  # answers to give, in order
        self.lookups: list[str] = []  # the status queries received (their query strings)
        self.lookup_script: list[tuple[int, dict]] = []  # answers to status queries, in order
        self.delay = 0.0

    def handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                provider.requests.append(
                    {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                if provider.delay:
                    time.sleep(provider.delay)
                status, answer = (
                    provider.script.pop(0) if provider.script else (201, {"messageId": 42})
                )
                if self.headers.get("api-key") != "clef-de-test":  # case-insensitive lookup
                    status, answer = 401, {"code": "unauthorized"}
                self.answer(status, answer)

            def answer(self, status: int, answer: dict):
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError):
                    self.wfile.write(payload)

            def do_GET(self):
                """The SMS events of the requests tagged with the queried key."""
                from urllib.parse import parse_qs, urlparse

                query = parse_qs(urlparse(self.path).query)
                provider.lookups.append(urlparse(self.path).query)
                if provider.delay:
                    time.sleep(provider.delay)
                tag = query.get("tags", [""])[0]
                events = [
                    {"messageId": 42, "event": "sent", "tag": r["body"]["tag"]}
                    for r in provider.requests
                    if r["body"].get("tag") == tag
                ]
                self.answer(
                    *(
                        provider.lookup_script.pop(0)
                        if provider.lookup_script
                        else (200, {"events": events})
                    )
                )

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def provider(monkeypatch):
    imitation = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), imitation.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(
        "SMS_API_URL", f"http://127.0.0.1:{server.server_port}/v3/transactionalSMS/sms"
    )
    monkeypatch.setenv("SMS_API_KEY", "clef-de-test")
    monkeypatch.setenv("SMS_SENDER", "SPIP80")
    monkeypatch.setenv("SMS_TIMEOUT", "3")  # generous: a loaded machine answers slowly
    yield imitation
    server.shutdown()
    server.server_close()


def send(**extra):
    return HttpBackend().send(
        to="+33612345678",
        text="SPIP de la Somme : rappel de votre rendez-vous le lundi 27 octobre 2025 à 09h00.",
        idempotency_key="0b8f6a52-1111-4222-8333-944455556666",
        reference="0b8f6a52-1111-4222-8333-944455556666",
        **extra,
    )


def test_a_message_is_posted_as_the_provider_documents_it(provider):
    assert send().provider_id == "42"
    [request] = provider.requests
    assert request["headers"]["api-key"] == "clef-de-test"
    assert request["headers"]["idempotency-key"] == "0b8f6a52-1111-4222-8333-944455556666"
    body = request["body"]
    assert body["recipient"] == "33612345678"
    assert body["sender"] == "SPIP80"
    assert body["type"] == "transactional"
    assert "09h00" in body["content"]
    assert body["tag"] == "0b8f6a52-1111-4222-8333-944455556666"


def test_a_server_error_is_temporary_and_the_retry_carries_the_same_key(provider):
    provider.script = [(503, {"message": "maintenance"})]
    with pytest.raises(SmsTemporaryError, match="HTTP 503"):
        send()
    assert send().provider_id == "42"
    keys = [r["headers"]["idempotency-key"] for r in provider.requests]
    assert len(keys) == 2 and len(set(keys)) == 1


@pytest.mark.parametrize("status", [408, 429])
def test_throttling_and_request_timeouts_are_temporary(provider, status):
    provider.script = [(status, {"code": "too_many_requests"})]
    with pytest.raises(SmsTemporaryError, match=f"HTTP {status}"):
        send()


def test_a_timeout_is_temporary(provider):
    provider.delay = 4.5
    with pytest.raises(SmsTemporaryError, match="pas répondu à temps"):
        send()


def test_a_refusal_is_permanent(provider):
    provider.script = [(400, {"code": "invalid_parameter", "message": "recipient invalid"})]
    with pytest.raises(SmsPermanentError, match="HTTP 400"):
        send()


def test_a_missing_key_is_a_configuration_error(monkeypatch):
    monkeypatch.delenv("SMS_API_KEY", raising=False)
    with pytest.raises(SmsPermanentError, match="SMS_API_KEY"):
        HttpBackend()


def lookup():
    from datetime import timedelta

    from django.utils import timezone

    return HttpBackend().lookup(
        idempotency_key="0b8f6a52-1111-4222-8333-944455556666",
        to="+33612345678",
        since=timezone.now() - timedelta(minutes=15),
    )


def test_the_status_query_finds_a_request_the_provider_received(provider):
    assert lookup().found is False  # nothing sent yet: the provider says so
    send()
    found = lookup()
    assert found.found is True and found.provider_id == "42"
    assert "tags=0b8f6a52-1111-4222-8333-944455556666" in provider.lookups[-1]
    assert "phoneNumber=33612345678" in provider.lookups[-1]


@pytest.mark.parametrize(
    "answer", [(500, {"message": "boom"}), (400, {"code": "bad"}), (200, {"unexpected": 1})]
)
def test_a_status_query_that_fails_tells_nothing(provider, answer):
    provider.lookup_script = [answer]
    with pytest.raises(SmsTemporaryError):
        lookup()


def test_a_status_query_that_times_out_tells_nothing(provider):
    provider.delay = 4.5
    with pytest.raises(SmsTemporaryError, match="pas répondu à temps"):
        lookup()


class KilledAfterTheProviderAnswered(HttpBackend):
    """The real HTTP backend; the worker dies right after the provider accepted the SMS."""

    def send(self, **kwargs):
        super().send(**kwargs)
        raise KeyboardInterrupt  # like a kill: nothing after it runs in the worker


@pytest.mark.django_db
def test_a_send_killed_mid_way_is_confirmed_by_the_provider_not_sent_again(
    provider, settings, cpip, service
):
    from datetime import UTC, date, datetime, time, timedelta

    from probatio.agenda import rules as agenda_rules
    from probatio.agenda import services as agenda
    from probatio.messaging import sending
    from tests.factories import SiteFactory, gate, make_person

    person = make_person(cpip, phone="06 12 34 56 78", sms_consent=True)
    start = agenda_rules.at_paris(date(2025, 10, 27), time(9))
    appointment = agenda.appointment_book(gated=gate(cpip, person), data={"kind": "follow_up", "place_kind": "site", "site": SiteFactory(service=service),
              "starts_at": start, "ends_at": start + timedelta(minutes=45)}, staff=[cpip.user], confirmed=True, now=datetime(2025, 10, 20, 9, tzinfo=UTC))  # fmt: skip
    message = appointment.messages.get(scheduled_at=datetime(2025, 10, 25, 8, tzinfo=UTC))
    actor = sending.sender(message.service_id)
    settings.SMS_BACKEND = f"{__name__}.KilledAfterTheProviderAnswered"
    with pytest.raises(KeyboardInterrupt):
        sending.deliver(message.pk, actor=actor, now=message.scheduled_at)
    assert len(provider.requests) == 1
    settings.SMS_BACKEND = "probatio.messaging.sms.HttpBackend"
    later = message.scheduled_at + sending.LEASE + timedelta(minutes=1)
    assert sending.deliver(message.pk, actor=actor, now=later) == "confirmed"
    assert len(provider.requests) == 1 and len(provider.lookups) == 1  # asked, not resent
    message.refresh_from_db()
    assert message.status == "sent" and message.provider_id == "42"
