"""Exports of the partner directory (docs/exports.md): every partner the search finds (not
one page), with the page's columns, to the roles that may export; the search journaled; a
criterion the page refuses gives the page and its French error, no file."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.audit.models import AuditEntry
from probatio.reintegration import partners
from tests.views.helpers import ROLES, html, text_of
from tests.views.test_exports import csv_rows, sheet_rows, unescape, xlsx_book
from tests.views.test_partner_directory import new_partner, site

pytestmark = pytest.mark.django_db

HEADER = ["Partenaire", "Type", "Services proposés", "Communes", "Téléphone", "Actif"]


@pytest.fixture
def directory(manager, member, other_service):
    """Three partners of the service (one inactive, named like a formula), one elsewhere."""
    escale = new_partner(
        manager, "CHRS L'Escale", phone="+33322112233",
        site=site(postcode="80000", city="Amiens"),
    )  # fmt: skip
    mission = new_partner(
        manager, "Mission locale", kind="employment", pathways=["employment", "rights"],
        site=site(postcode="80100", city="Abbeville"),
    )  # fmt: skip
    partners.site_save(
        membership=manager, partner=mission, data=site(postcode="80000", city="Amiens", name="Antenne")
    )  # fmt: skip
    closed = new_partner(manager, "=Ancien foyer", site=site(city="Amiens"))
    partners.partner_set_active(membership=manager, partner=closed, active=False)
    new_partner(member("manager", service=other_service), "Foyer d'ailleurs")
    return {"escale": escale, "mission": mission, "closed": closed}


def test_the_directory_as_csv(client_for, cpip, directory):
    rows = csv_rows(client_for(cpip).get("/partenaires/?format=csv"))
    assert rows == [
        HEADER,
        ["CHRS L'Escale", "Hébergement et logement", "Logement et hébergement", "Amiens",
         "03 22 11 22 33", "oui"],
        ["Mission locale", "Emploi (France Travail, mission locale)",
         "Emploi et formation, Papiers d'identité et accès aux droits", "Abbeville, Amiens", "",
         "oui"],
    ]  # fmt: skip


def test_the_directory_as_xlsx_with_the_inactive(client_for, secretariat, directory):
    book = xlsx_book(client_for(secretariat).get("/partenaires/?inactive=on&format=xlsx"))
    rows = sheet_rows(book["Annuaire des partenaires"])
    assert [r[0] for r in rows[1:]] == ["=Ancien foyer", "CHRS L'Escale", "Mission locale"]
    assert book["Annuaire des partenaires"]["A2"].data_type == "s"  # a text, not a formula
    assert rows[1][5] == "non"
    assert dict(sheet_rows(book["Filtres"])[3:]) == {"Inclure les partenaires inactifs": "oui"}
    (entry,) = AuditEntry.objects.filter(action="export")
    assert entry.object_type == "reintegration.partner"
    assert entry.summary == "Export : annuaire des partenaires"
    assert entry.context == {
        "page": "partners",
        "filters": {"include_inactive": True},
        "format": "xlsx",
        "rows": 3,
    }


@pytest.mark.parametrize(
    "query",
    [{}, {"q": "amiens"}, {"kind": "employment"}, {"pathway": "housing"}, {"area": "80"}],
)
def test_round_trip_the_rows_of_the_page(client_for, manager, directory, query):
    client = client_for(manager)
    page = client.get("/partenaires/", query)
    names = unescape(re.findall(r'<td><a href="/partenaires/\d+/">([^<]+)</a>', html(page)))
    assert names
    assert [
        r[0] for r in csv_rows(client.get("/partenaires/", {**query, "format": "csv"}))[1:]
    ] == names
    as_xlsx = sheet_rows(xlsx_book(client.get("/partenaires/", {**query, "format": "xlsx"})).active)
    assert [r[0] for r in as_xlsx[1:]] == names


def test_every_partner_found_not_one_page(client_for, manager):
    for n in range(27):
        new_partner(manager, f"Partenaire {n:02d}")
    rows = csv_rows(client_for(manager).get("/partenaires/?page=2&format=csv"))
    assert len(rows) == 28 and rows[1][0] == "Partenaire 00" and rows[-1][0] == "Partenaire 26"


def test_an_invalid_area_gives_the_page_and_no_file(client_for, manager, directory):
    response = client_for(manager).get("/partenaires/?area=lune&format=csv")
    assert response.status_code == 400
    text = text_of(response)
    assert "Export impossible" in text
    assert "Saisissez un code postal (80000), un code commune (80021) ou un département" in text
    assert not AuditEntry.objects.filter(action="export").exists()


# fmt: off
EXPECTED = {
    "cpip": 200, "manager": 200, "secretariat": 200,
    "monitoring": 403, "psychologist": 403, "social_worker": 403, "judge": 403,
}
# fmt: on


@pytest.mark.parametrize("role", ROLES)
def test_directory_export_per_role(as_role, role, directory):
    client = as_role(role)
    response = client.get("/partenaires/?format=csv")
    assert response.status_code == EXPECTED[role]
    if role == "judge":
        assert "L'annuaire des partenaires est réservé aux équipes du SPIP." in text_of(response)
    elif EXPECTED[role] == 403:
        assert "L'export des listes est réservé" in text_of(response)
        page = client.get("/partenaires/")
        assert page.status_code == 200 and "Exporter en CSV" not in text_of(page)
    else:
        assert "Foyer d'ailleurs" not in response.content.decode("utf-8-sig")


def test_the_directory_export_does_not_grow_with_the_directory(client_for, manager, directory):
    client = client_for(manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/partenaires/?format=xlsx&area=80").status_code == 200
        return len(queries)

    count()
    small = count()
    for n in range(6):
        new_partner(manager, f"Partenaire {n}", site=site(city=f"Ville {n}"))
    assert count() == small <= 15
