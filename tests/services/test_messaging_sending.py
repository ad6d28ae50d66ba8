"""Sending reminders: exactly once, retries with backoff, cancellation, consent, email."""

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda
from probatio.messaging import sending
from probatio.messaging.models import Message
from probatio.messaging.sms import SmsTemporaryError
from probatio.people import services as people
from probatio.people.models import TimelineEvent
from tests.factories import SiteFactory, gate, make_person, stop_reply_gate

BOOKED = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)
REMINDER_AT = datetime(2025, 10, 25, 8, 0, tzinfo=UTC)  # 10:00 Paris, Saturday


@pytest.fixture(autouse=True)
def sms_files(settings, tmp_path):
    settings.SMS_BACKEND = "probatio.messaging.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return tmp_path / "sms"


@pytest.fixture
def appointment(cpip, service):
    person = make_person(
        cpip, phone="06 12 34 56 78", sms_consent=True, email="p@example.org", email_consent=True
    )
    start = agenda_rules.at_paris(date(2025, 10, 27), time(9))
    return agenda.appointment_book(gated=gate(cpip, person), data={"kind": "follow_up", "place_kind": "site", "site": SiteFactory(service=service),
              "starts_at": start, "ends_at": start + timedelta(minutes=45)}, staff=[cpip.user], confirmed=True, now=BOOKED)  # fmt: skip


def sms_of(appointment) -> Message:
    return appointment.messages.get(channel="sms", scheduled_at=REMINDER_AT)


def test_a_due_sms_is_sent_once(appointment, sms_files):
    message = sms_of(appointment)
    assert (
        sending.deliver(message.pk, actor=sending.sender(message.service_id), now=REMINDER_AT)
        == "sent"
    )
    assert (
        sending.deliver(
            message.pk,
            actor=sending.sender(message.service_id),
            now=REMINDER_AT + timedelta(minutes=1),
        )
        == "skipped"
    )
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1 and message.provider_id
    [written] = list(sms_files.iterdir())
    record = json.loads(written.read_text())
    assert record["to"] == "+33612345678"
    assert "lundi 27 octobre 2025 à 09h00" in record["text"]


def test_a_message_is_not_sent_before_its_time(appointment, sms_files):
    assert sending.deliver(
        sms_of(appointment).pk,
        actor=sending.sender(sms_of(appointment).service_id),
        now=REMINDER_AT - timedelta(minutes=1),
    ) == ("skipped")
    assert not sms_files.exists()


def test_send_due_sends_what_is_due_and_only_that(appointment, sms_files):
    counts = sending.send_due_everywhere(now=REMINDER_AT)
    assert counts == {"sent": 2}  # SMS and email at 10:00 on Saturday
    assert len(mail.outbox) == 1
    assert sending.send_due_everywhere(now=REMINDER_AT) == {}
    counts = sending.send_due_everywhere(now=datetime(2025, 10, 27, 7, 0, tzinfo=UTC))
    assert counts == {"sent": 2}  # 08:00 on the Monday (winter time)


def test_email_states_date_time_and_place(appointment):
    email = appointment.messages.get(channel="email", scheduled_at=REMINDER_AT)
    sending.deliver(email.pk, actor=sending.sender(email.service_id), now=REMINDER_AT)
    [sent] = mail.outbox
    assert sent.to == ["p@example.org"]
    assert "lundi 27 octobre 2025 à 09h00" in sent.body
    assert appointment.site.city in sent.body
    assert sent.extra_headers["Message-ID"] == f"<{email.idempotency_key}@probatio>"


def test_a_crashed_worker_is_taken_over_with_the_same_key(appointment, sms_files):
    message = sms_of(appointment)
    assert sending._claim(
        message.pk, REMINDER_AT, message.service_id
    )  # a worker claims it, then dies
    # The email goes; the SMS waits while its lease runs, then is taken over.
    assert sending.send_due_everywhere(now=REMINDER_AT + timedelta(minutes=5)) == {"sent": 1}
    assert message.__class__.objects.get(pk=message.pk).status == "sending"
    assert sending.send_due_everywhere(now=REMINDER_AT + timedelta(minutes=11)) == {"sent": 1}
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2
    assert [p.name for p in sms_files.iterdir()] == [f"{message.idempotency_key}.json"]


class FlakyBackend:
    calls: list[str] = []
    failures = 0

    def send(self, *, to, text, idempotency_key, reference):
        FlakyBackend.calls.append(idempotency_key)
        if len(FlakyBackend.calls) <= FlakyBackend.failures:
            raise SmsTemporaryError("Le prestataire SMS n'a pas répondu à temps.")
        from probatio.messaging.sms import SendResult

        return SendResult(provider_id="ok-1")


@pytest.fixture
def flaky(settings):
    settings.SMS_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.calls = []
    return FlakyBackend


def test_temporary_failures_are_retried_with_backoff_and_the_same_key(
    appointment, flaky, django_capture_on_commit_callbacks
):
    flaky.failures = 2
    message = sms_of(appointment)
    assert (
        sending.deliver(message.pk, actor=sending.sender(message.service_id), now=REMINDER_AT)
        == "retry"
    )
    message.refresh_from_db()
    assert message.status == "pending"
    assert message.next_attempt_at == REMINDER_AT + timedelta(minutes=1)
    assert "pas répondu" in message.last_error
    assert (
        sending.deliver(
            message.pk,
            actor=sending.sender(message.service_id),
            now=REMINDER_AT + timedelta(seconds=30),
        )
        == "skipped"
    )
    assert (
        sending.deliver(
            message.pk,
            actor=sending.sender(message.service_id),
            now=REMINDER_AT + timedelta(minutes=1),
        )
        == "retry"
    )
    message.refresh_from_db()
    assert message.next_attempt_at == REMINDER_AT + timedelta(minutes=6)
    assert (
        sending.deliver(
            message.pk,
            actor=sending.sender(message.service_id),
            now=REMINDER_AT + timedelta(minutes=6),
        )
        == "sent"
    )
    assert set(flaky.calls) == {str(message.idempotency_key)} and len(flaky.calls) == 3


def test_after_the_last_attempt_the_failure_shows_in_the_dossier(appointment, flaky):
    flaky.failures = 99
    message = sms_of(appointment)
    outcomes = []
    for _ in range(8):
        message.refresh_from_db()
        outcomes.append(
            sending.deliver(
                message.pk, actor=sending.sender(message.service_id), now=message.next_attempt_at
            )
        )
    assert outcomes[:6] == ["retry"] * 5 + ["failed"]
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 6
    assert TimelineEvent.objects.filter(
        person=appointment.person, kind="message", title__startswith="Échec d'envoi"
    ).exists()


def test_a_cancelled_appointment_sends_no_reminder(cpip, appointment, sms_files):
    message = sms_of(appointment)
    # The appointment is cancelled while the worker has the reminder in hand.
    assert sending._claim(message.pk, REMINDER_AT, message.service_id)
    appointment.status = "cancelled"
    appointment.save(update_fields=["status"])
    assert (
        sending.deliver(
            message.pk, actor=sending.sender(message.service_id), now=REMINDER_AT, claimed=True
        )
        == "cancelled"
    )
    assert not sms_files.exists()


def test_withdrawn_consent_stops_pending_sms(appointment, sms_files):
    people.sms_consent_withdraw(gated=stop_reply_gate(appointment.person))
    assert (
        sending.deliver(
            sms_of(appointment).pk,
            actor=sending.sender(sms_of(appointment).service_id),
            now=REMINDER_AT,
        )
        == "cancelled"
    )
    assert not sms_files.exists()


def test_a_cancellation_notice_is_sent_even_though_the_appointment_is_cancelled(
    cpip, appointment, sms_files
):
    agenda.appointment_set_status(
        gated=gate(cpip, appointment.person),
        appointment=appointment,
        status="cancelled",
        reason="Grève",
        now=BOOKED + timedelta(days=1),
    )
    notice = appointment.messages.get(purpose="cancelled", channel="sms")
    assert (
        sending.deliver(
            notice.pk, actor=sending.sender(notice.service_id), now=BOOKED + timedelta(days=1)
        )
        == "sent"
    )
    assert "annulé" in json.loads(next(sms_files.iterdir()).read_text())["text"]
