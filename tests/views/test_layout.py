"""Every page is French and inside the DSFR layout (the checking client asserts it on every
page the view tests receive); these tests check the checker and the common page parts."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from tests.views.helpers import assert_dsfr_page, text_of


def fake(content: str) -> HttpResponse:
    response = HttpResponse(content)
    response.request = RequestFactory().get("/essai/").environ
    return response


GOOD = (
    '<html lang="fr"><head><title>Essai — Probatio</title></head><body>'
    '<header class="fr-header"></header><footer class="fr-footer"></footer></body></html>'
)


def test_the_checker_accepts_a_french_dsfr_page():
    assert_dsfr_page(fake(GOOD))


@pytest.mark.parametrize(
    "bad",
    [
        GOOD.replace('lang="fr"', 'lang="en"'),
        GOOD.replace('class="fr-header"', 'class="header"'),
        GOOD.replace("Essai — Probatio", "Untitled page"),
        GOOD.replace("</body>", "<p>This field is required.</p></body>"),
    ],
)
def test_the_checker_rejects_other_pages(bad):
    with pytest.raises(AssertionError):
        assert_dsfr_page(fake(bad))


@pytest.mark.parametrize("url", ["/connexion/", "/personnes/1/", "/service/"])
def test_pages_seen_signed_out_are_dsfr_pages(client, db, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert "Connexion à Probatio" in text_of(response)


def test_an_unknown_url_signed_out_is_a_french_404(client, db):
    response = client.get("/inexistant/")
    assert response.status_code == 404
    assert "Page introuvable" in text_of(response)


def test_unknown_url_is_a_french_404(client_for, cpip):
    response = client_for(cpip).get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in text_of(response)


def test_the_dossier_pages_show_who_works_for_which_service(client_for, world, social_worker):
    response = client_for(social_worker).get(f"/personnes/{world.caseload.person.pk}/")
    text = text_of(response)
    assert "Alix Social — Assistant·e social·e, SPIP du Test" in text
    assert "Se déconnecter" in text
    # Tabs of the dossier: no access log for this role.
    assert "Identité et situation" in text and "Chronologie" in text
    assert "Journal des accès" not in text


def test_the_manager_sees_the_access_log_tab_and_service_menu(client_for, world, manager):
    text = text_of(client_for(manager).get(f"/personnes/{world.caseload.person.pk}/"))
    assert "Journal des accès" in text
    assert "Attribuer le suivi" in text
    assert "Service" in text


@pytest.mark.parametrize(
    ("role", "buttons", "hidden"),
    [
        ("cpip", ["Modifier l'identité", "Nouvelle adresse"], ["Attribuer le suivi"]),
        ("secretariat", ["Modifier l'identité"], ["Attribuer le suivi"]),
        ("psychologist", [], ["Modifier l'identité", "Nouvelle adresse", "Attribuer le suivi"]),
        ("judge", [], ["Modifier l'identité", "Nouvelle adresse", "Attribuer le suivi"]),
    ],
)
def test_buttons_follow_the_role(as_role, world, role, buttons, hidden):
    text = text_of(as_role(role).get(f"/personnes/{world.caseload.person.pk}/"))
    for label in buttons:
        assert label in text
    for label in hidden:
        assert label not in text


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("cpip", True),
        ("secretariat", True),
        ("manager", True),
        ("monitoring", False),
        ("psychologist", False),
        ("social_worker", False),
        ("judge", False),
    ],
)
def test_measure_buttons_follow_the_role(as_role, world, role, shown):
    text = text_of(as_role(role).get(f"/personnes/{world.caseload.person.pk}/mesures/"))
    assert ("Nouvelle mesure" in text) is shown
    assert ("Ajouter une obligation" in text) is shown


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("cpip", True),
        ("manager", True),
        ("monitoring", True),
        ("psychologist", True),
        ("social_worker", True),
        ("secretariat", False),
        ("judge", False),
    ],
)
def test_note_button_follows_the_role(as_role, world, role, shown):
    text = text_of(as_role(role).get(f"/personnes/{world.caseload.person.pk}/chronologie/"))
    assert ("Ajouter une note d'entretien" in text) is shown
