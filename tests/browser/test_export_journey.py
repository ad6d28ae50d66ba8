"""A manager filters the service view (htmx swaps the results) and clicks « Exporter en CSV »:
the file downloaded holds the rows the page shows for that filter, read back with ``csv``;
then the XLSX of the whole service, read back with openpyxl."""

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from probatio.audit.models import AuditEntry
from tests.browser.pages import Probatio
from tests.factories import (
    PASSWORD,
    CustodyRecordFactory,
    MembershipFactory,
    ServiceFactory,
    make_measure,
    make_person,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_manager_exports_the_filtered_service_view(page, axe_source, database_turn):
    service = ServiceFactory(name="SPIP de la Somme", department_code="961")
    cpip = MembershipFactory(service=service, role="cpip", user__first_name="Marc",
                             user__last_name="Roussel")  # fmt: skip
    MembershipFactory(service=service, role="manager", user__username="dpip.somme")
    for surname in ("Aubert", "Benoit", "Caron"):
        make_measure(cpip, make_person(cpip, surname=surname, first_names="Libre"))
    for surname in ("Durand", "Etienne"):
        held = make_person(cpip, surname=surname, first_names="Détenu")
        make_measure(cpip, held)
        CustodyRecordFactory(person=held)
    other = MembershipFactory(role="cpip")  # another service's file never shows
    make_person(other, surname="Ailleurs", first_names="Zoé")

    page.set_viewport_size({"width": 1366, "height": 900})
    app = Probatio(page, axe_source)
    app.sign_in("dpip.somme", PASSWORD, landing=r"/service/$")
    page.get_by_label("Milieu").select_option(label="Milieu fermé")
    expect(page).to_have_url(re.compile(r"setting=custody"))
    table = page.locator('[data-testid="persons"]')
    expect(table.locator("tbody tr")).to_have_count(2)
    shown = [name.strip() for name in table.locator("tbody tr td:first-child a").all_inner_texts()]
    assert shown == ["DURAND Détenu", "ETIENNE Détenu"]
    app.check_page()

    link = page.get_by_role("link", name=re.compile("^Exporter en CSV"))
    expect(link).to_have_attribute("href", re.compile(r"setting=custody.*format=csv"))
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert re.fullmatch(r"vue-du-service-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][:4] == ["N° de dossier", "Nom, prénoms", "Date de naissance", "Milieu"]
    assert [row[1] for row in rows[1:]] == shown
    assert {row[3] for row in rows[1:]} == {"Milieu fermé"}
    assert {row[6] for row in rows[1:]} == {"Marc Roussel"}

    # The whole service in XLSX, after the filter is cleared.
    page.get_by_label("Milieu").select_option(label="Tous")
    expect(table.locator("tbody tr")).to_have_count(5)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("^Exporter en XLSX")).click()
    book = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    names = [row[1] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert names == ["AUBERT Libre", "BENOIT Libre", "CARON Libre", "DURAND Détenu",
                     "ETIENNE Détenu"]  # fmt: skip
    with database_turn:
        journaled = list(
            AuditEntry.objects.filter(action="export")
            .order_by("pk")
            .values_list("context", flat=True)
        )
    assert [(c["format"], c["rows"], c["filters"]) for c in journaled] == [
        ("csv", 2, {"setting": "custody", "files": "followed"}),
        ("xlsx", 5, {"files": "followed"}),  # the default « Dossiers : Suivis », named
    ]
