"""An unexcused absence from a group session is proposed as an incident only when attending
was an obligation (a court-ordered programme: ``Enrolment.compulsory``) or the session was a
summons (``GroupSession.summons``); otherwise it shows in the file and the figures only. The
proposal is confirmed or dismissed on the incidents tab like a missed appointment's, and is
then not proposed again."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from probatio.audit.models import AuditEntry
from probatio.compliance import selectors as compliance
from probatio.compliance import services as incidents
from probatio.compliance.models import Incident
from probatio.people.models import TimelineEvent
from probatio.people.selectors import person_get_for
from probatio.programmes import services as programmes
from probatio.programmes.models import GroupSession
from tests.factories import (
    gate,
    make_enrolled,
    make_person,
)
from tests.programme_fixtures import NOW, tuesday_group

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def group(manager, cpip, service):
    return tuesday_group(manager, cpip, service)


def first(group) -> GroupSession:
    return group.sessions.get(number=1)


def absent(cpip, person, session, status="unexcused"):
    return programmes.attendance_record(
        gated=gate(cpip, person), session=session, status=status, note="Pas venu"
    )


def proposals_of(cpip, person):
    gated = person_get_for(cpip, person.pk)
    return compliance.proposals(
        gated.person, [], list(compliance.incidents_of(gated.person)), today=NOW.date()
    )


def test_an_absence_from_a_voluntary_programme_shows_only_in_the_file(cpip, group):
    person = make_person(cpip)
    make_enrolled(cpip, person, group, compulsory=False)
    attendance = absent(cpip, person, first(group))
    assert attendance.feeds_incident is False
    assert proposals_of(cpip, person) == []
    line = TimelineEvent.objects.filter(person=person, title__contains="non excusé").get()
    assert line.detail == ""


def test_an_absence_where_attending_is_an_obligation_is_proposed(cpip, group):
    person = make_person(cpip)
    make_enrolled(cpip, person, group, compulsory=True)
    attendance = absent(cpip, person, first(group))
    assert attendance.feeds_incident is True
    (proposal,) = proposals_of(cpip, person)
    assert proposal.kind == Incident.Kind.MISSED_SESSION
    assert proposal.occurred_on == date(2025, 10, 7)
    assert proposal.label == (
        "Absence non excusée à la séance 1 du programme « Stage de responsabilisation » du "
        "07/10/2025 à 14:00 (obligation judiciaire)"
    )
    assert proposal.query == f"seance={attendance.pk}"
    line = TimelineEvent.objects.filter(person=person, title__contains="non excusé").get()
    assert line.detail == "Manquement à examiner (onglet Manquements)"


def test_an_excused_absence_or_a_presence_is_never_proposed(cpip, group):
    person = make_person(cpip)
    make_enrolled(cpip, person, group, compulsory=True)
    assert absent(cpip, person, first(group), status="excused").feeds_incident is False
    assert absent(cpip, person, group.sessions.get(number=2), status="present")
    assert proposals_of(cpip, person) == []


def test_an_absence_from_a_session_on_summons_is_proposed_whatever_the_enrolment(cpip, group):
    person = make_person(cpip)
    make_enrolled(cpip, person, group, compulsory=False)
    session = first(group)
    GroupSession.objects.filter(pk=session.pk).update(summons=True)
    session.refresh_from_db()
    absent(cpip, person, session)
    (proposal,) = proposals_of(cpip, person)
    assert proposal.label.endswith("(séance sur convocation)")


def test_the_summons_is_set_by_the_sessions_staff_before_the_attendance(
    cpip, manager, member, group
):
    person = make_person(cpip)
    make_enrolled(cpip, person, group, compulsory=False)
    session = first(group)
    with pytest.raises(PermissionDenied):
        programmes.session_summons_set(membership=member("cpip"), session=session, summons=True)
    programmes.session_summons_set(membership=cpip, session=session, summons=True)  # facilitator
    session.refresh_from_db()
    assert session.summons
    assert AuditEntry.objects.filter(summary__contains="sur convocation").count() == 1
    absent(cpip, person, session)
    assert len(proposals_of(cpip, person)) == 1
    with pytest.raises(ValidationError) as error:
        programmes.session_summons_set(membership=manager, session=session, summons=False)
    assert "la convocation ne change plus" in str(error.value)
    session.refresh_from_db()
    assert session.summons


def test_a_corrected_absence_is_no_longer_proposed(cpip, group):
    person = make_person(cpip)
    make_enrolled(cpip, person, group, compulsory=True)
    absent(cpip, person, first(group))
    absent(cpip, person, first(group), status="excused")
    assert proposals_of(cpip, person) == []


def test_a_proposal_confirmed_then_not_proposed_again(cpip, group):
    person = make_person(cpip)
    make_enrolled(cpip, person, group, compulsory=True)
    attendance = absent(cpip, person, first(group))
    data = {
        "kind": Incident.Kind.MISSED_SESSION,
        "occurred_on": date(2025, 10, 7),
        "source": Incident.Source.SPIP,
        "description": "Absence non excusée à la séance 1.",
        "attendance": attendance.pk,
    }
    incident = incidents.incident_record(
        membership=cpip, gated=person_get_for(cpip, person.pk), data=data
    )
    assert incident.attendance_id == attendance.pk
    assert proposals_of(cpip, person) == []
    before = Incident.objects.count()
    with pytest.raises(ValidationError) as error:
        incidents.incident_record(membership=cpip, gated=person_get_for(cpip, person.pk), data=data)
    assert "déjà été traité" in str(error.value)
    assert Incident.objects.count() == before


def test_an_absence_that_feeds_nothing_cannot_be_linked(cpip, group):
    person = make_person(cpip)
    make_enrolled(cpip, person, group, compulsory=False)
    attendance = absent(cpip, person, first(group))
    other = make_person(cpip)
    with pytest.raises(ValidationError) as error:
        incidents.incident_record(
            membership=cpip,
            gated=person_get_for(cpip, person.pk),
            data={
                "kind": Incident.Kind.MISSED_SESSION,
                "occurred_on": date(2025, 10, 7),
                "source": Incident.Source.SPIP,
                "description": "Absence.",
                "attendance": attendance.pk,
            },
        )
    assert "ne peut pas donner lieu à un manquement" in str(error.value)
    # Nor can another person's absence be dismissed through this file.
    with pytest.raises(ValidationError):
        incidents.incident_dismiss(
            membership=cpip,
            gated=person_get_for(cpip, other.pk),
            reason="Erreur",
            source="seance",
            source_id=attendance.pk,
        )
    assert not Incident.objects.exists()
