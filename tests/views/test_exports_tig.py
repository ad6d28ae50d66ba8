# ruff: noqa: F811 (the fixtures imported from the pages' own tests are arguments here)
"""Exports of the TIG lists (docs/exports.md): the follow-up list (a CPIP's caseload, the
service for managers and the secretariat) and the host organisations, per role."""

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.audit.models import AuditEntry
from probatio.community_work import services
from tests.factories import gate, make_measure, make_person
from tests.views.helpers import ROLES, text_of
from tests.views.test_community_work_views import (  # noqa: F401 (fixtures)
    TODAY,
    foreign_manager,
    frozen,
    hosts,
    make_placement,
    tigs,
)
from tests.views.test_exports import csv_rows, sheet_rows, xlsx_book

pytestmark = pytest.mark.django_db

FOLLOW_UP_HEADER = [
    "N° de dossier",
    "Personne",
    "Heures effectuées",
    "Heures prononcées",
    "Échéance",
    "État",
    "Heures par semaine nécessaires",
    "Poste",
    "Structure d'accueil",
]


def test_a_manager_exports_the_services_tig(client_for, manager, tigs):
    client = client_for(manager)
    rows = csv_rows(client.get("/tig/?format=csv"))
    # 100 hours over 12 months from 10/01/2025, 3 hours done on each.
    assert rows == [
        [*FOLLOW_UP_HEADER, "CPIP"],
        [str(tigs["caseload"].person.pk), "MÉNARD Éloïse", "3", "100", "10/01/2026",
         "Dans les temps", "", "Espaces verts", "Mairie d'Amiens", "Camille Conseil"],
        [str(tigs["service_only"].person.pk), "LAMBERT Hugo", "3", "100", "10/01/2026",
         "Dans les temps", "", "Peinture", "Mairie d'Amiens", "Noé Autre"],
    ]  # fmt: skip
    book = xlsx_book(client.get("/tig/?format=xlsx"))
    sheet = sheet_rows(book.active)
    assert sheet[1][2:5] == [3, 100, datetime(2026, 1, 10)]  # numbers and a date
    assert book.active["E2"].is_date
    (first, second) = AuditEntry.objects.filter(action="export").order_by("pk")
    assert first.object_type == "community_work.tigorder"
    assert first.summary == "Export : travaux d'intérêt général"
    assert first.context == {"filters": {}, "service": True, "format": "csv", "rows": 2}
    assert second.context["format"] == "xlsx"


def test_a_cpip_exports_the_tig_of_their_caseload(client_for, cpip, tigs):
    rows = csv_rows(client_for(cpip).get("/tig/?format=csv"))
    assert rows[0] == FOLLOW_UP_HEADER  # no CPIP column: they are all theirs
    assert [r[1] for r in rows[1:]] == ["MÉNARD Éloïse"]


def test_the_tig_export_follows_the_state_chosen(client_for, manager, cpip2, tigs, hosts):
    # The other dossier moves to a placement offering an hour a week: late.
    theirs = tigs["service_only"]
    services.assignment_end(gated=gate(cpip2, theirs.person), assignment=theirs.assignment, end_date=TODAY, reason="", today=TODAY)  # fmt: skip
    short = make_placement(manager, hosts["mine"], "Accueil", schedule="mardi 9:00-10:00")
    services.assign(gated=gate(cpip2, theirs.person), order=theirs.order, data={"placement": short.pk, "start_date": TODAY}, today=TODAY)  # fmt: skip
    client = client_for(manager)
    page = text_of(client.get("/tig/?etat=late"))
    assert "Exporter en CSV" in page
    book = xlsx_book(client.get("/tig/?etat=late&format=xlsx"))
    rows = sheet_rows(book.active)
    assert [(r[1], r[5], r[7]) for r in rows[1:]] == [
        ("LAMBERT Hugo", "En retard sur le rythme", "Accueil")
    ]
    # 97 hours left by 10/01/2026: more than the hour a week offered.
    assert rows[1][6] == 3.2 and "3,2 h/sem. nécessaires" in page  # as the page shows it
    assert dict(sheet_rows(book["Filtres"])[3:]) == {"État": "En retard sur le rythme"}
    entry = AuditEntry.objects.get(action="export")
    assert entry.context["filters"] == {"etat": "late"}


def test_an_unknown_state_gives_the_page_and_no_file(client_for, manager, tigs):
    response = client_for(manager).get("/tig/?etat=nimportequoi&format=csv")
    assert response.status_code == 400
    assert "Export impossible" in text_of(response)
    assert not AuditEntry.objects.filter(action="export").exists()


# Who may export: the page's own gate (the TIG follow-up, the directory's hosts), then the
# export's (cpip, manager, secretariat).
# fmt: off
EXPECTED = {
    "cpip":          (200, 200),
    "manager":       (200, 200),
    "secretariat":   (200, 200),
    "monitoring":    (403, 403),
    "psychologist":  (403, 403),
    "social_worker": (403, 403),
    "judge":         (403, 403),
}
# fmt: on


@pytest.mark.parametrize("role", ROLES)
def test_tig_exports_per_role(as_role, tigs, role):
    client = as_role(role)
    answers = (
        client.get("/tig/?format=csv").status_code,
        client.get("/tig/structures/?format=xlsx").status_code,
    )
    assert answers == EXPECTED[role]
    hosts_page = client.get("/tig/structures/")
    if EXPECTED[role][1] == 403 and hosts_page.status_code == 200:
        assert "Exporter en CSV" not in text_of(hosts_page)  # the page, without the links
        refused = client.get("/tig/structures/?format=csv")
        assert "L'export des listes est réservé" in text_of(refused)


def test_the_hosts_export(client_for, secretariat, tigs):
    client = client_for(secretariat)
    assert "Exporter en XLSX" in text_of(client.get("/tig/structures/"))
    rows = csv_rows(client.get("/tig/structures/?format=csv"))
    # Three placements of 1, 1 and 2 places; two taken. Never the other service's host.
    assert rows == [
        ["Structure", "Active", "Habilitation", "Habilitée jusqu'au", "Postes proposés",
         "Places libres", "Places"],
        ["Mairie d'Amiens", "oui", "habilitée", "", "Cuisine, Espaces verts, Peinture", "2", "4"],
    ]  # fmt: skip
    entry = AuditEntry.objects.get(action="export")
    assert entry.object_type == "community_work.hostorganisation"
    assert entry.summary == "Export : structures d'accueil TIG"
    assert entry.context == {"page": "tig_hosts", "filters": {}, "format": "csv", "rows": 1}


def test_the_tig_exports_do_not_grow_with_the_lists(client_for, manager, member, hosts):
    client = client_for(manager)

    def count(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def add(n):
        other_cpip = member("cpip")
        person = make_person(other_cpip)
        measure = make_measure(other_cpip, person, code="TIG", hours=100, duration_months=12,
                               today=TODAY)  # fmt: skip
        order = services.order_open(gated=gate(other_cpip, person), data={"measure": measure.pk, "hours_ordered": 100,
                                    "period_months": 12, "counted_from": date(2025, 1, 10)}, today=TODAY)  # fmt: skip
        placement = make_placement(manager, hosts["mine"], f"Poste {n}")
        services.assign(gated=gate(other_cpip, person), order=order, data={"placement": placement.pk, "start_date": date(2025, 2, 3)}, today=TODAY)  # fmt: skip

    add(0)
    urls = ("/tig/?format=xlsx", "/tig/structures/?format=csv")
    for url in urls:
        count(url)  # warm-up
    small = [count(url) for url in urls]
    for n in range(1, 6):
        add(n)
    assert len(csv_rows(client.get("/tig/?format=csv"))) == 7
    assert [count(url) for url in urls] == small
    assert max(small) <= 15
