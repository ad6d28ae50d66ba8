"""The reasons typed in the proofs' and incidents' tabs keep a draft of their own place: a
proof's refusal reason (per proof) and a proposed incident's dismissal reason (per proposal),
restored in their field when the tab is opened again and ended by their own saving only."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from probatio.notes.models import NoteDraft
from tests.factories import make_measure, make_person
from tests.views.helpers import html
from tests.views.test_compliance_views import add_obligation, register, urls

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_files")]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2025, 6, 20, 10, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def file(cpip):
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    measure = make_measure(cpip, person)
    return person, add_obligation(cpip, measure, "TRAVAIL_FORMATION")


def test_a_refusal_reason_is_kept_per_proof_until_its_review(client_for, cpip, file):
    person, work = file
    first = register(cpip, person, work, period=date(2025, 2, 1))
    second = register(cpip, person, work, period=date(2025, 3, 1))
    client = client_for(cpip)
    base = f"/personnes/{person.pk}/brouillons/refus-justificatif"
    assert f'data-autosave-url="{base}/{first.pk}/"' in html(client.get(urls(person.pk)["proofs"]))
    client.post(f"{base}/{first.pk}/", {"reason": "Bulletin illisible"})
    client.post(f"{base}/{second.pk}/", {"reason": "Mauvais mois"})
    client.post(f"/personnes/{person.pk}/notes/brouillon/", {"body": "Une note"})
    tab = html(client.get(urls(person.pk)["proofs"]))
    assert 'value="Bulletin illisible"' in tab and 'value="Mauvais mois"' in tab

    review = f"/personnes/{person.pk}/justificatifs/{first.pk}/examen/"
    response = client.post(review, {"decision": "refuse", "reason": "Bulletin illisible"})
    assert response.status_code == 302
    left = sorted(NoteDraft.objects.values_list("place_kind", "place_id"))
    assert left == [("note", str(person.pk)), ("proof_refusal", str(second.pk))]


def test_a_dismissal_reason_is_kept_per_proposal_until_it_is_dismissed(client_for, cpip, file):
    person, work = file
    client = client_for(cpip)
    march, april = f"obl-{work.pk}-2025-03-01", f"obl-{work.pk}-2025-04-01"
    base = f"/personnes/{person.pk}/brouillons/manquement-ecarte"
    tab = html(client.get(urls(person.pk)["incidents"]))
    assert f'data-autosave-url="{base}/{march}/"' in tab
    client.post(f"{base}/{march}/", {"reason": "Remis en main propre"})
    client.post(f"{base}/{april}/", {"reason": "Arrêt maladie"})
    tab = html(client.get(urls(person.pk)["incidents"]))
    assert 'value="Remis en main propre"' in tab and 'value="Arrêt maladie"' in tab

    client.post(
        urls(person.pk)["dismiss"],
        {"obligation": work.pk, "periode": "2025-03-01", "reason": "Remis en main propre"},
    )
    assert list(NoteDraft.objects.values_list("place_id", "body")) == [(april, "Arrêt maladie")]
