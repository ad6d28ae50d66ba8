"""The échéancier's stored items (docs/deadlines.md, « Stored items »): the providers' output,
the same as ``collect``'s for every view, current at the next read after a change (through a
service or a factory), rebuilt each night by the system actor and resumed after a stop."""

from dataclasses import astuple
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.accounts.system import SystemActor
from probatio.agenda import services as agenda
from probatio.agenda.models import Appointment
from probatio.audit.models import AuditEntry
from probatio.core import periodic
from probatio.core.deadlines import registered
from probatio.deadlines import dependencies, selectors
from probatio.deadlines.models import DueItemRecord, DueItemsState, DueItemStaff
from probatio.deadlines.services import refresh
from probatio.people.models import Person
from probatio.people.selectors import UNASSIGNED
from tests import schedule_fixtures as schedule
from tests.factories import MeasureFactory, PersonFactory, gate, make_person
from tests.schedule_fixtures import NOW, TODAY, book, sentenced

frozen = schedule.frozen  # every test at NOW, Wednesday 12 November 2025
site = schedule.site


@pytest.fixture
def world(service, cpip, member, manager, site):
    """Two CPIPs' files, a file without CPIP, an appointment the first CPIP holds with the
    second's person, items overdue, today and beyond the horizons."""
    colleague = member("cpip", user__first_name="Noé", user__last_name="Autre")
    late = sentenced(cpip, "Retard", date(2025, 9, 1))
    soon = make_person(cpip, surname="Bientot")
    book(cpip, soon, TODAY, 14, site=site)
    book(cpip, soon, TODAY + timedelta(days=20), 9, site=site)
    book(cpip, soon, TODAY + timedelta(days=75), 9, site=site)
    theirs = sentenced(colleague, "Sienne", date(2025, 11, 1))
    book(colleague, theirs, TODAY + timedelta(days=2), 10, site=site, staff=[cpip.user])
    book(colleague, theirs, TODAY + timedelta(days=3), 10, site=site)
    nobody = sentenced(manager, "Personne", date(2025, 10, 20))
    Person.objects.filter(pk=nobody.pk).update(assigned_cpip=None)
    return {"colleague": colleague, "late": late, "soon": soon, "theirs": theirs}


def rows_of(items):
    return [astuple(item) for item in items]


def stored(membership, **kw):
    refresh.ensure_current(membership.service_id, TODAY)
    return rows_of(selectors.all_items(selectors.stored_rows(membership, today=TODAY, **kw)))


def computed(membership, *, overdue=False, **kw):
    items = selectors.schedule_for(membership, today=TODAY, **kw).items
    return rows_of(i for i in items if not overdue or i.is_overdue(TODAY))


def test_every_provider_says_what_it_reads():
    """A new provider fails here until ``dependencies`` names the models it reads."""
    from django.apps import apps

    kinds = {r.kind for r in registered()}
    assert kinds <= set(dependencies.KIND_MODELS)
    for label in dependencies.watched():
        model = apps.get_model(label)
        path = dependencies.PERSON_PATHS[label]
        if path in ("pk", dependencies.EVERYONE, ""):
            continue
        target = Person
        for part in path.split("__"):
            target = target._meta.get_field(part).related_model
        assert target is model, label


@pytest.mark.parametrize("horizon", [7, 30, 90])
@pytest.mark.parametrize("kind", [None, "appointment", "first_interview", "message"])
def test_the_stored_items_are_what_the_providers_return(world, cpip, manager, horizon, kind):
    until = TODAY + timedelta(days=horizon)
    kinds = [kind] if kind else None
    colleague = world["colleague"]
    views = [
        (cpip, None),
        (manager, None),
        (manager, colleague.user_id),
        (manager, cpip.user_id),
        (manager, UNASSIGNED),
    ]
    for membership, cpip_id in views:
        for overdue in (False, True):
            expected = computed(
                membership, until=until, cpip_id=cpip_id, kinds=kinds, overdue=overdue
            )
            assert (
                stored(membership, until=until, cpip_id=cpip_id, kinds=kinds, overdue=overdue)
                == expected
            ), (membership.role, cpip_id, overdue)
    assert DueItemRecord.objects.exists()


def test_a_cpip_keeps_their_appointments_with_persons_of_others(world, cpip):
    mine = stored(cpip, until=TODAY + timedelta(days=30))
    assert world["theirs"].pk in {row[0] for row in mine}  # the appointment they hold
    labels = [row[3] for row in mine if row[0] == world["theirs"].pk]
    assert labels == ["Entretien de suivi à 10:00"]  # not the colleague's other appointment
    assert DueItemStaff.objects.filter(user=cpip.user).exists()


def test_refresh_runs_a_fixed_number_of_queries_per_batch(world, cpip, service):
    persons = list(Person.objects.filter(service=service).values_list("pk", flat=True))

    def count():
        DueItemsState.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            refresh.refresh(persons, TODAY)
        return len(queries)

    few = count()
    for n in range(6):
        person = sentenced(cpip, f"Autre{n}", date(2025, 10, 1 + n))
        persons.append(person.pk)
    assert count() == few


def test_a_change_through_a_service_shows_at_the_next_read(world, cpip, site):
    until = TODAY + timedelta(days=30)
    before = stored(cpip, until=until)
    appointment = book(cpip, world["soon"], TODAY + timedelta(days=5), 16, site=site)
    assert DueItemsState.objects.get(person=world["soon"]).stale
    after = stored(cpip, until=until)
    assert len(after) == len(before) + 1
    assert "Entretien de suivi à 16:00" in [row[3] for row in after]
    agenda.appointment_set_status(
        gated=gate(cpip, world["soon"]), appointment=appointment, status="cancelled", reason="x"
    )
    assert stored(cpip, until=until) == before
    assert stored(cpip, until=until) == computed(cpip, until=until)


def test_a_change_of_the_staff_shows_at_the_next_read(world, cpip, site):
    """The appointment's staff (a many-to-many) changes: who sees it follows."""
    colleague, theirs = world["colleague"], world["theirs"]
    until = TODAY + timedelta(days=30)
    held = Appointment.objects.get(person=theirs, staff=cpip.user)
    assert theirs.pk in {row[0] for row in stored(cpip, until=until)}
    held.staff.set([colleague.user])
    assert theirs.pk not in {row[0] for row in stored(cpip, until=until)}
    assert stored(colleague, until=until) == computed(colleague, until=until)


def test_a_change_made_by_factories_shows_at_the_next_read(world, cpip, service):
    """Rows written without services (factories, imports): the signals mark the person, the
    read computes them; a new person has no state and is computed too."""
    until = TODAY + timedelta(days=60)
    stored(cpip, until=until)
    person = PersonFactory(service=service, assigned_cpip=cpip.user, surname="Usine")
    MeasureFactory(person=person, assigned_cpip=cpip.user, start_date=date(2025, 11, 1))
    assert stored(cpip, until=until) == computed(cpip, until=until)
    measure = world["late"].measures.get()
    measure.end_date = TODAY + timedelta(days=10)
    measure.save()
    assert DueItemsState.objects.get(person=world["late"]).stale
    assert stored(cpip, until=until) == computed(cpip, until=until)


def test_a_service_setting_marks_the_whole_service(world, service):
    refresh.ensure_current(service.pk, TODAY)
    service.save()
    assert not DueItemsState.objects.filter(service=service, stale=False).exists()


def test_a_new_day_computes_again(world, cpip):
    stored(cpip, until=TODAY + timedelta(days=30))
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        tomorrow = TODAY + timedelta(days=1)
        assert (
            len(refresh.outdated(cpip.service_id, tomorrow))
            == Person.objects.filter(service_id=cpip.service_id).count() + 1
        )  # and the service's own items


def test_another_service_never_appears(world, manager, member, other_service):
    foreign = member("cpip", service=other_service)
    lointain = sentenced(foreign, "Lointain", date(2025, 11, 1))
    refresh.ensure_current(other_service.pk, TODAY)
    assert DueItemRecord.objects.filter(person=lointain).exists()
    mine = stored(manager, until=TODAY + timedelta(days=90))
    assert lointain.pk not in {row[0] for row in mine}
    assert not DueItemRecord.objects.filter(service=manager.service, person=lointain).exists()


def test_the_nightly_rebuild_is_the_system_actors_and_resumes_where_it_stopped(world, service):
    persons = sorted(Person.objects.filter(service=service).values_list("pk", flat=True))
    refresh.refresh(persons[:2], TODAY)  # a run stopped after its first batch
    actor = SystemActor(service_id=service.pk, reason="test")
    done = refresh.rebuild_service(actor=actor, today=TODAY, batch=1)
    assert done.persons == len(persons) - 2
    assert not refresh.outdated(service.pk, TODAY)
    entry = AuditEntry.objects.filter(object_type="deadlines.dueitemrecord").last()
    assert entry.actor is None and entry.context["persons"] == len(persons) - 2
    entries = AuditEntry.objects.count()
    again = refresh.rebuild_service(actor=actor, today=TODAY)
    assert again.persons == 0  # nothing left for today
    assert AuditEntry.objects.count() == entries  # and nothing journaled
    forced = refresh.rebuild_service(actor=actor, today=TODAY, force=True)
    assert forced.persons == len(persons)


def test_the_rebuild_refuses_a_person(cpip):
    with pytest.raises(PermissionDenied):
        refresh.rebuild_service(actor=cpip, today=TODAY)


def test_the_worker_runs_the_nightly_rebuild(world, service):
    job = {j.name: j for j in periodic.registered()}["due_items"]
    result = job.run(NOW)
    assert result["persons"] == Person.objects.count()
    assert not refresh.outdated(service.pk, TODAY)


def test_the_command_prints_counts_and_time(world, service):
    out = StringIO()
    call_command("rebuild_due_items", service=service.pk, stdout=out)
    text = out.getvalue()
    assert f"Service {service.pk} — " in text and "personnes calculées" in text
    assert " s." in text
    assert not refresh.outdated(service.pk, TODAY)


def test_after_the_commit_the_persons_changed_are_computed(
    world, cpip, site, service, django_capture_on_commit_callbacks
):
    """Only those the transaction changed: another stale person waits for the read."""
    refresh.ensure_current(service.pk, TODAY)
    DueItemsState.objects.filter(person=world["late"]).update(stale=True)
    # The test's transaction never commits: the world's own callback dropped, as if its
    # transaction had committed; the next change is a transaction of its own.
    connection.run_on_commit = [
        c for c in connection.run_on_commit if not isinstance(c[1], refresh.AfterCommit)
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        book(cpip, world["soon"], TODAY + timedelta(days=6), 15, site=site)
    # One per transaction, however many rows changed.
    assert sum(isinstance(c, refresh.AfterCommit) for c in callbacks) == 1
    assert not DueItemsState.objects.get(person=world["soon"]).stale
    assert DueItemRecord.objects.filter(
        person=world["soon"], label="Entretien de suivi à 15:00"
    ).exists()
    assert DueItemsState.objects.get(person=world["late"]).stale


def test_a_closed_file_with_nothing_due_is_not_computed_each_night(world, cpip, service):
    """A file with nothing due and nothing that could fall due by the passing of days (no open
    measure, custody, appointment to come nor report under way) stays current until changed;
    a change brings it back to the next read."""
    closed = PersonFactory(service=service, assigned_cpip=None, surname="Clos")
    MeasureFactory(
        person=closed, status="ended", start_date=date(2022, 1, 1), end_date=date(2023, 1, 1)
    )
    stored(cpip, until=TODAY + timedelta(days=30))
    assert DueItemsState.objects.get(person=closed).computed_on == refresh.DORMANT
    assert DueItemsState.objects.get(person=world["late"]).computed_on == TODAY  # open measure
    assert DueItemsState.objects.get(person=world["soon"]).computed_on == TODAY  # appointments
    tomorrow = TODAY + timedelta(days=1)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert closed.pk not in refresh.outdated(service.pk, tomorrow)
        assert world["late"].pk in refresh.outdated(service.pk, tomorrow)
        MeasureFactory(person=closed, start_date=tomorrow)  # a new measure: stale again
        assert closed.pk in refresh.outdated(service.pk, tomorrow)


def test_the_weeks_overdue_counts_read_the_stored_items_as_the_providers_would(
    world, manager, cpip, site
):
    """The manager's counts per CPIP (``caseloads.selectors.overdue_by_cpip``), counted in
    SQL on the stored items, are those the providers give for the whole service."""
    from probatio.caseloads.selectors import NEXT_DUE_HORIZON_DAYS, overdue_by_cpip
    from probatio.core.deadlines import Query, collect

    book(cpip, world["soon"], TODAY - timedelta(days=1), 9, site=site)  # outcome not recorded

    def query(until):
        return Query(
            persons=Person.objects.filter(service_id=manager.service_id),
            today=TODAY,
            until=until,
            service_id=manager.service_id,
        )

    later = [r.kind for r in registered() if r.kind not in ("appointment", "first_interview")]
    items = collect(query(TODAY - timedelta(days=1)), later) + collect(
        query(TODAY + timedelta(days=NEXT_DUE_HORIZON_DAYS)), ["first_interview"]
    )
    overdue, unbooked = {}, {}
    for item in items:
        for owner in item.staff_ids or frozenset([None]):
            if item.is_overdue(TODAY):
                overdue[owner] = overdue.get(owner, 0) + 1
            if item.kind == "first_interview" and item.state == "unbooked":
                unbooked[owner] = unbooked.get(owner, 0) + 1
    assert overdue and unbooked  # the world has both
    assert overdue_by_cpip(manager, today=TODAY) == (overdue, unbooked)


def test_a_transaction_that_changed_many_rows_is_computed_after_its_commit(world, service):
    """The persons changed are found with one clause per way from a person, whatever the
    number of rows (SQLite refuses expressions more than 1,000 deep); beyond a bulk's size,
    the next read computes them."""
    refresh.ensure_current(service.pk, TODAY)
    DueItemsState.objects.filter(person=world["soon"]).update(stale=True)
    changed = refresh.AfterCommit()
    changed.lookups.update(("appointments__pk", pk) for pk in range(10_000_000, 10_001_500))
    changed.lookups.add(("pk", world["soon"].pk))
    changed.run(TODAY)
    assert not DueItemsState.objects.get(person=world["soon"]).stale
    DueItemsState.objects.filter(person=world["soon"]).update(stale=True)
    changed.lookups.update(("pk", pk) for pk in range(20_000_000, 20_000_000 + 5_000))
    changed.run(TODAY)
    assert DueItemsState.objects.get(person=world["soon"]).stale  # left to the next read
