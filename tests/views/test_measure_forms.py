"""Decisions, measures and obligations written through the pages."""

import re

import pytest

from probatio.audit.models import AuditEntry
from probatio.measures.models import Decision, Measure, Obligation, Offence
from probatio.people.models import TimelineEvent
from tests.views.helpers import ROLES, field_error, html, text_of


def decision_data(**overrides) -> dict:
    data = {
        "kind": "judgment",
        "jurisdiction": "Tribunal judiciaire de Nantes",
        "date": "2025-03-04",
        "enforceable_date": "2025-03-14",
        "judge": "",
        "judge_name": "M. Lenoir",
        "recidivism": "none",
        "court_file_number": "25/1234",
        "summary": "Deux ans de sursis probatoire.",
        "offences-TOTAL_FORMS": "3",
        "offences-INITIAL_FORMS": "0",
        "offences-MIN_NUM_FORMS": "0",
        "offences-MAX_NUM_FORMS": "10",
        "offences-0-label": "Vol aggravé",
        "offences-0-qualification": "delit",
        "offences-0-natinf": "7875",
        "offences-1-label": "Recel",
        "offences-1-qualification": "delit",
        "offences-1-natinf": "",
    }
    data.update(overrides)
    return data


def measure_data(decision, **overrides) -> dict:
    data = {
        "measure_type": "SURSIS_PROBATOIRE",
        "decision": str(decision.pk),
        "start_date": "2025-01-10",
        "duration_months": "24",
        "duration_days": "",
        "hours": "",
        "status": "",
        "setting": "",
        "assigning_judge": "",
        "assigned_cpip": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def mine(world):
    return world.caseload


@pytest.fixture
def cpip_client(client_for, cpip):
    return client_for(cpip)


def test_decision_with_offences(cpip_client, mine, cpip):
    person = mine.person
    response = cpip_client.post(f"/personnes/{person.pk}/decisions/nouvelle/", decision_data())
    decision = Decision.objects.filter(person=person).latest("pk")
    assert response.status_code == 302
    assert (
        response["Location"] == f"/personnes/{person.pk}/mesures/nouvelle/?decision={decision.pk}"
    )
    assert decision.jurisdiction == "Tribunal judiciaire de Nantes"
    assert [(o.label, o.natinf) for o in Offence.objects.filter(decision=decision)] == [
        ("Vol aggravé", "7875"),
        ("Recel", ""),
    ]
    assert (
        AuditEntry.objects.filter(
            action="create", object_type="measures.decision", object_id=decision.pk, actor=cpip.user
        ).count()
        == 1
    )
    # The measure form that follows has the new decision chosen.
    form = cpip_client.get(response["Location"])
    assert f'<option value="{decision.pk}" selected>' in html(form)
    listing = cpip_client.get(f"/personnes/{person.pk}/mesures/")
    assert "Vol aggravé" in html(listing) and "Recel" in html(listing)


def test_decision_with_an_incomplete_offence_saves_nothing(cpip_client, mine):
    before = Decision.objects.count(), Offence.objects.count()
    response = cpip_client.post(
        f"/personnes/{mine.person.pk}/decisions/nouvelle/",
        decision_data(**{"offences-1-qualification": ""}),
    )
    assert response.status_code == 400
    assert field_error(response, "id_offences-1-qualification") == (
        "Indiquez la qualification de cette infraction."
    )
    assert (Decision.objects.count(), Offence.objects.count()) == before


def test_decision_enforceable_before_its_date_is_refused(cpip_client, mine):
    before = Decision.objects.count()
    response = cpip_client.post(
        f"/personnes/{mine.person.pk}/decisions/nouvelle/",
        decision_data(enforceable_date="2025-03-01"),
    )
    assert response.status_code == 400
    # Said in words, next to the field: not as the database constraint's name.
    assert "decision_enforceable_after_date" not in html(response)
    assert field_error(response, "id_enforceable_date") == (
        "La date de caractère exécutoire ne peut pas précéder la date de la décision."
    )
    assert Decision.objects.count() == before


def test_measure_within_the_legal_bounds(cpip_client, mine, cpip):
    person = mine.person
    response = cpip_client.post(
        f"/personnes/{person.pk}/mesures/nouvelle/",
        measure_data(mine.decision, duration_months="36"),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/personnes/{person.pk}/mesures/"
    measure = Measure.objects.filter(person=person).latest("pk")
    assert measure.duration_months == 36
    assert str(measure.end_date) == "2028-01-10"
    assert measure.assigned_cpip == cpip.user  # the person's CPIP by default
    assert (
        TimelineEvent.objects.filter(person=person, kind="measure", object_id=measure.pk).count()
        == 1
    )


def test_a_48_month_sursis_probatoire_is_refused(cpip_client, mine):
    before = Measure.objects.count(), AuditEntry.objects.filter(action="create").count()
    response = cpip_client.post(
        f"/personnes/{mine.person.pk}/mesures/nouvelle/",
        measure_data(mine.decision, duration_months="48"),
    )
    assert response.status_code == 400
    error = field_error(response, "id_duration_months")
    assert "48 mois" in error
    assert "36 mois" in error
    assert "rien n'a été enregistré" in text_of(response)
    assert (Measure.objects.count(), AuditEntry.objects.filter(action="create").count()) == before


def test_an_unknown_measure_code_is_refused_in_french(cpip_client, mine):
    before = Measure.objects.count()
    response = cpip_client.post(
        f"/personnes/{mine.person.pk}/mesures/nouvelle/",
        measure_data(mine.decision, measure_type="PEINE_INVENTEE"),
    )
    assert response.status_code == 400
    assert field_error(response, "id_measure_type") == (
        "Sélectionnez un choix valide. PEINE_INVENTEE n’en fait pas partie."
    )
    assert Measure.objects.count() == before


def test_a_decision_of_another_person_is_refused(cpip_client, mine, world):
    response = cpip_client.post(
        f"/personnes/{mine.person.pk}/mesures/nouvelle/", measure_data(world.service_only.decision)
    )
    assert response.status_code == 400
    assert Measure.objects.filter(decision=world.service_only.decision).count() == 1


def test_measure_creation_without_decision_asks_for_one_first(cpip_client, cpip):
    from tests.factories import make_person

    person = make_person(cpip)
    response = cpip_client.get(f"/personnes/{person.pk}/mesures/nouvelle/")
    assert response.status_code == 302
    assert response["Location"] == f"/personnes/{person.pk}/decisions/nouvelle/"


def test_measure_edit_changes_the_status(cpip_client, mine):
    url = f"/personnes/{mine.person.pk}/mesures/{mine.measure.pk}/modifier/"
    form = cpip_client.get(url)
    assert 'value="24"' in html(form)
    response = cpip_client.post(
        url,
        {
            "start_date": "2025-01-10",
            "duration_months": "24",
            "status": "suspended",
            "setting": "community",
        },
    )
    assert response.status_code == 302
    mine.measure.refresh_from_db()
    assert mine.measure.status == "suspended"
    assert (
        AuditEntry.objects.filter(
            action="update", object_type="measures.measure", object_id=mine.measure.pk
        ).count()
        == 1
    )


def test_measure_edit_beyond_the_bounds_saves_nothing(cpip_client, mine):
    url = f"/personnes/{mine.person.pk}/mesures/{mine.measure.pk}/modifier/"
    response = cpip_client.post(
        url,
        {
            "start_date": "2025-01-10",
            "duration_months": "48",
            "status": "active",
            "setting": "community",
        },
    )
    assert response.status_code == 400
    assert "36 mois" in field_error(response, "id_duration_months")
    mine.measure.refresh_from_db()
    assert mine.measure.duration_months == 24


# --- obligations and the victim's identity ------------------------------------------------

VICTIM = "Mme Violette Protégée"


def no_contact_data(decision, **overrides) -> dict:
    data = {
        "obligation_type": "NE_PAS_CONTACTER",
        "decision": str(decision.pk),
        "start_date": "2025-01-10",
        "end_date": "",
        "status": "active",
        "proof_frequency": "",
        "details": "",
        "victim_name": VICTIM,
        "victim_contact": "06 12 34 56 78",
        "zone": "",
        "care_structure": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def no_contact(cpip_client, mine):
    response = cpip_client.post(
        f"/personnes/{mine.person.pk}/mesures/{mine.measure.pk}/obligations/nouvelle/",
        no_contact_data(mine.decision),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/personnes/{mine.person.pk}/mesures/"
    return Obligation.objects.get(obligation_type_id="NE_PAS_CONTACTER")


def test_obligation_with_a_victim_is_saved(no_contact, mine, cpip):
    assert no_contact.victim_name == VICTIM
    assert no_contact.proof_frequency == "none"  # the catalogue's default
    assert no_contact.measure == mine.measure
    entry = AuditEntry.objects.get(
        action="create", object_type="measures.obligation", object_id=no_contact.pk
    )
    assert entry.actor == cpip.user


# Who reads the victim's identity on the measures tab of a person of cpip's caseload.
VICTIM_VISIBLE = {
    "cpip": True,  # in charge
    "cpip2": False,  # a CPIP not in charge
    "manager": True,
    "secretariat": False,
    "monitoring": True,  # needs it for exclusion zones
    "psychologist": False,
    "social_worker": False,
    "judge": True,  # one of the judge's files
}


@pytest.mark.parametrize("reader", list(VICTIM_VISIBLE))
def test_victim_identity_only_for_those_who_need_it(no_contact, mine, as_role, reader):
    response = as_role(reader).get(f"/personnes/{mine.person.pk}/mesures/")
    assert response.status_code == 200
    content = html(response)
    assert "S&#x27;abstenir d&#x27;entrer en relation" in content
    if VICTIM_VISIBLE[reader]:
        assert VICTIM in content
        assert "06 12 34 56 78" in content
        assert "réservée" not in content
    else:
        assert VICTIM not in content
        assert "06 12 34 56 78" not in content
        assert "Identité de la victime réservée" in content


def test_the_victim_is_not_in_the_obligation_edit_form_of_a_refused_role(no_contact, mine, as_role):
    url = f"/personnes/{mine.person.pk}/obligations/{no_contact.pk}/modifier/"
    assert as_role("cpip2").get(url).status_code == 403
    assert as_role("psychologist").get(url).status_code == 403


@pytest.mark.parametrize("editor", ["cpip", "manager", "secretariat"])
def test_the_obligation_edit_form_shows_the_victim_only_to_those_who_read_it(
    no_contact, mine, as_role, editor
):
    """The secretariat may edit obligations, but may not read the victim's identity: the
    edit form must not hand it over either."""
    response = as_role(editor).get(
        f"/personnes/{mine.person.pk}/obligations/{no_contact.pk}/modifier/"
    )
    assert response.status_code == 200
    content = html(response)
    assert (VICTIM in content) is VICTIM_VISIBLE[editor]
    assert ("06 12 34 56 78" in content) is VICTIM_VISIBLE[editor]


def test_an_edit_by_the_secretariat_keeps_the_victim(no_contact, mine, as_role):
    """Whatever the secretariat's form shows, saving it does not erase the victim."""
    url = f"/personnes/{mine.person.pk}/obligations/{no_contact.pk}/modifier/"
    client = as_role("secretariat")
    response = client.get(url)
    fields = dict(
        re.findall(r'<input type="[a-z]+" name="([a-z_]+)" value="([^"]*)"', html(response))
    )
    data = {
        "decision": str(mine.decision.pk),
        "start_date": fields.get("start_date", "2025-01-10"),
        "status": "active",
        "details": "Précision ajoutée par le secrétariat",
        "victim_name": fields.get("victim_name", ""),
        "victim_contact": fields.get("victim_contact", ""),
    }
    assert client.post(url, data).status_code == 302
    no_contact.refresh_from_db()
    assert no_contact.details == "Précision ajoutée par le secrétariat"
    assert no_contact.victim_name == VICTIM


def test_victim_on_an_obligation_without_victim_is_refused(cpip_client, mine):
    before = Obligation.objects.count()
    response = cpip_client.post(
        f"/personnes/{mine.person.pk}/mesures/{mine.measure.pk}/obligations/nouvelle/",
        no_contact_data(mine.decision, obligation_type="TRAVAIL_FORMATION"),
    )
    assert response.status_code == 400
    assert (
        field_error(response, "id_victim_name")
        == "Cette obligation ne comporte pas d'identité de victime."
    )
    assert Obligation.objects.count() == before


def test_obligation_edit(cpip_client, no_contact, mine):
    url = f"/personnes/{mine.person.pk}/obligations/{no_contact.pk}/modifier/"
    form = cpip_client.get(url)
    assert VICTIM in html(form)
    data = no_contact_data(mine.decision, status="ended", end_date="2025-06-30")
    del data["obligation_type"]
    response = cpip_client.post(url, data)
    assert response.status_code == 302
    no_contact.refresh_from_db()
    assert no_contact.status == "ended"
    assert str(no_contact.end_date) == "2025-06-30"


def test_every_role_name_is_in_the_victim_table():
    assert set(ROLES) <= set(VICTIM_VISIBLE)
