"""Fixtures of the view tests: a checking test client, a client per membership, and a small
world of three dossiers seen from every role.

``world`` (a ``World``) holds:

``caseload``
    A person of ``service`` assigned to ``cpip``, followed also (as support staff) by the
    manager, the secretariat, the monitoring officer, the psychologist and the social worker,
    with a decision, a 24-month sursis probatoire ordered by ``judge`` (so one of the judge's
    files), an obligation and an ordinary note written by ``cpip``.
``service_only``
    A person of ``service`` assigned to another CPIP (``cpip2``), with the same records (the
    measure has no assigning judge) and an ordinary note written by ``cpip2``.
``foreign``
    A person of ``other_service`` with the same records.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from probatio.accounts.models import Membership
from probatio.agenda import services as agenda_services
from probatio.agenda.models import Appointment
from probatio.measures import services as measure_services
from probatio.measures.models import Decision, Measure, Obligation
from probatio.notes import services as note_services
from probatio.notes.models import InterviewNote
from probatio.people.models import Person
from tests.factories import gate, make_decision, make_measure, make_person
from tests.views.helpers import DsfrCheckingClient


@pytest.fixture
def client():
    """Every whole page received is checked: French, DSFR layout, no English leftovers."""
    return DsfrCheckingClient()


@pytest.fixture
def client_for(db):
    """``client_for(membership)``: a new checking client signed in as that member."""

    def make(membership: Membership) -> DsfrCheckingClient:
        new = DsfrCheckingClient()
        new.force_login(membership.user)
        return new

    return make


@pytest.fixture
def as_role(request, client_for):
    """``as_role("psychologist")``: a client signed in as the fixture member of that role."""

    def make(role: str) -> DsfrCheckingClient:
        return client_for(request.getfixturevalue(role))

    return make


@pytest.fixture
def cpip2(member):
    return member(
        "cpip", user__username="cpip2.test", user__first_name="Noé", user__last_name="Autre"
    )


@pytest.fixture
def foreign_cpip(member, other_service):
    return member(
        "cpip",
        service=other_service,
        user__username="cpip.ailleurs",
        user__first_name="Lou",
        user__last_name="Ailleurs",
    )


@dataclass
class Dossier:
    person: Person
    decision: Decision
    measure: Measure
    obligation: Obligation
    note: InterviewNote
    appointment: Appointment


def make_dossier(author: Membership, person: Person, *, judge=None) -> Dossier:
    """A decision, a 24-month sursis probatoire, an obligation and an ordinary note."""
    decision = make_decision(author, person)
    measure = make_measure(author, person, decision=decision, judge=judge)
    obligation = measure_services.obligation_create(
        gated=gate(author, measure.person),
        measure=measure,
        decision=decision,
        obligation_type_code="TRAVAIL_FORMATION",
        data={"start_date": measure.start_date, "status": "active"},
    )
    note = note_services.note_create(
        gated=gate(author, person),
        data={
            "interview_date": date(2025, 2, 3),
            "subject": "Premier entretien",
            "body": "La personne a présenté son contrat de travail.",
            "confidential": False,
            "restricted_to": "",
        },
    )
    # A follow-up interview held by the author on 3 February 2025 (booked in January).
    appointment = agenda_services.appointment_book(
        gated=gate(author, person),
        data={
            "kind": "follow_up",
            "place_kind": "other",
            "place_detail": "Mission locale, 3 rue des Lilas, 80000 Amiens",
            "measure": measure,
            "starts_at": datetime(2025, 2, 3, 8, 30, tzinfo=UTC),
            "ends_at": datetime(2025, 2, 3, 9, 15, tzinfo=UTC),
        },
        staff=[author.user],
        confirmed=True,
        now=datetime(2025, 1, 20, tzinfo=UTC),
    )
    return Dossier(
        person=person,
        decision=decision,
        measure=measure,
        obligation=obligation,
        note=note,
        appointment=appointment,
    )


@dataclass
class World:
    caseload: Dossier
    service_only: Dossier
    foreign: Dossier

    def __getitem__(self, which: str) -> Dossier:
        return getattr(self, which)


@pytest.fixture
def world(
    cpip, cpip2, manager, secretariat, monitoring, psychologist, social_worker, judge, foreign_cpip
):
    mine = make_person(
        cpip, surname="Ménard", first_names="Éloïse", sex="F", birth_date=date(1991, 7, 14)
    )
    mine.support_staff.add(
        manager.user, secretariat.user, monitoring.user, psychologist.user, social_worker.user
    )
    theirs = make_person(
        secretariat,
        surname="Lambert",
        first_names="Hugo",
        birth_date=date(1985, 3, 3),
        assigned_cpip=cpip2.user,
    )
    far = make_person(
        foreign_cpip, surname="Lointain", first_names="Marc", birth_date=date(1979, 11, 30)
    )
    return World(
        caseload=make_dossier(cpip, mine, judge=judge.user),
        service_only=make_dossier(cpip2, theirs),
        foreign=make_dossier(foreign_cpip, far),
    )
