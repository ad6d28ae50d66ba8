"""Reminders of group sessions: a participant gets the same reminders as for an appointment
(the service's times, the channels they agreed to), planned once per session and participant
when they are enrolled, never to a person held in a cell, sent once; leaving the group cancels
them, a moved session replans them (with a notice to whoever already heard of the old time)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail

from probatio.messaging import sending
from probatio.messaging.models import Message
from probatio.organisation.models import Room
from probatio.people import services as people
from probatio.programmes import rules
from probatio.programmes import services as programmes
from probatio.programmes.models import Enrolment, GroupSession
from tests.factories import (
    EstablishmentFactory,
    SiteFactory,
    gate,
    make_enrolled,
    make_group,
    make_person,
    make_programme,
)

pytestmark = pytest.mark.django_db

# Wednesday 1 October 2025; the group meets on Tuesdays at 14:00 from 7 October (4 sessions).
NOW = datetime(2025, 10, 1, 8, 0, tzinfo=UTC)
FIRST = date(2025, 10, 7)
# The first session's reminders: 10:00 two days before (Sunday 5) and 08:00 on the day (Paris).
FIRST_REMINDER = datetime(2025, 10, 5, 8, 0, tzinfo=UTC)
DAY_REMINDER = datetime(2025, 10, 7, 6, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def sms_files(settings, tmp_path):
    settings.SMS_BACKEND = "probatio.messaging.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return tmp_path / "sms"


@pytest.fixture
def site(service):
    return SiteFactory(
        service=service, name="Antenne du Centre", address="3 rue Haute", city="Amiens"
    )


@pytest.fixture
def group(manager, cpip, site):
    room = Room.objects.create(site=site, name="Salle 2")
    programme = make_programme(manager, name="Programme violences conjugales", session_count=4)
    return make_group(manager, programme, room=room, start_date=FIRST, facilitators=[cpip.user])


@pytest.fixture
def person(cpip):
    return make_person(
        cpip, phone="06 12 34 56 78", sms_consent=True, email="p@example.org", email_consent=True
    )


def commit(cpip, person, day):
    return people.custody_open(
        gated=gate(cpip, person),
        establishment_id=EstablishmentFactory(service=person.service).pk,
        committal_number=f"{person.pk:06d}",
        committal_date=day,
        today=day,
    )


def first_session(group) -> GroupSession:
    return group.sessions.get(number=1)


def test_an_enrolled_participant_gets_the_reminders_of_every_session(cpip, group, person):
    enrolment = make_enrolled(cpip, person, group)
    messages = Message.objects.filter(person=person)
    # 4 sessions × 2 times (the service's schedule) × 2 channels (SMS and email).
    assert messages.count() == 16
    assert set(messages.values_list("purpose", flat=True)) == {"reminder"}
    assert messages.filter(appointment__isnull=True, group_session__isnull=False).count() == 16
    first = messages.filter(group_session=first_session(group)).order_by("scheduled_at")
    assert [m.scheduled_at for m in first if m.channel == "sms"] == [FIRST_REMINDER, DAY_REMINDER]
    sms = first.filter(channel="sms").first()
    # The date, the time and the place; never the programme's name (it may tell the offence).
    assert "séance collective le mardi 7 octobre 2025 à 14h00" in sms.body
    assert "SPIP, Antenne du Centre, Salle 2" in sms.body and "Amiens" in sms.body
    assert "violences" not in sms.body.lower() and "violences" not in sms.subject.lower()
    # Planning again creates nothing more (one message per session, person, channel, time).
    assert programmes._plan_reminders(enrolment) == 0
    assert messages.count() == 16


def test_no_consent_no_reminder(cpip, group):
    person = make_person(cpip, phone="06 12 34 56 78", sms_consent=False)
    make_enrolled(cpip, person, group)
    assert not Message.objects.filter(person=person).exists()


def test_the_waiting_list_gets_no_reminder(cpip, group, person):
    gated = gate(cpip, person)
    enrolment = programmes.enrolment_propose(gated=gated, programme=group.programme)
    programmes.enrolment_move(gated=gated, enrolment=enrolment, status="suitable")
    programmes.enrolment_move(gated=gated, enrolment=enrolment, status="waiting", group=group)
    assert not Message.objects.filter(person=person).exists()


def test_nothing_is_planned_for_a_person_held_in_a_cell(cpip, group, person):
    commit(cpip, person, date(2025, 9, 30))
    make_enrolled(cpip, person, group)
    assert not Message.objects.filter(person=person).exists()


def test_a_reminder_planned_before_a_committal_does_not_reach_the_cell(
    cpip, group, person, sms_files
):
    make_enrolled(cpip, person, group)
    commit(cpip, person, date(2025, 10, 2))
    assert sending.send_due_everywhere(now=FIRST_REMINDER) == {"cancelled": 2}
    assert not sms_files.exists() and mail.outbox == []
    for message in Message.objects.filter(person=person, scheduled_at=FIRST_REMINDER):
        assert message.status == Message.Status.CANCELLED
        assert message.last_error == sending.HELD_IN_CELL


def test_a_reminder_is_sent_once(cpip, group, person, sms_files):
    make_enrolled(cpip, person, group)
    assert sending.send_due_everywhere(now=FIRST_REMINDER) == {"sent": 2}
    assert sending.send_due_everywhere(now=FIRST_REMINDER + timedelta(minutes=5)) == {}
    assert len(mail.outbox) == 1 and len(list(sms_files.iterdir())) == 1
    assert "séance collective" in mail.outbox[0].subject


def test_leaving_the_group_cancels_the_reminders_to_come(cpip, group, person):
    enrolment = make_enrolled(cpip, person, group)
    other = make_person(cpip, phone="06 98 76 54 32", sms_consent=True)
    make_enrolled(cpip, other, group)
    programmes.enrolment_move(
        gated=gate(cpip, person), enrolment=enrolment, status="withdrawn", reason="Déménagement"
    )
    mine = Message.objects.filter(person=person)
    assert set(mine.values_list("status", flat=True)) == {"cancelled"}
    assert set(Message.objects.filter(person=other).values_list("status", flat=True)) == {"pending"}


def test_a_reminder_to_someone_no_longer_enrolled_is_not_sent(cpip, group, person, sms_files):
    make_enrolled(cpip, person, group)
    # Changed behind the services' back (a message already claimed, say): the send checks.
    Enrolment.objects.filter(person=person).update(status="excluded")
    assert sending.send_due_everywhere(now=FIRST_REMINDER) == {"cancelled": 2}
    message = Message.objects.filter(person=person, scheduled_at=FIRST_REMINDER).first()
    assert message.last_error == sending.NOT_ENROLLED
    assert not sms_files.exists()


def test_a_cancelled_session_sends_no_reminder(cpip, group, person):
    make_enrolled(cpip, person, group)
    GroupSession.objects.filter(pk=first_session(group).pk).update(cancelled=True)
    assert sending.send_due_everywhere(now=FIRST_REMINDER) == {"cancelled": 2}
    message = Message.objects.filter(person=person, scheduled_at=FIRST_REMINDER).first()
    assert message.last_error == sending.SESSION_CANCELLED


def test_a_moved_session_replans_its_reminders_and_tells_who_heard_of_it(
    cpip, manager, group, person
):
    make_enrolled(cpip, person, group)
    quiet = make_person(cpip, phone="06 98 76 54 32", sms_consent=True)
    make_enrolled(cpip, quiet, group)
    # The person's first reminder went; the other participant withdrew their consent meanwhile,
    # then gave it again: nothing reached them.
    session = first_session(group)
    Message.objects.filter(
        person=person, group_session=session, scheduled_at=FIRST_REMINDER
    ).update(status="sent")
    new_start = rules.at_paris(date(2025, 10, 9), time(10, 0))
    with time_machine.travel(datetime(2025, 10, 6, 8, 0, tzinfo=UTC), tick=False):
        programmes.session_reschedule(membership=manager, session=session, starts_at=new_start)
    of_session = Message.objects.filter(group_session=session)
    # The old time's reminders not sent are cancelled.
    assert of_session.filter(scheduled_at=DAY_REMINDER, status="pending").count() == 0
    # New reminders at the new time, for both.
    new_day = datetime(2025, 10, 9, 6, 0, tzinfo=UTC)  # 08:00 Paris on the new day
    assert of_session.filter(person=person, scheduled_at=new_day, status="pending").count() == 2
    assert of_session.filter(person=quiet, scheduled_at=new_day, status="pending").count() == 1
    # The notice of the new time: only to the person who had heard of the old one.
    moved = of_session.filter(purpose="moved")
    assert set(moved.values_list("person_id", flat=True)) == {person.pk}
    assert "déplacée au jeudi 9 octobre 2025 à 10h00" in moved.first().body


def test_a_failed_reminder_of_a_session_to_come_is_an_alert_of_the_echeancier(
    cpip, group, person, service
):
    from probatio.core.deadlines import Query, collect
    from probatio.people.models import Person

    make_enrolled(cpip, person, group)
    Message.objects.filter(person=person, scheduled_at=FIRST_REMINDER, channel="sms").update(
        status="failed", attempts=6
    )
    today = NOW.date()
    query = Query(
        persons=Person.objects.filter(service=service),
        today=today,
        until=today + timedelta(days=30),
        service_id=service.pk,
    )
    (item,) = collect(query, ["message"])
    assert item.label == (
        "Message non remis (rappel de séance collective par SMS de la séance collective du "
        "07/10/2025 à 14:00) : prévenir la personne"
    )
    assert item.url == f"/personnes/{person.pk}/rendez-vous/"
    # Once the session has passed, it goes.
    with time_machine.travel(datetime(2025, 10, 8, 8, 0, tzinfo=UTC), tick=False):
        assert collect(query, ["message"]) == []
