# ruff: noqa: F811 (the fixtures imported from the pages' own tests are arguments here)
"""Exports of a CAP session's list (docs/exports.md): the staff who prepare the commission
export what the list shows them; the judge who chairs it reads it (page, PDF) but exports
nothing; another service's session is a 404; the file's queries do not grow with the list."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.audit.models import AuditEntry
from probatio.sentences import cap
from tests.factories import make_prisoner
from tests.views.helpers import ROLES, html, text_of
from tests.views.test_cap import (  # noqa: F401 (fixtures)
    BIRTH,
    SESSION_DATE,
    establishment,
    frozen,
    inmates,
    session,
    start_opinion,
    url,
)
from tests.views.test_exports import csv_rows, sheet_rows, xlsx_book

pytestmark = pytest.mark.usefixtures("private_files")

HEADER = [
    "N° de dossier",
    "Personne",
    "Date de naissance",
    "N° d'écrou",
    "À examiner",
    "CPIP",
    "Avis du SPIP",
]


def test_the_cap_list_as_csv(client_for, cpip, session, inmates):
    start_opinion(cpip, inmates["lc"])
    client = client_for(cpip)
    page = client.get(url(session))
    assert "Exporter en CSV" in text_of(page)
    assert 'href="?format=csv"' in html(page)
    rows = csv_rows(client.get(url(session) + "?format=csv"))
    assert rows == [
        HEADER,
        [str(inmates["anniversary"].pk), "ANNIVERSAIRE Albert", "04/05/1990", "1001",
         "Examen annuel des réductions (10/09/2025)", "Camille Conseil", "Non commencé"],
        [str(inmates["lsc"].pk), "CONTRAINTE Lucie", "04/05/1990", "1003",
         "LC possible depuis le 12/07/2025 ; Information (LSC de plein droit) avant le "
         "10/09/2025 ; Examen de la LSC le 11/09/2025", "Camille Conseil", "Non commencé"],
        [str(inmates["lc"].pk), "LIBÉRABLE Louis", "04/05/1990", "1002",
         "LC possible à partir du 10/10/2025", "Camille Conseil", "Brouillon"],
    ]  # fmt: skip
    # Not the persons of another establishment, nor those with nothing to examine.
    assert "AILLEURS" not in str(rows) and "LOINTAIN" not in str(rows)


def test_the_cap_list_as_xlsx_with_the_session(client_for, secretariat, session, inmates):
    book = xlsx_book(client_for(secretariat).get(url(session) + "?format=xlsx"))
    assert book.sheetnames == ["CAP du 08 09 2025 — Maison d'ar", "Filtres"]
    rows = sheet_rows(book.worksheets[0])
    assert rows[0] == HEADER
    assert [r[1] for r in rows[1:]] == ["ANNIVERSAIRE Albert", "CONTRAINTE Lucie",
                                        "LIBÉRABLE Louis"]  # fmt: skip
    assert rows[1][2] == datetime(1990, 5, 4)
    assert dict(sheet_rows(book["Filtres"])[3:]) == {
        "Établissement": "Maison d'arrêt d'Amiens",
        "Date de la séance": "08/09/2025",
        "Horizon examiné": "3 mois après la séance",
    }
    (entry,) = AuditEntry.objects.filter(action="export")
    assert entry.role == "secretariat"
    assert entry.summary == "Export : CAP du 08/09/2025 — Maison d'arrêt d'Amiens"
    assert entry.context == {
        "page": "cap",
        "session": session.pk,
        "filters": {
            "establishment": session.establishment_id,
            "date": "2025-09-08",
            "horizon_months": 3,
        },
        "format": "xlsx",
        "rows": 3,
    }
    # The export is journaled as such, not as a read of the list.
    assert not AuditEntry.objects.filter(action="list", context__page="cap").exists()


# fmt: off
EXPECTED = {
    "cpip": 200, "manager": 200, "secretariat": 200,
    "monitoring": 403, "psychologist": 403, "social_worker": 403, "judge": 404,
}
# fmt: on


@pytest.mark.parametrize("role", ROLES)
def test_cap_export_per_role(as_role, role, session, inmates):
    # A judge who does not chair the session does not see it at all.
    assert as_role(role).get(url(session) + "?format=csv").status_code == EXPECTED[role]


def test_the_chairing_judge_reads_the_list_but_does_not_export_it(
    client_for,
    manager,
    judge,
    establishment,
    inmates,
):
    chaired = cap.cap_session_create(
        membership=manager,
        data={"establishment": establishment, "date": SESSION_DATE, "horizon_months": 3,
              "judge": judge.user},
    )  # fmt: skip
    client = client_for(judge)
    page = client.get(url(chaired))
    assert page.status_code == 200 and "ANNIVERSAIRE" in text_of(page)
    assert "Exporter en CSV" not in text_of(page)
    refused = client.get(url(chaired) + "?format=xlsx")
    assert refused.status_code == 403
    assert "L'export des listes est réservé" in text_of(refused)
    assert not AuditEntry.objects.filter(action="export").exists()


def test_another_services_session_cannot_be_exported(client_for, member, other_service, session):
    stranger = member("manager", service=other_service)
    assert client_for(stranger).get(url(session) + "?format=csv").status_code == 404


def test_the_cap_export_does_not_grow_with_the_list(
    client_for,
    cpip,
    manager,
    establishment,
    session,
    inmates,
):
    client = client_for(manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(session) + "?format=xlsx")
        assert response.status_code == 200
        return len(queries)

    start_opinion(cpip, inmates["lc"])
    count()
    small = count()
    for n in range(4):
        person = make_prisoner(
            cpip, establishment=establishment, committal_number=f"2{n:03d}",
            sentences=({"months": 18},), birth_date=BIRTH, surname=f"Nombreux{n}",
        )  # fmt: skip
        start_opinion(cpip, person)
    assert len(sheet_rows(xlsx_book(client.get(url(session) + "?format=xlsx")).active)) == 8
    assert count() == small <= 15
