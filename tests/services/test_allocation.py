"""The allocation through the services: the queue's state, workload and capacity read from the
database, moving files between CPIPs with their measures and appointments (everything moved,
nothing partial, the journal and both ends of each change), the settings' bad input."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda
from probatio.agenda.services import NeedsConfirmation
from probatio.assessments.models import IntensityDecision
from probatio.audit.models import AuditEntry
from probatio.audit.services import verify_chain
from probatio.caseloads import selectors, services
from probatio.caseloads.models import CapacityReduction
from probatio.messaging.models import Message
from probatio.people import services as people_services
from probatio.people.models import Person, TimelineEvent
from probatio.people.selectors import person_get_for
from probatio.reports import rules as report_rules
from probatio.reports import services as report_services
from tests.factories import (
    CustodyRecordFactory,
    SiteFactory,
    make_decision,
    make_measure,
    make_person,
)

TODAY = timezone.localdate()


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return agenda_rules.at_paris(day, time(hh, mm))


@pytest.fixture
def site(service):
    return SiteFactory(service=service)


def recent(membership, person, *, days_ago: int):
    """A probation judged ``days_ago`` days ago, enforceable the same day."""
    day = TODAY - timedelta(days=days_ago)
    decision = make_decision(membership, person, date=day, enforceable_date=day)
    return make_measure(membership, person, decision=decision, start_date=day)


def files_of(cpip, n, **kwargs):
    persons = []
    for i in range(n):
        person = make_person(cpip, surname=f"Dossier{i:02d}", first_names="Test", **kwargs)
        make_measure(cpip, person)
        persons.append(person)
    return persons


def book(membership, person, start, staff, site, *, minutes=45):
    return agenda.appointment_book(
        gated=person_get_for(membership, person.pk),
        data={
            "kind": "follow_up",
            "place_kind": "site",
            "site": site,
            "starts_at": start,
            "ends_at": start + timedelta(minutes=minutes),
        },
        staff=[staff.user],
        confirmed=True,
    )


def next_weekday(days: int) -> date:
    day = TODAY + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# --- The queue -------------------------------------------------------------------------------


def test_a_file_without_a_cpip_waits_in_the_queue_and_leaves_it_when_given(
    secretariat, manager, cpip
):
    person = make_person(secretariat, surname="Attente")
    assert person.assigned_cpip is None
    assert person.awaiting_reason == "new" and person.awaiting_since is not None
    rows = selectors.queue(manager, today=TODAY)
    assert [r.person.pk for r in rows] == [person.pk]
    people_services.cpip_assign(gated=person_get_for(manager, person.pk), cpip=cpip.user)
    person.refresh_from_db()
    assert (person.awaiting_since, person.awaiting_reason) == (None, "")
    assert person.assigned_at is not None
    assert selectors.queue(manager, today=TODAY) == []
    # Taken back from the CPIP: in the queue again, for that reason.
    people_services.cpip_assign(gated=person_get_for(manager, person.pk), cpip=None)
    person.refresh_from_db()
    assert person.awaiting_reason == "unassigned"


def test_the_queue_puts_the_nearest_first_interview_first(secretariat, manager):
    later = make_person(secretariat, surname="Tard")
    recent(secretariat, later, days_ago=5)
    soon = make_person(secretariat, surname="Bientot")
    recent(secretariat, soon, days_ago=40)
    none = make_person(secretariat, surname="Rien")
    rows = selectors.queue(manager, today=TODAY)
    assert [r.person.pk for r in rows][:2] == [soon.pk, later.pk]
    assert rows[-1].person.pk == none.pk and rows[-1].urgency == "none"
    assert rows[0].first_interview.due < rows[1].first_interview.due
    only_urgent = selectors.queue(manager, today=TODAY, urgency="urgent")
    assert all(r.urgency in ("overdue", "urgent") for r in only_urgent)
    assert none.pk not in [r.person.pk for r in only_urgent]


# --- Workload and capacity -------------------------------------------------------------------


def test_workload_counts_points_per_measure_reports_and_capacity(manager, cpip, roussel):
    files_of(cpip, 3)  # three ordinary probations: 3 points
    prisoner = make_person(cpip, surname="Detenu")
    make_measure(cpip, prisoner)
    CustodyRecordFactory(person=prisoner)  # in custody: a suspended probation weighs 0.5
    services.working_time_set(membership=manager, target_id=roussel.pk, working_time=80)
    services.capacity_reduction_add(
        membership=manager,
        target_id=roussel.pk,
        reason="union",
        share=25,
        start_date=TODAY - timedelta(days=10),
        end_date=None,
    )
    loads = {load.user.pk: load for load in selectors.cpip_loads(manager.service_id, today=TODAY)}
    mine = loads[cpip.user_id]
    assert (mine.persons, mine.custody, mine.measures) == (4, 1, 4)
    assert mine.points == Decimal("3.5")
    assert mine.capacity == Decimal("60.0")
    assert mine.percent == 6
    other = loads[roussel.user_id]
    assert other.capacity == Decimal("36.0")  # 60 × 80 % × (1 − 25 %)
    assert other.points == 0


def test_a_report_to_write_adds_to_its_authors_load(manager, cpip, psychologist):
    person = files_of(cpip, 1)[0]
    measure = person.measures.get()
    report_services.report_create(
        membership=cpip,
        gated=person_get_for(cpip, person.pk),
        kind=report_rules.END_OF_MEASURE,
        measure=measure,
    )
    load = selectors.cpip_loads(manager.service_id, today=TODAY)[0]
    assert (load.reports_due, load.points) == (1, Decimal("1.5"))  # 1 + 0.5


def test_a_service_override_of_the_scale_applies_from_its_date(manager, cpip):
    files_of(cpip, 2)
    services.weight_set(
        membership=manager,
        subject="SURSIS_PROBATOIRE",
        setting="community",
        points="2,5",
        valid_from=TODAY,
    )
    services.weight_set(
        membership=manager, subject="FULL_TIME", setting="any", points="50", valid_from=TODAY
    )
    load = selectors.cpip_loads(manager.service_id, today=TODAY)[0]
    assert (load.points, load.capacity) == (Decimal("5.0"), Decimal("50.0"))
    yesterday = selectors.cpip_loads(manager.service_id, today=TODAY - timedelta(days=1))[0]
    assert (yesterday.points, yesterday.capacity) == (Decimal("2"), Decimal("60.0"))


def level(person, chosen: str, *, status="applied"):
    """A level of follow-up intensity recorded as the assessments' services leave it."""
    return IntensityDecision.objects.create(
        person=person,
        service_id=person.service_id,
        chosen_level=chosen,
        status=status,
        chosen_by=person.assigned_cpip,
        chosen_at=timezone.now(),
        applies_from=TODAY if status == "applied" else None,
    )


def test_the_level_in_force_weighs_on_the_load_and_the_files(manager, cpip):
    reinforced, light, plain = files_of(cpip, 3)
    level(reinforced, "reinforced")
    level(light, "standard")
    level(light, "light")  # the later level is the one in force
    level(plain, "reinforced", status="pending")  # waiting for a manager: not yet
    load = selectors.cpip_loads(manager.service_id, today=TODAY)[0]
    assert load.measures == 3
    assert load.points == Decimal("3.2")  # 1 × 1.5 + 1 × 0.7 + 1
    points = selectors.file_points(
        [reinforced.pk, light.pk, plain.pk], manager.service_id, today=TODAY
    )
    assert points == {
        reinforced.pk: Decimal("1.5"),
        light.pk: Decimal("0.7"),
        plain.pk: Decimal("1"),
    }
    # The service sets its own coefficient (whatever the setting chosen: every setting).
    weight = services.weight_set(
        membership=manager,
        subject="LEVEL_REINFORCED",
        setting="community",
        points="2",
        valid_from=TODAY,
    )
    assert weight.setting == "any"
    assert selectors.cpip_loads(manager.service_id, today=TODAY)[0].points == Decimal("3.7")
    subjects = dict(selectors.weight_subjects())
    assert subjects["LEVEL_LIGHT"] == "Coefficient de l'intensité « allégé »"


@pytest.mark.parametrize(
    ("subject", "points", "field", "message"),
    [
        ("LEVEL_LIGHT", "0", "points", "entre 0,1 et 5"),
        ("LEVEL_REINFORCED", "6", "points", "entre 0,1 et 5"),
        ("DDSE", "25", "points", "entre 0 et 20"),
        ("DDSE", "-1", "points", "entre 0 et 20"),
        ("FULL_TIME", "5", "points", "entre 10 et 200"),
        ("DDSE", "1,25", "points", "Une décimale"),
        ("DDSE", "beaucoup", "points", "nombre de points"),
        ("INCONNU", "1", "subject", "ligne du barème"),
    ],
)
def test_weights_out_of_range_are_refused(manager, subject, points, field, message):
    with pytest.raises(ValidationError) as error:
        services.weight_set(
            membership=manager, subject=subject, setting="any", points=points, valid_from=TODAY
        )
    assert message in " ".join(error.value.message_dict[field])


def test_capacities_out_of_range_are_refused(manager, cpip, secretariat):
    with pytest.raises(ValidationError, match="entre 10 et 100"):
        services.working_time_set(membership=manager, target_id=cpip.pk, working_time=120)
    with pytest.raises(ValidationError, match="n'est pas CPIP"):
        services.working_time_set(membership=manager, target_id=secretariat.pk, working_time=80)
    with pytest.raises(ValidationError):
        services.capacity_reduction_add(
            membership=manager, target_id=cpip.pk, reason="training", share=0,
            start_date=TODAY, end_date=None,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.capacity_reduction_add(
            membership=manager, target_id=cpip.pk, reason="training", share=50,
            start_date=TODAY, end_date=TODAY - timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.working_time_set(membership=cpip, target_id=cpip.pk, working_time=80)
    assert not CapacityReduction.objects.exists()
    cpip.refresh_from_db()
    assert cpip.working_time == 100


# --- Moving files ----------------------------------------------------------------------------


def test_moving_all_of_a_leavers_files_to_one_cpip(manager, leaver, roussel, site):
    persons = files_of(leaver, 3)
    start = at(next_weekday(3), 10)
    appointment = book(leaver, persons[0], start, leaver, site)
    result = services.caseload_move(
        membership=manager,
        assignments={p.pk: roussel.user_id for p in persons},
        appointments="move",
        reason="departure",
    )
    assert (result.files, result.measures, result.appointments_moved) == (3, 3, 1)
    assert set(Person.objects.filter(assigned_cpip=roussel.user).values_list("pk", flat=True)) == {
        p.pk for p in persons
    }
    assert not Person.objects.filter(assigned_cpip=leaver.user).exists()
    assert list(appointment.staff.all()) == [roussel.user]
    appointment.refresh_from_db()
    assert (appointment.status, appointment.starts_at) == ("planned", start)
    # Journaled per file, with both names and the reason.
    entries = AuditEntry.objects.filter(
        object_type="people.person", summary__startswith="Changement de CPIP"
    )
    assert entries.count() == 3
    assert all("Claire Vaillant → Marc Roussel (Départ du CPIP)" in e.summary for e in entries)
    assert TimelineEvent.objects.filter(title="Suivi attribué à Marc Roussel").count() == 3
    problems = verify_chain(f"service:{manager.service_id}")[1]
    assert problems == []


def test_spreading_over_two_cpips_by_load(manager, leaver, roussel, garnier):
    files_of(roussel, 10)  # Roussel already holds ten files
    persons = files_of(leaver, 12)
    plan, targets = selectors.move_plan(
        manager,
        person_ids=[p.pk for p in persons],
        target_ids=[roussel.user_id, garnier.user_id],
        today=TODAY,
        now=timezone.now(),
    )
    given = {row.person.pk: row.target.pk for row in plan}
    assert len(given) == 12
    counts = {uid: list(given.values()).count(uid) for uid in (roussel.user_id, garnier.user_id)}
    assert counts == {roussel.user_id: 1, garnier.user_id: 11}  # 11 + 11 points each after
    assert {t.user.pk: t.points for t in targets} == {
        roussel.user_id: Decimal("11"),
        garnier.user_id: Decimal("11"),
    }
    services.caseload_move(
        membership=manager, assignments=given, appointments="keep", reason="balance"
    )
    assert Person.objects.filter(assigned_cpip=garnier.user).count() == 11


def test_appointments_kept_or_cancelled_with_notice(manager, leaver, roussel, site):
    kept_person, cancelled_person = files_of(leaver, 2, phone="06 12 34 56 78", sms_consent=True)
    kept = book(leaver, kept_person, at(next_weekday(4), 9), leaver, site)
    cancelled = book(leaver, cancelled_person, at(next_weekday(4), 11), leaver, site)
    services.caseload_move(
        membership=manager,
        assignments={kept_person.pk: roussel.user_id},
        appointments="keep",
        reason="leave",
    )
    assert list(kept.staff.all()) == [leaver.user]
    result = services.caseload_move(
        membership=manager,
        assignments={cancelled_person.pk: roussel.user_id},
        appointments="cancel",
        reason="risk",
    )
    assert result.appointments_cancelled == 1
    cancelled.refresh_from_db()
    assert cancelled.status == "cancelled"
    assert Message.objects.filter(appointment=cancelled, purpose="cancelled").exists()


def test_moving_appointments_into_a_busy_agenda_needs_confirmation(manager, leaver, roussel, site):
    person = files_of(leaver, 1)[0]
    other = files_of(roussel, 1)[0]
    start = at(next_weekday(5), 14)
    moving = book(leaver, person, start, leaver, site)
    book(roussel, other, start + timedelta(minutes=15), roussel, site)
    with pytest.raises(NeedsConfirmation) as warning:
        services.caseload_move(
            membership=manager,
            assignments={person.pk: roussel.user_id},
            appointments="move",
            reason="departure",
        )
    assert "Marc Roussel" in warning.value.warnings[0]
    person.refresh_from_db()
    assert person.assigned_cpip_id == leaver.user_id  # nothing partial
    assert list(moving.staff.all()) == [leaver.user]
    services.caseload_move(
        membership=manager,
        assignments={person.pk: roussel.user_id},
        appointments="move",
        reason="departure",
        confirmed=True,
    )
    assert list(moving.staff.all()) == [roussel.user]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"appointments": "lost"}, "appointments"),
        ({"reason": ""}, "reason"),
        ({"reason": "other"}, "comment"),  # « other » needs its words
        ({"target": "secretariat"}, "targets"),  # not a CPIP
        ({"target": "foreign"}, "targets"),  # a CPIP of another service
        ({"person": "foreign"}, "persons"),  # a file of another service
    ],
)
def test_bad_moves_are_refused_and_change_nothing(
    manager, leaver, roussel, secretariat, member, other_service, change, field
):
    persons = files_of(leaver, 2)
    foreign = member("cpip", service=other_service, user__username="cpip.ailleurs")
    target = {"secretariat": secretariat.user_id, "foreign": foreign.user_id}.get(
        change.get("target"), roussel.user_id
    )
    assignments = {p.pk: target for p in persons}
    if change.get("person") == "foreign":
        assignments[make_person(foreign).pk] = roussel.user_id
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        services.caseload_move(
            membership=manager,
            assignments=assignments,
            appointments=change.get("appointments", "keep"),
            reason=change.get("reason", "balance"),
        )
    assert field in error.value.message_dict
    assert Person.objects.filter(assigned_cpip=leaver.user).count() == 2
    assert AuditEntry.objects.count() == before


def test_only_managers_move_files(cpip, leaver, roussel):
    person = files_of(leaver, 1)[0]
    with pytest.raises(PermissionDenied):
        services.caseload_move(
            membership=cpip,
            assignments={person.pk: roussel.user_id},
            appointments="keep",
            reason="balance",
        )


def test_the_monday_counts(manager, cpip, secretariat):
    for person in files_of(cpip, 2):  # received now: this week
        recent(cpip, person, days_ago=100)  # no first interview: overdue, not booked
    make_person(secretariat, surname="Attente")
    loads, unassigned = selectors.service_loads(manager.service_id, today=TODAY)
    rows = selectors.monday(manager.service_id, loads, today=TODAY)
    row = next(r for r in rows if r.load.user.pk == cpip.user_id)
    assert (row.received, row.awaiting_visa, unassigned) == (2, 0, 1)
    overdue, unbooked = selectors.overdue_by_cpip(manager, today=TODAY)
    assert overdue[cpip.user_id] >= 2
    assert unbooked[cpip.user_id] == 2
