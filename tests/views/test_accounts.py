"""Signing in and out, and choosing the service one works for."""

import pytest

from probatio.audit.models import AuditEntry
from tests.factories import PASSWORD, MembershipFactory, make_person
from tests.views.helpers import text_of

pytestmark = pytest.mark.django_db


def test_sign_in_page_is_public_and_french(client):
    response = client.get("/connexion/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Connexion à Probatio" in content
    assert "Identifiant" in content and "Mot de passe" in content


def test_anonymous_pages_redirect_to_sign_in(client):
    response = client.get("/portefeuille/")
    assert response.status_code == 302
    assert response["Location"] == "/connexion/?next=/portefeuille/"


def test_sign_in_with_username_and_password(client, cpip):
    response = client.post("/connexion/", {"username": "cpip.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    entry = AuditEntry.objects.get(action="login")
    assert entry.actor == cpip.user
    page = client.get("/portefeuille/")
    assert page.status_code == 200
    assert "Mon portefeuille" in page.content.decode()


def test_sign_in_follows_next(client, cpip):
    response = client.post(
        "/connexion/?next=/personnes/",
        {"username": "cpip.test", "password": PASSWORD, "next": "/personnes/"},
    )
    assert response["Location"] == "/personnes/"


def test_wrong_password_is_refused_in_french_and_journaled(client, cpip):
    response = client.post("/connexion/", {"username": "cpip.test", "password": "mauvais"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in response.content.decode()
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.actor is None
    assert entry.context == {"username": "cpip.test"}
    assert not AuditEntry.objects.filter(action="login").exists()


def test_sign_out_is_a_post_and_journaled(client, cpip):
    client.force_login(cpip.user)
    response = client.post("/deconnexion/")
    assert response.status_code == 302
    assert response["Location"] == "/connexion/"
    assert AuditEntry.objects.filter(action="logout", actor=cpip.user).count() == 1
    assert client.get("/portefeuille/").status_code == 302
    page = client.get("/connexion/")
    assert "Vous êtes déconnecté·e." in page.content.decode()


def test_sign_out_by_get_is_refused(client, cpip):
    client.force_login(cpip.user)
    assert client.get("/deconnexion/").status_code == 405
    assert client.get("/portefeuille/").status_code == 200


# --- several memberships -------------------------------------------------------------------


@pytest.fixture
def two_hats(cpip, other_service):
    """``cpip.user`` is also a CPIP of ``other_service``, with one person in each caseload."""
    second = MembershipFactory(user=cpip.user, service=other_service, role="cpip")
    here = make_person(cpip, surname="Ici", first_names="Anna")
    there = make_person(second, surname="Là-Bas", first_names="Bruno")
    return {"first": cpip, "second": second, "here": here, "there": there}


def test_a_user_with_two_services_chooses_one_first(client, two_hats):
    client.force_login(two_hats["first"].user)
    response = client.get("/portefeuille/")
    assert response.status_code == 302
    assert response["Location"] == "/choisir-service/?next=%2Fportefeuille%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    assert "SPIP du Test — CPIP" in content
    assert "SPIP d&#x27;ailleurs — CPIP" in content


def test_choosing_a_service_shows_it_in_the_header_and_scopes_the_caseload(client, two_hats):
    first, second = two_hats["first"], two_hats["second"]
    client.force_login(first.user)
    response = client.post("/choisir-service/", {"membership": first.pk, "next": "/portefeuille/"})
    assert response.status_code == 302
    assert response["Location"] == "/portefeuille/"
    page = client.get("/portefeuille/")
    assert "Camille Conseil — CPIP, SPIP du Test" in text_of(page)
    assert "Changer de rattachement" in page.content.decode()
    assert "ICI Anna" in page.content.decode()
    assert "LÀ-BAS Bruno" not in page.content.decode()
    assert (
        AuditEntry.objects.filter(
            action="switch_service", service_id=first.service_id, actor=first.user
        ).count()
        == 1
    )

    switched = client.post("/changer-de-service/", {"membership": second.pk})
    assert switched.status_code == 302
    page = client.get("/portefeuille/")
    assert "Camille Conseil — CPIP, SPIP d'ailleurs" in text_of(page)
    assert "LÀ-BAS Bruno" in page.content.decode()
    assert "ICI Anna" not in page.content.decode()
    # The first service's person does not exist from the second service.
    assert client.get(f"/personnes/{two_hats['here'].pk}/").status_code == 404
    assert client.get(f"/personnes/{two_hats['there'].pk}/").status_code == 200


def test_one_cannot_switch_to_someone_elses_membership(client, two_hats, manager):
    client.force_login(two_hats["first"].user)
    client.post("/choisir-service/", {"membership": two_hats["first"].pk})
    response = client.post("/changer-de-service/", {"membership": manager.pk})
    assert response.status_code == 302
    assert response["Location"] == "/choisir-service/"
    page = client.get(response["Location"])
    assert "Ce rattachement n&#x27;existe pas ou n&#x27;est pas le vôtre." in page.content.decode()
    # Still working for the first service.
    assert "ICI Anna" in client.get("/portefeuille/").content.decode()


def test_one_cannot_choose_someone_elses_membership(client, two_hats, manager):
    client.force_login(two_hats["first"].user)
    response = client.post("/choisir-service/", {"membership": manager.pk})
    assert response["Location"] == "/choisir-service/"
    # Still no service chosen.
    assert client.get("/portefeuille/").status_code == 302


def test_choose_service_ignores_an_outside_next(client, two_hats):
    client.force_login(two_hats["first"].user)
    response = client.post(
        "/choisir-service/", {"membership": two_hats["first"].pk, "next": "https://example.org/"}
    )
    assert response["Location"] == "/"


def test_switch_service_is_a_post(client, two_hats):
    client.force_login(two_hats["first"].user)
    client.post("/choisir-service/", {"membership": two_hats["first"].pk})
    assert client.get("/changer-de-service/").status_code == 405


def test_a_user_with_one_membership_has_it_chosen(client, cpip):
    client.force_login(cpip.user)
    page = client.get("/portefeuille/")
    assert page.status_code == 200
    assert "Camille Conseil — CPIP, SPIP du Test" in text_of(page)
    assert "Changer de rattachement" not in page.content.decode()


def test_an_account_without_membership_is_told_so(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 403
    assert "Aucun rattachement" in response.content.decode()
    # Lists need a chosen service: nothing to show.
    assert client.get("/portefeuille/").status_code == 404
