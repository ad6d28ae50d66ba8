"""The échéancier's providers on a real database: first interviews, appointments, ends of
measures, and how ``collect`` orders them."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.agenda import rules
from probatio.agenda import services as agenda
from probatio.core.deadlines import Query, Severity, collect, next_due_by_person
from probatio.people import services as people
from probatio.people.models import Person
from tests.factories import (
    EstablishmentFactory,
    SiteFactory,
    gate,
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
    return agenda.appointment_book(gated=gate(cpip, person), data={"kind": kind, "place_kind": "site", "site": site, "starts_at": start,
              "ends_at": start + timedelta(minutes=45)}, staff=[cpip.user], confirmed=True, now=now)  # fmt: skip


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
        gated=gate(cpip, appointment.person),
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
        gated=gate(cpip, person),
        establishment_id=establishment.pk,
        committal_number="4321",
        committal_date=date(2025, 3, 1),
    )
    people.custody_close(gated=gate(cpip, person), release_date=date(2025, 11, 7))
    decision = make_decision(
        cpip, person, date=date(2025, 6, 1), enforceable_date=date(2025, 6, 1), today=TODAY
    )
    make_measure(
        cpip, person, code="LSC", decision=decision, start_date=date(2025, 11, 7),
        duration_months=3, today=TODAY,
    )  # fmt: skip
    [item] = first_interview_items(service)
    # 5 jours ouvrables: Saturday 8 counts, Sunday 9 and Tuesday 11 November do not.
    assert item.due == date(2025, 11, 14)
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


def first_interview_of(service, person):
    return [i for i in first_interview_items(service) if i.person_id == person.pk]


def test_an_honoured_first_interview_before_the_measure_start_does_not_count(cpip, service, site):
    person = make_person(cpip)
    earlier = book(
        cpip, person, date(2025, 10, 1), 10, site=site, now=datetime(2025, 9, 1, tzinfo=UTC)
    )
    agenda.appointment_set_status(
        gated=gate(cpip, earlier.person),
        appointment=earlier,
        status="honoured",
        now=datetime(2025, 10, 1, 12, tzinfo=UTC),
    )
    decision = make_decision(
        cpip, person, date=date(2025, 11, 3), enforceable_date=date(2025, 11, 3), today=TODAY
    )
    make_measure(cpip, person, decision=decision, today=TODAY)
    [item] = first_interview_of(service, person)
    assert item.severity == Severity.ALERT


def test_one_line_per_person_with_the_earliest_deadline(cpip, service):
    person = make_person(cpip)
    decision = make_decision(
        cpip, person, date=date(2025, 11, 3), enforceable_date=date(2025, 11, 3), today=TODAY
    )
    make_measure(cpip, person, decision=decision, today=TODAY)  # 45 days: 18/12/2025
    make_measure(
        cpip, person, code="SURSIS_PROBATOIRE_RENFORCE", decision=decision, today=TODAY
    )  # 15 days: 18/11/2025
    [item] = first_interview_of(service, person)
    assert item.due == date(2025, 11, 18)
    assert "CPP 741-2" in item.detail


def test_measures_started_more_than_a_year_ago_are_left_out(cpip, service):
    sentenced(cpip, decided=date(2024, 10, 1))
    assert first_interview_items(service) == []


def test_closed_measures_have_no_first_interview_line(cpip, service):
    person = sentenced(cpip, decided=date(2025, 11, 3))
    person.measures.update(status="ended")
    assert first_interview_items(service) == []


def test_a_case_referred_by_the_prosecutor_has_30_days(cpip, service):
    person = make_person(cpip)
    decision = make_decision(
        cpip,
        person,
        kind="prosecutor",
        date=date(2025, 11, 3),
        enforceable_date=date(2025, 11, 3),
        today=TODAY,
    )
    make_measure(cpip, person, code="AMENAGEMENT_723_15", decision=decision, today=TODAY)
    [item] = first_interview_of(service, person)
    assert item.due == date(2025, 12, 3)
    assert "CPP 723-15" in item.detail


def released(cpip, service, person, *, on: date, number: str):
    establishment = EstablishmentFactory(service=service)
    people.custody_open(
        gated=gate(cpip, person),
        establishment_id=establishment.pk,
        committal_number=number,
        committal_date=on - timedelta(days=200),
    )
    people.custody_close(gated=gate(cpip, person), release_date=on)


def test_probation_after_prison_runs_from_the_recorded_release(cpip, service):
    person = make_person(cpip)
    released(cpip, service, person, on=date(2025, 10, 31), number="100")
    decision = make_decision(
        cpip, person, date=date(2025, 3, 1), enforceable_date=date(2025, 3, 1), today=TODAY
    )
    make_measure(cpip, person, decision=decision, start_date=date(2025, 11, 1), today=TODAY)
    [item] = first_interview_of(service, person)
    assert item.due == date(2025, 11, 30)  # one month after the release
    assert "741-1" in item.detail


def test_a_release_of_years_ago_does_not_make_it_an_after_prison_probation(cpip, service):
    person = make_person(cpip)
    released(cpip, service, person, on=date(2021, 5, 3), number="200")
    sentenced_decision = make_decision(
        cpip, person, date=date(2025, 11, 3), enforceable_date=date(2025, 11, 3), today=TODAY
    )
    make_measure(cpip, person, decision=sentenced_decision, today=TODAY)
    [item] = first_interview_of(service, person)
    assert item.due == date(2025, 12, 18)  # 45 days from the decision (CPP 474)


def test_the_service_default_applies_to_other_measures(cpip, service):
    service.first_interview_default_days = 20
    service.save()
    person = make_person(cpip)
    decision = make_decision(
        cpip, person, date=date(2025, 11, 3), enforceable_date=date(2025, 11, 5), today=TODAY
    )
    make_measure(cpip, person, code="TIG", decision=decision, hours=100, duration_months=18,
                 today=TODAY)  # fmt: skip
    [item] = first_interview_of(service, person)
    assert item.due == date(2025, 11, 25)  # 5 November + 20 days
    assert "Délai du service" in item.detail


def test_appointments_outside_the_window_or_not_planned_are_left_out(cpip, service, site):
    person = make_person(cpip)
    cancelled = book(cpip, person, date(2025, 11, 20), 9, site=site, kind="follow_up")
    agenda.appointment_set_status(
        gated=gate(cpip, cancelled.person),
        appointment=cancelled,
        status="cancelled",
        reason="Demande de la personne",
        now=datetime(2025, 11, 5, tzinfo=UTC),
    )
    book(cpip, person, date(2026, 2, 2), 9, site=site, kind="follow_up")  # beyond 60 days
    book(cpip, person, date(2025, 7, 1), 9, site=site, kind="follow_up",
         now=datetime(2025, 6, 1, tzinfo=UTC))  # fmt: skip
    assert [i for i in collect(query(service)) if i.kind == "appointment"] == []


def test_a_staff_member_also_gets_their_appointments_outside_their_caseload(
    cpip, member, service, site
):
    colleague = member("cpip")
    theirs = make_person(colleague)
    mine = make_person(cpip)
    together = book(colleague, theirs, date(2025, 11, 20), 9, site=site, kind="follow_up")
    together.staff.add(cpip.user)
    book(colleague, theirs, date(2025, 11, 21), 9, site=site, kind="follow_up")
    items = collect(
        query(service, Person.objects.filter(pk=mine.pk), staff_id=cpip.user.pk),
        kinds=["appointment"],
    )
    assert [(i.person_id, i.due) for i in items] == [(theirs.pk, date(2025, 11, 20))]
    assert items[0].staff_ids == {cpip.user.pk, colleague.user.pk}


def test_open_measures_past_their_end_are_alerts_to_close(cpip, service):
    person = make_person(cpip)
    decision = make_decision(
        cpip, person, date=date(2023, 11, 1), enforceable_date=date(2023, 11, 1), today=TODAY
    )
    make_measure(cpip, person, decision=decision, today=TODAY)  # ended 31/10/2025
    person.measures.update(status="active")  # never closed
    [item] = [i for i in collect(query(service)) if i.kind == "measure_end"]
    assert item.severity == Severity.ALERT and item.is_overdue(TODAY)
    assert "à clôturer" in item.label


def test_measure_end_label_and_its_report_a_service_set_time_before(cpip, service):
    person = make_person(cpip)
    decision = make_decision(
        cpip, person, date=date(2023, 12, 1), enforceable_date=date(2023, 12, 10), today=TODAY
    )
    make_measure(cpip, person, decision=decision, today=TODAY)
    [item] = [i for i in collect(query(service)) if i.kind == "measure_end"]
    assert item.label == "Fin de mesure le 10/12/2025"
    assert item.severity == Severity.INFO
    assert item.url == f"/personnes/{person.pk}/mesures/"
    # The end-of-measure report: the service's 30 days before the end, until transmitted.
    [report] = [i for i in collect(query(service)) if i.kind == "legal_report"]
    assert report.due == date(2025, 11, 10)
    assert report.label == "Rapport de fin de mesure à transmettre au juge avant le 10/11/2025"


def grow(cpip, site, n: int, offset: int = 0):
    for k in range(offset, offset + n):
        person = sentenced(cpip, decided=date(2025, 10, 1 + k % 28))
        book(cpip, person, TODAY + timedelta(days=1 + k % 20), 9 + k % 8, site=site)
        if k % 3 == 0:
            released(cpip, cpip.service, person, on=date(2025, 9, 1), number=f"G{k}")


def test_providers_run_a_fixed_number_of_queries(cpip, service, site, django_assert_num_queries):
    grow(cpip, site, 3)
    q = replace(query(service), service=service)
    with CaptureQueriesContext(connection) as few:
        small = collect(q)
    grow(cpip, site, 27, offset=3)
    with django_assert_num_queries(len(few)):
        large = collect(q)
    assert len(large) > len(small) >= 6


def test_ends_of_measures_are_the_same_from_preloaded_open_measures(cpip, service):
    """The caseload hands the open measures it loaded for the page to the providers: the items
    are the same as when the provider queries them itself, with one query less."""
    from probatio.measures.models import Measure

    for started in (date(2023, 11, 1), date(2024, 1, 2), date(2025, 6, 1)):
        person = make_person(cpip)
        decision = make_decision(cpip, person, date=started, enforceable_date=started, today=TODAY)
        make_measure(cpip, person, decision=decision, today=TODAY)
    Measure.objects.update(status="active")
    queried = [i for i in collect(query(service)) if i.kind == "measure_end"]
    assert queried  # some ends fall in the window
    loaded = list(
        Measure.objects.filter(status__in=Measure.OPEN_STATUSES).select_related(
            "measure_type", "person"
        )
    )
    with CaptureQueriesContext(connection) as with_preloaded:
        preloaded = [
            i for i in collect(query(service, open_measures=loaded)) if i.kind == "measure_end"
        ]
    with CaptureQueriesContext(connection) as without:
        collect(query(service))
    assert preloaded == queried
    assert len(with_preloaded) == len(without) - 1
