"""Each activity figure's definition (docs/figures.md) on small hand-made data, with the
expected values written by hand; the SQL median against the plain one; the snapshots of
closed periods (stored by the system actor, read back, recomputed on a new definitions
version). Rows are written directly where a service would refuse the state (past dates) or
where only the counted fields matter."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from probatio.accounts.system import SystemActor
from probatio.agenda.models import Appointment
from probatio.audit.models import AuditEntry
from probatio.community_work.models import WorkSession
from probatio.compliance.models import Incident, Proof
from probatio.figures import rules, selectors, services
from probatio.figures.models import FigureSnapshot
from probatio.figures.selectors import Scope
from probatio.measures.models import Decision, Measure, Obligation
from probatio.people.models import CustodyRecord, SituationEntry
from probatio.reports.models import JudgeAnswer, Report
from tests.factories import (
    DecisionFactory,
    EstablishmentFactory,
    MeasureFactory,
    ObligationFactory,
    make_person,
)

TODAY = date(2026, 12, 6)
NOVEMBER = rules.month_period(2026, 11)


def values(figure: rules.Figure) -> dict:
    """``{row key: values}``, the totals' row under "total"."""
    found = {row.key: row.values for row in figure.rows}
    if figure.total is not None:
        found["total"] = figure.total.values
    return found


def measure(
    person,
    code="SURSIS_PROBATOIRE",
    *,
    start,
    end=None,
    status="active",
    setting="community",
    decided=None,
    **extra,
):
    decision = DecisionFactory(person=person, date=decided or start, enforceable_date=None)
    return MeasureFactory(
        person=person,
        decision=decision,
        measure_type_id=code,
        start_date=start,
        end_date=end,
        status=status,
        setting=setting,
        duration_months=24 if code.startswith("SURSIS") else None,
        **extra,
    )


@pytest.fixture
def cpip2(member):
    return member("cpip", user__first_name="Bruno", user__last_name="Second")


@pytest.fixture
def people(cpip, cpip2, member, other_service):
    """Persons of the service (four of ``cpip``, one of ``cpip2``) and one of another."""
    mine = [make_person(cpip, surname=f"Mien{i}") for i in range(4)]
    theirs = make_person(cpip2, surname="Autre")
    foreign = make_person(member("cpip", service=other_service), surname="Ailleurs")
    return mine, theirs, foreign


SERVICE = "service"


def scope_of(membership, kind=SERVICE):
    if kind == SERVICE:
        return Scope(membership.service_id)
    return Scope(membership.service_id, membership.user_id, membership.pk)


# --- Persons followed on a date -------------------------------------------------------------


def test_persons_followed_on_the_periods_last_day(cpip, people):
    (a, b, c, d), theirs, foreign = people
    measure(a, start=date(2025, 1, 6))  # running
    measure(b, start=date(2026, 3, 1))  # running…
    measure(b, "TIG", start=date(2026, 5, 1), end=date(2027, 5, 1))  # …with a TIG
    measure(c, "EMPRISONNEMENT", start=date(2026, 10, 1), setting="custody")
    measure(d, start=date(2024, 1, 1), end=date(2026, 11, 29), status="ended")  # over on the 30th
    measure(d, start=date(2026, 11, 10), status="void")  # void: never ran
    measure(d, start=date(2026, 12, 1))  # starts after the day
    measure(d, "LC", start=date(2026, 11, 1), status="pending")  # still pending
    measure(theirs, start=date(2025, 6, 1), end=date(2026, 11, 30), status="ended")  # ends that day
    measure(foreign, start=date(2025, 1, 1))

    figure = selectors.compute_followed(scope_of(cpip), NOVEMBER, today=TODAY)
    assert figure.as_of == date(2026, 11, 30)
    assert values(figure) == {
        "SURSIS_PROBATOIRE": {"community": 3, "custody": 0, "all": 3},
        "TIG": {"community": 1, "custody": 0, "all": 1},
        "EMPRISONNEMENT": {"community": 0, "custody": 1, "all": 1},
        "total": {"community": 3, "custody": 1, "all": 4},
    }
    mine = selectors.compute_followed(scope_of(cpip, "caseload"), NOVEMBER, today=TODAY)
    assert values(mine)["total"] == {"community": 2, "custody": 1, "all": 3}


def test_a_period_not_over_counts_persons_followed_today(cpip, people):
    (a, *_), _, _ = people
    measure(a, start=date(2026, 12, 2))
    running = rules.month_period(2026, 12)
    figure = selectors.compute_followed(scope_of(cpip), running, today=TODAY)
    assert figure.as_of == TODAY
    assert values(figure)["total"]["all"] == 1


# --- Measures opened and closed ---------------------------------------------------------------


def test_measures_opened_and_closed_in_the_period(cpip, people):
    (a, b, c, d), theirs, foreign = people
    measure(a, start=date(2026, 11, 1))  # opened
    measure(b, start=date(2026, 11, 30))  # opened (last day)
    measure(c, start=date(2026, 11, 15), status="void")  # void: not opened
    measure(c, start=date(2026, 10, 31))  # before
    measure(d, start=date(2025, 1, 1), end=date(2026, 11, 12), status="ended")  # closed
    measure(
        d, "TIG", start=date(2025, 1, 1), end=date(2026, 11, 20), status="revoked"
    )  # closed, revoked
    measure(
        theirs, "TIG", start=date(2026, 11, 3), end=date(2026, 12, 1), status="ended"
    )  # opened only
    measure(foreign, start=date(2026, 11, 5))

    figure = selectors.compute_measures_flow(scope_of(cpip), NOVEMBER, today=TODAY)
    assert values(figure) == {
        "SURSIS_PROBATOIRE": {"opened": 2, "closed": 1, "revoked": 0},
        "TIG": {"opened": 1, "closed": 1, "revoked": 1},
        "total": {"opened": 3, "closed": 2, "revoked": 1},
    }


# --- First interview ------------------------------------------------------------------------


def interview(person, on: date, status="honoured", kind="first"):
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


def test_first_interviews_against_their_legal_deadline(cpip, people):
    (a, b, c, d), theirs, foreign = people
    today = date(2027, 2, 1)
    # A free person sentenced: 45 days from the decision (CPP 474).
    measure(a, start=date(2026, 11, 2), decided=date(2026, 11, 2))
    interview(a, date(2026, 10, 20))  # before the start: not this measure's
    interview(a, date(2026, 11, 20))  # 18 days: within
    measure(b, start=date(2026, 11, 3), decided=date(2026, 11, 3))
    interview(b, date(2026, 11, 25), status="no_show")  # not held
    interview(b, date(2027, 1, 10))  # 68 days: held late
    measure(c, start=date(2026, 11, 4), decided=date(2026, 11, 4))  # none, due 19/12: missing
    measure(c, "EMPRISONNEMENT", start=date(2026, 11, 4), setting="custody")  # no interview
    # A TIG: the service's own delay (45 days) from the start.
    measure(d, "TIG", start=date(2026, 11, 10), decided=date(2026, 10, 1), hours=100)
    interview(d, date(2026, 11, 12))  # 42 days after the decision, within
    # Started in the period, deadline not come yet (16/01/2027 with today 01/02? no: passed)
    measure(theirs, start=date(2026, 11, 30), decided=date(2026, 11, 30))
    interview(foreign, date(2026, 11, 20))
    measure(foreign, start=date(2026, 11, 2))

    figure = selectors.compute_first_interview(scope_of(cpip), NOVEMBER, today=today)
    found = values(figure)
    assert found["free_sentenced"] == {
        "measures": 4,
        "held": 2,
        "within": 1,
        "missing": 2,
        "decided": 4,
        "share": 25.0,
    }
    assert found["service_default"] == {
        "measures": 1,
        "held": 1,
        "within": 1,
        "missing": 0,
        "decided": 1,
        "share": 100.0,
    }
    # Delays from the decision: 18, 68 and 42 days; the median is 42.
    assert found["total"] == {
        "measures": 5,
        "held": 3,
        "within": 2,
        "missing": 2,
        "decided": 5,
        "share": 40.0,
        "median": 42.0,
    }


def test_a_deadline_not_come_yet_is_neither_late_nor_within(cpip, people):
    (a, *_), _, _ = people
    measure(a, start=date(2026, 11, 28), decided=date(2026, 11, 28))  # due 12/01/2027
    figure = selectors.compute_first_interview(scope_of(cpip), NOVEMBER, today=TODAY)
    assert values(figure)["free_sentenced"] == {
        "measures": 1,
        "held": 0,
        "within": 0,
        "missing": 0,
        "decided": 0,
        "share": None,
    }
    assert values(figure)["total"]["median"] is None


# --- Caseload and workload ------------------------------------------------------------------


def test_caseload_per_cpip_is_the_service_views(cpip, cpip2, people):
    (a, b, c, d), theirs, _ = people
    for person in (a, b, c):
        measure(person, start=date(2026, 1, 5))
    measure(theirs, start=date(2026, 1, 5))
    service_figure = selectors.compute_caseload(scope_of(cpip), NOVEMBER, today=TODAY)
    rows = {row.label: row.values for row in service_figure.rows}
    assert rows["Camille Conseil"]["persons"] == 4
    assert rows["Camille Conseil"]["measures"] == 3
    assert rows["Bruno Second"]["persons"] == 1
    assert service_figure.total.values["persons"] == 5
    assert service_figure.as_of == TODAY
    mine = selectors.compute_caseload(scope_of(cpip, "caseload"), NOVEMBER, today=TODAY)
    assert [row.label for row in mine.rows] == ["Camille Conseil"]
    assert mine.total is None


# --- Reports and the judges' answers ------------------------------------------------------------


def report(
    person,
    author,
    *,
    kind="evaluation",
    sent: date | None,
    due=None,
    matter="",
    status="transmitted",
):
    return Report.objects.create(
        person=person,
        kind=kind,
        matter=matter,
        title="Rapport",
        status=status,
        due_date=due,
        author=author,
        transmitted_at=datetime(sent.year, sent.month, sent.day, 12, 0, tzinfo=UTC)
        if sent
        else None,
    )


def answer(rep, *, on: date, kind="acknowledged", by):
    decision = Decision.objects.create(
        person=rep.person, kind=Decision.Kind.JAP_ORDER, jurisdiction="JAP", date=on
    )
    return JudgeAnswer.objects.create(
        report=rep, kind=kind, date=on, decision=decision, recorded_by=by
    )


def test_reports_sent_their_delays_and_answers(cpip, manager, people):
    (a, b, c, d), theirs, foreign = people
    user = cpip.user
    r1 = report(a, user, sent=date(2026, 11, 3), due=date(2026, 11, 10))  # 7 days early
    r2 = report(b, user, sent=date(2026, 11, 12), due=date(2026, 11, 10))  # 2 days late
    report(c, user, sent=date(2026, 11, 20), due=date(2026, 11, 20))  # on the day
    report(d, user, sent=date(2026, 11, 21))  # no due date
    r5 = report(theirs, user, kind="incident", sent=date(2026, 11, 25), due=date(2026, 11, 30))
    report(a, user, sent=date(2026, 10, 31), due=date(2026, 11, 1))  # sent before the period
    report(a, user, sent=None, status="draft")
    report(foreign, user, sent=date(2026, 11, 3))
    answer(r1, on=date(2026, 11, 13), by=manager.user)  # 10 days
    answer(r2, on=date(2026, 11, 16), by=manager.user)  # 4 days
    answer(r5, on=date(2026, 11, 26), by=manager.user)  # 1 day

    figure = selectors.compute_reports(scope_of(cpip), NOVEMBER, today=TODAY)
    assert values(figure) == {
        "evaluation": {
            "sent": 4,
            "with_due": 3,
            "on_time": 2,
            "answered": 2,
            "share": 66.7,
            "lateness": 0.0,  # -7, 0, +2: the median is 0
            "answer_delay": 7.0,  # 4 and 10
        },
        "incident": {
            "sent": 1,
            "with_due": 1,
            "on_time": 1,
            "answered": 1,
            "share": 100.0,
            "lateness": -5.0,
            "answer_delay": 1.0,
        },
        "total": {"sent": 5, "with_due": 4, "on_time": 3, "answered": 3, "share": 75.0},
    }


def test_lc_lsc_and_adjustments_granted(cpip, manager, people):
    (a, b, c, d), theirs, foreign = people
    by = manager.user

    def opinion(person, matter, kind, on):
        answer(
            report(
                person,
                cpip.user,
                kind="opinion",
                matter=matter,
                sent=on - timedelta(days=20),
                status="answered",
            ),
            on=on,
            kind=kind,
            by=by,
        )

    opinion(a, "parole", "granted", date(2026, 11, 2))
    opinion(b, "parole", "granted", date(2026, 11, 30))
    opinion(c, "parole", "refused", date(2026, 11, 5))
    opinion(d, "lsc", "granted", date(2026, 11, 6))
    opinion(a, "lsc_plein_droit", "granted", date(2026, 11, 7))
    opinion(theirs, "semi_liberty", "adjourned", date(2026, 11, 8))
    opinion(b, "adjustment_723_15", "granted", date(2026, 11, 9))
    opinion(c, "home_detention", "impossible", date(2026, 11, 10))
    opinion(d, "parole", "granted", date(2026, 10, 31))  # before the period
    opinion(d, "reductions", "granted", date(2026, 11, 11))  # not a release or an adjustment
    opinion(foreign, "parole", "granted", date(2026, 11, 3))

    figure = selectors.compute_grants(scope_of(cpip), NOVEMBER, today=TODAY)
    assert values(figure) == {
        "lc": {"granted": 2, "refused": 1, "adjourned": 0, "other": 0, "total": 3},
        "lsc": {"granted": 2, "refused": 0, "adjourned": 0, "other": 0, "total": 2},
        "adjustment": {"granted": 1, "refused": 0, "adjourned": 1, "other": 1, "total": 3},
        "total": {"granted": 5, "refused": 1, "adjourned": 1, "other": 1, "total": 8},
    }
    mine = selectors.compute_grants(scope_of(cpip, "caseload"), NOVEMBER, today=TODAY)
    assert values(mine)["adjustment"]["adjourned"] == 0


# --- Incidents ------------------------------------------------------------------------------


def incident(person, by, kind, on, status="recorded"):
    return Incident.objects.create(
        person=person,
        kind=kind,
        occurred_on=on,
        source="spip",
        status=status,
        dismissal_reason="Justifié" if status == "dismissed" else "",
        recorded_by=by,
    )


def test_incidents_by_kind(cpip, people):
    (a, b, c, d), theirs, foreign = people
    by = cpip.user
    reported = incident(a, by, "new_offence", date(2026, 11, 3))
    Report.objects.create(person=a, kind="incident", title="Rapport", author=by, incident=reported)
    incident(b, by, "new_offence", date(2026, 11, 4))
    incident(c, by, "missed_appointment", date(2026, 11, 5))
    incident(d, by, "missed_appointment", date(2026, 11, 6), status="dismissed")
    incident(theirs, by, "missing_proof", date(2026, 11, 7), status="dismissed")
    incident(a, by, "new_offence", date(2026, 12, 1))  # after
    incident(foreign, by, "new_offence", date(2026, 11, 3))

    figure = selectors.compute_incidents(scope_of(cpip), NOVEMBER, today=TODAY)
    assert values(figure) == {
        "missed_appointment": {"recorded": 1, "reported": 0, "dismissed": 1},
        "missing_proof": {"recorded": 0, "reported": 0, "dismissed": 1},
        "new_offence": {"recorded": 2, "reported": 1, "dismissed": 0},
        "total": {"recorded": 3, "reported": 1, "dismissed": 2},
    }
    assert [row.key for row in figure.rows] == [
        "missed_appointment",
        "missing_proof",
        "new_offence",
    ]


# --- TIG hours --------------------------------------------------------------------------------


def test_tig_hours_by_month(cpip, manager, people):
    from tests.services.test_community_work import (
        make_host,
        make_placement,
        make_supervisor,
        open_order,
        place,
        tig,
    )

    (a, b, *_), _, _ = people
    host = make_host(manager)
    placement = make_placement(manager, host, supervisor=make_supervisor(manager, host), capacity=2)
    assignments = []
    for person in (a, b):
        order = open_order(cpip, person, tig(cpip, person))
        assignments.append(place(cpip, person, order, placement))
    first, second = assignments

    def session(assignment, on, hours, kind="work"):
        WorkSession.objects.create(
            assignment=assignment, on=on, kind=kind, hours=Decimal(hours), recorded_by=cpip.user
        )

    session(first, date(2026, 10, 5), "3.5")
    session(first, date(2026, 10, 7), "4")
    session(second, date(2026, 10, 7), "2.25")
    session(second, date(2026, 10, 9), "0", kind="absence_unexcused")
    session(first, date(2026, 11, 2), "3")
    session(first, date(2026, 11, 4), "0", kind="absence_excused")
    session(first, date(2026, 12, 1), "5")  # after the period

    period = rules.parse_period(
        rules.CUSTOM, start=date(2026, 9, 15), end=date(2026, 11, 30), today=TODAY
    )
    figure = selectors.compute_tig_hours(scope_of(cpip), period, today=TODAY)
    assert values(figure) == {
        "2026-09-01": {"hours": Decimal(0), "persons": 0, "sessions": 0, "unexcused": 0},
        "2026-10-01": {"hours": Decimal("9.75"), "persons": 2, "sessions": 3, "unexcused": 1},
        "2026-11-01": {"hours": Decimal("3"), "persons": 1, "sessions": 1, "unexcused": 0},
        "total": {"hours": Decimal("12.75"), "persons": 2, "sessions": 4, "unexcused": 1},
    }
    assert [row.label for row in figure.rows] == ["Septembre 2026", "Octobre 2026", "Novembre 2026"]


# --- Releases and housing -------------------------------------------------------------------


def test_releases_with_and_without_housing(cpip, people):
    (a, b, c, d), theirs, foreign = people
    place = EstablishmentFactory(service=cpip.service)

    def released(person, on, kind, housing=None, number=[0]):  # noqa: B006
        number[0] += 1
        CustodyRecord.objects.create(
            person=person, establishment=place, committal_number=f"R{number[0]}",
            committal_date=date(2025, 1, 1), release_date=on, release_kind=kind,
        )  # fmt: skip
        if housing:
            SituationEntry.objects.create(
                person=person, domain="housing", status=housing, effective_date=on
            )

    released(a, date(2026, 11, 3), "end_of_sentence", "own_home")
    released(b, date(2026, 11, 4), "end_of_sentence", "homeless")
    released(c, date(2026, 11, 5), "end_of_sentence", "unknown")
    released(d, date(2026, 11, 6), "lsc", "shelter")
    SituationEntry.objects.create(
        person=theirs, domain="housing", status="homeless", effective_date=date(2026, 11, 1)
    )
    released(theirs, date(2026, 11, 7), "lc")  # nothing recorded on the day
    released(a, date(2026, 10, 30), "lc", "own_home")  # before
    released(foreign, date(2026, 11, 3), "lc", "own_home")

    figure = selectors.compute_releases(scope_of(cpip), NOVEMBER, today=TODAY)
    assert values(figure) == {
        "end_of_sentence": {"housed": 1, "homeless": 1, "unknown": 1, "total": 3},
        "lc": {"housed": 0, "homeless": 0, "unknown": 1, "total": 1},
        "lsc": {"housed": 1, "homeless": 0, "unknown": 0, "total": 1},
        "total": {"housed": 2, "homeless": 1, "unknown": 2, "total": 5},
    }


# --- Proofs on time -----------------------------------------------------------------------------


def test_periodic_proofs_received_on_time(cpip, people):
    (a, b, *_), theirs, foreign = people

    def obligation(person, frequency, code="TRAVAIL_FORMATION"):
        return ObligationFactory(
            measure=measure(person, start=date(2026, 1, 5)),
            obligation_type_id=code,
            proof_frequency=frequency,
        )

    monthly = obligation(a, "monthly")
    quarterly = obligation(b, "quarterly")
    once = obligation(b, "once", code="STAGE_CITOYENNETE")
    far = obligation(foreign, "monthly")

    def proof(obl, period_end, received, status="accepted"):
        Proof.objects.create(
            person=obl.measure.person, obligation=obl, period_start=period_end.replace(day=1),
            period_end=period_end, document_type="Bulletin", received_on=received,
            medium="paper", status=status, registered_by=cpip.user,
            refusal_reason="Illisible" if status == "refused" else "",
        )  # fmt: skip

    proof(monthly, date(2026, 10, 31), date(2026, 11, 10))  # due 10/11 (grace 10 days): on time
    proof(monthly, date(2026, 10, 31), date(2026, 11, 11))  # late
    proof(monthly, date(2026, 11, 30), date(2026, 11, 30), status="refused")
    proof(monthly, date(2026, 11, 30), date(2026, 11, 29), status="received")
    proof(quarterly, date(2026, 9, 30), date(2026, 11, 2))  # late
    proof(once, date(2026, 11, 30), date(2026, 11, 3))  # not periodic
    proof(monthly, date(2026, 9, 30), date(2026, 10, 5))  # received before the period
    proof(far, date(2026, 10, 31), date(2026, 11, 3))

    figure = selectors.compute_proofs(scope_of(cpip), NOVEMBER, today=TODAY)
    assert values(figure) == {
        "monthly": {"received": 4, "accepted": 2, "on_time": 1, "refused": 1, "share": 50.0},
        "quarterly": {"received": 1, "accepted": 1, "on_time": 0, "refused": 0, "share": 0.0},
        "total": {"received": 5, "accepted": 3, "on_time": 1, "refused": 1, "share": 33.3},
    }
    assert Obligation.objects.count() == 4


# --- Medians in SQL ---------------------------------------------------------------------------


@pytest.mark.parametrize("durations", [[12], [12, 36], [6, 24, 12], [36, 6, 24, 12, 18, 18]])
def test_the_sql_median_is_the_median(cpip, durations):
    person = make_person(cpip)
    for months in durations:
        MeasureFactory(person=person, duration_months=months)
    MeasureFactory(person=person, measure_type_id="TIG", duration_months=40, hours=100)
    MeasureFactory(person=person, measure_type_id="TIG", duration_months=None, hours=100)
    found = selectors.medians(Measure.objects.all(), F("duration_months"), by="measure_type_id")
    assert found == {"SURSIS_PROBATOIRE": rules.median(durations), "TIG": 40.0}
    overall = selectors.medians(Measure.objects.all(), F("duration_months"))
    assert overall == {None: rules.median([*durations, 40])}
    assert selectors.medians(Measure.objects.none(), F("duration_months")) == {}


def test_the_sql_median_of_date_differences_in_one_query(cpip):
    person = make_person(cpip)
    for days in (3, 10, 40, 41):
        decided = date(2026, 1, 1)
        MeasureFactory(
            person=person,
            decision=DecisionFactory(person=person, date=decided, enforceable_date=None),
            start_date=decided + timedelta(days=days),
        )
    with CaptureQueriesContext(connection) as queries:
        found = selectors.medians(
            Measure.objects.all(), selectors._days_between("start_date", "decision__date")
        )
    assert found == {None: 25.0}
    assert len(queries.captured_queries) == 1


# --- Snapshots of closed periods ----------------------------------------------------------------


def actor_of(service_id):
    return SystemActor(service_id=service_id, reason=services.REASON)


def test_the_system_actor_stores_every_figure_of_a_closed_period(cpip, cpip2, manager, people):
    (a, *_), _, _ = people
    measure(a, start=date(2026, 11, 2))
    written = services.store_period(actor=actor_of(cpip.service_id), period=NOVEMBER, today=TODAY)
    codes = len(selectors.COMPUTE)
    assert written == codes * 3  # the service, and each of its two CPIPs
    assert FigureSnapshot.objects.filter(membership__isnull=True).count() == codes
    assert FigureSnapshot.objects.filter(membership=cpip).count() == codes
    entry = AuditEntry.objects.filter(object_type="figures.figuresnapshot").get()
    assert entry.actor is None and entry.role == "system"
    assert entry.context["snapshots"] == written
    assert entry.context["version"] == rules.DEFINITIONS_VERSION
    # Already stored: nothing written again, nothing journaled.
    assert services.store_period(actor=actor_of(cpip.service_id), period=NOVEMBER, today=TODAY) == 0
    assert AuditEntry.objects.filter(object_type="figures.figuresnapshot").count() == 1


def test_only_the_system_actor_stores_and_only_a_closed_period(cpip, manager):
    with pytest.raises(PermissionDenied):
        services.store_period(actor=manager, period=NOVEMBER, today=TODAY)
    with pytest.raises(PermissionDenied):
        services.store_period(
            actor=actor_of(cpip.service_id), period=rules.month_period(2026, 12), today=TODAY
        )
    assert not FigureSnapshot.objects.exists()


def test_a_stored_snapshot_is_read_instead_of_computed(cpip, people):
    (a, *_), _, _ = people
    measure(a, start=date(2026, 11, 2))
    services.store_period(actor=actor_of(cpip.service_id), period=NOVEMBER, today=TODAY)
    snapshot = FigureSnapshot.objects.get(membership__isnull=True, code="measures_flow")
    data = snapshot.data
    data["total"][2]["opened"] = 99  # what only the snapshot says
    FigureSnapshot.objects.filter(pk=snapshot.pk).update(data=data)
    with CaptureQueriesContext(connection) as queries:
        figures, stored = selectors.figures_for(
            scope_of(cpip), NOVEMBER, ["measures_flow"], today=TODAY
        )
    assert stored == {"measures_flow"}
    assert figures["measures_flow"].total.values["opened"] == 99
    assert len(queries.captured_queries) == 1
    # A period not over yet is always computed.
    running = rules.month_period(2026, 12)
    _, stored = selectors.figures_for(scope_of(cpip), running, ["measures_flow"], today=TODAY)
    assert stored == set()


def test_a_snapshot_of_another_definitions_version_is_recomputed(cpip, people, monkeypatch):
    (a, *_), _, _ = people
    measure(a, start=date(2026, 11, 2))
    services.store_period(actor=actor_of(cpip.service_id), period=NOVEMBER, today=TODAY)
    FigureSnapshot.objects.filter(code="measures_flow").update(
        data={
            **FigureSnapshot.objects.filter(code="measures_flow").first().data,
            "total": ["total", "Toutes", {"opened": 99, "closed": 0, "revoked": 0}],
        }
    )
    monkeypatch.setattr(rules, "DEFINITIONS_VERSION", rules.DEFINITIONS_VERSION + 1)
    figures, stored = selectors.figures_for(
        scope_of(cpip), NOVEMBER, ["measures_flow"], today=TODAY
    )
    assert stored == set()
    assert figures["measures_flow"].total.values["opened"] == 1
    # The nightly job replaces the old version's snapshots.
    services.store_period(actor=actor_of(cpip.service_id), period=NOVEMBER, today=TODAY)
    assert set(FigureSnapshot.objects.values_list("version", flat=True)) == {
        rules.DEFINITIONS_VERSION
    }
    _, stored = selectors.figures_for(scope_of(cpip), NOVEMBER, ["measures_flow"], today=TODAY)
    assert stored == {"measures_flow"}


def test_the_nightly_job_runs_for_every_service(cpip, other_service):
    now = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    result = services.run_periodic(now=now)
    periods = {(s.period_start, s.period_end) for s in FigureSnapshot.objects.all()}
    assert periods == {(p.start, p.end) for p in rules.closed_periods(TODAY)}
    assert set(FigureSnapshot.objects.values_list("service_id", flat=True)) == {
        cpip.service_id,
        other_service.pk,
    }
    assert result["snapshots"] == FigureSnapshot.objects.count()


def test_the_nightly_job_is_registered():
    from probatio.core import periodic

    assert "figures" in {job.name for job in periodic.registered()}
