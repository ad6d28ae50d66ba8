"""The follow-up intensity in the échéancier (``assessments/deadlines.py``): the next interview
due, the contacts below the level, the assessment to review; read end to end through the
stored items (an assessment and a level recorded through the services, an appointment
honoured), and a fixed number of queries whatever the number of persons."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda
from probatio.assessments import rules, services
from probatio.assessments.models import IntensityDecision, IntensityRule
from probatio.assessments.selectors import grid_in_use
from probatio.core.deadlines import Query, Severity, collect
from probatio.deadlines import selectors as deadline_selectors
from probatio.deadlines.services import refresh
from probatio.people.models import Person
from tests import schedule_fixtures as schedule
from tests.factories import CustodyRecordFactory, gate
from tests.factories import assessment_answers as answers

NOW = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)  # Thursday 12 November 2026, 10:00 Paris
TODAY = date(2026, 11, 12)
BOOKED_AT = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


site = schedule.site


def sentenced(membership, surname, decided):
    return schedule.sentenced(membership, surname, decided, today=TODAY)


KINDS = ("interview_due", "contacts_below", "assessment_review")
LEVEL_SINCE = TODAY - timedelta(days=100)  # 4 August 2026


def assess(cpip, person, *, on: date = LEVEL_SINCE, level: str | None = None):
    """An assessment and the level chosen after it, through the services."""
    grid = grid_in_use(on)
    assessment = services.assessment_create(
        gated=gate(cpip, person),
        grid_version=grid.pk,
        reason="initial",
        assessed_on=on,
        answers=answers(grid.definition),
        summary="Situation stable.",
        today=on,
    )
    chosen = level or assessment.proposed_level
    services.intensity_choose(
        gated=gate(cpip, person),
        level=chosen,
        reason="" if chosen == assessment.proposed_level else "Choix motivé.",
        assessment=assessment,
        today=on,
    )
    return assessment


def rule(service, level, *, period=30, interviews=1, visits=0, review=90):
    return IntensityRule.objects.create(
        service=service,
        level=level,
        measure_kind=rules.ANY_MEASURE,
        period_days=period,
        interviews=interviews,
        home_visits=visits,
        review_days=review,
        valid_from=date(2025, 1, 1),
    )


def stored(membership, **kw) -> list:
    refresh.ensure_current(membership.service_id, TODAY)
    rows = deadline_selectors.stored_rows(
        membership, today=TODAY, until=TODAY + timedelta(days=30), kinds=list(KINDS), **kw
    )
    return sorted(deadline_selectors.all_items(rows), key=lambda i: (i.kind, i.due))


def by_kind(items) -> dict:
    return {i.kind: i for i in items}


def follow_up(cpip, person, day, hh, *, site, kind="follow_up"):
    start = agenda_rules.at_paris(day, time(hh))
    return agenda.appointment_book(
        gated=gate(cpip, person),
        data={"kind": kind, "place_kind": "site", "site": site, "starts_at": start,
              "ends_at": start + timedelta(minutes=45)},
        staff=[cpip.user], confirmed=True, now=BOOKED_AT,
    )  # fmt: skip


def query(service, **extra) -> Query:
    return Query(
        persons=Person.objects.filter(service=service),
        today=TODAY,
        until=TODAY + timedelta(days=30),
        service_id=service.pk,
        **extra,
    )


def test_without_a_level_nothing_and_one_query(service, cpip):
    sentenced(cpip, "Sans-Niveau", TODAY - timedelta(days=200))
    with CaptureQueriesContext(connection) as ctx:
        items = collect(query(service), KINDS)
    assert items == []
    assert len(ctx.captured_queries) == 1


def test_end_to_end_assessment_level_then_an_interview_honoured(service, cpip, site):
    person = sentenced(cpip, "Martin", TODAY - timedelta(days=200))
    assessment = assess(cpip, person)
    rule(service, assessment.proposed_level)

    items = by_kind(stored(cpip))
    # No interview since the level applied (4 August): due a month later, overdue.
    interview = items["interview_due"]
    assert interview.due == LEVEL_SINCE + timedelta(days=30)
    assert interview.label == "Prochain entretien à tenir avant le 03/09/2026"
    assert interview.severity == Severity.ALERT
    assert interview.staff_ids == {cpip.user.pk}
    below = items["contacts_below"]
    assert below.severity == Severity.ALERT and below.due == TODAY
    assert "0 entretien tenu sur 1 attendu en 30 jours" in below.detail
    review = items["assessment_review"]
    assert review.due == LEVEL_SINCE + timedelta(days=90)
    assert review.severity == Severity.ALERT

    # An interview held this morning: the next one is due in a month, nothing below the level.
    appointment = follow_up(cpip, person, TODAY, 8, site=site)
    agenda.appointment_set_status(
        gated=gate(cpip, person), appointment=appointment, status="honoured", now=NOW
    )
    items = by_kind(stored(cpip))
    assert set(items) == {"interview_due", "assessment_review"}
    assert items["interview_due"].due == TODAY + timedelta(days=30)
    assert items["interview_due"].severity == Severity.INFO

    # A new assessment: its review runs from it (beyond the horizon: not listed).
    services.assessment_create(
        gated=gate(cpip, person),
        grid_version=assessment.grid_version_id,
        reason="periodic",
        assessed_on=TODAY,
        answers=answers(assessment.grid_version.definition),
        summary="Réexamen.",
        today=TODAY,
    )
    assert set(by_kind(stored(cpip))) == {"interview_due"}


def test_an_interview_planned_in_time_drops_the_item(service, cpip, site):
    person = sentenced(cpip, "Petit", TODAY - timedelta(days=200))
    assessment = assess(cpip, person, on=TODAY - timedelta(days=10))
    rule(service, assessment.proposed_level)
    assert by_kind(stored(cpip))["interview_due"].due == TODAY + timedelta(days=20)

    late = follow_up(cpip, person, TODAY + timedelta(days=25), 10, site=site)
    item = by_kind(stored(cpip))["interview_due"]
    assert item.state == "late_booking"
    assert "entretien fixé le 07/12/2026, après l'échéance" in item.detail

    # The late one stays; an earlier one is booked.
    follow_up(cpip, person, TODAY + timedelta(days=5), 10, site=site)
    assert "interview_due" not in by_kind(stored(cpip))
    assert late.pk


def test_a_change_of_level_waits_for_the_manager(service, cpip, manager):
    person = sentenced(cpip, "Durand", TODAY - timedelta(days=200))
    assessment = assess(cpip, person)
    current = assessment.proposed_level
    other = rules.Level.REINFORCED if current != rules.Level.REINFORCED else rules.Level.LIGHT
    rule(service, current, period=30, review=90)
    rule(service, other, period=90, interviews=6, review=60)
    decision = services.intensity_choose(
        gated=gate(cpip, person), level=other, reason="Incident récent.", today=TODAY
    )
    assert decision.status == IntensityDecision.Status.PENDING
    # The previous level still applies.
    assert "30 jours" in by_kind(stored(cpip))["interview_due"].detail

    services.intensity_answer(gated=gate(manager, person), decision=decision, accept=True)
    items = by_kind(stored(cpip))
    # The new level applies from today: its next interview 15 days on (6 in 90 days).
    assert items["interview_due"].due == TODAY + timedelta(days=15)
    assert "6 entretiens en 90 jours" in items["interview_due"].detail
    assert "contacts_below" not in items  # not a whole period under the new level yet


def test_a_rule_set_by_the_service_marks_its_persons(service, cpip):
    person = sentenced(cpip, "Leroy", TODAY - timedelta(days=200))
    assessment = assess(cpip, person)
    rule(service, assessment.proposed_level, review=90)
    assert by_kind(stored(cpip))["assessment_review"].due == LEVEL_SINCE + timedelta(days=90)
    IntensityRule.objects.filter(service=service).update(valid_to=TODAY - timedelta(days=1))
    rule(service, assessment.proposed_level, review=120).save()  # a save: marks them stale
    assert by_kind(stored(cpip))["assessment_review"].due == LEVEL_SINCE + timedelta(days=120)


def test_in_custody_prison_interviews_count_and_no_home_visit(service, cpip):
    person = sentenced(cpip, "Bernard", TODAY - timedelta(days=200))
    assessment = assess(cpip, person)
    rule(service, assessment.proposed_level, visits=1)
    assert "visite à domicile sur 1 attendue" in by_kind(stored(cpip))["contacts_below"].detail
    CustodyRecordFactory(person=person, committal_date=TODAY - timedelta(days=5))
    below = by_kind(stored(cpip))["contacts_below"]
    assert "visite" not in below.detail
    assert "entretien" in below.detail


@pytest.mark.parametrize("persons", [1, 3])
def test_a_fixed_number_of_queries(service, cpip, site, persons):
    for level in rules.Level:
        rule(service, level)
    for n in range(persons):
        person = sentenced(cpip, f"Personne{n}", TODAY - timedelta(days=200))
        assess(cpip, person)
        appointment = follow_up(cpip, person, TODAY - timedelta(days=3), 9 + n, site=site)
        agenda.appointment_set_status(
            gated=gate(cpip, person), appointment=appointment, status="honoured", now=NOW
        )
    with CaptureQueriesContext(connection) as ctx:
        items = collect(query(service), KINDS)
    assert len(ctx.captured_queries) == 4
    assert {i.person_id for i in items if i.kind == "interview_due"} == set(
        Person.objects.filter(service=service).values_list("pk", flat=True)
    )


def test_a_query_collected_again_reads_again(service, cpip, site):
    person = sentenced(cpip, "Moreau", TODAY - timedelta(days=200))
    assessment = assess(cpip, person)
    rule(service, assessment.proposed_level)
    q = query(service)
    assert {i.kind for i in collect(q, KINDS)} == set(KINDS)
    appointment = follow_up(cpip, person, TODAY, 8, site=site)
    agenda.appointment_set_status(
        gated=gate(cpip, person), appointment=appointment, status="honoured", now=NOW
    )
    assert {i.kind for i in collect(q, KINDS)} == {"interview_due", "assessment_review"}
    # One kind asked alone, then the three: each ``collect`` computes once.
    with CaptureQueriesContext(connection) as ctx:
        collect(q, ["contacts_below"])
        collect(q)
    assert sum("assessments_intensitydecision" in c["sql"] for c in ctx.captured_queries) == 2
