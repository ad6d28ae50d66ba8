"""What each file weighs in its CPIP's caseload (``assessments.FileLoad``): kept by every change
of a measure, a committal or a level, and the service's loads read from it as they were counted
from the rows."""

import random
from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from probatio.assessments.loads import facts_of, measures_text, parse_measures, refresh_loads
from probatio.assessments.models import FileLoad, IntensityDecision
from probatio.caseloads import selectors
from probatio.measures.models import Measure
from probatio.people.models import CustodyRecord, Person
from probatio.people.services import custody_close
from tests.factories import (
    CustodyRecordFactory,
    MeasureFactory,
    PersonFactory,
    gate,
    make_measure,
    make_person,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def stored(person) -> tuple:
    row = FileLoad.objects.filter(person_id=person.pk).first()
    return (row.in_custody, row.measures, row.level) if row else (False, "", "")


def level(person, chosen: str, *, status="applied", by=None):
    return IntensityDecision.objects.create(
        person=person,
        service_id=person.service_id,
        chosen_level=chosen,
        status=status,
        chosen_by=by or person.assigned_cpip,
        chosen_at=timezone.now(),
        applies_from=TODAY if status == "applied" else None,
    )


def test_the_text_of_the_measures_reads_back():
    assert measures_text({"TIG": 1, "DDSE": 2, "LC": 0}) == "DDSE:2 TIG:1"
    assert parse_measures("DDSE:2 TIG:1") == [("DDSE", 2), ("TIG", 1)]
    assert parse_measures("") == []


def test_the_facts_follow_measures_committals_and_levels(cpip):
    person = make_person(cpip)
    assert stored(person) == (False, "", "")  # a new file weighs nothing yet

    first = make_measure(cpip, person)
    assert stored(person) == (False, "SURSIS_PROBATOIRE:1", "")
    MeasureFactory(person=person, measure_type_id="TIG", hours=100, status="active")
    assert stored(person) == (False, "SURSIS_PROBATOIRE:1 TIG:1", "")

    level(person, "reinforced")
    assert stored(person) == (False, "SURSIS_PROBATOIRE:1 TIG:1", "reinforced")
    level(person, "light", status="pending")  # waiting for a manager: not in force
    assert stored(person)[2] == "reinforced"

    record = CustodyRecordFactory(person=person)
    assert stored(person)[0] is True
    custody_close(gated=gate(cpip, person), release_date=date.today())
    assert stored(person)[0] is False

    first.status = Measure.Status.ENDED
    first.save()
    assert stored(person) == (False, "TIG:1", "reinforced")
    Measure.objects.get(measure_type_id="TIG", person=person).delete()
    assert stored(person) == (False, "", "reinforced")
    record.delete()
    assert stored(person) == (False, "", "reinforced")


def test_a_file_deleted_with_its_rows_leaves_no_load_behind(service, cpip):
    """Deleting a person deletes their committals and levels first: their signals must not
    write the facts of a person on the way out (a foreign key left dangling at commit)."""
    person = PersonFactory(service=service)
    CustodyRecordFactory(person=person)
    level(person, "reinforced", by=cpip.user)
    assert FileLoad.objects.filter(person=person).exists()
    pk = person.pk

    Person.objects.filter(pk=pk).delete()

    assert not FileLoad.objects.filter(person_id=pk).exists()
    connection.check_constraints()  # the deferred foreign keys, checked now


def test_a_measure_deleted_alone_updates_the_facts(service):
    person = PersonFactory(service=service)
    measure = MeasureFactory(person=person)
    Measure.objects.filter(pk=measure.pk).delete()  # a queryset: the signal still runs
    assert stored(person) == (False, "", "")


def test_refresh_writes_what_the_rows_say(service):
    """Random files, their facts overwritten by nonsense, then refreshed: the rows win."""
    rng = random.Random(7)
    codes = ["SURSIS_PROBATOIRE", "TIG", "DDSE", "LC"]
    persons = []
    for _ in range(12):
        person = PersonFactory(service=service)
        for _ in range(rng.randint(0, 3)):
            MeasureFactory(
                person=person,
                measure_type_id=rng.choice(codes),
                status=rng.choice(["pending", "active", "suspended", "ended"]),
                hours=100,
            )
        if rng.random() < 0.4:
            CustodyRecordFactory(person=person)
        persons.append(person)
    FileLoad.objects.update(in_custody=True, measures="X:9", level="light")

    refresh_loads(p.pk for p in persons)

    for person in persons:
        counts: dict[str, int] = {}
        for code in Measure.objects.filter(
            person=person, status__in=Measure.OPEN_STATUSES
        ).values_list("measure_type_id", flat=True):
            counts[code] = counts.get(code, 0) + 1
        held = CustodyRecord.objects.filter(person=person, release_date__isnull=True).exists()
        assert stored(person) == (held, measures_text(counts), "")
    assert [f.person_id for f in facts_of([persons[0].pk, None])] == [persons[0].pk]


def test_the_loads_are_the_counts_of_the_rows(manager, cpip, service):
    """The service's loads, read from the kept facts, against a count of the rows."""
    files = []
    for i in range(6):
        person = make_person(cpip, surname=f"Charge{i}", first_names="Test")
        make_measure(cpip, person)
        if i % 2:
            MeasureFactory(person=person, measure_type_id="TIG", hours=80, status="active")
        if i % 3 == 0:
            CustodyRecordFactory(person=person)
        files.append(person)
    level(files[1], "reinforced")
    waiting = make_person(manager, surname="Attente", first_names="Sans")  # no CPIP
    make_measure(manager, waiting)

    loads, unassigned = selectors.service_loads(service.pk, today=TODAY)

    (load,) = [entry for entry in loads if entry.user.pk == cpip.user_id]
    assert load.persons == 6
    assert (
        load.custody
        == CustodyRecord.objects.filter(person__in=files, release_date__isnull=True).count()
    )
    assert (
        load.measures
        == Measure.objects.filter(person__in=files, status__in=Measure.OPEN_STATUSES).count()
    )
    assert unassigned == 1
