"""A file's « back » link leads where the user came from — the search results with their
query, the service view, the échéancier… —, kept while they go from tab to tab; without such
a page (a link from elsewhere, a bookmark), to the role's own files or landing page. Never to a
page the role may not open (managers and the secretariat have no « Mon portefeuille »)."""

import json
import re

import pytest
from django.contrib.sessions.models import Session
from django.core import signing

from probatio.access.menu import ORIGINS, back_for, origin_for
from probatio.core.context_processors import BACK_COOKIE, BACK_SALT
from tests.views.helpers import ROLES, html


def back_link(response) -> tuple[str, str]:
    header = re.search(r'<div class="probatio-dossier-header.*?</p>', html(response), re.S)[0]
    href, label = re.search(r'href="([^"]*)">([^<]*)</a>', header).groups()
    return href.replace("&amp;", "&"), label


# --- the pure rule --------------------------------------------------------------------------


def test_the_origins_are_pages_of_the_menu():
    assert origin_for("caseloads:search").key == "search"
    assert origin_for("caseloads:service").key == "service"
    assert origin_for("people:create") is None
    assert origin_for("organisation:settings") is None
    assert set(ORIGINS) <= {
        "caseload",
        "agenda",
        "schedule",
        "search",
        "reports",
        "tig",
        "detention",
        "service",
    }


@pytest.mark.parametrize("role", ROLES)
def test_the_back_link_is_never_a_page_the_role_does_not_open(role):
    from probatio.access.menu import menu_for

    opened = {entry.key for entry, _ in menu_for(role)}
    for origin in (None, *ORIGINS):
        entry, label = back_for(role, origin)
        assert entry.key in opened
        if origin in opened:
            assert entry.key == origin
    assert back_for("secretariat", "search", searched=True)[1] == "Résultats de la recherche"
    assert back_for("secretariat", "caseload")[0].key == "search"  # not theirs: landing
    assert back_for("manager", "caseload")[0].key == "service"


# --- through the pages ----------------------------------------------------------------------


DIRECT = {
    # role: (href, label) of the back link of a file opened directly
    "cpip": ("/portefeuille/", "Mon portefeuille"),
    "manager": ("/service/", "Service"),
    "secretariat": ("/personnes/", "Rechercher une personne"),
    "monitoring": ("/portefeuille/", "Mon portefeuille"),
    "judge": ("/portefeuille/", "Mes dossiers"),
}


@pytest.mark.parametrize("role", sorted(DIRECT))
def test_a_file_opened_directly_leads_back_to_the_roles_own_page(as_role, world, role):
    client = as_role(role)
    page = client.get(f"/personnes/{world.caseload.person.pk}/")
    assert back_link(page) == DIRECT[role]
    assert client.get(DIRECT[role][0]).status_code == 200


@pytest.mark.parametrize("role", ["secretariat", "manager", "cpip"])
def test_from_the_search_results_back_to_them_with_the_query(as_role, world, role):
    client = as_role(role)
    person = world.caseload.person
    client.get("/personnes/", {"q": "ménard", "setting": "community"})
    dossier = client.get(f"/personnes/{person.pk}/")
    href, label = back_link(dossier)
    assert label == "Résultats de la recherche"
    assert href.startswith("/personnes/?") and "q=m%C3%A9nard" in href
    assert "setting=community" in href
    # Kept from tab to tab.
    assert back_link(client.get(f"/personnes/{person.pk}/mesures/")) == (href, label)
    assert back_link(client.get(f"/personnes/{person.pk}/chronologie/")) == (href, label)
    assert "MÉNARD" in html(client.get(href))


def test_from_the_search_fragment_typed_with_htmx(as_role, world):
    client = as_role("secretariat")
    client.get("/personnes/", {"q": "lambert"}, headers={"HX-Request": "true"})
    href, label = back_link(client.get(f"/personnes/{world.service_only.person.pk}/"))
    assert (href, label) == ("/personnes/?q=lambert", "Résultats de la recherche")


def test_a_manager_from_the_service_view_goes_back_to_it(as_role, world, cpip):
    client = as_role("manager")
    client.get("/service/", {"cpip": cpip.user.pk})
    page = client.get(f"/personnes/{world.caseload.person.pk}/journal-des-acces/")
    assert back_link(page) == (f"/service/?cpip={cpip.user.pk}", "Service")


def test_the_last_page_seen_wins(as_role, world):
    client = as_role("manager")
    client.get("/service/")
    client.get("/echeancier/")
    assert back_link(client.get(f"/personnes/{world.caseload.person.pk}/")) == (
        "/echeancier/",
        "Échéancier",
    )
    client.get("/personnes/")
    assert back_link(client.get(f"/personnes/{world.caseload.person.pk}/")) == (
        "/personnes/",
        "Rechercher une personne",
    )


@pytest.mark.parametrize("role", ["manager", "secretariat"])
def test_no_mon_portefeuille_for_roles_without_a_caseload(as_role, world, role):
    client = as_role(role)
    for url in ("/", "/personnes/", f"/personnes/{world.caseload.person.pk}/"):
        page = client.get(url, follow=True)
        assert "Mon portefeuille" not in html(page)
        assert 'href="/portefeuille/"' not in html(page)


def test_another_memberships_origin_is_not_used(client_for, world, member, cpip):
    """A user working for two services (or roles): the page remembered for one is not the
    back link of the other."""
    client = client_for(cpip)
    client.get("/echeancier/")
    manager_too = member("manager", user=cpip.user)
    signer = signing.get_cookie_signer(salt=BACK_COOKIE + BACK_SALT)
    remembered = {"key": "schedule", "url": "/echeancier/", "searched": False}
    client.cookies[BACK_COOKIE] = signer.sign(json.dumps({**remembered, "membership": cpip.pk}))
    assert back_link(client.get(f"/personnes/{world.caseload.person.pk}/"))[0] == "/echeancier/"
    client.cookies[BACK_COOKIE] = signer.sign(
        json.dumps({**remembered, "membership": manager_too.pk})
    )
    assert back_link(client.get(f"/personnes/{world.caseload.person.pk}/")) == DIRECT["cpip"]


def test_a_forged_origin_is_ignored(client_for, world, cpip):
    """The remembered page travels in a signed cookie: one not signed by the server (an
    address elsewhere, say) is ignored, and moving between lists writes no session."""
    client = client_for(cpip)
    client.cookies[BACK_COOKIE] = json.dumps(
        {"membership": cpip.pk, "key": "schedule", "url": "https://ailleurs.example/"}
    )
    assert back_link(client.get(f"/personnes/{world.caseload.person.pk}/")) == DIRECT["cpip"]
    session_key = client.cookies["sessionid"].value
    before = Session.objects.get(session_key=session_key).session_data
    client.get("/echeancier/")
    client.get("/agenda/")
    assert Session.objects.get(session_key=session_key).session_data == before
