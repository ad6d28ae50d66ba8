"""Booking, outcomes and moves of appointments, through the services (real database)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from probatio.agenda import rules
from probatio.agenda import services as agenda
from probatio.agenda.models import Appointment
from probatio.audit.models import AuditEntry
from probatio.messaging.models import Message
from probatio.organisation.models import Room
from probatio.people.models import TimelineEvent
from probatio.people.selectors import person_get_for
from tests.factories import SiteFactory, make_measure, make_person


def gate(membership, person):
    """The dossier gate itself: these tests are about who may book and record outcomes."""
    return person_get_for(membership, person.pk)


NOW = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)  # Monday 20 October 2025, 11:00 in Paris


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return rules.at_paris(day, time(hh, mm))


@pytest.fixture
def site(service):
    return SiteFactory(service=service)


@pytest.fixture
def room(site):
    return Room.objects.create(site=site, name="Bureau 3")


@pytest.fixture
def reachable(cpip):
    """A person who accepted SMS and email reminders."""
    return make_person(
        cpip, phone="06 12 34 56 78", sms_consent=True, email="p@example.org", email_consent=True
    )


def book(membership, person, start, end=None, *, staff=None, confirmed=False, now=NOW, **data):
    data.setdefault("kind", "follow_up")
    data.setdefault("place_kind", "site")
    return agenda.appointment_book(
        gated=gate(membership, person),
        data={"starts_at": start, "ends_at": end or start + timedelta(minutes=45), **data},
        staff=staff or [membership.user],
        confirmed=confirmed,
        now=now,
    )


def test_booking_writes_the_appointment_journal_timeline_and_reminders(cpip, reachable, site):
    start = at(date(2025, 10, 27), 9)
    appointment = book(cpip, reachable, start, site=site, kind="first")
    assert appointment.status == "planned"
    assert list(appointment.staff.all()) == [cpip.user]
    assert AuditEntry.objects.filter(
        object_type="agenda.appointment", object_id=appointment.pk, action="create"
    ).exists()
    event = TimelineEvent.objects.get(object_type="agenda.appointment", object_id=appointment.pk)
    assert event.kind == "appointment"
    assert "27/10/2025 à 09:00" in event.title
    reminders = Message.objects.filter(appointment=appointment, purpose="reminder")
    assert sorted((m.channel, m.scheduled_at) for m in reminders) == [
        ("email", datetime(2025, 10, 25, 8, 0, tzinfo=UTC)),
        ("email", datetime(2025, 10, 27, 7, 0, tzinfo=UTC)),
        ("sms", datetime(2025, 10, 25, 8, 0, tzinfo=UTC)),
        ("sms", datetime(2025, 10, 27, 7, 0, tzinfo=UTC)),
    ]
    sms = reminders.filter(channel="sms").first()
    assert sms.recipient == "+33612345678"
    assert "lundi 27 octobre 2025 à 09h00" in sms.body
    assert site.city in sms.body


def test_reminders_follow_the_service_schedule(cpip, reachable, site, service):
    service.reminder_schedule = [{"days_before": 1, "time": "18:00"}]
    service.save()
    appointment = book(cpip, reachable, at(date(2025, 10, 27), 9), site=site)
    times = set(appointment.messages.values_list("scheduled_at", flat=True))
    assert times == {datetime(2025, 10, 26, 17, 0, tzinfo=UTC)}  # 18:00 CET


def test_no_reminder_without_consent(cpip, site):
    person = make_person(cpip, phone="06 12 34 56 78", sms_consent=False)
    appointment = book(cpip, person, at(date(2025, 10, 27), 9), site=site)
    assert not appointment.messages.exists()


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"place_kind": "site"}, "site", "Choisissez l'antenne"),
        ({"place_kind": "prison"}, "establishment", "Choisissez l'établissement"),
        ({"place_kind": "video", "place_detail": "zoom"}, "place_detail", "https://"),
        ({"place_kind": "other", "place_detail": ""}, "place_detail", "adresse du lieu"),
        ({"place_kind": "home"}, "place_kind", "pas d'adresse actuelle"),
        ({"place_kind": "moon"}, "place_kind", "Lieu inconnu"),
    ],
)
def test_an_unknown_or_incomplete_place_is_refused(cpip, person, data, field, text):
    with pytest.raises(ValidationError) as caught:
        book(cpip, person, at(date(2025, 10, 27), 9), **data)
    assert text in " ".join(caught.value.message_dict[field])
    assert not Appointment.objects.exists()


def test_a_site_of_another_service_is_refused(cpip, person, other_service):
    foreign_site = SiteFactory(service=other_service)
    with pytest.raises(ValidationError) as caught:
        book(cpip, person, at(date(2025, 10, 27), 9), site=foreign_site)
    assert "n'appartient pas à votre service" in caught.value.message_dict["site"][0]


def test_times_are_checked(cpip, person, site):
    day = date(2025, 10, 27)
    with pytest.raises(ValidationError) as caught:
        book(cpip, person, at(day, 10), at(day, 9), site=site)
    assert "après son début" in caught.value.message_dict["ends_at"][0]
    with pytest.raises(ValidationError) as caught:
        book(cpip, person, at(date(2025, 10, 13), 10), site=site)
    assert "passé" in caught.value.message_dict["starts_at"][0]
    assert not Appointment.objects.exists()


def test_a_person_of_another_service_is_refused(cpip, other_person, site):
    """Another service's person does not exist for the user: the gate answers 404 before any
    service runs (the service refuses a person that did not come through it)."""
    with pytest.raises(Http404):
        book(cpip, other_person, at(date(2025, 10, 27), 9), site=site)
    assert not Appointment.objects.exists()


def test_staff_must_belong_to_the_service(cpip, person, site, member, other_service):
    outsider = member("cpip", service=other_service)
    with pytest.raises(ValidationError) as caught:
        book(cpip, person, at(date(2025, 10, 27), 9), site=site, staff=[cpip.user, outsider.user])
    assert "appartenir à votre service" in caught.value.message_dict["staff"][0]


def test_double_booking_a_staff_member_warns_then_books_when_confirmed(cpip, person, site):
    day = date(2025, 10, 27)
    book(cpip, person, at(day, 9), site=site)
    other = make_person(cpip)
    with pytest.raises(agenda.NeedsConfirmation) as caught:
        book(cpip, other, at(day, 9, 30), site=site)
    assert any(cpip.user.get_full_name() in w and "09:00" in w for w in caught.value.warnings)
    assert Appointment.objects.count() == 1
    book(cpip, other, at(day, 9, 30), site=site, confirmed=True)
    assert Appointment.objects.count() == 2


def test_back_to_back_appointments_do_not_clash(cpip, person, site):
    day = date(2025, 10, 27)
    book(cpip, person, at(day, 9), at(day, 10), site=site)
    book(cpip, make_person(cpip), at(day, 10), at(day, 11), site=site)  # no warning raised


def test_double_booking_a_room_warns(cpip, member, person, site, room):
    day = date(2025, 10, 27)
    book(cpip, person, at(day, 14), site=site, room=room)
    colleague = member("cpip")
    with pytest.raises(agenda.NeedsConfirmation) as caught:
        book(colleague, make_person(colleague), at(day, 14, 15), site=site, room=room)
    assert caught.value.warnings == ["Bureau 3 est déjà réservé de 27/10/2025 à 14:00 à 14:45."]


def test_a_cancelled_appointment_frees_its_slot(cpip, person, site):
    day = date(2025, 10, 27)
    first = book(cpip, person, at(day, 9), site=site)
    agenda.appointment_set_status(
        gated=gate(cpip, first.person),
        appointment=first,
        status="cancelled",
        reason="Grève",
        now=NOW,
    )
    book(cpip, make_person(cpip), at(day, 9), site=site)


def test_outside_opening_hours_warns(cpip, person, site):
    with pytest.raises(agenda.NeedsConfirmation) as caught:
        book(cpip, person, at(date(2025, 10, 27), 18), site=site)
    assert caught.value.warnings == [
        f"Le rendez-vous est en dehors des horaires d'ouverture de « {site.name} »."
    ]


def test_other_professionals_book_only_in_their_own_agenda(psychologist, cpip, person, site):
    start = at(date(2025, 10, 27), 9)
    with pytest.raises(PermissionDenied):
        book(psychologist, person, start, site=site, staff=[cpip.user])
    own = book(psychologist, person, start, site=site)
    assert list(own.staff.all()) == [psychologist.user]


def test_a_cpip_books_for_a_colleague_only_for_their_own_caseload(cpip, member, site):
    colleague = member("cpip")
    mine = make_person(cpip)
    theirs = make_person(colleague)
    start = at(date(2025, 10, 27), 9)
    book(cpip, mine, start, site=site, staff=[colleague.user])  # my caseload: allowed
    with pytest.raises(PermissionDenied):
        book(cpip, theirs, start + timedelta(hours=2), site=site, staff=[colleague.user])
    book(cpip, theirs, start + timedelta(hours=5), site=site)  # my own agenda: allowed


# --- Outcomes. ---


@pytest.fixture
def held(cpip, reachable, site):
    """An appointment booked a week before and held on Monday 20 October 2025 at 09:00."""
    return book(
        cpip,
        reachable,
        at(date(2025, 10, 20), 9),
        site=site,
        now=NOW - timedelta(days=7),
        measure=make_measure(cpip, reachable),
    )


def test_recording_honoured(cpip, held):
    result = agenda.appointment_set_status(
        gated=gate(cpip, held.person), appointment=held, status="honoured", now=NOW
    )
    held.refresh_from_db()
    assert held.status == "honoured"
    assert held.status_changed_by == cpip.user
    assert not result.propose_incident
    assert TimelineEvent.objects.filter(
        object_id=held.pk, title__startswith="Rendez-vous honoré"
    ).exists()


def test_an_outcome_cannot_be_recorded_in_advance(cpip, reachable, site):
    future = book(cpip, reachable, at(date(2025, 10, 27), 9), site=site)
    with pytest.raises(ValidationError) as caught:
        agenda.appointment_set_status(
            gated=gate(cpip, future.person), appointment=future, status="honoured", now=NOW
        )
    assert "pas encore eu lieu" in caught.value.message_dict["status"][0]


def test_excused_needs_a_reason(cpip, held):
    with pytest.raises(ValidationError) as caught:
        agenda.appointment_set_status(
            gated=gate(cpip, held.person), appointment=held, status="excused", now=NOW
        )
    assert caught.value.message_dict["status_reason"] == ["Indiquez le motif."]
    held.refresh_from_db()
    assert held.status == "planned"


def test_no_shows_write_the_timeline_and_propose_an_incident_at_the_threshold(
    cpip, held, site, service
):
    service.no_show_threshold = 2
    service.save()
    first = agenda.appointment_set_status(
        gated=gate(cpip, held.person), appointment=held, status="no_show", now=NOW
    )
    assert first.no_shows_on_measure == 1 and not first.propose_incident
    assert TimelineEvent.objects.filter(
        object_id=held.pk, title__startswith="Absence non excusée"
    ).exists()
    again = book(
        cpip,
        held.person,
        at(date(2025, 10, 20), 14),
        site=site,
        measure=held.measure,
        now=NOW - timedelta(days=7),
    )
    second = agenda.appointment_set_status(
        gated=gate(cpip, again.person),
        appointment=again,
        status="no_show",
        now=NOW + timedelta(hours=6),
    )
    assert second.no_shows_on_measure == 2
    assert second.propose_incident


def test_cancelling_cancels_reminders_and_tells_the_person(cpip, reachable, site):
    appointment = book(cpip, reachable, at(date(2025, 10, 27), 9), site=site)
    agenda.appointment_set_status(
        gated=gate(cpip, appointment.person),
        appointment=appointment,
        status="cancelled",
        reason="Grève",
        now=NOW,
    )
    reminders = appointment.messages.filter(purpose="reminder")
    assert set(reminders.values_list("status", flat=True)) == {"cancelled"}
    notices = appointment.messages.filter(purpose="cancelled")
    assert sorted(notices.values_list("channel", flat=True)) == ["email", "sms"]
    assert all("annulé" in m.body and "09h00" in m.body for m in notices)


def test_excusing_cancels_pending_reminders(cpip, reachable, site):
    appointment = book(cpip, reachable, at(date(2025, 10, 27), 9), site=site)
    agenda.appointment_set_status(
        gated=gate(cpip, appointment.person),
        appointment=appointment,
        status="excused",
        reason="Hospitalisation",
        now=NOW,
    )
    assert not appointment.messages.filter(status="pending").exists()


def test_a_colleague_outside_the_appointment_may_not_record_its_outcome(member, held):
    colleague = member("cpip")
    with pytest.raises(PermissionDenied):
        agenda.appointment_set_status(
            gated=gate(colleague, held.person), appointment=held, status="honoured", now=NOW
        )


def test_secretariat_records_outcomes_for_the_service(secretariat, held):
    agenda.appointment_set_status(
        gated=gate(secretariat, held.person), appointment=held, status="honoured", now=NOW
    )


# --- Moving. ---


def test_moving_postpones_the_old_one_and_books_a_new_one(cpip, reachable, site):
    old = book(cpip, reachable, at(date(2025, 10, 27), 9), site=site)
    # The person was told of it (a reminder went): the move is announced.
    first_reminder = old.messages.filter(channel="sms").earliest("scheduled_at")
    Message.objects.filter(pk=first_reminder.pk).update(status="sent")
    new = agenda.appointment_move(
        gated=gate(cpip, old.person),
        appointment=old,
        starts_at=at(date(2025, 10, 29), 10),
        ends_at=at(date(2025, 10, 29), 10, 45),
        reason="Demande de la personne",
        now=NOW,
    )
    old.refresh_from_db()
    assert old.status == "postponed" and old.status_reason == "Demande de la personne"
    assert new.replaces == old and new.status == "planned"
    assert new.sequence == old.sequence + 1
    assert list(new.staff.all()) == [cpip.user]
    assert set(old.messages.values_list("status", flat=True)) == {"cancelled", "sent"}
    moved = new.messages.filter(purpose="moved")
    assert moved.count() == 2
    assert all("mercredi 29 octobre 2025 à 10h00" in m.body for m in moved)
    assert new.messages.filter(purpose="reminder", status="pending").count() == 4


def test_moving_into_its_own_slot_does_not_warn_about_itself(cpip, reachable, site):
    old = book(cpip, reachable, at(date(2025, 10, 27), 9), site=site)
    agenda.appointment_move(
        gated=gate(cpip, old.person),
        appointment=old,
        starts_at=at(date(2025, 10, 27), 9, 15),
        ends_at=at(date(2025, 10, 27), 10),
        reason="Retard annoncé",
        now=NOW,
    )


def test_only_a_planned_appointment_can_be_moved(cpip, held):
    agenda.appointment_set_status(
        gated=gate(cpip, held.person), appointment=held, status="honoured", now=NOW
    )
    with pytest.raises(ValidationError):
        agenda.appointment_move(
            gated=gate(cpip, held.person),
            appointment=held,
            starts_at=at(date(2025, 10, 29), 10),
            ends_at=at(date(2025, 10, 29), 11),
            reason="x",
            now=NOW,
        )
