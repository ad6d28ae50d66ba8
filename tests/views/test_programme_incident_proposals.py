"""The incidents tab with an unexcused absence from a compulsory programme's session: the
proposal shown, confirmed through the prefilled form, or dismissed with its reason."""

import pytest
import time_machine

from probatio.compliance.models import Incident
from probatio.programmes import services as programmes
from tests.factories import (
    gate,
    make_enrolled,
    make_person,
)
from tests.programme_fixtures import NOW, tuesday_group
from tests.views.helpers import html, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def group(manager, cpip, service):
    return tuesday_group(manager, cpip, service)


def absent(cpip, person, session):
    return programmes.attendance_record(
        gated=gate(cpip, person), session=session, status="unexcused"
    )


def test_the_incidents_tab_proposes_confirms_and_dismisses(client_for, cpip, group):
    person = make_person(cpip)
    make_enrolled(cpip, person, group, compulsory=True)
    one = absent(cpip, person, group.sessions.get(number=1))
    two = absent(cpip, person, group.sessions.get(number=2))
    client = client_for(cpip)
    tab_url = f"/personnes/{person.pk}/manquements/"
    tab = client.get(tab_url)
    assert "Absence non excusée à la séance 1 du programme" in text_of(tab)
    assert f'name="seance" value="{one.pk}"' in html(tab)
    # Confirm the first: the form comes prefilled.
    form = client.get(f"/personnes/{person.pk}/manquements/nouveau/?seance={one.pk}")
    assert "Absence non excusée à la séance 1 du programme" in text_of(form)
    assert 'value="missed_session" selected' in html(form)
    response = client.post(
        f"/personnes/{person.pk}/manquements/nouveau/?seance={one.pk}",
        {
            "kind": "missed_session",
            "occurred_on": "2025-10-07",
            "source": "spip",
            "description": "Absence non excusée à la séance 1.",
        },
    )
    assert response.status_code == 302
    assert Incident.objects.get().attendance_id == one.pk
    # Dismiss the second, with its reason.
    response = client.post(
        f"/personnes/{person.pk}/manquements/ecarter/",
        {"seance": two.pk, "reason": "Hospitalisation justifiée après coup"},
    )
    assert response["Location"] == tab_url
    dismissed = Incident.objects.get(status=Incident.Status.DISMISSED)
    assert dismissed.attendance_id == two.pk and dismissed.kind == "missed_session"
    assert (
        "Absence non excusée à la séance"
        not in text_of(client.get(tab_url)).split("Manquements enregistrés")[0]
    )
