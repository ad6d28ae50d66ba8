"""Support in prison, through the services and selectors: the arrival interview (its checks,
the needs its screening records, its deadline in the échéancier), destitution (assessments,
aids, the managers' figures per establishment) and family ties (contacts and steps).

Every refusal is checked to store nothing at all: no row, no journal entry, no chronology
line."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.audit.models import AuditEntry
from probatio.core.deadlines import Query, Severity, collect
from probatio.organisation.models import Service
from probatio.people import services as people_services
from probatio.people.models import Person, TimelineEvent
from probatio.reintegration import services as reintegration_services
from probatio.reintegration import support
from probatio.reintegration.models import (
    ArrivalInterview,
    DestitutionAid,
    DestitutionAssessment,
    FamilyContact,
    FamilyStep,
    Need,
    NeedChange,
)
from tests.factories import EstablishmentFactory, gate, make_person, make_prisoner

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 20)
COMMITTAL = date(2026, 3, 16)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def establishment(service):
    return EstablishmentFactory(service=service, name="Maison d'arrêt d'Amiens")


@pytest.fixture
def arrived(cpip, establishment):
    """Committed four days ago, interview not yet held."""
    return make_prisoner(
        cpip, establishment=establishment, committal_date=COMMITTAL, surname="Arrivant"
    )


def stored() -> dict[str, int]:
    """How many rows of each kind the support services write (and their journal and
    chronology)."""
    return {
        "interviews": ArrivalInterview.objects.count(),
        "needs": Need.objects.count(),
        "need_changes": NeedChange.objects.count(),
        "assessments": DestitutionAssessment.objects.count(),
        "aids": DestitutionAid.objects.count(),
        "contacts": FamilyContact.objects.count(),
        "steps": FamilyStep.objects.count(),
        "timeline": TimelineEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


EVERY_DIFFICULTY = {
    "destitution": "yes",
    "literacy": "difficulties",
    "addiction": "declared_no_care",
    "family_ties": "broken",
    "identity_documents": "none",
}
NO_DIFFICULTY = {
    "destitution": "no",
    "literacy": "no_difficulty",
    "addiction": "none",
    "family_ties": "maintained",
    "identity_documents": "valid",
}


def interview_data(answers=None, **overrides):
    return {
        "held_on": date(2026, 3, 18),
        **(answers or EVERY_DIFFICULTY),
        "observations": "Souhaite reprendre contact avec sa fille.",
        **overrides,
    }


def record_interview(membership, person, answers=None, **overrides):
    return support.arrival_interview_record(
        gated=gate(membership, person), data=interview_data(answers, **overrides), today=TODAY
    )


def messages_of(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


# --- The arrival interview: checks ----------------------------------------------------------------


def test_the_interview_needs_a_person_in_prison(cpip, person):
    before = stored()
    with pytest.raises(ValidationError) as refused:
        record_interview(cpip, person)
    assert messages_of(refused.value) == {
        "__all__": [
            "La personne n'est pas écrouée : l'entretien arrivant concerne une personne détenue."
        ]
    }
    assert stored() == before


def test_the_interview_of_a_released_person_is_refused(cpip, manager, arrived):
    people_services.custody_close(gated=gate(manager, arrived), release_date=TODAY, today=TODAY)
    before = stored()
    with pytest.raises(ValidationError, match="pas écrouée"):
        record_interview(cpip, arrived)
    assert stored() == before


@pytest.mark.parametrize(
    ("held_on", "message"),
    [
        (date(2026, 3, 21), "La date ne peut pas être dans le futur."),
        (date(2026, 3, 15), "La date ne peut pas précéder l'écrou du 16/03/2026."),
        (None, "Indiquez la date."),
    ],
)
def test_the_interview_is_dated_between_the_committal_and_today(cpip, arrived, held_on, message):
    before = stored()
    with pytest.raises(ValidationError) as refused:
        record_interview(cpip, arrived, held_on=held_on)
    assert messages_of(refused.value) == {"held_on": [message]}
    assert stored() == before


def test_the_interview_may_be_held_on_the_day_of_the_committal_or_today(cpip, arrived):
    interview, _ = record_interview(cpip, arrived, held_on=COMMITTAL)
    assert interview.held_on == COMMITTAL
    other = make_prisoner(cpip, committal_date=COMMITTAL, surname="Autre")
    assert record_interview(cpip, other, held_on=TODAY)[0].held_on == TODAY


def test_an_unknown_or_missing_answer_is_refused_by_domain(cpip, arrived):
    before = stored()
    answers = {**EVERY_DIFFICULTY, "literacy": "yes", "addiction": None}
    with pytest.raises(ValidationError) as refused:
        record_interview(cpip, arrived, answers)
    assert messages_of(refused.value) == {
        "literacy": ["Choisissez une réponse."],
        "addiction": ["Choisissez une réponse."],
    }
    assert stored() == before


def test_one_interview_per_committal(cpip, manager, arrived):
    first, needs = record_interview(cpip, arrived)
    assert len(needs) == 5
    before = stored()
    with pytest.raises(ValidationError) as refused:
        record_interview(manager, arrived, NO_DIFFICULTY, held_on=TODAY)
    assert messages_of(refused.value) == {
        "__all__": ["L'entretien arrivant de cet écrou est déjà enregistré."]
    }
    assert stored() == before
    assert list(ArrivalInterview.objects.values_list("pk", "held_by_id")) == [
        (first.pk, cpip.user_id)
    ]


def test_a_new_committal_gets_its_own_interview(cpip, manager, arrived):
    record_interview(cpip, arrived)
    people_services.custody_close(gated=gate(manager, arrived), release_date=TODAY, today=TODAY)
    again = make_prisoner(cpip, person=arrived, committal_date=TODAY, committal_number="999001")
    interview, _ = record_interview(cpip, again, NO_DIFFICULTY, held_on=TODAY)
    assert ArrivalInterview.objects.filter(person=arrived).count() == 2
    assert interview.custody.committal_number == "999001"


# --- The arrival interview: what it records -------------------------------------------------------


def test_the_interview_is_stored_with_its_answers(cpip, arrived, establishment):
    interview, _ = record_interview(cpip, arrived)
    interview.refresh_from_db()
    assert interview.person_id == arrived.pk
    assert interview.custody.establishment == establishment
    assert interview.custody.release_date is None
    assert interview.held_by == cpip.user
    assert interview.held_on == date(2026, 3, 18)
    assert interview.observations == "Souhaite reprendre contact avec sa fille."
    assert interview.answers() == [
        ("Indigence", "Sans ressources (indigence à examiner)"),
        ("Lecture et écriture", "Difficultés de lecture ou d'écriture"),
        ("Addictions", "Addiction déclarée, sans suivi"),
        ("Liens familiaux", "Liens rompus, reprise souhaitée"),
        ("Papiers d'identité", "Aucune pièce d'identité"),
    ]
    entry = AuditEntry.objects.get(
        object_type="reintegration.arrivalinterview", object_id=interview.pk
    )
    assert (entry.action, entry.person_id, entry.actor_id) == ("create", arrived.pk, cpip.user_id)
    assert entry.summary == "Entretien arrivant"


def test_the_screening_records_its_needs_with_their_history(cpip, arrived):
    before = stored()
    _, needs = record_interview(cpip, arrived)
    assert [n.pathway for n in needs] == ["finances", "education", "health", "family", "rights"]
    rows = list(
        Need.objects.filter(person=arrived)
        .order_by("pk")
        .values_list("pathway", "details", "identified_on", "status", "created_by_id")
    )
    assert rows == [
        (pathway, details, date(2026, 3, 18), "identified", cpip.user_id)
        for pathway, details in (
            ("finances", "Sans ressources à l'arrivée en détention. (entretien arrivant)"),
            ("education", "Difficultés de lecture ou d'écriture. (entretien arrivant)"),
            ("health", "Addiction déclarée, sans suivi. (entretien arrivant)"),
            ("family", "Liens familiaux rompus, reprise souhaitée. (entretien arrivant)"),
            ("rights", "Aucune pièce d'identité. (entretien arrivant)"),
        )
    ]
    assert (
        sorted(NeedChange.objects.filter(need__person=arrived).values_list("status", "changed_on"))
        == [("identified", date(2026, 3, 18))] * 5
    )
    assert (
        AuditEntry.objects.filter(
            object_type="reintegration.need", action="create", person_id=arrived.pk
        ).count()
        == 5
    )
    after = stored()
    assert after["interviews"] == before["interviews"] + 1
    assert after["needs"] == before["needs"] + 5
    assert after["need_changes"] == before["need_changes"] + 5
    assert after["audit"] == before["audit"] + 6  # the interview and its five needs


def test_the_chronology_tells_the_interview_and_its_needs(cpip, arrived):
    interview, _ = record_interview(cpip, arrived)
    line = TimelineEvent.objects.get(
        person=arrived, title="Entretien arrivant (Maison d'arrêt d'Amiens)"
    )
    assert line.kind == "custody"
    assert line.detail == "5 besoins identifiés au repérage."
    assert line.actor == cpip.user
    assert (line.object_type, line.object_id) == ("reintegration.arrivalinterview", interview.pk)
    assert line.occurred_at.date() == date(2026, 3, 18)
    titles = set(
        TimelineEvent.objects.filter(person=arrived, kind="reintegration").values_list(
            "title", flat=True
        )
    )
    assert "Besoin identifié : ressources et prestations" in titles
    assert "Besoin identifié : papiers d'identité et accès aux droits" in titles


def test_no_difficulty_records_no_need(cpip, arrived):
    before = stored()
    interview, needs = record_interview(cpip, arrived, NO_DIFFICULTY)
    assert needs == []
    assert not Need.objects.filter(person=arrived).exists()
    line = TimelineEvent.objects.get(
        person=arrived, object_type="reintegration.arrivalinterview", object_id=interview.pk
    )
    assert line.detail == "Aucun nouveau besoin identifié au repérage."
    assert stored()["needs"] == before["needs"]


def test_a_pathway_with_an_open_need_is_skipped_a_closed_one_is_not(cpip, arrived):
    open_need = reintegration_services.need_create(
        gated=gate(cpip, arrived),
        data={"pathway": "finances", "details": "Pécule vide.", "identified_on": COMMITTAL},
        today=TODAY,
    )
    in_progress = reintegration_services.need_create(
        gated=gate(cpip, arrived),
        data={"pathway": "rights", "details": "CNI à refaire.", "identified_on": COMMITTAL},
        today=TODAY,
    )
    reintegration_services.need_status_set(
        gated=gate(cpip, arrived),
        need=in_progress,
        status="in_progress",
        changed_on=date(2026, 3, 17),
        today=TODAY,
    )
    met = reintegration_services.need_create(
        gated=gate(cpip, arrived),
        data={"pathway": "education", "details": "Ancien besoin.", "identified_on": COMMITTAL},
        today=TODAY,
    )
    reintegration_services.need_status_set(
        gated=gate(cpip, arrived), need=met, status="met", changed_on=date(2026, 3, 17), today=TODAY
    )
    _, created = record_interview(cpip, arrived)
    assert [n.pathway for n in created] == ["education", "health", "family"]
    assert Need.objects.filter(person=arrived, pathway="finances").get() == open_need
    assert Need.objects.filter(person=arrived, pathway="rights").get() == in_progress
    assert Need.objects.filter(person=arrived, pathway="education").count() == 2
    open_need.refresh_from_db()
    assert open_need.details == "Pécule vide."
    line = TimelineEvent.objects.get(person=arrived, title__startswith="Entretien arrivant")
    assert line.detail == "3 besoins identifiés au repérage."


def test_another_persons_open_need_does_not_count(cpip, arrived):
    someone = make_person(cpip, surname="Voisin")
    reintegration_services.need_create(
        gated=gate(cpip, someone),
        data={"pathway": "finances", "details": "", "identified_on": COMMITTAL},
        today=TODAY,
    )
    _, created = record_interview(cpip, arrived, {**NO_DIFFICULTY, "destitution": "yes"})
    assert [(n.person_id, n.pathway) for n in created] == [(arrived.pk, "finances")]


# --- The arrival interview in the échéancier ------------------------------------------------------


def due_items(service, *, today=TODAY, until=None, with_service=False, persons=None):
    query = Query(
        persons=persons if persons is not None else Person.objects.filter(service=service),
        today=today,
        until=until or today + timedelta(days=30),
        service_id=service.pk,
        service=Service.objects.get(pk=service.pk) if with_service else None,
    )
    return collect(query, ["arrival_interview"])


def test_a_recent_committal_without_interview_is_due_after_the_services_delay(
    cpip, service, arrived
):
    [item] = due_items(service)
    assert item.person_id == arrived.pk
    assert item.kind == "arrival_interview"
    assert item.due == COMMITTAL + timedelta(days=service.arrival_interview_days)
    assert item.due == date(2026, 3, 23)  # the default delay is 7 days
    assert item.severity == Severity.INFO
    assert item.label == "Entretien arrivant à mener (écrou du 16/03/2026)"
    assert item.detail == "Maison d'arrêt d'Amiens"
    assert item.url == f"/personnes/{arrived.pk}/accompagnement/"
    assert item.staff_ids == frozenset([cpip.user_id])


def test_the_services_delay_decides_and_an_overdue_interview_is_an_alert(service, arrived):
    service.arrival_interview_days = 2
    service.save()
    [item] = due_items(service)
    assert item.due == date(2026, 3, 18)
    assert item.severity == Severity.ALERT
    assert item.is_overdue(TODAY)


def test_due_today_is_not_yet_overdue(service, arrived):
    service.arrival_interview_days = 4
    service.save()
    [item] = due_items(service)
    assert (item.due, item.severity) == (TODAY, Severity.INFO)


def test_the_item_is_gone_once_the_interview_is_recorded(cpip, service, arrived):
    waiting = make_prisoner(cpip, committal_date=date(2026, 3, 19), surname="Attente")
    assert {i.person_id for i in due_items(service)} == {arrived.pk, waiting.pk}
    record_interview(cpip, arrived)
    assert [i.person_id for i in due_items(service)] == [waiting.pk]


def test_only_the_items_due_by_the_end_of_the_period_are_listed(service, arrived):
    assert due_items(service, until=date(2026, 3, 22)) == []
    assert len(due_items(service, until=date(2026, 3, 23))) == 1


@pytest.mark.parametrize(
    ("days_ago", "listed"), [(89, True), (90, True), (91, False), (400, False)]
)
def test_committals_older_than_ninety_days_are_not_chased(cpip, service, days_ago, listed):
    old = make_prisoner(cpip, committal_date=TODAY - timedelta(days=days_ago), surname="Ancien")
    items = due_items(service)
    assert [i.person_id for i in items] == ([old.pk] if listed else [])
    if listed:
        assert items[0].severity == Severity.ALERT


def test_a_released_person_is_not_chased(manager, service, arrived):
    people_services.custody_close(gated=gate(manager, arrived), release_date=TODAY, today=TODAY)
    assert due_items(service) == []


def test_only_the_persons_asked_for(cpip, service, arrived, member, other_service):
    make_prisoner(member("cpip", service=other_service), committal_date=COMMITTAL)
    other = make_prisoner(cpip, committal_date=COMMITTAL, surname="Deuxième")
    items = due_items(service, persons=Person.objects.filter(pk=other.pk))
    assert [i.person_id for i in items] == [other.pk]
    assert {i.person_id for i in due_items(service)} == {arrived.pk, other.pk}


def test_a_person_without_cpip_has_no_staff(manager, service, arrived):
    people_services.cpip_assign(gated=gate(manager, arrived), cpip=None)
    [item] = due_items(service)
    assert item.staff_ids == frozenset()


def test_the_provider_takes_one_query_whatever_the_number_of_persons(cpip, service):
    for n in range(5):
        make_prisoner(cpip, committal_date=TODAY - timedelta(days=n), surname=f"Arrivant{n}")
    service = Service.objects.get(pk=service.pk)
    query = Query(
        persons=Person.objects.filter(service=service),
        today=TODAY,
        until=TODAY + timedelta(days=30),
        service_id=service.pk,
        service=service,
    )
    with CaptureQueriesContext(connection) as queries:
        items = collect(query, ["arrival_interview"])
    assert len(items) == 5
    assert len(queries.captured_queries) == 1


# --- The support of one person --------------------------------------------------------------------


def test_support_of_gives_the_open_committals_records(cpip, arrived, service):
    custody = arrived.custody_records.get()
    data = support.support_of(arrived, custody, delay_days=service.arrival_interview_days)
    assert data.interview is None and data.interview_due == date(2026, 3, 23)
    assert data.destitution is None and data.aid_total == Decimal(0)
    record_interview(cpip, arrived)
    assess(cpip, arrived, True, assessed_on=date(2026, 3, 17))
    latest = assess(cpip, arrived, False, assessed_on=date(2026, 3, 19))
    grant(cpip, arrived, kind="cash", amount=Decimal("20.00"))
    grant(cpip, arrived, kind="hygiene", amount=None, item="Kit arrivant")
    grant(cpip, arrived, kind="phone", amount=Decimal("5.50"))
    data = support.support_of(arrived, custody, delay_days=7)
    assert data.interview.held_on == date(2026, 3, 18) and data.interview_due is None
    assert data.destitution == latest
    assert len(data.assessments) == 2
    assert data.aid_total == Decimal("25.50")
    assert {a.kind for a in data.aids} == {"cash", "hygiene", "phone"}


def test_support_of_without_committal_shows_only_family_ties(cpip, person):
    contact = save_contact(cpip, person)
    with CaptureQueriesContext(connection) as queries:
        data = support.support_of(person, None, delay_days=7)
    assert len(queries.captured_queries) == 2
    assert data.custody is None and data.interview is None and data.interview_due is None
    assert data.assessments == [] and data.aids == []
    assert data.contacts == [contact]


# --- Destitution ----------------------------------------------------------------------------------


def assess(membership, person, destitute=True, *, today=TODAY, **overrides):
    return support.destitution_assess(
        gated=gate(membership, person),
        data={
            "assessed_on": date(2026, 3, 19),
            "is_destitute": destitute,
            "comment": "  Pécule inférieur à 50 € sur deux mois.  ",
            **overrides,
        },
        today=today,
    )


def grant(membership, person, *, today=TODAY, **overrides):
    return support.aid_grant(
        gated=gate(membership, person),
        data={
            "kind": "cash",
            "amount": Decimal("20.00"),
            "item": "",
            "granted_on": date(2026, 3, 19),
            **overrides,
        },
        today=today,
    )


def test_a_destitution_assessment_is_stored_journaled_and_told(cpip, arrived):
    assessment = assess(cpip, arrived)
    assessment.refresh_from_db()
    assert assessment.custody == arrived.custody_records.get()
    assert assessment.is_destitute is True
    assert assessment.comment == "Pécule inférieur à 50 € sur deux mois."
    assert assessment.assessed_by == cpip.user
    entry = AuditEntry.objects.get(object_type="reintegration.destitutionassessment")
    assert (entry.action, entry.person_id) == ("create", arrived.pk)
    assert entry.summary == "Indigence : personne reconnue indigente"
    line = TimelineEvent.objects.get(
        person=arrived, object_type="reintegration.destitutionassessment", object_id=assessment.pk
    )
    assert line.title == "Situation d'indigence : personne reconnue indigente"
    assert line.kind == "custody"
    assert line.occurred_at.date() == date(2026, 3, 19)
    other = assess(cpip, arrived, False)
    assert TimelineEvent.objects.get(
        object_type="reintegration.destitutionassessment", object_id=other.pk
    ).title == ("Situation d'indigence : personne non indigente")


def test_an_assessment_needs_a_person_in_prison(cpip, person):
    before = stored()
    with pytest.raises(ValidationError) as refused:
        assess(cpip, person)
    assert messages_of(refused.value) == {
        "__all__": [
            "La personne n'est pas écrouée : la situation d'indigence concerne une personne "
            "détenue."
        ]
    }
    assert stored() == before


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2026, 3, 21), "La date ne peut pas être dans le futur."),
        (date(2026, 3, 1), "La date ne peut pas précéder l'écrou du 16/03/2026."),
    ],
)
def test_an_assessment_is_dated_within_the_committal(cpip, arrived, day, message):
    before = stored()
    with pytest.raises(ValidationError) as refused:
        assess(cpip, arrived, assessed_on=day)
    assert messages_of(refused.value) == {"assessed_on": [message]}
    assert stored() == before


def test_an_aid_is_stored_journaled_and_told(cpip, arrived):
    aid = grant(cpip, arrived)
    aid.refresh_from_db()
    assert (aid.kind, aid.amount, aid.item) == ("cash", Decimal("20.00"), "")
    assert aid.custody == arrived.custody_records.get()
    assert aid.granted_by == cpip.user
    entry = AuditEntry.objects.get(object_type="reintegration.destitutionaid")
    assert (entry.action, entry.person_id) == ("create", arrived.pk)
    assert entry.summary == "Aide : Aide financière (numéraire)"
    line = TimelineEvent.objects.get(
        person=arrived, object_type="reintegration.destitutionaid", object_id=aid.pk
    )
    assert line.title == "Aide accordée : aide financière (numéraire)"
    assert line.kind == "custody"
    assert line.detail == "20,00 €"
    kit = grant(cpip, arrived, kind="hygiene", amount=None, item="  Kit arrivant  ")
    assert kit.item == "Kit arrivant"
    assert (
        TimelineEvent.objects.get(
            object_type="reintegration.destitutionaid", object_id=kit.pk
        ).detail
        == "Kit arrivant"
    )


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"amount": Decimal("-5.00")}, {"amount": ["Le montant ne peut pas être négatif."]}),
        (
            {"kind": "clothing", "amount": Decimal("-1"), "item": "Pull"},
            {"amount": ["Le montant ne peut pas être négatif."]},
        ),
        ({"amount": None}, {"amount": ["Indiquez le montant de l'aide financière."]}),
        (
            {"kind": "hygiene", "amount": None, "item": " "},
            {"item": ["Indiquez ce qui a été remis, ou son montant."]},
        ),
        ({"kind": "food"}, {"kind": ["Choisissez le type d'aide."]}),
        (
            {"granted_on": date(2026, 3, 21)},
            {"granted_on": ["La date ne peut pas être dans le futur."]},
        ),
        (
            {"granted_on": date(2026, 3, 15)},
            {"granted_on": ["La date ne peut pas précéder l'écrou du 16/03/2026."]},
        ),
        ({"granted_on": None}, {"granted_on": ["Indiquez la date."]}),
    ],
)
def test_a_bad_aid_is_refused_and_nothing_is_stored(cpip, arrived, data, errors):
    before = stored()
    with pytest.raises(ValidationError) as refused:
        grant(cpip, arrived, **data)
    assert messages_of(refused.value) == errors
    assert stored() == before


def test_an_aid_needs_a_person_in_prison(cpip, person):
    before = stored()
    with pytest.raises(ValidationError) as refused:
        grant(cpip, person)
    assert messages_of(refused.value) == {
        "__all__": [
            "La personne n'est pas écrouée : une aide à une personne indigente concerne une "
            "personne détenue."
        ]
    }
    assert stored() == before


# --- Destitution figures per establishment --------------------------------------------------------

START = date(2026, 1, 1)
END = date(2026, 2, 28)


@pytest.fixture
def figures_world(cpip, service, member, other_service):
    """Two establishments of the service, one of another service, with assessments and aids
    inside and outside the period [START, END]."""
    amiens = EstablishmentFactory(service=service, name="Maison d'arrêt d'Amiens")
    liancourt = EstablishmentFactory(service=service, name="Centre de détention de Liancourt")
    EstablishmentFactory(service=service, name="Centre pénitentiaire sans aide")
    committal = date(2025, 11, 3)
    p1 = make_prisoner(cpip, establishment=amiens, committal_date=committal, surname="Un")
    p2 = make_prisoner(cpip, establishment=amiens, committal_date=committal, surname="Deux")
    p3 = make_prisoner(cpip, establishment=liancourt, committal_date=committal, surname="Trois")
    # p1: destitute, then not (the latest up to the end wins); destitute again after the end.
    assess(cpip, p1, True, assessed_on=date(2026, 1, 5))
    assess(cpip, p1, False, assessed_on=date(2026, 2, 10))
    assess(cpip, p1, True, assessed_on=date(2026, 3, 2))
    # p2: not destitute before the period, then destitute on its last day.
    assess(cpip, p2, False, assessed_on=date(2025, 12, 31))
    assess(cpip, p2, True, assessed_on=END)
    # p3: destitute on the first day of the period.
    assess(cpip, p3, True, assessed_on=START)
    grant(cpip, p1, amount=Decimal("20.00"), granted_on=START)
    grant(cpip, p1, kind="hygiene", amount=None, item="Kit", granted_on=date(2026, 1, 20))
    grant(cpip, p2, amount=Decimal("15.50"), granted_on=END)
    grant(cpip, p2, amount=Decimal("100.00"), granted_on=date(2026, 3, 1))  # after
    grant(cpip, p3, kind="clothing", amount=Decimal("30.00"), granted_on=date(2026, 2, 2))
    grant(cpip, p3, kind="phone", amount=Decimal("7.00"), granted_on=date(2025, 12, 31))  # before
    # Another service: never counted.
    foreign = member("cpip", service=other_service)
    elsewhere = EstablishmentFactory(service=other_service, name="Maison d'arrêt d'ailleurs")
    far = make_prisoner(foreign, establishment=elsewhere, committal_date=committal)
    assess(foreign, far, True, assessed_on=date(2026, 1, 15))
    grant(foreign, far, amount=Decimal("999.00"), granted_on=date(2026, 1, 15))
    return {"amiens": amiens, "liancourt": liancourt}


def figures_by_name(service, start=START, end=END):
    return {
        f.establishment.name: (f.assessed, f.destitute, f.aided, f.aids, f.amount, f.by_kind)
        for f in support.destitution_figures(service.pk, start=start, end=end)
    }


def test_the_figures_per_establishment_over_the_period(service, figures_world):
    assert figures_by_name(service) == {
        "Centre de détention de Liancourt": (1, 1, 1, 1, Decimal("30.00"), {"clothing": 1}),
        "Centre pénitentiaire sans aide": (0, 0, 0, 0, Decimal(0), {}),
        "Maison d'arrêt d'Amiens": (2, 1, 2, 3, Decimal("35.50"), {"cash": 2, "hygiene": 1}),
    }


def test_the_establishments_come_in_alphabetical_order(service, figures_world):
    names = [
        f.establishment.name for f in support.destitution_figures(service.pk, start=START, end=END)
    ]
    assert names == sorted(names)


def test_the_latest_assessment_up_to_the_end_wins(service, figures_world):
    # Up to 10 February only: p1 not destitute (10/02); p2 not destitute at 31/12, before the
    # period (so not assessed during it).
    figures = figures_by_name(service, end=date(2026, 2, 10))
    assert figures["Maison d'arrêt d'Amiens"][:2] == (1, 0)
    # Until 2 March: p1 destitute again, p2 destitute.
    figures = figures_by_name(service, end=date(2026, 3, 2))
    assert figures["Maison d'arrêt d'Amiens"][:2] == (2, 2)
    assert figures["Maison d'arrêt d'Amiens"][3:5] == (4, Decimal("135.50"))


def test_destitute_are_those_held_during_the_period_by_their_latest_assessment(cpip, service):
    """Recognised destitute: held there on one day of the period at least, and destitute at
    their latest assessment up to its end (made before the period, possibly). Assessed: only
    those assessed during it."""
    beauvais = EstablishmentFactory(service=service, name="Maison d'arrêt de Beauvais")

    def prisoner(surname, committal=date(2025, 11, 3)):
        return make_prisoner(
            cpip, establishment=beauvais, committal_date=committal, surname=surname
        )

    def released(person, day):
        people_services.custody_close(gated=gate(cpip, person), release_date=day, today=TODAY)

    held = prisoner("Toujours")  # assessed before the period only: still destitute
    assess(cpip, held, True, assessed_on=date(2025, 12, 15))
    gone = prisoner("Parti")  # released the day before the period: not counted
    assess(cpip, gone, True, assessed_on=date(2025, 11, 10))
    released(gone, date(2025, 12, 31))
    leaving = prisoner("Sorti")  # released on the first day of the period: held during it
    assess(cpip, leaving, True, assessed_on=date(2025, 12, 1))
    released(leaving, START)
    later = prisoner("Ensuite")  # not destitute any more only after the end
    assess(cpip, later, True, assessed_on=date(2025, 12, 1))
    assess(cpip, later, False, assessed_on=date(2026, 3, 10))
    last_day = prisoner("Dernier", committal=END)  # committed and assessed on the last day
    assess(cpip, last_day, True, assessed_on=END)
    too_late = prisoner("Après", committal=date(2026, 3, 1))  # committed after the period
    assess(cpip, too_late, True, assessed_on=date(2026, 3, 2))
    figures = figures_by_name(service)
    assert figures["Maison d'arrêt de Beauvais"][:2] == (1, 4)  # (assessed, destitute)


def test_the_period_bounds_are_included(service, figures_world):
    one_day = figures_by_name(service, start=START, end=START)
    assert one_day["Maison d'arrêt d'Amiens"] == (0, 0, 1, 1, Decimal("20.00"), {"cash": 1})
    assert one_day["Centre de détention de Liancourt"][:2] == (1, 1)
    last_day = figures_by_name(service, start=END, end=END)
    assert last_day["Maison d'arrêt d'Amiens"] == (1, 1, 1, 1, Decimal("15.50"), {"cash": 1})


def test_another_services_data_is_never_counted(service, other_service, figures_world):
    figures = figures_by_name(service, start=date(2020, 1, 1), end=TODAY)
    assert "Maison d'arrêt d'ailleurs" not in figures
    total = sum(row[4] for row in figures.values())
    assert total == Decimal("172.50")  # 20 + 15.50 + 100 + 30 + 7, never the 999 elsewhere
    assert figures_by_name(other_service, start=date(2020, 1, 1), end=TODAY) == {
        "Maison d'arrêt d'ailleurs": (1, 1, 1, 1, Decimal("999.00"), {"cash": 1})
    }


def test_the_figures_take_four_queries_whatever_the_size(cpip, service, figures_world):
    with CaptureQueriesContext(connection) as small:
        support.destitution_figures(service.pk, start=START, end=END)
    for n in range(4):
        more = make_prisoner(
            cpip,
            establishment=figures_world["liancourt"],
            committal_date=date(2025, 11, 3),
            surname=f"Plus{n}",
        )
        assess(cpip, more, True, assessed_on=date(2026, 1, 10))
        grant(cpip, more, kind="television", amount=Decimal("9.00"), granted_on=date(2026, 1, 10))
    with CaptureQueriesContext(connection) as large:
        figures = figures_by_name(service)
    assert len(small.captured_queries) == len(large.captured_queries) == 4
    assert figures["Centre de détention de Liancourt"][:4] == (5, 5, 5, 5)


# --- Family ties ----------------------------------------------------------------------------------


def contact_data(**overrides):
    return {
        "name": "  Léa Martin  ",
        "relationship": "child",
        "phone": "06 12 34 56 78",
        "city": "Amiens",
        "visits": "wished",
        "phone_calls": "in_place",
        "mail": "none",
        "comment": "",
        **overrides,
    }


def save_contact(membership, person, contact=None, **overrides):
    return support.family_contact_save(
        gated=gate(membership, person), data=contact_data(**overrides), contact=contact
    )


def step(membership, person, **overrides):
    return support.family_step_record(
        gated=gate(membership, person),
        data={
            "kind": "visit_permit_requested",
            "on": date(2026, 3, 19),
            "comment": "",
            **overrides,
        },
        today=TODAY,
    )


def test_a_contact_is_added_journaled_and_told(cpip, person):
    contact = save_contact(cpip, person)
    contact.refresh_from_db()
    assert (contact.name, contact.relationship, contact.visits, contact.phone_calls) == (
        "Léa Martin",
        "child",
        "wished",
        "in_place",
    )
    assert contact.created_by == cpip.user
    entry = AuditEntry.objects.get(object_type="reintegration.familycontact")
    assert (entry.action, entry.person_id, entry.summary) == (
        "create",
        person.pk,
        "Liens familiaux : proche ajouté",
    )
    line = TimelineEvent.objects.get(
        person=person, object_type="reintegration.familycontact", object_id=contact.pk
    )
    assert line.title == "Liens familiaux : enfant ajouté·e"
    assert line.kind == "reintegration"


def test_family_ties_do_not_need_a_committal(cpip, person):
    assert not person.custody_records.exists()
    contact = save_contact(cpip, person, relationship="partner")
    assert step(cpip, person, contact=contact).contact == contact


def test_missing_modes_default_to_none(cpip, person):
    data = contact_data()
    del data["mail"], data["phone_calls"]
    contact = support.family_contact_save(gated=gate(cpip, person), data=data)
    assert (contact.phone_calls, contact.mail) == ("none", "none")


def test_a_bad_contact_is_refused_field_by_field_and_nothing_stored(cpip, person):
    before = stored()
    with pytest.raises(ValidationError) as refused:
        save_contact(cpip, person, name="   ", relationship="cousin", visits="often")
    assert messages_of(refused.value) == {
        "name": ["Indiquez le nom du proche."],
        "relationship": ["Choisissez le lien avec la personne."],
        "visits": ["Choisissez une réponse."],
    }
    assert stored() == before


def test_editing_a_contact_journals_the_changes_only(cpip, manager, person):
    contact = save_contact(cpip, person)
    timeline = TimelineEvent.objects.count()
    save_contact(manager, person, contact, visits="in_place", city="Abbeville")
    contact.refresh_from_db()
    assert (contact.visits, contact.city) == ("in_place", "Abbeville")
    entry = AuditEntry.objects.get(object_type="reintegration.familycontact", action="update")
    assert entry.actor_id == manager.user_id and entry.person_id == person.pk
    assert entry.summary == "Liens familiaux : proche"
    # A relative's town is journaled by name only (audit.fields.IDENTITIES).
    assert entry.changes == {
        "city": ["(valeur non conservée)", "(valeur non conservée)"],
        "visits": ["wished", "in_place"],
    }
    assert TimelineEvent.objects.count() == timeline
    # Saved again unchanged: no journal entry.
    audit_count = AuditEntry.objects.count()
    save_contact(manager, person, contact, visits="in_place", city="Abbeville")
    assert AuditEntry.objects.count() == audit_count


def test_a_contact_of_another_person_is_not_edited_through_this_one(cpip, person):
    someone = make_person(cpip, surname="Autre")
    theirs = save_contact(cpip, someone, name="Paul Autre")
    before = stored()
    with pytest.raises(ValidationError) as refused:
        save_contact(cpip, person, theirs, name="Changé")
    assert messages_of(refused.value) == {"__all__": ["Ce proche n'est pas dans ce dossier."]}
    theirs.refresh_from_db()
    assert (theirs.name, theirs.person_id) == ("Paul Autre", someone.pk)
    assert stored() == before


def test_a_step_is_recorded_journaled_and_told(cpip, person):
    contact = save_contact(cpip, person)
    done = step(cpip, person, contact=contact.pk, comment=" Demande au greffe. ")
    done.refresh_from_db()
    assert (done.contact, done.kind, done.on, done.comment, done.by) == (
        contact,
        "visit_permit_requested",
        date(2026, 3, 19),
        "Demande au greffe.",
        cpip.user,
    )
    assert AuditEntry.objects.filter(
        object_type="reintegration.familystep", action="create", person_id=person.pk
    ).exists()
    line = TimelineEvent.objects.get(
        person=person, object_type="reintegration.familystep", object_id=done.pk
    )
    assert line.title == "Liens familiaux : permis de visite demandé"
    assert line.kind == "reintegration"
    assert line.occurred_at.date() == date(2026, 3, 19)
    assert step(cpip, person, kind="family_mediation").contact is None


def test_a_step_with_a_contact_of_another_person_is_refused(cpip, person):
    someone = make_person(cpip, surname="Autre")
    theirs = save_contact(cpip, someone)
    before = stored()
    for value in (theirs, theirs.pk, 999999):
        with pytest.raises(ValidationError) as refused:
            step(cpip, person, contact=value)
        assert messages_of(refused.value) == {"contact": ["Proche introuvable dans ce dossier."]}
    assert stored() == before


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"kind": "visit"}, {"kind": ["Choisissez la démarche."]}),
        ({"kind": None}, {"kind": ["Choisissez la démarche."]}),
        ({"on": date(2026, 3, 21)}, {"on": ["La date ne peut pas être dans le futur."]}),
        ({"on": None}, {"on": ["Indiquez la date."]}),
    ],
)
def test_a_bad_step_is_refused(cpip, person, data, errors):
    before = stored()
    with pytest.raises(ValidationError) as refused:
        step(cpip, person, **data)
    assert messages_of(refused.value) == errors
    assert stored() == before
