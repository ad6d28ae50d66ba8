"""Proof schedules pause while the person is held, on a real database: the custody records
(committal and release through the people services) pause the obligations of a measure a
committal suspends (sursis probatoire, TIG, SSJ), not those of a parole; the dossier, the
incident proposals and the échéancier read them in a fixed number of queries."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.compliance import rules, selectors, services
from probatio.compliance.models import Incident
from probatio.core.deadlines import Query, Severity, collect
from probatio.measures import services as measure_services
from probatio.people import services as people_services
from probatio.people.models import Person
from probatio.people.selectors import person_get_for
from tests.factories import EstablishmentFactory, gate, make_measure, make_person

TODAY = date(2025, 6, 20)
COMMITTAL = date(2025, 2, 12)
RELEASE = date(2025, 4, 15)

pytestmark = pytest.mark.usefixtures("private_files")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2025, 6, 20, 10, 0, tzinfo=UTC), tick=False):
        yield


def monthly(cpip, measure, code="TRAVAIL_FORMATION"):
    return measure_services.obligation_create(
        gated=gate(cpip, measure.person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code=code,
        data={"start_date": measure.start_date, "status": "active", "proof_frequency": "monthly"},
    )


@pytest.fixture
def person(cpip):
    return make_person(cpip)


@pytest.fixture
def probation(cpip, person):
    """A sursis probatoire from 10 January 2025 with a monthly work obligation."""
    measure = make_measure(cpip, person, today=TODAY)
    return monthly(cpip, measure)


@pytest.fixture
def parole(cpip, person):
    """A parole (LC) of the same person from 10 January 2025, with a monthly work obligation."""
    measure = make_measure(cpip, person, code="LC", duration_months=24, today=TODAY)
    return monthly(cpip, measure)


def commit(cpip, person, day=COMMITTAL, number="001"):
    establishment = EstablishmentFactory(service_id=cpip.service_id)
    return people_services.custody_open(
        gated=gate(cpip, person),
        establishment_id=establishment.pk,
        committal_number=number,
        committal_date=day,
    )


def release(cpip, person, day=RELEASE):
    return people_services.custody_close(gated=gate(cpip, person), release_date=day)


def fresh(person):
    return Person.objects.select_related("service").get(pk=person.pk)


def schedule_of(person, obligation):
    [item] = [
        i
        for i in selectors.person_compliance(fresh(person), today=TODAY)
        if i.obligation == obligation
    ]
    return {state.slot.key: state for state in item.states}


def test_a_month_fully_held_is_not_expected_and_the_proofs_are_expected_again_after_release(
    cpip, person, probation
):
    before = schedule_of(person, probation)
    assert date(2025, 3, 1) in before
    commit(cpip, person)
    release(cpip, person)
    states = schedule_of(person, probation)
    assert sorted(states) == [
        date(2025, 1, 10),
        date(2025, 2, 1),  # 1 to 11 February outside
        date(2025, 4, 1),  # from the release on: expected again
        date(2025, 5, 1),
        date(2025, 6, 1),
    ]  # March, held throughout, is not expected
    assert states[date(2025, 1, 10)].slot.due == date(2025, 2, 10)
    assert states[date(2025, 2, 1)].slot.due == RELEASE + timedelta(days=10)  # due while held
    assert states[date(2025, 2, 1)].slot.label == "février 2025 (hors détention)"
    assert states[date(2025, 4, 1)].slot.label == "avril 2025 (hors détention)"
    assert states[date(2025, 4, 1)].status is rules.Status.MISSING  # due 10 May
    assert states[date(2025, 5, 1)].slot.due == date(2025, 6, 10)
    assert states[date(2025, 6, 1)].status is rules.Status.NOT_DUE


def test_a_paroles_obligation_keeps_its_schedule(cpip, person, probation, parole):
    commit(cpip, person)
    release(cpip, person)
    states = schedule_of(person, parole)
    assert sorted(states) == [date(2025, 1, 10)] + [date(2025, m, 1) for m in range(2, 7)]
    assert states[date(2025, 3, 1)].status is rules.Status.MISSING
    assert states[date(2025, 2, 1)].slot.due == date(2025, 3, 10)
    assert states[date(2025, 2, 1)].slot.label == "février 2025"


def test_while_held_nothing_is_missing_proposed_or_listed_for_the_suspended_measure(
    cpip, service, person, probation, parole
):
    commit(cpip, person, day=date(2025, 3, 5))
    states = schedule_of(person, probation)
    # January (due 10 February, before the committal) stays missing; February and March wait
    # for the release; April to June, held throughout, are not expected.
    assert {k: s.status for k, s in states.items()} == {
        date(2025, 1, 10): rules.Status.MISSING,
        date(2025, 2, 1): rules.Status.NOT_DUE,
        date(2025, 3, 1): rules.Status.NOT_DUE,
    }
    assert states[date(2025, 2, 1)].slot.awaiting_release
    person = fresh(person)
    proposals = selectors.proposals(
        person,
        selectors.person_compliance(person, today=TODAY, with_proofs=False),
        [],
        today=TODAY,
    )
    missing = {
        (p.obligation_id, p.missed_period_start)
        for p in proposals
        if p.kind == Incident.Kind.MISSING_PROOF
    }
    # The parole's proofs missing in the last 90 days are proposed; none of the probation's.
    assert missing == {(parole.pk, date(2025, m, 1)) for m in (3, 4, 5)}
    items = [i for i in collect(echeancier(service)) if i.kind == "proof"]
    probation_label = probation.measure.measure_type.short_label
    assert not [i for i in items if i.detail.endswith(probation_label)]
    alerts = [i for i in items if i.severity == Severity.ALERT]
    assert sorted(i.due for i in alerts) == [
        date(2025, 4, 10),
        date(2025, 5, 10),
        date(2025, 6, 10),
    ]


def test_a_proof_registered_while_held_is_listed_and_examined(cpip, person, probation):
    commit(cpip, person, day=date(2025, 3, 5))
    proof = services.proof_register(
        membership=cpip,
        gated=person_get_for(cpip, person.pk),
        obligation_id=probation.pk,
        period_start=date(2025, 2, 1),
        document_type="Bulletin de salaire",
        received_on=date(2025, 6, 2),
    )
    gated = person_get_for(cpip, person.pk)
    services.proof_review(membership=cpip, gated=gated, proof=proof, accept=True)
    states = schedule_of(person, probation)
    # Received after February's first due day, but the person was held: in time.
    assert states[date(2025, 2, 1)].status is rules.Status.ON_TIME
    offered = [s.slot.key for s in selectors.open_slots(fresh(person), probation, today=TODAY)]
    assert offered == [date(2025, 3, 1), date(2025, 1, 10), date(2025, 2, 1)]


@pytest.mark.parametrize(
    ("code", "paused"),
    [
        ("SURSIS_PROBATOIRE", True),
        ("SURSIS_PROBATOIRE_RENFORCE", True),
        ("TIG", True),
        ("SSJ", True),
        ("LC", False),
        ("DDSE", False),
        ("DDSE_AMENAGEMENT", False),
        ("SEMI_LIBERTE", False),
        ("CJ", False),
    ],
)
def test_only_the_measures_a_committal_suspends_pause(code, paused):
    obligation = SimpleNamespace(
        proof_frequency="monthly",
        start_date=date(2025, 1, 1),
        end_date=None,
        obligation_type_id="TRAVAIL_FORMATION",
        measure=SimpleNamespace(measure_type_id=code, end_date=None),
    )
    slots = selectors.slots_of(
        obligation, today=TODAY, grace_days=10, changes=[], custody=[(COMMITTAL, RELEASE)]
    )
    assert (date(2025, 3, 1) not in {s.key for s in slots}) is paused


# --- Queries. ---


def echeancier(service):
    return Query(
        persons=Person.objects.filter(service=service),
        today=TODAY,
        until=TODAY + timedelta(days=30),
        service_id=service.pk,
        service=service,
    )


def count(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_the_dossier_and_the_echeancier_read_custody_in_no_extra_query(
    cpip, service, person, probation
):
    def dossier():
        selectors.person_compliance(fresh(person), today=TODAY)

    def facts_only():
        selectors.person_compliance(fresh(person), today=TODAY, with_proofs=False)

    def provider():
        [i for i in collect(echeancier(service)) if i.kind == "proof"]

    before = (count(dossier), count(facts_only), count(provider))
    assert before[:2] == (4, 3)  # person, obligations, proofs, addresses and custody
    commit(cpip, person)
    release(cpip, person)
    commit(cpip, person, day=date(2025, 5, 2), number="002")
    for n in range(3):
        other = make_person(cpip)
        monthly(cpip, make_measure(cpip, other, today=TODAY))
        commit(cpip, other, number=f"1{n:02d}")
    assert (count(dossier), count(facts_only), count(provider)) == before
    assert date(2025, 3, 1) not in schedule_of(person, probation)  # the custody was read
