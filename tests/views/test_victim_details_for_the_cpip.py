"""A victim's details the secretariat may not enter: said on its form and page, and an item of
the CPIP's échéancier until the CPIP fills them in."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probatio.core.deadlines import Query, Severity
from probatio.measures.deadlines import VICTIM_DETAILS_DAYS, victim_details
from probatio.measures.models import Obligation
from probatio.people.models import Person
from tests.factories import make_decision, make_measure, make_person
from tests.views.helpers import html, text_of


class Dossier:
    def __init__(self, cpip):
        self.person = make_person(cpip, surname="Ménard", first_names="Éloïse", sex="F")
        self.decision = make_decision(cpip, self.person)
        self.measure = make_measure(cpip, self.person, decision=self.decision)


@pytest.fixture
def world(cpip, secretariat):
    class World:
        caseload = Dossier(cpip)

    return World


def obligation_data(decision, **overrides) -> dict:
    data = {
        "obligation_type": "NE_PAS_CONTACTER",
        "decision": str(decision.pk),
        "start_date": "2025-01-10",
        "end_date": "",
        "status": "active",
        "proof_frequency": "",
        "details": "Ne pas entrer en relation avec la victime",
        "zone": "",
        "care_structure": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def entered_by_secretariat(world, as_role):
    mine = world.caseload
    client = as_role("secretariat")
    url = f"/personnes/{mine.person.pk}/mesures/{mine.measure.pk}/obligations/nouvelle/"
    form = text_of(client.get(url))
    assert "sont à renseigner par le ou la CPIP qui suit la personne" in form
    response = client.post(url, obligation_data(mine.decision), follow=True)
    assert "Obligation enregistrée. Les coordonnées de la victime" in text_of(response)
    return Obligation.objects.get(obligation_type_id="NE_PAS_CONTACTER")


def test_the_page_says_the_cpip_fills_in_the_victim(entered_by_secretariat, world, as_role):
    person = world.caseload.person
    assert entered_by_secretariat.awaits_victim_details
    page = text_of(as_role("secretariat").get(f"/personnes/{person.pk}/mesures/"))
    assert "Coordonnées de la victime à renseigner" in page
    assert "À renseigner par le ou la CPIP qui suit la personne" in page
    edit = text_of(
        as_role("secretariat").get(
            f"/personnes/{person.pk}/obligations/{entered_by_secretariat.pk}/modifier/"
        )
    )
    assert "sont à renseigner par le ou la CPIP" in edit


def test_the_cpip_has_an_item_until_the_details_are_filled(entered_by_secretariat, world, as_role):
    person = world.caseload.person
    cpip = as_role("cpip")
    edit_url = f"/personnes/{person.pk}/obligations/{entered_by_secretariat.pk}/modifier/"
    schedule = html(cpip.get("/echeancier/?kind=victim_details")).split('data-testid="schedule"')[1]
    assert "Coordonnées de la victime à renseigner : S&#x27;abstenir" in schedule
    assert edit_url in schedule
    # The CPIP's own form has no such notice: they are the one to fill it in.
    assert "sont à renseigner par le ou la CPIP" not in text_of(cpip.get(edit_url))
    response = cpip.post(
        edit_url,
        obligation_data(
            world.caseload.decision, victim_name="Mme Victime", victim_contact="06 00 00 00 00"
        )
        | {"obligation_type": ""},
    )
    assert response.status_code == 302
    schedule = html(cpip.get("/echeancier/?kind=victim_details")).split('data-testid="schedule"')[1]
    assert "Coordonnées de la victime à renseigner" not in schedule
    assert "Rien n'arrive à échéance" in schedule
    assert "Coordonnées de la victime à renseigner" not in text_of(
        as_role("secretariat").get(f"/personnes/{person.pk}/mesures/")
    )


def test_the_provider_runs_one_query_and_alerts_past_its_delay(entered_by_secretariat, world):
    today = timezone.localdate()
    query = Query(
        persons=Person.objects.filter(service=world.caseload.person.service),
        today=today + timezone.timedelta(days=VICTIM_DETAILS_DAYS + 1),
        until=today + timezone.timedelta(days=60),
        service_id=world.caseload.person.service_id,
    )
    with CaptureQueriesContext(connection) as queries:
        [item] = victim_details(query)
    assert len(queries) == 1
    assert item.person_id == world.caseload.person.pk
    assert item.severity == Severity.ALERT
    assert item.due == today + timezone.timedelta(days=VICTIM_DETAILS_DAYS)
    assert item.staff_ids == {world.caseload.person.assigned_cpip_id}
    on_time = victim_details(Query(**{**query.__dict__, "today": today}))
    assert [i.severity for i in on_time] == [Severity.INFO]
