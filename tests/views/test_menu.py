"""The header menu is built from the policy: for every role, each entry shown opens (200), each
page of the menu not shown refuses (403), and the landing page after sign-in is one of the
entries. The expected menus are written out here from docs/access.md, so that a change of the
policy that changes a menu is seen."""

import re

import pytest

from probatio.access.menu import ENTRIES, landing_for
from tests.views.helpers import ROLES, html

# fmt: off
EXPECTED_MENUS = {
    "cpip": ["Mon portefeuille", "Agenda", "Échéancier", "Rechercher une personne", "Rapports",
             "Partenaires", "TIG", "Programmes", "Détention et CAP", "Chiffres",
             "Nouvelle personne"],
    "manager": ["Agenda", "Échéancier", "Rechercher une personne", "Rapports", "Partenaires",
                "TIG", "Programmes", "Détention et CAP", "Service", "Chiffres",
                "Contrôle des accès", "Paramètres", "Nouvelle personne"],
    "secretariat": ["Agenda", "Échéancier", "Rechercher une personne", "Rapports", "Partenaires",
                    "TIG", "Programmes", "Détention et CAP", "Nouvelle personne"],
    "monitoring": ["Mon portefeuille", "Agenda", "Échéancier", "Rechercher une personne",
                   "Partenaires"],
    "psychologist": ["Mon portefeuille", "Agenda", "Échéancier", "Rechercher une personne",
                     "Rapports", "Partenaires", "Programmes"],
    "social_worker": ["Mon portefeuille", "Agenda", "Échéancier", "Rechercher une personne",
                      "Partenaires", "Programmes"],
    "judge": ["Mes dossiers", "Rechercher une personne", "Rapports", "Séances de CAP"],
}
LANDING = {
    "cpip": "/portefeuille/", "manager": "/service/", "secretariat": "/personnes/",
    "monitoring": "/personnes/", "psychologist": "/portefeuille/",
    "social_worker": "/portefeuille/", "judge": "/rapports/",
}
# fmt: on
MENU_PAGES = {
    "caseload": "/portefeuille/",
    "agenda": "/agenda/",
    "schedule": "/echeancier/",
    "search": "/personnes/",
    "reports": "/rapports/",
    "partners": "/partenaires/",
    "tig": "/tig/",
    "programmes": "/programmes/",
    "detention": "/detention/",
    "service": "/service/",
    "figures": "/chiffres/",
    "oversight": "/service/controle-des-acces/",
    "settings": "/service/parametres/",
    "create": "/personnes/nouvelle/",
}


def menu_links(response) -> list[tuple[str, str]]:
    nav = re.search(r'<nav[^>]*aria-label="Menu principal".*?</nav>', html(response), re.S)[0]
    return [
        (href, " ".join(label.split()))
        for href, label in re.findall(r'<a class="fr-nav__link" href="([^"]+)"[^>]*>(.*?)</a>', nav)
    ]


def test_every_entry_has_its_page():
    assert {entry.key for entry in ENTRIES} == set(MENU_PAGES)


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_shows_exactly_the_pages_that_open(as_role, world, role):
    client = as_role(role)
    landing = client.get("/")
    assert landing.status_code == 302
    assert landing["Location"] == LANDING[role]
    assert landing_for(role).key in {e.key for e in ENTRIES}
    page = client.get(landing["Location"])
    assert page.status_code == 200
    links = menu_links(page)
    assert [label for _, label in links] == EXPECTED_MENUS[role]
    shown = {href for href, _ in links}
    assert shown <= set(MENU_PAGES.values())
    for href in sorted(shown):
        assert client.get(href).status_code == 200, href
    for href in sorted(set(MENU_PAGES.values()) - shown):
        assert client.get(href).status_code == 403, href


def test_the_current_page_is_marked_in_the_menu(as_role, world):
    page = as_role("cpip").get("/echeancier/")
    current = re.findall(r'href="([^"]+)" aria-current="page"', html(page))
    assert current == ["/echeancier/"]


BACK_LINKS = {
    "cpip": ("/portefeuille/", "Mon portefeuille"),
    "manager": ("/service/", "Service"),
    "secretariat": ("/personnes/", "Rechercher une personne"),
    "judge": ("/portefeuille/", "Mes dossiers"),
}


@pytest.mark.parametrize("role", sorted(BACK_LINKS))
def test_a_files_back_link_leads_to_a_page_that_opens(as_role, world, role):
    """The file's « back » link: the role's own files, else its landing page (never a page the
    role may not open)."""
    client = as_role(role)
    page = html(client.get(f"/personnes/{world.caseload.person.pk}/"))
    href, label = BACK_LINKS[role]
    assert f'href="{href}">{label}</a>' in page
    assert client.get(href).status_code == 200
