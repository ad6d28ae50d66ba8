"""Whether a file is followed (``Person.is_followed``): the pure rule, the flag kept by every
change of a measure or a committal, and what the lists, the queue and the loads make of it."""

from datetime import date
from itertools import product

import pytest

from probatio.caseloads import selectors as caseload_selectors
from probatio.deadlines.models import DueItemsState
from probatio.deadlines.services import refresh
from probatio.measures.followed import refresh_followed
from probatio.measures.models import Measure
from probatio.people import rules
from probatio.people.models import Person
from probatio.people.services import custody_close
from tests.factories import (
    CustodyRecordFactory,
    EstablishmentFactory,
    MeasureFactory,
    PersonFactory,
    gate,
    make_measure,
    make_person,
)

pytestmark = pytest.mark.django_db

STATUSES = [s for s, _ in Measure.Status.choices]


@pytest.mark.parametrize(
    ("statuses", "in_custody", "followed"),
    [
        ((), False, True),  # a file before its first decision
        (("active",), False, True),
        (("pending",), False, True),
        (("suspended",), False, True),
        (("ended",), False, False),
        (("ended", "revoked", "void"), False, False),
        (("ended",), True, True),  # held: followed in prison
        (("ended", "active"), False, True),
    ],
)
def test_the_rule(statuses, in_custody, followed):
    assert rules.is_followed(measure_statuses=statuses, in_custody=in_custody) is followed


@pytest.mark.parametrize(
    ("first", "second", "held"), list(product([None, *STATUSES], STATUSES, [False, True]))
)
def test_the_flag_in_sql_is_the_rule(service, first, second, held):
    """``refresh_followed`` (one UPDATE) says what ``rules.is_followed`` says, case by case."""
    person = PersonFactory(service=service)
    statuses = [s for s in (first, second) if s]
    for status in statuses:
        MeasureFactory(person=person, status=status)
    if held:
        CustodyRecordFactory(person=person)
    Person.objects.filter(pk=person.pk).update(is_followed=not rules.is_followed(
        measure_statuses=statuses, in_custody=held))  # fmt: skip
    refresh_followed([person.pk])
    person.refresh_from_db()
    assert person.is_followed is rules.is_followed(measure_statuses=statuses, in_custody=held)


def test_the_flag_follows_the_measures_and_the_committals(cpip, manager):
    person = make_person(cpip, assigned_cpip=cpip.user)
    assert Person.objects.get(pk=person.pk).is_followed  # no measure yet
    measure = make_measure(cpip, person)
    measure.status = Measure.Status.ENDED
    measure.save()
    assert not Person.objects.get(pk=person.pk).is_followed
    establishment = EstablishmentFactory(service=person.service)
    CustodyRecordFactory(
        person=person, establishment=establishment, committal_date=date(2026, 1, 5)
    )
    assert Person.objects.get(pk=person.pk).is_followed  # held again
    custody_close(gated=gate(manager, person), release_date=date(2026, 2, 1))
    assert not Person.objects.get(pk=person.pk).is_followed
    make_measure(cpip, person)  # a new conviction
    assert Person.objects.get(pk=person.pk).is_followed
    Measure.objects.filter(person=person, status="active").delete()
    assert not Person.objects.get(pk=person.pk).is_followed


def test_the_queue_and_the_loads_leave_closed_files_out(cpip, manager):
    waiting = make_person(manager)  # no CPIP: in the queue
    closed = make_person(manager)
    ended = make_measure(manager, closed)
    ended.status = Measure.Status.ENDED
    ended.save()
    held = make_person(cpip, assigned_cpip=cpip.user)
    make_measure(cpip, held)
    gone = make_person(cpip, assigned_cpip=cpip.user)
    over = make_measure(cpip, gone)
    over.status = Measure.Status.ENDED
    over.save()

    today = date(2026, 12, 7)
    queued = [row.person.pk for row in caseload_selectors.queue(manager, today=today)]
    assert queued == [waiting.pk]
    loads, unassigned = caseload_selectors.service_loads(manager.service_id, today=today)
    assert unassigned == 1
    assert {load.user.pk: load.persons for load in loads}[cpip.user.pk] == 1


def test_every_file_has_its_state_and_what_is_behind_is_computed(cpip):
    person = make_person(cpip, assigned_cpip=cpip.user)
    state = DueItemsState.objects.get(person=person)
    today = date(2026, 12, 7)
    DueItemsState.objects.filter(pk=state.pk).update(stale=True)
    assert person.pk in refresh.outdated(person.service_id, today)
    refresh.ensure_current(person.service_id, today)
    assert person.pk not in refresh.outdated(person.service_id, today)
    DueItemsState.objects.filter(pk=state.pk).update(computed_on=date(2026, 12, 6))
    assert person.pk in refresh.outdated(person.service_id, today)
