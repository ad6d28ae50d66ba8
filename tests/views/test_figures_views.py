"""The activity figures' pages for each role, a refused period, the journal, and the exports
read back (CSV and XLSX: the same rows as the page's table). docs/figures.md."""

import csv
import html as htmllib
import io
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from openpyxl import load_workbook

from probatio.accounts.system import SystemActor
from probatio.audit.models import AuditEntry
from probatio.core import exports
from probatio.figures import definitions, rules, services
from probatio.figures.models import FigureSnapshot
from tests.factories import DecisionFactory, MeasureFactory, make_person
from tests.views.helpers import html, text_of

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
PAGES = ("/chiffres/", "/chiffres/rapports-et-decisions/", "/chiffres/execution/")
NOVEMBER = "?type=mois&valeur=2026-11"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def activity(cpip, member, other_service):
    """November 2026: seven sursis probatoires opened for ``cpip``'s persons, two TIG (one of
    another CPIP), and a measure of another service."""
    colleague = member("cpip", user__first_name="Bruno", user__last_name="Second")
    for i in range(7):
        person = make_person(cpip, surname=f"Suivi{i}")
        decision = DecisionFactory(person=person, date=date(2026, 11, 2), enforceable_date=None)
        MeasureFactory(person=person, decision=decision, start_date=date(2026, 11, 2 + i))
    for owner in (cpip, colleague):
        person = make_person(owner, surname="Tig")
        decision = DecisionFactory(person=person, date=date(2026, 11, 3), enforceable_date=None)
        MeasureFactory(
            person=person,
            decision=decision,
            measure_type_id="TIG",
            start_date=date(2026, 11, 10),
            duration_months=18,
            hours=120,
        )
    foreign = make_person(member("cpip", service=other_service), surname="Ailleurs")
    MeasureFactory(
        person=foreign,
        decision=DecisionFactory(person=foreign, date=date(2026, 11, 2), enforceable_date=None),
        start_date=date(2026, 11, 2),
    )
    return colleague


def table_rows(response, code: str) -> list[list[str]]:
    """The rows of a figure's table as shown: heading cell then cells, text only."""
    found = re.search(
        rf'<table data-testid="figure-{code}"[^>]*>(.*?)</table>', html(response), re.S
    )
    assert found, f"no table for {code}"
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found[1], re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([" ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells])
    return rows


# --- Who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "cpip"])
def test_managers_and_cpips_open_every_page(as_role, role, activity):
    client = as_role(role)
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 200, page
        for definition in definitions.DEFINITIONS:
            shown = f'data-testid="figure-{definition.code}"' in html(response)
            assert shown == (definitions.GROUP_URLS[definition.group] == _url_name(page))


def _url_name(page):
    return {
        "/chiffres/": "figures:index",
        "/chiffres/rapports-et-decisions/": "figures:decisions",
        "/chiffres/execution/": "figures:execution",
    }[page]


@pytest.mark.parametrize(
    "role", ["secretariat", "monitoring", "psychologist", "social_worker", "judge"]
)
def test_other_roles_are_refused(as_role, role):
    client = as_role(role)
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 403
        assert "réservés à l'encadrement et aux CPIP" in text_of(response)
    assert client.get("/chiffres/?figure=followed&format=csv").status_code == 403


def test_the_manager_sees_the_whole_service_and_the_cpip_their_caseload(as_role, activity):
    service = table_rows(as_role("manager").get(f"/chiffres/{NOVEMBER}"), "measures_flow")
    # 7 + 2 = 9: the « < 5 » TIG would be worked out from the total, so the sursis is secret.
    assert service[1:] == [
        ["Sursis probatoire", "secret", "0", "0"],
        ["TIG", "< 5", "0", "0"],
        ["Toutes mesures", "9", "0", "0"],
    ]
    mine = table_rows(as_role("cpip").get(f"/chiffres/{NOVEMBER}"), "measures_flow")
    assert mine[1:] == [
        ["Sursis probatoire", "secret", "0", "0"],
        ["TIG", "< 5", "0", "0"],
        ["Toutes mesures", "8", "0", "0"],
    ]


def test_the_cpip_sees_only_their_own_line_per_cpip(as_role, activity):
    manager_rows = table_rows(as_role("manager").get("/chiffres/execution/"), "caseload")
    names = [row[0] for row in manager_rows[1:]]
    assert "Camille Conseil" in names and "Bruno Second" in names
    cpip_rows = table_rows(as_role("cpip").get("/chiffres/execution/"), "caseload")
    assert [row[0] for row in cpip_rows[1:]] == ["Camille Conseil"]
    assert cpip_rows[1][1] == "8"


def test_each_figure_has_its_chart_beside_its_table_and_no_inline_style(as_role, activity):
    for page in PAGES:
        response = as_role("manager").get(page + NOVEMBER)
        main = html(response).split('id="content"', 1)[1]
        for code in re.findall(r'data-figure="([a-z_]+)"', main):
            section = re.search(rf'data-figure="{code}".*?</section>', main, re.S)[0]
            assert f'data-testid="figure-{code}"' in section
            assert re.search(
                rf'<svg [^>]*role="img"[^>]*aria-labelledby="graphique-{code}-title" aria-describedby="graphique-{code}-desc"',
                section,
            )
            assert f'<title id="graphique-{code}-title">' in section
            assert f'<desc id="graphique-{code}-desc">' in section
        assert " style=" not in main and "<style" not in main


def test_masked_values_never_reach_the_page(as_role, activity):
    response = as_role("manager").get(f"/chiffres/{NOVEMBER}")
    section = re.search(r'data-figure="measures_flow".*?</section>', html(response), re.S)[0]
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", section)[1]
    assert "TIG : ouvertes masqué (moins de 5)" in htmllib.unescape(desc)
    assert ">2<" not in section  # the two TIG, in no cell, bar label or description


# --- A refused period -----------------------------------------------------------------------------


def test_a_period_ending_before_it_starts_is_refused_and_nothing_is_saved(as_role, manager):
    client = as_role("manager")
    client.get("/chiffres/")  # the session's own writes out of the way
    before = (AuditEntry.objects.count(), FigureSnapshot.objects.count())
    response = client.get("/chiffres/?type=personnalisee&du=2026-05-01&au=2026-01-31")
    assert response.status_code == 400
    text = text_of(response)
    assert "La période se termine le 31/01/2026, avant son début le 01/05/2026" in text
    assert "<title>Erreur : " in html(response)
    assert 'data-testid="figure-' not in html(response)
    assert (AuditEntry.objects.count(), FigureSnapshot.objects.count()) == before


def test_a_period_in_the_future_is_refused(as_role):
    response = as_role("manager").get("/chiffres/?type=annee&valeur=2027")
    assert response.status_code == 400
    assert "elle n'a pas encore de chiffres" in text_of(response)


def test_the_default_period_is_the_last_closed_month(as_role):
    response = as_role("manager").get("/chiffres/")
    assert "Période : novembre 2026 (du 01/11/2026 au 30/11/2026)" in text_of(response)
    assert 'value="2026-11"' in html(response)


# --- The journal and the snapshots ------------------------------------------------------------------


def test_a_page_is_journaled_with_its_filters(as_role, manager):
    as_role("manager").get(f"/chiffres/rapports-et-decisions/{NOVEMBER}")
    entry = AuditEntry.objects.filter(object_type="figures.figure").get()
    assert entry.action == AuditEntry.Action.LIST
    assert entry.context == {
        "period": "novembre 2026",
        "start": "2026-11-01",
        "end": "2026-11-30",
        "scope": "service",
        "version": rules.DEFINITIONS_VERSION,
        "group": "decisions",
    }


def test_a_stored_snapshot_is_shown(as_role, cpip, activity):
    services.store_period(
        actor=SystemActor(service_id=cpip.service_id, reason=services.REASON),
        period=rules.month_period(2026, 11),
        today=date(2026, 12, 6),
    )
    response = as_role("manager").get(f"/chiffres/{NOVEMBER}")
    assert text_of(response).count("Chiffres enregistrés après la clôture de la période.") == 4
    assert table_rows(response, "measures_flow")[-1] == ["Toutes mesures", "9", "0", "0"]


# --- Exports ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "cpip"])
@pytest.mark.parametrize(
    ("page", "code"),
    [
        ("/chiffres/", "measures_flow"),
        ("/chiffres/", "followed"),
        ("/chiffres/execution/", "caseload"),
    ],
)
def test_an_export_reads_back_as_the_pages_table(as_role, activity, role, page, code):
    client = as_role(role)
    shown = table_rows(client.get(page + NOVEMBER), code)

    response = client.get(f"{page}{NOVEMBER}&figure={code}&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = response.content.decode("utf-8")
    assert content.startswith(exports.BOM)
    rows = list(csv.reader(io.StringIO(content.removeprefix(exports.BOM)), delimiter=";"))
    assert rows == shown

    response = client.get(f"{page}{NOVEMBER}&figure={code}&format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    read = [[exports._text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    assert read == shown
    about = {row[0]: row[1] for row in book["Filtres"].iter_rows(values_only=True)}
    assert about["Période"] == "novembre 2026"
    assert about["Version des définitions"] == str(rules.DEFINITIONS_VERSION)

    entries = AuditEntry.objects.filter(
        action=AuditEntry.Action.EXPORT, object_type="figures.figure"
    )
    assert [e.context["format"] for e in entries.order_by("pk")] == ["csv", "xlsx"]
    entry = entries.last()
    assert entry.context["figure"] == code
    assert entry.context["rows"] == len(shown) - 1
    assert entry.context["scope"] == ("service" if role == "manager" else "caseload")


def test_a_figure_is_exported_from_its_own_page_only(as_role):
    client = as_role("manager")
    assert client.get("/chiffres/?figure=reports&format=csv").status_code == 404
    assert client.get("/chiffres/?figure=nothing&format=csv").status_code == 404
    assert (
        client.get("/chiffres/rapports-et-decisions/?figure=reports&format=csv").status_code == 200
    )


def test_an_export_of_a_refused_period_is_the_page_and_its_error(as_role):
    response = as_role("manager").get(
        "/chiffres/?type=personnalisee&du=2026-05-01&au=2026-01-31&figure=followed&format=csv"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()
