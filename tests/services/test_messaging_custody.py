"""No SMS or email reaches a person held in a cell: nothing is planned while the person is
held, and a message planned before a committal is not sent after it (it ends "cancelled" with
its reason). A person under écrou serving a measure outside a cell (semi-liberty, outside
placement, home detention as an adjustment) keeps their messages; after the release, they flow
again."""

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda
from probatio.messaging import sending
from probatio.messaging import services as messaging
from probatio.messaging.models import Message
from probatio.people import services as people
from tests.factories import EstablishmentFactory, gate, make_measure, make_person, stop_reply_gate
from tests.threads import together

BOOKED = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)
REMINDER_AT = datetime(2025, 10, 25, 8, 0, tzinfo=UTC)  # 10:00 Paris, Saturday
MONDAY_AT = datetime(2025, 10, 27, 7, 0, tzinfo=UTC)  # 08:00 Paris, the appointment's day
COMMITTAL = date(2025, 10, 22)
RELEASE = date(2025, 10, 24)


@pytest.fixture(autouse=True)
def sms_files(settings, tmp_path):
    settings.SMS_BACKEND = "probatio.messaging.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return tmp_path / "sms"


@pytest.fixture
def person(cpip):
    return make_person(
        cpip, phone="06 12 34 56 78", sms_consent=True, email="p@example.org", email_consent=True
    )


@pytest.fixture
def establishment(service):
    return EstablishmentFactory(service=service)


def book(cpip, person, establishment, *, day=date(2025, 10, 27), now=BOOKED):
    """An interview at the prison (the kind of appointment a held person has)."""
    start = agenda_rules.at_paris(day, time(9))
    return agenda.appointment_book(gated=gate(cpip, person), data={"kind": "follow_up", "place_kind": "prison", "establishment": establishment,
              "starts_at": start, "ends_at": start + timedelta(minutes=45)}, staff=[cpip.user], confirmed=True, now=now)  # fmt: skip


def commit(cpip, person, establishment, day=COMMITTAL):
    return people.custody_open(
        gated=gate(cpip, person),
        establishment_id=establishment.pk,
        committal_number=f"{person.pk:06d}",
        committal_date=day,
        today=day,
    )


def release(cpip, person, day=RELEASE):
    return people.custody_close(gated=gate(cpip, person), release_date=day, today=day)


def test_a_reminder_planned_before_the_committal_is_not_sent_once_committed(
    cpip, person, establishment, sms_files
):
    appointment = book(cpip, person, establishment)
    assert appointment.messages.filter(purpose="reminder").count() == 4  # 2 times × 2 channels
    commit(cpip, person, establishment)
    assert sending.send_due_everywhere(now=REMINDER_AT) == {"cancelled": 2}  # the SMS and the email
    assert not sms_files.exists() and mail.outbox == []
    for message in appointment.messages.filter(scheduled_at=REMINDER_AT):
        assert message.status == Message.Status.CANCELLED
        assert message.last_error == (
            "La personne est détenue en cellule (écrou en cours) : message sans objet."
        )
        assert message.sent_at is None


def test_nothing_is_planned_while_held(cpip, person, establishment):
    commit(cpip, person, establishment, day=date(2025, 10, 1))
    appointment = book(cpip, person, establishment)
    assert not appointment.messages.exists()
    moved = agenda.appointment_move(
        gated=gate(cpip, appointment.person),
        appointment=appointment,
        starts_at=agenda_rules.at_paris(date(2025, 10, 28), time(9)),
        ends_at=agenda_rules.at_paris(date(2025, 10, 28), time(10)),
        reason="Parloir indisponible",
        confirmed=True,
        now=BOOKED,
    )
    agenda.appointment_set_status(
        gated=gate(cpip, moved.person),
        appointment=moved,
        status="cancelled",
        reason="Transfert",
        now=BOOKED,
    )
    assert not Message.objects.filter(person=person).exists()  # no reminder, move or notice


@pytest.mark.parametrize("code", ["DDSE_AMENAGEMENT", "SEMI_LIBERTE", "PLACEMENT_EXTERIEUR"])
def test_a_person_under_ecrou_serving_outside_a_cell_gets_their_reminders(
    cpip, person, establishment, sms_files, code
):
    commit(cpip, person, establishment, day=date(2025, 10, 1))
    make_measure(
        cpip,
        person,
        code=code,
        start_date=date(2025, 10, 2),
        duration_months=4,
        today=date(2025, 10, 2),
    )
    appointment = book(cpip, person, establishment)
    assert appointment.messages.filter(purpose="reminder").count() == 4
    assert sending.send_due_everywhere(now=REMINDER_AT) == {"sent": 2}
    assert len(list(sms_files.iterdir())) == 1 and len(mail.outbox) == 1


def test_an_ended_outside_measure_no_longer_keeps_the_reminders(cpip, person, establishment):
    """Semi-liberty withdrawn or over, custody still open: back in a cell."""
    commit(cpip, person, establishment, day=date(2025, 1, 10))
    make_measure(
        cpip,
        person,
        code="SEMI_LIBERTE",
        start_date=date(2025, 1, 11),
        duration_months=4,
        today=date(2025, 10, 2),
    )  # ended in May
    assert book(cpip, person, establishment).messages.count() == 0


def test_after_the_release_the_reminders_flow_again(cpip, person, establishment, sms_files):
    appointment = book(cpip, person, establishment)
    commit(cpip, person, establishment)
    release(cpip, person)
    # Planned before the committal, due after the release: sent.
    assert sending.send_due_everywhere(now=REMINDER_AT) == {"sent": 2}
    # And a new appointment gets its reminders again.
    later = book(cpip, person, establishment, day=date(2025, 11, 3), now=REMINDER_AT)
    assert later.messages.filter(purpose="reminder").count() == 4
    assert appointment.messages.filter(status="sent").count() == 2


def test_a_committal_between_two_reminders_stops_only_the_later_one(
    cpip, person, establishment, sms_files
):
    appointment = book(cpip, person, establishment)
    assert sending.send_due_everywhere(now=REMINDER_AT) == {"sent": 2}
    commit(cpip, person, establishment, day=date(2025, 10, 26))
    assert sending.send_due_everywhere(now=MONDAY_AT) == {"cancelled": 2}
    assert list(
        appointment.messages.order_by("scheduled_at", "channel").values_list("status", flat=True)
    ) == ["sent", "sent", "cancelled", "cancelled"]


def test_held_in_cell_reads_the_custody_in_one_query(cpip, person, establishment):
    with CaptureQueriesContext(connection) as queries:
        assert messaging.held_in_cell(person.pk) is False
    assert len(queries) == 1
    commit(cpip, person, establishment, day=date(2025, 10, 1))
    make_measure(cpip, person, code="LC", duration_months=12, today=date(2025, 10, 2))
    with CaptureQueriesContext(connection) as queries:
        assert messaging.held_in_cell(person.pk) is True
    assert len(queries) == 1


@pytest.mark.parametrize("held", [False, True])
def test_sending_a_message_costs_one_query_for_the_check(
    cpip, person, establishment, held, sms_files
):
    appointment = book(cpip, person, establishment)
    if held:
        commit(cpip, person, establishment)
    sms = appointment.messages.get(channel="sms", scheduled_at=REMINDER_AT)
    with CaptureQueriesContext(connection) as queries:
        outcome = sending.deliver(sms.pk, actor=sending.sender(sms.service_id), now=REMINDER_AT)
    assert outcome == ("cancelled" if held else "sent")
    # Claim, read the message, the custody check, record the outcome.
    assert len(queries) == 4


def test_a_message_already_without_object_is_not_checked_against_custody(
    cpip, person, establishment
):
    appointment = book(cpip, person, establishment)
    people.sms_consent_withdraw(gated=stop_reply_gate(person))
    commit(cpip, person, establishment)
    sms = appointment.messages.get(channel="sms", scheduled_at=REMINDER_AT)
    with CaptureQueriesContext(connection) as queries:
        assert (
            sending.deliver(sms.pk, actor=sending.sender(sms.service_id), now=REMINDER_AT)
            == "cancelled"
        )
    assert len(queries) == 3
    sms.refresh_from_db()
    assert sms.last_error == "La personne a retiré son accord pour les SMS."


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_send_to_the_free_and_to_no_one_held(cpip, service, settings, tmp_path):
    """On PostgreSQL, two workers on the due messages of a free person and of a person held:
    each of the free person's sent once, none of the held person's."""
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
    settings.SMS_FILE_PATH = tmp_path
    free = make_person(cpip, phone="06 12 34 56 78", sms_consent=True)
    held = make_person(cpip, phone="06 98 76 54 32", sms_consent=True)
    commit(cpip, held, EstablishmentFactory(service=service))
    Message.objects.bulk_create(
        Message(
            service=service,
            person=whom,
            purpose="reminder",
            channel="sms",
            recipient=whom.phone,
            body=f"Rappel n° {n}",
            scheduled_at=REMINDER_AT,
            next_attempt_at=REMINDER_AT,
        )
        for n in range(20)
        for whom in (free, held)
    )
    results = together(lambda: sending.send_due_everywhere(now=REMINDER_AT))
    assert sum(r.get("sent", 0) for r in results) == 20
    assert sum(r.get("cancelled", 0) for r in results) == 20
    assert {json.loads(f.read_text())["to"] for f in tmp_path.iterdir()} == {"+33612345678"}
    assert set(Message.objects.filter(person=held).values_list("status", "attempts")) == {
        ("cancelled", 1)
    }
    assert set(Message.objects.filter(person=free).values_list("status", "attempts")) == {
        ("sent", 1)
    }
