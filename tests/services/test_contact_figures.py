"""The follow-up intensity in the activity figures (docs/figures.md, « intensity »): persons
followed by level in force, the compliance of their contacts over the period, the assessments
due for review; the window's rule against the échéancier's ``contact_status``; a fixed number
of queries; sensitive answers never read. Rows are written directly where only the counted
fields matter (past dates)."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.accounts.system import SystemActor
from probatio.agenda.models import Appointment
from probatio.assessments import rules as intensity_rules
from probatio.assessments.models import Assessment, GridVersion, IntensityDecision
from probatio.figures import definitions, rules, selectors, services
from probatio.figures.models import FigureSnapshot
from probatio.figures.selectors import Scope
from probatio.figures.views import export_table
from tests.factories import DecisionFactory, MeasureFactory, make_person

TODAY = date(2026, 12, 6)
NOVEMBER = rules.month_period(2026, 11)
STANDARD = intensity_rules.ContactRule("standard", "*", 30, 1, 0, 180)
REINFORCED = intensity_rules.ContactRule("reinforced", "*", 30, 2, 1, 90)


# --- The pure rule ----------------------------------------------------------------------------


def judged(rule, *, since, held, start, end):
    window = rules.contact_window(rule, level_since=since, start=start, end=end)
    if window is None:
        return rules.RECENT
    first, last = window
    interviews = sum(
        1 for d, k in held if k in intensity_rules.INTERVIEW_KINDS and first <= d <= last
    )
    visits = sum(1 for d, k in held if k in intensity_rules.HOME_VISIT_KINDS and first <= d <= last)
    return rules.contact_compliance(
        rule, window_days=(last - first).days + 1, interviews=interviews, visits=visits
    )


@pytest.mark.parametrize(
    "since, held",
    [
        (date(2026, 1, 1), []),
        (date(2026, 1, 1), [(date(2026, 11, 1), "follow_up")]),
        (date(2026, 1, 1), [(date(2026, 10, 31), "follow_up"), (date(2026, 11, 20), "video")]),
        (date(2026, 1, 1), [(date(2026, 11, 10), "home_visit"), (date(2026, 11, 20), "prison")]),
        (date(2026, 1, 1), [(date(2026, 11, 10), "follow_up"), (date(2026, 11, 20), "phone")]),
        (date(2026, 10, 31), [(date(2026, 11, 10), "follow_up")]),
        (date(2026, 11, 1), [(date(2026, 11, 10), "follow_up")]),
        (date(2026, 11, 15), []),
    ],
)
@pytest.mark.parametrize("rule", [STANDARD, REINFORCED])
def test_over_one_period_of_the_rule_it_is_the_echeanciers_judgement(rule, since, held):
    end = NOVEMBER.end  # November: 30 days, one period of the rule
    status = intensity_rules.contact_status(rule, level_since=since, held=held, today=end)
    found = judged(rule, since=since, held=held, start=NOVEMBER.start, end=end)
    if since > status.period_start:
        assert found == rules.RECENT
    else:
        assert found == (rules.BELOW if status.below_level else rules.COMPLIANT)


def test_a_longer_period_asks_for_its_share_of_interviews():
    year = rules.year_period(2026)
    monthly = [(date(2026, m, 10), "follow_up") for m in range(1, 13)]
    assert (
        judged(STANDARD, since=date(2025, 1, 1), held=monthly, start=year.start, end=year.end)
        == rules.COMPLIANT
    )
    # 365 days ask 12 interviews (365 // 30): eleven are below the level.
    assert (
        judged(STANDARD, since=date(2025, 1, 1), held=monthly[1:], start=year.start, end=year.end)
        == rules.BELOW
    )
    # The level applied in July: the window starts then (six interviews asked, six held).
    assert (
        judged(STANDARD, since=date(2026, 7, 1), held=monthly[6:], start=year.start, end=year.end)
        == rules.COMPLIANT
    )
    # A short period still looks back over a whole period of a light level (90 days).
    light = intensity_rules.ContactRule("light", "*", 90, 1, 0, 365)
    assert (
        judged(
            light,
            since=date(2025, 1, 1),
            held=[(date(2026, 9, 15), "follow_up")],
            start=NOVEMBER.start,
            end=NOVEMBER.end,
        )
        == rules.COMPLIANT
    )
    assert (
        judged(
            light,
            since=date(2025, 1, 1),
            held=[(date(2026, 8, 15), "follow_up")],
            start=NOVEMBER.start,
            end=NOVEMBER.end,
        )
        == rules.BELOW
    )


# --- The figure -------------------------------------------------------------------------------


def running(person, code="SURSIS_PROBATOIRE", start=date(2025, 1, 6)):
    decision = DecisionFactory(person=person, date=start, enforceable_date=None)
    return MeasureFactory(
        person=person,
        decision=decision,
        measure_type_id=code,
        start_date=start,
        end_date=None,
        status="active",
        setting="community",
        duration_months=24,
    )


def level(person, chosen, since, status="applied"):
    return IntensityDecision.objects.create(
        person=person,
        service_id=person.service_id,
        chosen_level=chosen,
        status=status,
        chosen_by=person.assigned_cpip,
        chosen_at=datetime(since.year, since.month, since.day, 9, tzinfo=UTC),
        applies_from=since if status == "applied" else None,
    )


def assessed(person, on, **extra):
    return Assessment.objects.create(
        person=person,
        service_id=person.service_id,
        grid_version=GridVersion.objects.order_by("effective_from").first(),
        reason="periodic",
        assessed_on=on,
        summary="Synthèse.",
        proposed_level="standard",
        proposal_score=0,
        proposal_version="2026-1",
        author=person.assigned_cpip,
        author_role="cpip",
        **extra,
    )


def held(person, on, kind="follow_up", status="honoured"):
    return Appointment.objects.create(
        service=person.service,
        person=person,
        kind=kind,
        place_kind="site",
        starts_at=datetime(on.year, on.month, on.day, 9, 0, tzinfo=UTC),
        ends_at=datetime(on.year, on.month, on.day, 10, 0, tzinfo=UTC),
        status=status,
        created_by=person.assigned_cpip,
    )


@pytest.fixture
def cpip2(member):
    return member("cpip", user__first_name="Bruno", user__last_name="Second")


@pytest.fixture
def world(cpip, cpip2, member, other_service):
    """Seven persons of ``cpip`` and one of ``cpip2`` followed in November, one of another
    service."""
    a, b, c, d, e, f, g = (make_person(cpip, surname=f"Mien{i}") for i in range(7))
    theirs = make_person(cpip2, surname="Autre")
    foreign = make_person(member("cpip", service=other_service), surname="Ailleurs")
    for p in (a, b, c, d, e, f, g, theirs, foreign):
        running(p)
    long_ago = date(2026, 1, 5)
    # a: reinforced under a reinforced probation (2 interviews and a home visit per 30 days).
    running(a, "SURSIS_PROBATOIRE_RENFORCE")
    level(a, "reinforced", long_ago)
    held(a, date(2026, 11, 3))
    held(a, date(2026, 11, 17), kind="home_visit")
    assessed(a, date(2026, 10, 1))
    # b: reinforced, one interview only: below; assessed long ago: to review (90 days).
    level(b, "reinforced", long_ago)
    held(b, date(2026, 11, 3))
    held(b, date(2026, 11, 10), status="no_show")
    assessed(b, date(2026, 6, 1))
    # c: standard, held in November: compliant; a later change waits (not in force).
    level(c, "standard", long_ago)
    level(c, "reinforced", date(2026, 11, 20), status="pending")
    held(c, date(2026, 11, 25), kind="video")
    assessed(c, date(2026, 11, 2), has_sensitive=True, sensitive_answers={"health": "x"},
             sensitive_basis="necessary", sensitive_reason="Motif.")  # fmt: skip
    # d: standard since 20 November: too recent to be measured; no assessment: to review.
    level(d, "light", long_ago)
    level(d, "standard", date(2026, 11, 20))
    # e: light; its interview in September counts (a light level looks back 90 days).
    level(e, "light", long_ago)
    held(e, date(2026, 9, 15))
    assessed(e, date(2026, 9, 1))
    # f: a level decided after the period: none in November; g: none at all.
    level(f, "standard", date(2026, 12, 2))
    # theirs: standard, nothing held: below.
    level(theirs, "standard", long_ago)
    assessed(theirs, date(2026, 10, 1))
    level(foreign, "standard", long_ago)
    return (a, b, c, d, e, f, g), theirs, foreign


def values(figure):
    found = {row.key: row.values for row in figure.rows}
    found["total"] = figure.total.values
    return found


def test_persons_by_level_with_the_compliance_of_their_contacts(cpip, world):
    with CaptureQueriesContext(connection) as queries:
        figure = selectors.compute_intensity(Scope(cpip.service_id), NOVEMBER, today=TODAY)
    found = values(figure)
    assert found["reinforced"] == {
        "persons": 2, "compliant": 1, "below": 1, "recent": 0, "review": 1,
        "measured": 2, "share": 50.0,
    }  # fmt: skip
    assert found["standard"] == {
        "persons": 3, "compliant": 1, "below": 1, "recent": 1, "review": 1,
        "measured": 2, "share": 50.0,
    }  # fmt: skip
    assert found["light"]["persons"] == 1 and found["light"]["compliant"] == 1
    assert found["light"]["review"] == 0
    assert found["none"]["persons"] == 2 and found["none"]["compliant"] is None
    assert found["total"]["persons"] == 8  # the other service's person is not counted
    assert found["total"]["compliant"] == 3 and found["total"]["below"] == 2
    assert figure.as_of == NOVEMBER.end
    # Three queries; an assessment's answers (sensitive or not) are never read.
    assert len(queries.captured_queries) == 3
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "sensitive" not in sql and '"answers"' not in sql and "summary" not in sql


def test_the_number_of_queries_does_not_grow(cpip, world):
    def count():
        with CaptureQueriesContext(connection) as queries:
            selectors.compute_intensity(
                Scope(cpip.service_id), rules.year_period(2026), today=TODAY
            )
        return len(queries.captured_queries)

    before = count()
    for n in range(6):
        p = make_person(cpip, surname=f"Plus{n}")
        running(p)
        level(p, "reinforced", date(2026, 2, 1))
        held(p, date(2026, 3, 1))
        assessed(p, date(2026, 3, 1))
    assert count() == before == 3


def test_a_cpip_counts_their_own_caseload(cpip, cpip2, world):
    scope = Scope(cpip2.service_id, cpip2.user_id, cpip2.pk)
    found = values(selectors.compute_intensity(scope, NOVEMBER, today=TODAY))
    assert found["total"]["persons"] == 1
    assert found["standard"]["below"] == 1


def test_small_counts_are_masked_and_the_export_shows_the_words(cpip, world):
    figure = selectors.compute_intensity(Scope(cpip.service_id), NOVEMBER, today=TODAY)
    masked = rules.mask(figure)
    table = export_table(definitions.BY_CODE["intensity"], masked, NOVEMBER, Scope(cpip.service_id))
    cells = {row[0]: row[1:] for row in table.rows}
    assert cells["Renforcé"][0] == rules.SMALL  # two persons
    assert cells["Toutes les personnes suivies"][0] == 8
    # Shares on fewer than five persons are not shown.
    assert cells["Renforcé"][4] == rules.NOT_SIGNIFICANT


def test_the_figure_is_stored_with_the_others_for_a_closed_period(cpip, cpip2, world):
    actor = SystemActor(service_id=cpip.service_id, reason=services.REASON)
    services.store_period(actor=actor, period=NOVEMBER, today=TODAY)
    stored = FigureSnapshot.objects.get(code="intensity", membership__isnull=True)
    assert rules.Figure.from_data(stored.data).total.values["persons"] == 8
    figures, from_store = selectors.figures_for(
        Scope(cpip.service_id), NOVEMBER, ["intensity"], today=TODAY
    )
    assert "intensity" in from_store
    assert figures["intensity"].total.values["compliant"] == 3


def test_no_person_with_a_level_reads_no_contacts(cpip):
    p = make_person(cpip, surname="Seul")
    running(p)
    with CaptureQueriesContext(connection) as queries:
        figure = selectors.compute_intensity(Scope(cpip.service_id), NOVEMBER, today=TODAY)
    assert values(figure)["none"]["persons"] == 1
    assert len(queries.captured_queries) == 2
