"""Programmes and group work: the catalogue, groups and their sessions, referrals and
enrolments, attendance. Each refusal writes nothing."""

from datetime import date, datetime, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from probatio.audit.models import AuditEntry
from probatio.organisation.models import ClosedDay, Room
from probatio.people.models import TimelineEvent
from probatio.people.selectors import person_get_for
from probatio.programmes import rules
from probatio.programmes import services as programmes
from probatio.programmes.models import (
    Attendance,
    AttendanceNote,
    Enrolment,
    EnrolmentStep,
    GroupSession,
    Programme,
    ProgrammeGroup,
)
from tests.factories import (
    SiteFactory,
    make_enrolled,
    make_group,
    make_person,
    make_programme,
)

pytestmark = pytest.mark.django_db

TUESDAY_2PM = [{"weekday": 1, "start": "14:00", "minutes": 120}]


def written():
    return (
        AuditEntry.objects.count(),
        TimelineEvent.objects.count(),
        Programme.objects.count(),
        ProgrammeGroup.objects.count(),
        GroupSession.objects.count(),
        Enrolment.objects.count(),
        EnrolmentStep.objects.count(),
        Attendance.objects.count(),
        AttendanceNote.objects.count(),
    )


def paris(day: date, hour: int = 14) -> datetime:
    return rules.at_paris(day, time(hour, 0))


@pytest.fixture
def room(service):
    site = SiteFactory(service=service)
    return Room.objects.create(site=site, name="Salle de groupe")


@pytest.fixture
def programme(manager):
    return make_programme(manager)


def days_of(group):
    return [s.starts_at.astimezone(rules.PARIS).date() for s in group.sessions.order_by("number")]


# --- The catalogue ----------------------------------------------------------------------------


def test_a_manager_keeps_the_catalogue(manager):
    programme = make_programme(manager, name="Stage de citoyenneté", session_count=2)
    assert programme.service_id == manager.service_id
    programmes.programme_save(membership=manager, programme=programme, data={"is_active": False})
    programme.refresh_from_db()
    assert not programme.is_active
    assert AuditEntry.objects.filter(object_type__icontains="programme").count() >= 1


def test_the_catalogue_is_refused_to_other_roles_and_checks_its_values(cpip, monitoring, manager):
    before = written()
    for member in (cpip, monitoring):
        with pytest.raises(PermissionDenied):
            make_programme(member)
    with pytest.raises(ValidationError) as error:
        make_programme(manager, session_count=0)
    assert "au moins une séance" in str(error.value)
    make_programme(manager)
    with pytest.raises(ValidationError) as error:
        make_programme(manager)
    assert "existe déjà" in str(error.value)
    assert Programme.objects.count() == before[2] + 1


# --- Groups and sessions ----------------------------------------------------------------------


def test_a_group_gets_its_sessions_skipping_holidays_and_closed_days(manager, programme, room):
    ClosedDay.objects.create(
        service=manager.service,
        site=room.site,
        start_date=date(2027, 1, 8),
        end_date=date(2027, 1, 8),
        reason="Pont",
    )
    fridays = [{"weekday": 4, "start": "09:30", "minutes": 90}]
    group = make_group(
        manager,
        programme,
        room=room,
        start_date=date(2026, 12, 18),
        slots=fridays,
        facilitators=[manager.user],
        external_facilitators="Alex Martin (association Horizon)",
    )
    # 25/12 and 1/1: public holidays; 8/1: the site is closed.
    assert days_of(group) == [
        date(2026, 12, 18),
        date(2027, 1, 15),
        date(2027, 1, 22),
        date(2027, 1, 29),
    ]
    first = group.sessions.order_by("number").first()
    assert first.starts_at.astimezone(rules.PARIS).time() == time(9, 30)
    assert (first.ends_at - first.starts_at).total_seconds() == 90 * 60
    assert list(group.facilitators.all()) == [manager.user]


def test_a_group_in_a_room_already_booked_is_refused_whole(manager, programme, room):
    make_group(manager, programme, room=room, start_date=date(2027, 1, 5))
    other = make_programme(manager, name="Stage de sensibilisation")
    before = written()
    with pytest.raises(ValidationError) as error:
        make_group(manager, other, room=room, start_date=date(2027, 1, 12))
    assert "Salle de groupe est déjà réservée" in error.value.message_dict["room"][0]
    assert written() == before


def test_a_group_with_bad_slots_or_capacity_is_refused(manager, programme, room, cpip):
    before = written()
    with pytest.raises(ValidationError) as error:
        make_group(manager, programme, room=room, start_date=date(2027, 1, 5), slots=[])
    assert "slots" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_group(manager, programme, room=room, start_date=date(2027, 1, 5), capacity=0)
    assert "au moins une place" in str(error.value)
    with pytest.raises(PermissionDenied):
        make_group(cpip, programme, room=room, start_date=date(2027, 1, 5))
    assert written() == before


def test_a_session_is_rescheduled_alone(manager, programme, room):
    group = make_group(manager, programme, room=room, start_date=date(2027, 5, 4))
    session = group.sessions.get(number=1)
    programmes.session_reschedule(
        membership=manager,
        session=session,
        starts_at=paris(date(2027, 5, 5), 10),
        now=paris(date(2027, 4, 1)),
    )
    session.refresh_from_db()
    assert session.rescheduled_from == paris(date(2027, 5, 4))
    assert days_of(group) == [
        date(2027, 5, 5),
        date(2027, 5, 11),
        date(2027, 5, 18),
        date(2027, 5, 25),
    ]


def test_a_session_on_a_holiday_or_in_a_booked_room_is_refused(manager, programme, room):
    group = make_group(manager, programme, room=room, start_date=date(2027, 5, 4))
    # Wednesdays in the same room, from 5/5.
    other = make_programme(manager, name="Stage de citoyenneté")
    make_group(
        manager,
        other,
        room=room,
        start_date=date(2027, 5, 5),
        slots=[{"weekday": 2, "start": "14:00", "minutes": 120}],
    )
    session = group.sessions.get(number=1)
    before = written()
    with pytest.raises(ValidationError) as error:  # Ascension Day
        programmes.session_reschedule(
            membership=manager,
            session=session,
            starts_at=paris(date(2027, 5, 6)),
            now=paris(date(2027, 4, 1)),
        )
    assert "jour férié" in error.value.message_dict["starts_at"][0]
    with pytest.raises(ValidationError) as error:
        programmes.session_reschedule(
            membership=manager,
            session=session,
            starts_at=paris(date(2027, 5, 5), 15),
            now=paris(date(2027, 4, 1)),
        )
    assert "déjà réservée" in error.value.message_dict["room"][0]
    with pytest.raises(ValidationError) as error:  # past the next session
        programmes.session_reschedule(
            membership=manager,
            session=session,
            starts_at=paris(date(2027, 5, 12)),
            now=paris(date(2027, 4, 1)),
        )
    assert "après la suivante" in error.value.message_dict["starts_at"][0]
    assert written() == before


def test_a_held_session_with_attendance_keeps_its_date(manager, programme, room, cpip, person):
    group = make_group(manager, programme, room=room, start_date=date(2026, 3, 3))
    make_enrolled(cpip, person, group)
    session = group.sessions.get(number=1)
    programmes.attendance_record(
        gated=person_get_for(cpip, person.pk),
        session=session,
        status="present",
        now=paris(date(2026, 3, 3), 17),
    )
    before = written()
    with pytest.raises(ValidationError) as error:
        programmes.session_reschedule(
            membership=manager,
            session=session,
            starts_at=paris(date(2026, 3, 5)),
            now=paris(date(2026, 3, 4)),
        )
    assert "présence a déjà été relevée" in error.value.message_dict["starts_at"][0]
    assert written() == before


def test_only_managers_and_facilitators_reschedule(
    manager, programme, room, cpip, psychologist, monitoring
):
    group = make_group(
        manager, programme, room=room, start_date=date(2027, 5, 4), facilitators=[psychologist.user]
    )
    session = group.sessions.get(number=1)
    for member in (cpip, monitoring):
        with pytest.raises(PermissionDenied):
            programmes.session_reschedule(
                membership=member,
                session=session,
                starts_at=paris(date(2027, 5, 5)),
                now=paris(date(2027, 4, 1)),
            )
    programmes.session_reschedule(
        membership=psychologist,
        session=session,
        starts_at=paris(date(2027, 5, 5)),
        now=paris(date(2027, 4, 1)),
    )


# --- Referrals and enrolments -----------------------------------------------------------------


def test_a_referral_goes_from_proposed_to_completed(manager, programme, room, cpip, person):
    group = make_group(manager, programme, room=room, start_date=date(2027, 1, 5))
    gated = person_get_for(cpip, person.pk)
    enrolment = programmes.enrolment_propose(gated=gated, programme=programme, compulsory=True)
    assert enrolment.status == "proposed" and enrolment.compulsory
    for status in ("suitable", "waiting"):
        programmes.enrolment_move(gated=gated, enrolment=enrolment, status=status)
    programmes.enrolment_move(gated=gated, enrolment=enrolment, status="enrolled", group=group)
    programmes.enrolment_move(gated=gated, enrolment=enrolment, status="completed")
    enrolment.refresh_from_db()
    assert enrolment.status == "completed" and enrolment.group == group
    assert list(enrolment.steps.values_list("status", flat=True)) == [
        "proposed",
        "suitable",
        "waiting",
        "enrolled",
        "completed",
    ]
    assert TimelineEvent.objects.filter(person=person, kind="programme").count() == 5
    # Once ended, a new referral to the same programme is possible.
    programmes.enrolment_propose(gated=gated, programme=programme)


def test_a_second_active_enrolment_is_refused(programme, cpip, person):
    gated = person_get_for(cpip, person.pk)
    programmes.enrolment_propose(gated=gated, programme=programme)
    before = written()
    with pytest.raises(ValidationError) as error:
        programmes.enrolment_propose(gated=gated, programme=programme)
    assert error.value.message_dict["programme"] == [
        "Cette personne a déjà une orientation en cours vers ce programme."
    ]
    assert written() == before


def test_a_move_not_allowed_or_without_its_reason_is_refused(programme, cpip, person):
    gated = person_get_for(cpip, person.pk)
    enrolment = programmes.enrolment_propose(gated=gated, programme=programme)
    before = written()
    with pytest.raises(ValidationError) as error:
        programmes.enrolment_move(gated=gated, enrolment=enrolment, status="completed")
    assert "ne peut pas passer à « terminée »" in error.value.message_dict["status"][0]
    with pytest.raises(ValidationError) as error:
        programmes.enrolment_move(gated=gated, enrolment=enrolment, status="not_suitable")
    assert error.value.message_dict["reason"] == ["Indiquez le motif."]
    assert written() == before
    programmes.enrolment_move(
        gated=gated, enrolment=enrolment, status="not_suitable", reason="Déni des faits"
    )
    enrolment.refresh_from_db()
    assert enrolment.reason == "Déni des faits"


def test_enrolling_beyond_capacity_is_refused(manager, programme, room, cpip):
    group = make_group(manager, programme, room=room, start_date=date(2027, 1, 5), capacity=1)
    make_enrolled(cpip, make_person(cpip), group)
    second = make_person(cpip, surname="Second")
    gated = person_get_for(cpip, second.pk)
    enrolment = programmes.enrolment_propose(gated=gated, programme=programme)
    programmes.enrolment_move(gated=gated, enrolment=enrolment, status="suitable")
    before = written()
    with pytest.raises(ValidationError) as error:
        programmes.enrolment_move(gated=gated, enrolment=enrolment, status="enrolled", group=group)
    assert error.value.message_dict["group"] == ["Le groupe est complet (1 place)."]
    assert written() == before
    # The waiting list takes them.
    programmes.enrolment_move(gated=gated, enrolment=enrolment, status="waiting", group=group)


def test_referring_is_refused_outside_the_caseload_and_to_other_roles(
    programme, cpip, roussel, secretariat, person
):
    before = written()
    for member in (roussel, secretariat):
        with pytest.raises(PermissionDenied):
            programmes.enrolment_propose(
                gated=person_get_for(member, person.pk), programme=programme
            )
    assert written() == before


# --- Attendance -------------------------------------------------------------------------------


@pytest.fixture
def running(manager, programme, room, cpip, person):
    group = make_group(manager, programme, room=room, start_date=date(2026, 3, 3))
    make_enrolled(cpip, person, group, compulsory=True)
    return group


def test_attendance_is_recorded_once_and_keeps_its_history(running, cpip, person):
    session = running.sessions.get(number=1)
    gated = person_get_for(cpip, person.pk)
    after = paris(date(2026, 3, 3), 17)
    first = programmes.attendance_record(
        gated=gated, session=session, status="unexcused", now=after
    )
    second = programmes.attendance_record(
        gated=gated,
        session=session,
        status="excused",
        note="Certificat médical reçu",
        now=after,
    )
    assert first.pk == second.pk
    assert Attendance.objects.get().status == "excused"
    assert list(second.notes.values_list("status", "text")) == [
        ("unexcused", ""),
        ("excused", "Certificat médical reçu"),
    ]
    assert rules.absence_feeds_incident(status="unexcused", compulsory=True, summons=False)


def test_attendance_on_a_future_session_is_refused(running, cpip, person):
    session = running.sessions.get(number=2)
    before = written()
    with pytest.raises(ValidationError) as error:
        programmes.attendance_record(
            gated=person_get_for(cpip, person.pk),
            session=session,
            status="present",
            now=paris(date(2026, 3, 3), 17),
        )
    assert error.value.message_dict["status"] == ["La séance n'a pas encore eu lieu."]
    assert written() == before


def test_attendance_of_a_person_not_enrolled_is_refused(running, cpip):
    other = make_person(cpip, surname="Autre")
    before = written()
    with pytest.raises(ValidationError) as error:
        programmes.attendance_record(
            gated=person_get_for(cpip, other.pk),
            session=running.sessions.get(number=1),
            status="present",
            now=paris(date(2026, 3, 3), 17),
        )
    assert "pas inscrite" in error.value.message_dict["status"][0]
    assert written() == before


def test_facilitators_and_the_secretariat_record_attendance(
    running, person, psychologist, social_worker, secretariat, monitoring
):
    session = running.sessions.get(number=1)
    after = paris(date(2026, 3, 3), 17)
    # Not a facilitator of this group: refused.
    for member in (psychologist, monitoring):
        with pytest.raises(PermissionDenied):
            programmes.attendance_record(
                gated=person_get_for(member, person.pk),
                session=session,
                status="present",
                now=after,
            )
    running.facilitators.add(psychologist.user)
    programmes.attendance_record(
        gated=person_get_for(psychologist, person.pk), session=session, status="present", now=after
    )
    with pytest.raises(PermissionDenied):
        programmes.attendance_record(
            gated=person_get_for(social_worker, person.pk),
            session=session,
            status="present",
            now=after,
        )
    programmes.attendance_record(
        gated=person_get_for(secretariat, person.pk), session=session, status="excused", now=after
    )
    assert Attendance.objects.get().status == "excused"


def test_a_room_with_an_appointment_is_booked(manager, programme, room, person):
    from probatio.agenda.models import Appointment

    Appointment.objects.create(
        service=person.service,
        person=person,
        kind="follow_up",
        place_kind="site",
        room=room,
        starts_at=paris(date(2027, 1, 12), 15),
        ends_at=paris(date(2027, 1, 12), 16),
        status="planned",
        created_by=person.assigned_cpip,
    )
    before = written()
    with pytest.raises(ValidationError) as error:
        make_group(manager, programme, room=room, start_date=date(2027, 1, 5))
    assert error.value.message_dict["room"] == [
        "Séance 2 : La salle Salle de groupe est déjà réservée le 12/01/2027 à 15:00 "
        "(un rendez-vous)."
    ]
    assert written() == before


# --- Reads ------------------------------------------------------------------------------------


def test_the_reads_of_a_group(running, manager, psychologist, cpip, person):
    from probatio.programmes import selectors

    running.facilitators.add(psychologist.user)
    waiting = make_person(cpip, surname="Attente")
    gated = person_get_for(cpip, waiting.pk)
    enrolment = programmes.enrolment_propose(gated=gated, programme=running.programme)
    programmes.enrolment_move(gated=gated, enrolment=enrolment, status="suitable")
    programmes.enrolment_move(gated=gated, enrolment=enrolment, status="waiting")
    assert selectors.places_left(running) == 7
    assert [e.person for e in selectors.participants_of(running)] == [person]
    assert [e.person for e in selectors.waiting_list(running.programme)] == [waiting]
    assert selectors.groups_of(running.programme).get().enrolled == 1
    assert (
        selectors.sessions_facilitated(
            psychologist.user.pk, paris(date(2026, 3, 1)), paris(date(2026, 3, 20))
        ).count()
        == 3
    )
    assert selectors.sessions_of_person(person).count() == 4
    assert [e.pk for e in selectors.active_enrolments_of(waiting)] == [enrolment.pk]


# --- Merging two files ------------------------------------------------------------------------


def test_two_files_referred_to_the_same_programme_are_not_merged(manager, programme, cpip):
    from probatio.access.policy import Action
    from probatio.merges import services as merges

    kept, absorbed = make_person(cpip, surname="Garde"), make_person(cpip, surname="Absorbe")
    for person in (kept, absorbed):
        programmes.enrolment_propose(gated=person_get_for(cpip, person.pk), programme=programme)
    before = written()
    with pytest.raises(ValidationError) as error:
        merges.merge_files(
            gated=person_get_for(manager, kept.pk, action=Action.MERGE_FILES),
            absorbed=person_get_for(manager, absorbed.pk, action=Action.MERGE_FILES),
            choices={},
        )
    assert "déjà une orientation en cours vers ce programme" in str(error.value)
    assert written() == before
    # Ended on one file, the enrolments move with it.
    enrolment = Enrolment.objects.get(person=absorbed)
    programmes.enrolment_move(
        gated=person_get_for(cpip, absorbed.pk),
        enrolment=enrolment,
        status="withdrawn",
        reason="Déménagement",
    )
    merges.merge_files(
        gated=person_get_for(manager, kept.pk, action=Action.MERGE_FILES),
        absorbed=person_get_for(manager, absorbed.pk, action=Action.MERGE_FILES),
        choices={},
    )
    assert Enrolment.objects.filter(person=kept).count() == 2


def test_a_programme_no_longer_offered_opens_no_group(manager, room):
    programme = make_programme(manager, name="Ancien stage", is_active=False)
    before = written()
    with pytest.raises(ValidationError) as error:
        make_group(manager, programme, room=room, start_date=date(2027, 1, 5))
    assert "n'est plus proposé" in error.value.message_dict["programme"][0]
    assert written() == before


def test_a_group_with_no_session_left_is_not_offered_to_join(manager, programme, room):
    """The groups an enrolment may join: not those whose sessions are all past, whatever
    their recorded status (nothing moves it to « terminé » when the last session ends)."""
    from django.utils import timezone

    from probatio.programmes.person_selectors import groups_to_join

    today = timezone.localdate()
    past = make_group(manager, programme, start_date=date(today.year - 1, 1, 5), room=room)
    coming = make_group(manager, programme, start_date=today, room=room)
    assert past.status == coming.status == "planned"
    assert [g.pk for g in groups_to_join(programme.pk)] == [coming.pk]
