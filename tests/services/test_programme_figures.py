"""The programmes' activity figure (docs/figures.md, « Programmes et travail de groupe »): per
programme, the enrolments' moves dated in the period, the sessions held, the attendances and
the attendance rate, on hand-made data with the values written by hand; a CPIP sees their own
caseload's; two queries whatever the size."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.figures import rules, selectors
from probatio.figures.selectors import Scope
from probatio.programmes import services as programmes
from tests.factories import (
    SiteFactory,
    gate,
    make_enrolled,
    make_group,
    make_person,
    make_programme,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 6)
NOVEMBER = rules.month_period(2026, 11)


def at(day: date, hour: int = 9):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False)


def values(figure: rules.Figure) -> dict:
    found = {row.label: row.values for row in figure.rows}
    if figure.total is not None:
        found["total"] = figure.total.values
    return found


@pytest.fixture
def setting(manager, cpip, member, service):
    """Programme « Respect » (Tuesdays from 3 November 2026): the CPIP's a, b and c enrolled, d
    referred then withdrawn, a colleague's person enrolled; attendance at the first two
    sessions. Programme « Citoyenneté »: one referral in October (before the period)."""
    colleague = member("cpip", user__first_name="Bruno", user__last_name="Second")
    site = SiteFactory(service=service)
    with at(date(2026, 10, 20)):
        respect = make_programme(manager, name="Respect", session_count=4)
        citizen = make_programme(manager, name="Citoyenneté", session_count=2)
        group = make_group(manager, respect, site=site, start_date=date(2026, 11, 3))
        early = make_person(cpip, surname="Avant")
        programmes.enrolment_propose(gated=gate(cpip, early), programme=citizen)
    with at(date(2026, 11, 2)):
        a, b, c, d = (make_person(cpip, surname=f"Mien{i}") for i in range(4))
        theirs = make_person(colleague, surname="Autre")
        for person in (a, b, c):
            make_enrolled(cpip, person, group, compulsory=True)
        make_enrolled(colleague, theirs, group)
        referral = programmes.enrolment_propose(gated=gate(cpip, d), programme=respect)
        programmes.enrolment_move(
            gated=gate(cpip, d), enrolment=referral, status="withdrawn", reason="Refus"
        )
    first, second = group.sessions.get(number=1), group.sessions.get(number=2)
    with at(date(2026, 11, 20)):
        for person, session, status in (
            (a, first, "present"),
            (b, first, "present"),
            (c, first, "unexcused"),
            (theirs, first, "present"),
            (a, second, "present"),
            (b, second, "excused"),
        ):
            programmes.attendance_record(
                gated=gate(cpip if person is not theirs else colleague, person),
                session=session,
                status=status,
            )
    return {"colleague": colleague}


def test_the_services_programme_figures(manager, setting):
    figure = selectors.compute_programmes(Scope(manager.service_id), NOVEMBER, today=TODAY)
    respect = {
        "proposed": 5,
        "enrolled": 4,
        "completed": 0,
        "left": 1,
        "sessions": 2,
        "recorded": 6,
        "present": 4,
        "unexcused": 1,
        "rate": 66.7,
    }
    # « Citoyenneté » had nothing in November: no row.
    assert values(figure) == {"Respect": respect, "total": respect}


def test_a_cpip_sees_their_caseloads_only(cpip, setting):
    scope = Scope(cpip.service_id, cpip.user_id, cpip.pk)
    figure = selectors.compute_programmes(scope, NOVEMBER, today=TODAY)
    assert values(figure)["Respect"] == {
        "proposed": 4,
        "enrolled": 3,
        "completed": 0,
        "left": 1,
        "sessions": 2,
        "recorded": 5,
        "present": 3,
        "unexcused": 1,
        "rate": 60.0,
    }


def test_small_counts_are_masked_and_so_is_a_rate_that_would_give_them_back(manager, setting):
    figure = selectors.compute_programmes(Scope(manager.service_id), NOVEMBER, today=TODAY)
    masked = rules.mask(figure)
    cells = {c.key: cell for c, cell in zip(figure.columns, masked.rows[0].cells, strict=False)}
    assert cells["proposed"].text == "5" and cells["recorded"].text == "6"
    assert cells["unexcused"].masked and cells["present"].masked  # 1 and 4
    # Four present out of six: the rate times the six would give the four back.
    assert cells["rate"].masked and cells["rate"].value is None


def test_two_queries_whatever_the_size(manager, setting):
    scope = Scope(manager.service_id)
    with CaptureQueriesContext(connection) as queries:
        selectors.compute_programmes(scope, NOVEMBER, today=TODAY)
    assert len(queries) == 2
