"""The email path through a real SMTP server, run in-process (aiosmtpd)."""

import socket
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda
from probatio.messaging import sending
from tests.factories import SiteFactory, gate, make_person


class Inbox:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def test_a_reminder_goes_through_smtp(cpip, service, smtp_server):
    person = make_person(cpip, email="eloise@example.org", email_consent=True)
    start = agenda_rules.at_paris(date(2025, 10, 27), time(9))
    appointment = agenda.appointment_book(gated=gate(cpip, person), data={"kind": "first", "place_kind": "site", "site": SiteFactory(service=service),
              "starts_at": start, "ends_at": start + timedelta(minutes=45)}, staff=[cpip.user], confirmed=True, now=datetime(2025, 10, 20, tzinfo=UTC))  # fmt: skip
    message = appointment.messages.get(scheduled_at=datetime(2025, 10, 25, 8, 0, tzinfo=UTC))
    assert (
        sending.deliver(
            message.pk, actor=sending.sender(message.service_id), now=message.scheduled_at
        )
        == "sent"
    )
    [envelope] = smtp_server.received
    assert envelope.rcpt_tos == ["eloise@example.org"]
    parsed = message_from_bytes(envelope.content)
    assert parsed["Message-ID"] == f"<{message.idempotency_key}@probatio>"
    body = parsed.get_payload(decode=True).decode()
    assert "lundi 27 octobre 2025 à 09h00" in body


def test_an_unreachable_smtp_server_is_a_retried_failure(cpip, service, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nobody listens there
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 2
    person = make_person(cpip, email="eloise@example.org", email_consent=True)
    start = agenda_rules.at_paris(date(2025, 10, 27), time(9))
    appointment = agenda.appointment_book(gated=gate(cpip, person), data={"kind": "first", "place_kind": "site", "site": SiteFactory(service=service),
              "starts_at": start, "ends_at": start + timedelta(minutes=45)}, staff=[cpip.user], confirmed=True, now=datetime(2025, 10, 20, tzinfo=UTC))  # fmt: skip
    message = appointment.messages.get(scheduled_at=datetime(2025, 10, 25, 8, 0, tzinfo=UTC))
    assert (
        sending.deliver(
            message.pk, actor=sending.sender(message.service_id), now=message.scheduled_at
        )
        == "retry"
    )
    message.refresh_from_db()
    assert message.status == "pending" and "courriel" in message.last_error
