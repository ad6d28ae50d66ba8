"""The caseload, search and service pages: search, filters, htmx fragment, pagination."""

from datetime import date

import pytest

from probatio.people.models import Person
from tests.factories import CustodyRecordFactory, make_measure, make_person
from tests.views.helpers import html, text_of

pytestmark = pytest.mark.django_db


def listed(response) -> list[str]:
    """Names in the results table, in order."""
    import re

    return re.findall(r'<td><a href="/personnes/\d+/">([^<]+)</a></td>', html(response))


@pytest.fixture
def cpip_client(client_for, cpip):
    return client_for(cpip)


@pytest.fixture
def caseload(cpip, judge):
    eloise = make_person(
        cpip, surname="D'Arc-Ménard", first_names="Éloïse", sex="F", birth_date=date(1991, 7, 14)
    )
    make_measure(cpip, eloise, judge=judge.user)
    paul = make_person(cpip, surname="Martin", first_names="Paul", birth_date=date(1980, 1, 2))
    # Entered while it ran (its 18 months ended in July 2026).
    make_measure(cpip, paul, code="TIG", hours=120, duration_months=18, today=date(2025, 6, 1))
    ines = make_person(
        cpip, surname="Ménard", first_names="Inès", sex="F", birth_date=date(1975, 5, 5)
    )
    ended = make_measure(cpip, ines)
    ended.status = "ended"
    ended.save()
    CustodyRecordFactory(person=ines)
    return {"eloise": eloise, "paul": paul, "ines": ines}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("eloise", ["D'ARC-MÉNARD Éloïse"]),
        ("ÉLOÏSE", ["D'ARC-MÉNARD Éloïse"]),
        ("MÉNARD", ["D'ARC-MÉNARD Éloïse", "MÉNARD Inès"]),
        ("menard ines", ["MÉNARD Inès"]),
        ("d'arc", ["D'ARC-MÉNARD Éloïse"]),
        ("martin", ["MARTIN Paul"]),
        ("inconnu", []),
    ],
)
def test_search_ignores_accents_and_case(cpip_client, caseload, query, expected):
    response = cpip_client.get("/portefeuille/", {"q": query})
    assert response.status_code == 200
    assert [name.replace("&#x27;", "'") for name in listed(response)] == expected
    if not expected:
        assert "Aucune personne ne correspond à ces critères." in text_of(response)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"measure_type": "TIG"}, ["MARTIN Paul"]),
        ({"measure_type": "SURSIS_PROBATOIRE"}, ["D'ARC-MÉNARD Éloïse", "MÉNARD Inès"]),
        ({"measure_status": "ended"}, ["MÉNARD Inès"]),
        ({"measure_status": "active"}, ["D'ARC-MÉNARD Éloïse", "MARTIN Paul"]),
        (
            {"measure_type": "SURSIS_PROBATOIRE", "measure_status": "active"},
            ["D'ARC-MÉNARD Éloïse"],
        ),
        ({"setting": "custody"}, ["MÉNARD Inès"]),
        ({"setting": "community"}, ["D'ARC-MÉNARD Éloïse", "MARTIN Paul"]),
        ({"setting": "custody", "q": "eloise"}, []),
    ],
)
def test_filters(cpip_client, caseload, filters, expected):
    response = cpip_client.get("/personnes/", filters)
    assert [name.replace("&#x27;", "'") for name in listed(response)] == expected


def test_a_released_person_is_back_in_the_community(cpip_client, caseload):
    CustodyRecordFactory(
        person=caseload["paul"], committal_date=date(2020, 1, 1), release_date=date(2021, 1, 1)
    )
    assert listed(cpip_client.get("/personnes/", {"setting": "custody"})) == ["MÉNARD Inès"]
    page = cpip_client.get("/portefeuille/")
    assert "1 en détention" in text_of(page)


def test_an_unknown_filter_value_is_ignored_not_an_error(cpip_client, caseload):
    response = cpip_client.get("/portefeuille/", {"measure_type": "N_IMPORTE_QUOI"})
    assert response.status_code == 200
    assert len(listed(response)) == 3


def test_the_caseload_shows_open_measures_and_custody(cpip_client, caseload):
    response = cpip_client.get("/portefeuille/")
    text = text_of(response)
    assert "3 personnes" in text
    assert "1 en détention" in text
    assert "Milieu fermé" in text and "Milieu ouvert" in text
    assert "Sursis probatoire" in text and "TIG" in text


def test_htmx_request_gets_only_the_results_fragment(cpip_client, caseload):
    response = cpip_client.get("/portefeuille/", {"q": "menard"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    content = html(response)
    assert "<html" not in content
    assert "fr-header" not in content
    assert "<form" not in content
    assert 'data-testid="persons"' in content
    assert [n.replace("&#x27;", "'") for n in listed(response)] == [
        "D'ARC-MÉNARD Éloïse",
        "MÉNARD Inès",
    ]


def test_the_full_page_has_the_htmx_filter_form(cpip_client, caseload):
    content = html(cpip_client.get("/portefeuille/"))
    assert 'hx-get="/portefeuille/"' in content
    assert 'hx-target="#results"' in content
    assert '<div id="results"' in content
    assert 'src="/static/vendor/htmx.min.js"' in content


def test_pagination_25_per_page(cpip_client, cpip):
    for n in range(30):
        make_person(cpip, surname=f"Personne{n:02d}", first_names="Test")
    first = cpip_client.get("/portefeuille/")
    assert len(listed(first)) == 25
    assert "1 / 2" in text_of(first)
    assert "30 personnes" in text_of(first)
    assert 'href="?page=2"' in html(first)
    second = cpip_client.get("/portefeuille/", {"page": 2})
    assert len(listed(second)) == 5
    assert set(listed(first)).isdisjoint(listed(second))
    assert sorted(listed(first) + listed(second)) == sorted(str(p) for p in Person.objects.all())


def test_pagination_keeps_the_filters(cpip_client, cpip):
    for n in range(27):
        make_person(cpip, surname=f"Dupont{n:02d}", first_names="Test")
    make_person(cpip, surname="Autre", first_names="Test")
    first = cpip_client.get("/portefeuille/", {"q": "dupont"})
    assert 'href="?q=dupont&amp;page=2"' in html(first)
    second = cpip_client.get("/portefeuille/", {"q": "dupont", "page": 2})
    assert len(listed(second)) == 2


def test_an_out_of_range_page_shows_the_last_one(cpip_client, caseload):
    response = cpip_client.get("/portefeuille/", {"page": 99})
    assert response.status_code == 200
    assert len(listed(response)) == 3


def test_the_service_page_shows_the_cpips_workload(
    client_for, manager, cpip, caseload, secretariat
):
    make_person(secretariat, surname="Sans", first_names="Référent")
    response = client_for(manager).get("/service/")
    text = text_of(response)
    assert "Portefeuilles des CPIP" in text
    # Antenne, persons (in custody), points (two ordinary measures), capacity, workload.
    assert "Camille Conseil — 3 (dont 1 en détention) 2,0 60,0 3 %" in text
    assert "1 personne sans CPIP : voir la file « À attribuer »" in text
    assert "SANS Référent" in text
    filtered = client_for(manager).get("/service/", {"cpip": cpip.user.pk})
    assert len(listed(filtered)) == 3


def test_htmx_history_restore_gets_the_whole_page(cpip_client, caseload):
    restored = cpip_client.get(
        "/portefeuille/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in restored.content.decode()
    assert "HX-Request" in restored["Vary"]
    assert "no-store" in restored["Cache-Control"]
    fragment = cpip_client.get("/portefeuille/", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()


# --- The follow-up intensity ------------------------------------------------------------------


def intensity(person, level: str, *, status="applied"):
    from django.utils import timezone

    from probatio.assessments.models import IntensityDecision

    return IntensityDecision.objects.create(
        person=person,
        service_id=person.service_id,
        chosen_level=level,
        status=status,
        chosen_by=person.assigned_cpip,
        chosen_at=timezone.now(),
        applies_from=date(2026, 1, 5) if status == "applied" else None,
    )


def intensity_cells(response) -> dict[str, str]:
    """Each row's « Intensité » cell, as text, by the person's name."""
    import re

    rows = re.findall(
        r'<td><a href="/personnes/\d+/">([^<]+)</a>.*?<td data-testid="intensity">(.*?)</td>',
        html(response),
        re.S,
    )
    return {name: " ".join(re.sub(r"<[^>]+>", " ", cell).split()) for name, cell in rows}


def test_the_caseload_shows_each_persons_level_in_the_same_queries(cpip_client, caseload):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cpip_client.get("/portefeuille/")  # warm: session, service
    with CaptureQueriesContext(connection) as without:
        cpip_client.get("/portefeuille/")
    intensity(caseload["eloise"], "reinforced")
    intensity(caseload["paul"], "standard")
    intensity(caseload["paul"], "light", status="pending")
    with CaptureQueriesContext(connection) as queries:
        response = cpip_client.get("/portefeuille/")
    assert len(queries) == len(without)
    assert '<th scope="col">Intensité</th>' in html(response)
    assert intensity_cells(response) == {
        "D&#x27;ARC-MÉNARD Éloïse": "Renforcé",
        "MARTIN Paul": "Standard Allégé à valider",
        "MÉNARD Inès": "—",
    }


def test_the_level_column_follows_who_reads_it(client_for, cpip, caseload, secretariat, judge):
    intensity(caseload["eloise"], "reinforced")
    # A CPIP reads the levels of the whole service: their search shows them too.
    assert "Renforcé" in intensity_cells(client_for(cpip).get("/personnes/")).values()
    # The secretariat never reads them, nor the judge outside reports.
    for membership, url in ((secretariat, "/personnes/"), (judge, "/portefeuille/")):
        response = client_for(membership).get(url)
        assert response.status_code == 200
        assert "Intensité" not in html(response)


def test_the_service_export_has_the_level(client_for, manager, caseload):
    intensity(caseload["eloise"], "reinforced")
    intensity(caseload["eloise"], "light", status="pending")
    response = client_for(manager).get("/service/", {"format": "csv"})
    text = response.content.decode("utf-8-sig")
    assert "Intensité" in text.splitlines()[0]
    assert "Renforcé (allégé à valider)" in text


def test_closed_files_leave_the_lists_unless_asked_for(cpip_client, caseload, cpip):
    """A file whose measures have all ended, the person free, is closed: out of the caseload
    by default (« Dossiers : Suivis »), there with « Clos » or « Tous »."""
    closed = make_person(cpip, surname="Zola", first_names="Émile", birth_date=date(1970, 4, 2))
    measure = make_measure(cpip, closed)
    measure.status = "ended"
    measure.save()
    followed = ["D'ARC-MÉNARD Éloïse", "MARTIN Paul", "MÉNARD Inès"]
    names = lambda response: [n.replace("&#x27;", "'") for n in listed(response)]  # noqa: E731
    page = cpip_client.get("/portefeuille/")
    assert names(page) == followed
    assert "3 personnes" in text_of(page)
    assert names(cpip_client.get("/portefeuille/", {"files": "closed"})) == ["ZOLA Émile"]
    assert names(cpip_client.get("/portefeuille/", {"files": "all"})) == [*followed, "ZOLA Émile"]
    assert names(cpip_client.get("/personnes/", {"q": "zola"})) == []
    assert names(cpip_client.get("/personnes/", {"q": "zola", "files": "all"})) == ["ZOLA Émile"]
    hint = cpip_client.get("/personnes/", {"q": "zola"})
    assert "1 dossier clos" in text_of(hint) and "files=closed" in html(hint)
