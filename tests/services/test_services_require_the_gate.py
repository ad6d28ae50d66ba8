"""Services require the gate: every public service of a person's file takes the gated person
(``gated``) and refuses, before anything is read or written, a raw ``Person`` (what a command,
a task or an API calling it without the gate would pass) and a gated person whose role lacks
the service's action. A new service that takes a raw person fails the first test."""

import inspect

import pytest
from django.core.exceptions import PermissionDenied

from probatio.agenda import services as agenda
from probatio.assessments import services as assessments
from probatio.audit.models import AuditEntry
from probatio.community_work import services as community_work
from probatio.measures import services as measures
from probatio.merges import services as merges
from probatio.notes import services as notes
from probatio.people import services as people
from probatio.people.models import TimelineEvent
from probatio.people.selectors import UNGATED, person_get_for
from probatio.programmes import services as programmes
from probatio.reintegration import release, support
from probatio.reintegration import services as reintegration
from probatio.retention import services as retention
from probatio.sentences import services as sentences
from probatio.transfers import services as transfers
from tests.factories import make_measure, make_person

MODULES = (
    people,
    assessments,
    programmes,
    measures,
    notes,
    agenda,
    sentences,
    reintegration,
    release,
    support,
    community_work,
    transfers,
    merges,
    retention,
)

# Public functions of these modules that are not a write on one person's file, with why.
NOT_PERSON_WRITES = {
    # The directory of community-work hosts: the service's, gated by the directory's rule.
    "community_work.services.host_save",
    "community_work.services.supervisor_save",
    "community_work.services.placement_save",
    # Reads and pure checks.
    "community_work.services.source_of",
    "community_work.services.default_order_data",
    "community_work.services.done_hours",
    "community_work.services.check_session",
    "measures.services.measure_type_get",
    "measures.services.carries_control_measures",
    "measures.services.obligation_type_get",
    "sentences.services.reduction_totals",
    "sentences.services.engine_input",
    "sentences.services.one_end_date",
    "sentences.services.situation_for",
    "sentences.services.safety_period_end",
    "sentences.services.prison_facts",
    "reintegration.release.release_of",
    "reintegration.release.release_items",
    "reintegration.release.housing_alerts",
    "reintegration.support.support_of",
    "reintegration.support.arrival_interviews",
    "reintegration.support.destitution_figures",
    # Derived estimates, recomputed inside the transaction of a gated write (or by the
    # system actor's nightly job, ``recompute_all``, which requires its actor).
    "sentences.services.recompute",
    "sentences.services.sync_prison_measures",
    "sentences.services.recompute_all",
    # The agenda's reads, and the user's own calendar feed (no person).
    "agenda.services.conflicts",
    "agenda.services.warnings_for",
    "agenda.services.no_show_count",
    "agenda.services.calendar_feed_create",
    "agenda.services.calendar_feed_revoke",
    "agenda.services.calendar_feed_touch",
    # A new file: no person yet; the role's CREATE_PERSON is checked on the membership.
    "people.services.person_create",
    # Sets the queue fields of a person in memory (no read, no write): called by the gated
    # services that change who holds a file (``cpip_assign``, a transfer's acceptance).
    "people.services.queue_state",
    # The journal line of a duplicate warning: the persons of the service it named, read
    # like a list page by the membership (no file is written).
    "people.services.duplicates_shown",
    # The merge's declarations: which relations to a person exist, which conflict.
    "merges.services.person_relations",
    "merges.services.undeclared_relations",
    "merges.services.once_per_person_conflicts",
    "merges.services.snapshot_of",
    # A transfer's answer: through the request's own gate (transfers.selectors.
    # transfer_get_for), the receiving service's, whose managers do not see the file yet;
    # the system actor's automatic acceptance and reminders go through the same gate.
    "transfers.services.transfer_answer",
    "transfers.services.accept_overdue",
    "transfers.services.send_reminders",
    "transfers.services.run_periodic",
    "transfers.services.closed_message",
    # The service's contact rules per level: a write of the service (MANAGE_SERVICE on the
    # membership), no person.
    "assessments.services.intensity_rule_set",
    # The programme catalogue, its groups and the moves of their sessions: writes of the
    # service (MANAGE_PROGRAMMES on the membership, or a facilitator of the group), no person;
    # and the parsing of a group's weekly slots (pure).
    "programmes.services.programme_save",
    "programmes.services.group_create",
    "programmes.services.session_reschedule",
    "programmes.services.session_summons_set",
    "programmes.services.parse_slots",
    # The retention job of a service's system actor: each file it deletes goes through the
    # gate in its batch (``persons_gated_for``, ``APPLY_RETENTION``); the journal's purge
    # concerns no file.
    "retention.services.apply",
    "retention.services.apply_service",
    "retention.services.plan_service",
    "retention.services.purge_journal",
}


def public_services():
    for module in MODULES:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            yield f"{module.__name__.removeprefix('probatio.')}.{name}", function


GATED = sorted(
    (name, function) for name, function in public_services() if name not in NOT_PERSON_WRITES
)


def test_every_write_on_a_file_takes_the_gated_person():
    found = {name for name, _ in public_services()}
    assert found >= NOT_PERSON_WRITES, "the list names a function that no longer exists"
    without = [
        name for name, function in GATED if "gated" not in inspect.signature(function).parameters
    ]
    assert without == [], "services of a file without the gated person"
    assert len(GATED) >= 49  # the person-scoped writes of the nine modules


def nothing_written():
    return (AuditEntry.objects.count(), TimelineEvent.objects.count())


def call(function, gated):
    """The service with the gated person and placeholders for the rest: the gate is its first
    step, so the placeholders are never reached."""
    arguments = {
        name: None
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is inspect.Parameter.empty and name != "gated"
    }
    return function(gated=gated, **arguments)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "function"), GATED, ids=[name for name, _ in GATED])
def test_a_raw_person_is_refused(name, function, cpip):
    person = make_person(cpip)
    before = nothing_written()
    with pytest.raises(PermissionDenied) as refusal:
        call(function, person)
    assert str(refusal.value) == UNGATED
    assert nothing_written() == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "function"), GATED, ids=[name for name, _ in GATED])
def test_a_role_without_the_action_is_refused(name, function, cpip, member, judge):
    """Electronic-monitoring staff read the file but write none of the file's records
    (docs/access.md); the judge, on their own file, neither writes notes nor books
    appointments; the STOP reply is the system actor's only."""
    person = make_person(cpip)
    if name.startswith(("agenda.", "notes.")):
        make_measure(cpip, person, judge=judge.user)
        gated = person_get_for(judge, person.pk)
    else:
        monitoring = member("monitoring", user__username="surveillance.gate")
        gated = person_get_for(monitoring, person.pk)
    before = nothing_written()
    with pytest.raises(PermissionDenied) as refusal:
        call(function, gated)
    assert str(refusal.value) != UNGATED  # refused for the role, not for the gate
    assert nothing_written() == before


@pytest.mark.django_db
def test_a_person_gated_for_another_service_never_reaches_a_service(cpip, member, other_service):
    """The gate itself: another service's person is a 404 before any service is called."""
    from django.http import Http404

    person = make_person(cpip)
    stranger = member("manager", service=other_service, user__username="dpip.ailleurs")
    with pytest.raises(Http404):
        person_get_for(stranger, person.pk)
