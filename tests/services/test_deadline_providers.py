"""The échéancier's providers on a real database: first interviews, appointments, ends of
measures, and how ``collect`` orders them."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from probatio.agenda import rules
from probatio.agenda import services as agenda
from probatio.core.deadlines import Query, Severity, collect, next_due_by_person
from probatio.people import services as people
from probatio.people.models import Person
from tests.factories import (
    EstablishmentFactory,
    SiteFactory,
    make_decision,
    make_measure,
    make_person,
)

TODAY = date(2025, 11, 12)
BOOKED_AT = datetime(2025, 11, 1, tzinfo=UTC)


@pytest.fixture
def site(service):
    return SiteFactory(service=service)


def query(service, persons=None, **extra) -> Query:
    return Query(
        persons=persons if persons is not None else Person.objects.filter(service=service),
        today=TODAY,
        until=TODAY + timedelta(days=60),
        service_id=service.pk,
        **extra,
    )


def sentenced(cpip, *, decided: date, code="SURSIS_PROBATOIRE", **person):
    person = make_person(cpip, **person)
    decision = make_decision(cpip, person, date=decided, enforceable_date=decided, today=TODAY)
    make_measure(cpip, person, code=code, decision=decision, today=TODAY)
    return person


def book(cpip, person, day, hh, *, site, kind="first", now=BOOKED_AT):
    start = rules.at_paris(day, time(hh))
    return agenda.appointment_book(
        membership=cpip,
        person=person,
        data={"kind": kind, "place_kind": "site", "site": site, "starts_at": start,
              "ends_at": start + timedelta(minutes=45)},
        staff=[cpip.user],
        confirmed=True,
        now=now,
    )  # fmt: skip


def first_interview_items(service):
    return [i for i in collect(query(service)) if i.kind == "first_interview"]


def test_a_first_interview_not_booked_is_an_alert_on_its_legal_deadline(cpip, service):
    person = sentenced(cpip, decided=date(2025, 11, 3))
    [item] = first_interview_items(service)
    assert item.person_id == person.pk
    assert item.due == date(2025, 12, 18)  # 45 days (CPP 474)
    assert item.severity == Severity.ALERT
    assert "non fixé" in item.label and "CPP 474" in item.detail
    assert item.staff_ids == {cpip.user.pk}


def test_booked_in_time_is_information_and_held_is_gone(cpip, service, site):
    person = sentenced(cpip, decided=date(2025, 11, 3))
    appointment = book(cpip, person, date(2025, 11, 14), 10, site=site)
    [item] = first_interview_items(service)
    assert item.severity == Severity.INFO
    assert item.label.startswith("Premier entretien fixé le 14/11/2025 à 10:00")
    agenda.appointment_set_status(
        membership=cpip,
        appointment=appointment,
        status="honoured",
        now=datetime(2025, 11, 14, 12, tzinfo=UTC),
    )
    assert first_interview_items(service) == []


def test_booked_after_the_deadline_is_an_alert(cpip, service, site):
    person = sentenced(cpip, decided=date(2025, 9, 1), code="SURSIS_PROBATOIRE_RENFORCE")
    book(cpip, person, date(2025, 11, 20), 10, site=site)
    [item] = first_interview_items(service)
    assert item.severity == Severity.ALERT
    assert "après le délai légal du 16/09/2025" in item.label
    assert item.is_overdue(TODAY)


def test_release_based_deadline_uses_the_custody_release_date(cpip, service):
    person = make_person(cpip)
    establishment = EstablishmentFactory(service=service)
    people.custody_open(
        membership=cpip,
        person=person,
        establishment_id=establishment.pk,
        committal_number="4321",
        committal_date=date(2025, 3, 1),
    )
    people.custody_close(membership=cpip, person=person, release_date=date(2025, 11, 7))
    decision = make_decision(
        cpip, person, date=date(2025, 6, 1), enforceable_date=date(2025, 6, 1), today=TODAY
    )
    make_measure(
        cpip, person, code="LSC", decision=decision, start_date=date(2025, 11, 7),
        duration_months=3, today=TODAY,
    )  # fmt: skip
    [item] = first_interview_items(service)
    assert item.due == date(2025, 11, 17)  # 5 working days, 11 November excluded
    assert "D. 147-17-5" in item.detail


def test_appointments_to_hold_and_outcomes_to_record(cpip, service, site):
    person = make_person(cpip)
    past = book(cpip, person, date(2025, 11, 10), 9, site=site, kind="follow_up")
    future = book(cpip, person, date(2025, 11, 20), 14, site=site, kind="follow_up")
    items = [i for i in collect(query(service)) if i.kind == "appointment"]
    assert [i.url for i in items] == [
        f"/agenda/rendez-vous/{past.pk}/",
        f"/agenda/rendez-vous/{future.pk}/",
    ]
    assert items[0].severity == Severity.ALERT and "Issue du rendez-vous à saisir" in items[0].label
    assert items[1].label == "Entretien de suivi à 14:00"
    assert items[1].staff_ids == {cpip.user.pk}


def test_measure_ends_within_the_service_horizon(cpip, service):
    person = make_person(cpip)
    decision = make_decision(
        cpip, person, date=date(2023, 12, 1), enforceable_date=date(2023, 12, 10), today=TODAY
    )
    measure = make_measure(cpip, person, decision=decision, today=TODAY)  # 24 months
    [item] = [i for i in collect(query(service)) if i.kind == "measure_end"]
    assert item.due == measure.end_date == date(2025, 12, 10)
    service.measure_end_horizon_days = 20
    service.save()
    assert not [i for i in collect(query(service)) if i.kind == "measure_end"]


def test_collect_orders_soonest_first_and_scopes_to_the_persons(cpip, member, service, site):
    mine = sentenced(cpip, decided=date(2025, 11, 3))
    book(cpip, mine, date(2025, 11, 10), 9, site=site, kind="follow_up")
    colleague = member("cpip")
    theirs = sentenced(colleague, decided=date(2025, 10, 1))
    items = collect(query(service))
    assert [i.due for i in items] == sorted(i.due for i in items)
    only_mine = collect(query(service, Person.objects.filter(pk=mine.pk)))
    assert {i.person_id for i in only_mine} == {mine.pk}
    assert theirs.pk in {i.person_id for i in items}
    nexts = next_due_by_person(query(service))
    assert nexts[mine.pk].due == date(2025, 11, 10)
