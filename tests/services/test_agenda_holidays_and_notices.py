"""A real week of the agenda: appointments on public holidays, open days proposed, notices
within the service's sending hours, no « moved » notice about an appointment the person was
never told of, the live appointments to come, interviews held without an appointment, and the
calendar files (through the services, real database)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from probatio.agenda import calendar, rules, selectors
from probatio.agenda import services as agenda
from probatio.agenda.forms import MoveForm
from probatio.agenda.models import Appointment, Summons
from probatio.audit.models import AuditEntry
from probatio.messaging.models import Message
from probatio.notes.models import InterviewNote
from probatio.people.models import TimelineEvent
from probatio.people.selectors import person_get_for
from tests.factories import SiteFactory, make_person

NOW = datetime(2025, 12, 15, 10, 0, tzinfo=UTC)  # Monday 15 December 2025, 11:00 in Paris


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return rules.at_paris(day, time(hh, mm))


def gate(membership, person):
    return person_get_for(membership, person.pk)


@pytest.fixture
def site(service):
    return SiteFactory(service=service)


@pytest.fixture
def reachable(cpip):
    return make_person(
        cpip, phone="06 12 34 56 78", sms_consent=True, email="p@example.org", email_consent=True
    )


def book(membership, person, start, *, confirmed=False, now=NOW, **data):
    data.setdefault("kind", "follow_up")
    data.setdefault("place_kind", "site")
    return agenda.appointment_book(
        gated=gate(membership, person),
        data={"starts_at": start, "ends_at": start + timedelta(minutes=45), **data},
        staff=[membership.user],
        confirmed=confirmed,
        now=now,
    )


def move(membership, appointment, start, *, now=NOW, confirmed=False):
    return agenda.appointment_move(
        gated=gate(membership, appointment.person),
        appointment=appointment,
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
        reason="Demande de la personne",
        confirmed=confirmed,
        now=now,
    )


# --- Public holidays: a warning, not a refusal. ---


def test_booking_on_christmas_day_warns_and_books_once_confirmed(cpip, reachable, site):
    christmas = at(date(2025, 12, 25), 10)
    with pytest.raises(agenda.NeedsConfirmation) as caught:
        book(cpip, reachable, christmas, site=site)
    assert caught.value.warnings[0].startswith("Le 25/12/2025 est un jour férié (Noël)")
    assert not Appointment.objects.exists() and not Message.objects.exists()
    appointment = book(cpip, reachable, christmas, site=site, confirmed=True)
    assert appointment.status == "planned"
    event = TimelineEvent.objects.get(object_type="agenda.appointment", object_id=appointment.pk)
    assert "jour férié (Noël)" in event.detail  # the accepted warning is kept


def test_a_holiday_away_from_a_site_warns_too(cpip, reachable):
    with pytest.raises(agenda.NeedsConfirmation) as caught:
        book(
            cpip,
            reachable,
            at(date(2026, 1, 1), 10),
            place_kind="video",
            place_detail="https://visio.example.org/abc",
        )
    assert caught.value.warnings == [rules.holiday_warning(at(date(2026, 1, 1), 10))]


def test_alsace_moselle_services_are_warned_on_their_own_holidays(cpip, reachable, site, service):
    st_stephen = at(date(2025, 12, 26), 10)
    book(cpip, reachable, st_stephen, site=site)  # an ordinary Friday elsewhere
    service.alsace_moselle = True
    service.save()
    with pytest.raises(agenda.NeedsConfirmation) as caught:
        book(cpip, make_person(cpip), st_stephen + timedelta(hours=3), site=site)
    assert "(Saint-Étienne)" in caught.value.warnings[0]


def test_moving_onto_a_holiday_warns(cpip, reachable, site):
    old = book(cpip, reachable, at(date(2025, 12, 22), 10), site=site)
    with pytest.raises(agenda.NeedsConfirmation) as caught:
        move(cpip, old, at(date(2026, 1, 1), 10))
    assert any("(Jour de l'an)" in w for w in caught.value.warnings)
    old.refresh_from_db()
    assert old.status == "planned"


def test_the_move_form_proposes_an_open_day(cpip, reachable, site):
    """The form proposes a week later, or the next day the site opens: a week after Thursday
    18 December is Christmas Day (Friday 26 proposed), a week after Friday 19 an ordinary
    Friday, a week after the 25th New Year's Day (Friday 2 January proposed)."""
    for booked, proposed in (
        (date(2025, 12, 18), date(2025, 12, 26)),
        (date(2025, 12, 19), date(2025, 12, 26)),
    ):
        appointment = book(cpip, make_person(cpip), at(booked, 10), site=site)
        appointment = selectors.appointment_get_for(cpip, appointment.pk).appointment
        assert MoveForm(appointment=appointment).initial["day"] == proposed
    christmas = book(cpip, reachable, at(date(2025, 12, 25), 10), site=site, confirmed=True)
    christmas = selectors.appointment_get_for(cpip, christmas.pk).appointment
    assert MoveForm(appointment=christmas).initial["day"] == date(2026, 1, 2)


# --- Notices within the service's sending hours. ---


def test_a_cancellation_late_in_the_evening_waits_for_the_morning(cpip, reachable, site):
    appointment = book(cpip, reachable, at(date(2025, 12, 17), 14), site=site)
    evening = at(date(2025, 12, 15), 22, 30)
    agenda.appointment_set_status(
        gated=gate(cpip, reachable),
        appointment=appointment,
        status="cancelled",
        reason="Absence du CPIP",
        now=evening,
    )
    notices = appointment.messages.filter(purpose="cancelled")
    assert notices.count() == 2
    assert {m.scheduled_at for m in notices} == {at(date(2025, 12, 16), 8)}
    assert {m.next_attempt_at for m in notices} == {at(date(2025, 12, 16), 8)}


def test_a_notice_goes_at_once_when_the_appointment_comes_before_the_wait_ends(
    cpip, reachable, site, service
):
    service.notice_from = time(9, 0)
    service.save()
    appointment = book(cpip, reachable, at(date(2025, 12, 16), 8, 30), site=site, confirmed=True)
    evening = at(date(2025, 12, 15), 22, 30)
    agenda.appointment_set_status(
        gated=gate(cpip, reachable),
        appointment=appointment,
        status="cancelled",
        reason="Absence du CPIP",
        now=evening,
    )
    assert set(
        appointment.messages.filter(purpose="cancelled").values_list("scheduled_at", flat=True)
    ) == {evening}


def test_saturday_evening_s_notice_waits_for_monday_and_sundays_can_be_allowed(
    cpip, reachable, site, service
):
    appointment = book(cpip, reachable, at(date(2025, 12, 23), 10), site=site)
    saturday = at(date(2025, 12, 20), 21)
    agenda.appointment_set_status(
        gated=gate(cpip, reachable),
        appointment=appointment,
        status="cancelled",
        reason="Fermeture",
        now=saturday,
    )
    assert set(
        appointment.messages.filter(purpose="cancelled").values_list("scheduled_at", flat=True)
    ) == {at(date(2025, 12, 22), 8)}
    service.notice_days = [1, 2, 3, 4, 5, 6, 7]
    service.save()
    other = book(
        cpip,
        make_person(cpip, phone="0611223344", sms_consent=True),
        at(date(2025, 12, 23), 11),
        site=site,
    )
    agenda.appointment_set_status(
        gated=gate(cpip, other.person),
        appointment=other,
        status="cancelled",
        reason="Fermeture",
        now=saturday,
    )
    assert set(
        other.messages.filter(purpose="cancelled").values_list("scheduled_at", flat=True)
    ) == {at(date(2025, 12, 21), 8)}


def test_a_notice_is_not_sent_on_christmas_day_unless_the_service_says_so(
    cpip, reachable, site, service
):
    appointment = book(cpip, reachable, at(date(2025, 12, 29), 10), site=site)
    christmas_noon = at(date(2025, 12, 25), 12)
    agenda.appointment_set_status(
        gated=gate(cpip, reachable),
        appointment=appointment,
        status="cancelled",
        reason="Fermeture",
        now=christmas_noon,
    )
    assert set(
        appointment.messages.filter(purpose="cancelled").values_list("scheduled_at", flat=True)
    ) == {at(date(2025, 12, 26), 8)}
    service.notice_on_holidays = True
    service.save()
    other = book(
        cpip,
        make_person(cpip, phone="0611223344", sms_consent=True),
        at(date(2025, 12, 29), 11),
        site=site,
    )
    agenda.appointment_set_status(
        gated=gate(cpip, other.person),
        appointment=other,
        status="cancelled",
        reason="Fermeture",
        now=christmas_noon,
    )
    assert set(
        other.messages.filter(purpose="cancelled").values_list("scheduled_at", flat=True)
    ) == {christmas_noon}


# --- No « moved » notice about an appointment the person knows nothing of. ---


def test_moving_an_appointment_the_person_was_never_told_of_sends_no_moved_notice(
    cpip, reachable, site
):
    old = book(cpip, reachable, at(date(2025, 12, 22), 10), site=site)
    new = move(cpip, old, at(date(2025, 12, 23), 10))
    assert not new.messages.filter(purpose="moved").exists()
    # The new appointment's own reminders tell the person.
    assert new.messages.filter(purpose="reminder", status="pending").count() == 4


def test_moving_after_a_reminder_was_sent_tells_the_person(cpip, reachable, site):
    old = book(cpip, reachable, at(date(2025, 12, 17), 10), site=site, now=NOW - timedelta(days=5))
    old.messages.filter(scheduled_at__lt=NOW, channel="sms").update(status="delivered")
    new = move(cpip, old, at(date(2025, 12, 18), 10))
    assert new.messages.filter(purpose="moved").count() == 2


def test_moving_after_a_summons_was_sent_tells_the_person(cpip, reachable, site):
    old = book(cpip, reachable, at(date(2025, 12, 22), 10), site=site)
    Summons.objects.create(
        appointment=old,
        person=reachable,
        file="convocations/x.pdf",
        sha256="0" * 64,
        size=1,
        sent_on=date(2025, 12, 15),
        sent_by="post",
        created_by=cpip.user,
    )
    new = move(cpip, old, at(date(2025, 12, 23), 10))
    assert new.messages.filter(purpose="moved").count() == 2


def test_a_second_move_tells_the_person_who_knew_of_the_first_appointment(cpip, reachable, site):
    first = book(
        cpip, reachable, at(date(2025, 12, 17), 10), site=site, now=NOW - timedelta(days=5)
    )
    first.messages.filter(scheduled_at__lt=NOW).update(status="sent")
    second = move(cpip, first, at(date(2025, 12, 22), 10))
    second.messages.filter(purpose="moved").update(status="cancelled")  # never went out
    third = move(cpip, second, at(date(2025, 12, 23), 10))
    assert third.messages.filter(purpose="moved").count() == 2


# --- The live appointments to come. ---


def test_appointments_to_come_are_only_the_live_ones(cpip, reachable, site):
    kept = book(cpip, reachable, at(date(2025, 12, 17), 10), site=site)
    cancelled = book(cpip, reachable, at(date(2025, 12, 18), 10), site=site)
    agenda.appointment_set_status(
        gated=gate(cpip, reachable),
        appointment=cancelled,
        status="cancelled",
        reason="Grève",
        now=NOW,
    )
    moved_from = book(cpip, reachable, at(date(2025, 12, 19), 10), site=site)
    moved_to = move(cpip, moved_from, at(date(2025, 12, 22), 10))
    upcoming = list(selectors.upcoming_appointments_of(reachable, now=NOW))
    assert upcoming == [kept, moved_to]
    past = set(selectors.past_appointments_of(reachable, now=NOW))
    assert past == {cancelled, moved_from}  # kept in the history
    counts = selectors.appointments_tab_counts(reachable, now=NOW)
    assert (counts.upcoming, counts.past) == (2, 2)


# --- Interviews held without an appointment. ---


NOTE = {
    "subject": "Venue spontanée",
    "body": "Est venu sans rendez-vous : point sur l'emploi.",
    "confidential": False,
}


def unplanned(membership, person, start, *, now=NOW, note=None, **data):
    data.setdefault("kind", "follow_up")
    data.setdefault("place_kind", "site")
    return agenda.appointment_record_unplanned(
        gated=gate(membership, person),
        data={"starts_at": start, "ends_at": start + timedelta(minutes=30), **data},
        note=note or NOTE,
        now=now,
    )


def test_an_unplanned_interview_is_recorded_as_held_with_its_note(cpip, reachable, site):
    start = at(date(2025, 12, 12), 15)  # last Friday
    appointment = unplanned(cpip, reachable, start, site=site)
    appointment.refresh_from_db()
    assert appointment.status == "honoured"
    assert list(appointment.staff.all()) == [cpip.user]
    note = appointment.note
    assert (note.interview_date, note.subject, note.author) == (
        date(2025, 12, 12),
        "Venue spontanée",
        cpip.user,
    )
    assert not appointment.messages.exists()  # no reminder, no notice
    line = TimelineEvent.objects.get(object_type="agenda.appointment", object_id=appointment.pk)
    assert line.title == "Entretien non planifié : entretien de suivi le 12/12/2025 à 15:00"
    assert line.occurred_at == start
    assert AuditEntry.objects.filter(
        object_type="agenda.appointment", object_id=appointment.pk, action="create"
    ).exists()
    assert TimelineEvent.objects.filter(kind="note").count() == 1
    # Listed with the past appointments of the tab.
    assert list(selectors.past_appointments_of(reachable, now=NOW)) == [appointment]


def test_an_unplanned_interview_in_the_future_is_refused_and_nothing_is_saved(
    cpip, reachable, site
):
    before = (AuditEntry.objects.count(), TimelineEvent.objects.count())
    with pytest.raises(ValidationError) as caught:
        unplanned(cpip, reachable, at(date(2025, 12, 16), 10), site=site)
    assert "ne peuvent pas être dans le futur" in caught.value.message_dict["day"][0]
    assert not Appointment.objects.exists() and not InterviewNote.objects.exists()
    assert (AuditEntry.objects.count(), TimelineEvent.objects.count()) == before


def test_an_unplanned_interview_with_a_bad_note_saves_nothing(cpip, reachable, site):
    with pytest.raises(ValidationError):
        unplanned(cpip, reachable, at(date(2025, 12, 12), 15), site=site, note={**NOTE, "body": ""})
    assert not Appointment.objects.exists() and not InterviewNote.objects.exists()


def test_who_may_not_write_notes_may_not_record_an_unplanned_interview(
    secretariat, reachable, site
):
    with pytest.raises(PermissionDenied):
        unplanned(secretariat, reachable, at(date(2025, 12, 12), 15), site=site)
    assert not Appointment.objects.exists()


def test_a_cpip_records_an_unplanned_interview_only_for_their_caseload_or_their_agenda(
    member, reachable, site
):
    colleague = member("cpip")  # not the person's CPIP: writes no note on them
    with pytest.raises(PermissionDenied):
        unplanned(colleague, reachable, at(date(2025, 12, 12), 15), site=site)
    assert not Appointment.objects.exists()


# --- Calendar files. ---


def test_both_calendar_files_carry_initials_and_a_missed_appointment_is_not_confirmed(cpip, site):
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    held = book(cpip, person, at(date(2025, 12, 12), 10), site=site, now=NOW - timedelta(days=7))
    agenda.appointment_set_status(
        gated=gate(cpip, person), appointment=held, status="no_show", now=NOW
    )
    held.refresh_from_db()
    body = calendar.to_ics([held], name="Rendez-vous").decode()
    assert "Ménard" not in body and "É. M." in body
    assert "STATUS:CANCELLED" in body and "STATUS:CONFIRMED" not in body
    assert "SUMMARY:Absence non excusée : Entretien de suivi" in body
    coming = book(cpip, person, at(date(2025, 12, 17), 10), site=site)
    body = calendar.to_ics([coming], name="Rendez-vous").decode()
    assert "STATUS:CONFIRMED" in body and "SUMMARY:Entretien de suivi" in body
