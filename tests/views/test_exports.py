"""Exports of the manager's lists (docs/exports.md): ``?format=csv|xlsx`` on the list's own
page gives the whole filtered list — the same rows as the page, never another service's —
to the roles that may export it (the list's gate, then « export a list »), journaled with its
filters; a filter the page refuses gives the page and its French errors, no file."""

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda_services
from probatio.audit.models import AuditEntry
from probatio.people import services as people_services
from tests.factories import (
    CustodyRecordFactory,
    SiteFactory,
    gate,
    make_decision,
    make_measure,
    make_person,
)
from tests.views.helpers import html, text_of

pytestmark = pytest.mark.django_db

REFUSED_ROLES = ("monitoring", "psychologist", "social_worker", "judge")


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def xlsx_book(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def sheet_rows(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def exports_journaled() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="export").order_by("pk"))


def unescape(names: list[str]) -> list[str]:
    return [n.replace("&#x27;", "'").strip() for n in names]


# --- The service view --------------------------------------------------------------------------


@pytest.fixture
def service_world(cpip, cpip2, manager, secretariat, member, other_service):
    """Three files of the service (one in prison, one waiting for a CPIP) and one elsewhere."""
    lea = make_person(
        cpip, surname="Martin", first_names="Léa", sex="F", birth_date=date(1990, 5, 17)
    )
    make_measure(cpip, lea)  # 24 months from 10/01/2025: until 10/01/2027
    marc = make_person(cpip2, surname="Dupont", first_names="Marc", birth_date=date(1985, 3, 2))
    make_measure(cpip2, marc, duration_months=36)
    CustodyRecordFactory(person=marc)
    waiting = make_person(
        secretariat, surname="Attente", first_names="Sans", birth_date=date(2000, 1, 1)
    )
    elsewhere = make_person(
        member("cpip", service=other_service), surname="Ailleurs", first_names="Zoé"
    )
    return {"lea": lea, "marc": marc, "waiting": waiting, "elsewhere": elsewhere}


SERVICE_HEADER = [
    "N° de dossier",
    "Nom, prénoms",
    "Date de naissance",
    "Milieu",
    "Mesures en cours",
    "Prochaine fin de mesure",
    "CPIP",
    "Intensité",
]


def with_level(manager, person, level="reinforced"):
    """The level in force of a person (the first level applies at once)."""
    from probatio.assessments import services as assessment_services
    from probatio.people.selectors import person_get_for

    assessment_services.intensity_choose(gated=person_get_for(manager, person.pk), level=level)


def test_the_service_view_as_csv(client_for, manager, service_world):
    w = service_world
    with_level(manager, w["lea"])
    rows = csv_rows(client_for(manager).get("/service/", {"format": "csv"}))
    assert rows == [
        SERVICE_HEADER,
        [str(w["waiting"].pk), "ATTENTE Sans", "01/01/2000", "Milieu ouvert", "", "", "non attribué",
         ""],
        [str(w["marc"].pk), "DUPONT Marc", "02/03/1985", "Milieu fermé", "Sursis probatoire",
         "10/01/2028", "Noé Autre", ""],
        [str(w["lea"].pk), "MARTIN Léa", "17/05/1990", "Milieu ouvert", "Sursis probatoire",
         "10/01/2027", "Camille Conseil", "Renforcé"],
    ]  # fmt: skip


def test_the_service_view_as_xlsx_with_its_filters(client_for, manager, cpip, service_world):
    w = service_world
    with_level(manager, w["lea"], "light")
    response = client_for(manager).get(
        "/service/", {"format": "xlsx", "cpip": cpip.user.pk, "setting": "community"}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="vue-du-service-')
    book = xlsx_book(response)
    assert book.sheetnames == ["Le service", "Filtres"]
    rows = sheet_rows(book["Le service"])
    assert rows[0] == SERVICE_HEADER
    assert rows[1:] == [
        [w["lea"].pk, "MARTIN Léa", datetime(1990, 5, 17), "Milieu ouvert", "Sursis probatoire",
         datetime(2027, 1, 10), "Camille Conseil", "Allégé"],
    ]  # fmt: skip
    # Dates are dates (openpyxl reads them back as datetimes at midnight).
    assert book["Le service"]["C2"].is_date
    about = dict(sheet_rows(book["Filtres"])[3:])
    assert about == {"Milieu": "Milieu ouvert", "Dossiers": "Suivis", "CPIP": "Camille Conseil"}


def test_the_file_holds_every_page_of_the_filtered_list(client_for, manager, cpip):
    for n in range(27):
        make_person(cpip, surname=f"Personne{n:02d}", first_names="Test")
    client = client_for(manager)
    page = client.get("/service/")
    assert "1 / 2" in text_of(page)  # the page shows 25 of them
    on_page_one = unescape(re.findall(r'<td><a href="/personnes/\d+/">([^<]+)</a>', html(page)))
    on_page_two = unescape(
        re.findall(
            r'<td><a href="/personnes/\d+/">([^<]+)</a>', html(client.get("/service/?page=2"))
        )
    )
    rows = csv_rows(client.get("/service/?format=csv&page=2"))
    assert [r[1] for r in rows[1:]] == on_page_one + on_page_two
    assert len(rows) == 28


@pytest.mark.parametrize(
    "query",
    [{}, {"q": "mar"}, {"setting": "custody"}, {"cpip": "none"}, {"measure_status": "active"}],
)
def test_round_trip_the_rows_of_the_page(client_for, manager, service_world, query):
    client = client_for(manager)
    page = client.get("/service/", query)
    names = unescape(re.findall(r'<td><a href="/personnes/\d+/">([^<]+)</a>', html(page)))
    assert names  # each filter keeps someone
    as_csv = csv_rows(client.get("/service/", {**query, "format": "csv"}))
    as_xlsx = sheet_rows(xlsx_book(client.get("/service/", {**query, "format": "xlsx"})).active)
    assert [r[1] for r in as_csv[1:]] == names
    assert [r[1] for r in as_xlsx[1:]] == names


def test_another_service_is_never_in_the_file(client_for, manager, service_world):
    content = client_for(manager).get("/service/?format=csv").content.decode("utf-8-sig")
    assert "AILLEURS" not in content
    assert str(service_world["elsewhere"].pk) not in [
        r[0] for r in csv_rows(client_for(manager).get("/service/?format=xlsx&format=csv"))
    ]


def test_the_export_is_journaled_with_its_filters(client_for, manager, cpip, service_world):
    client_for(manager).get("/service/", {"format": "xlsx", "cpip": cpip.user.pk, "q": "léa"})
    (entry,) = exports_journaled()
    assert entry.actor_id == manager.user_id
    assert entry.role == "manager"
    assert entry.service_id == manager.service_id
    assert entry.object_type == "people.person"
    assert entry.summary == "Export : Le service"
    assert entry.context == {
        "page": "service",
        "filters": {"query": "léa", "files": "followed", "cpip_id": cpip.user.pk},
        "format": "xlsx",
        "rows": 1,
    }


def test_the_links_follow_the_filters(client_for, manager, service_world):
    page = client_for(manager).get("/service/?setting=custody&page=1")
    links = re.findall(r'href="([^"]*format=[^"]*)"', html(page))
    assert links == ["?setting=custody&amp;format=csv", "?setting=custody&amp;format=xlsx"]
    assert "Exporter en CSV" in text_of(page)


def test_an_invalid_filter_gives_the_page_and_no_file(client_for, manager, service_world):
    response = client_for(manager).get("/service/", {"format": "csv", "setting": "lune"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    text = text_of(response)
    assert "Export impossible : un filtre de la liste n'est pas valide" in text
    assert "Sélectionnez un choix valide" in text
    assert exports_journaled() == []
    # The page's links (pagination, exports) do not carry the refused format.
    assert "format=csv&amp;format" not in html(response)


@pytest.mark.parametrize("role", ["cpip", "secretariat", *REFUSED_ROLES])
def test_only_managers_open_the_service_view_and_its_export(as_role, role, service_world):
    response = as_role(role).get("/service/?format=csv")
    assert response.status_code == 403
    assert "La vue du service est réservée à l'encadrement." in text_of(response)
    assert exports_journaled() == []


# --- The allocation queue ----------------------------------------------------------------------

QUEUE_HEADER = [
    "N° de dossier",
    "Nom, prénoms",
    "En attente depuis",
    "Origine",
    "Mesures",
    "Milieu",
    "Premier entretien",
    "Urgence",
]


@pytest.fixture
def queue_world(cpip, manager, secretariat, member, other_service):
    first = make_person(secretariat, surname="Bernard", first_names="Luc")
    make_measure(secretariat, first)
    second = make_person(secretariat, surname="Colin", first_names="Ana")
    make_person(cpip, surname="Suivi", first_names="Déjà")  # has a CPIP: not in the queue
    make_person(member("manager", service=other_service), surname="Ailleurs", first_names="Zoé")
    return {"first": first, "second": second}


def test_the_queue_as_csv_has_the_page_rows(client_for, manager, queue_world):
    client = client_for(manager)
    page = client.get("/service/a-attribuer/")
    names = unescape(re.findall(r'<td><a href="/personnes/\d+/">([^<]+)</a></td>', html(page)))
    rows = csv_rows(client.get("/service/a-attribuer/?format=csv"))
    assert rows[0] == QUEUE_HEADER
    assert [r[1] for r in rows[1:]] == names == ["BERNARD Luc", "COLIN Ana"]
    bernard = rows[1]
    assert bernard[0] == str(queue_world["first"].pk)
    assert bernard[4] == "Sursis probatoire" and bernard[5] == "Milieu ouvert"
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", bernard[2])  # waiting since its creation today
    assert "AILLEURS" not in "".join(sum(rows, []))


def test_the_queue_as_xlsx_with_a_filter(client_for, manager, queue_world):
    client = client_for(manager)
    book = xlsx_book(client.get("/service/a-attribuer/", {"format": "xlsx", "q": "colin"}))
    rows = sheet_rows(book.active)
    assert [r[1] for r in rows[1:]] == ["COLIN Ana"]
    assert rows[1][6] is None  # no measure: no first interview due
    (entry,) = exports_journaled()
    assert entry.summary == "Export : à attribuer"
    assert entry.context == {
        "page": "queue",
        "filters": {"query": "colin"},
        "format": "xlsx",
        "rows": 1,
    }


def test_the_queue_export_refuses_an_invalid_filter(client_for, manager, queue_world):
    response = client_for(manager).get("/service/a-attribuer/?format=csv&origin=lune")
    assert response.status_code == 400
    assert "Export impossible" in text_of(response)
    assert exports_journaled() == []


@pytest.mark.parametrize("role", ["cpip", "secretariat", *REFUSED_ROLES])
def test_the_queue_export_is_the_managers(as_role, role, queue_world):
    response = as_role(role).get("/service/a-attribuer/?format=xlsx")
    assert response.status_code == 403
    assert "L'attribution des dossiers est réservée à l'encadrement." in text_of(response)
    assert exports_journaled() == []


def test_an_unassigned_file_leaves_the_queue_export(client_for, manager, cpip, queue_world):
    people_services.cpip_assign(gated=gate(manager, queue_world["second"]), cpip=cpip.user)
    rows = csv_rows(client_for(manager).get("/service/a-attribuer/?format=csv"))
    assert [r[1] for r in rows[1:]] == ["BERNARD Luc"]


# --- The échéancier ----------------------------------------------------------------------------

SCHEDULE_NOW = datetime(2025, 11, 12, 9, 0, tzinfo=UTC)  # Wednesday 12/11/2025, 10:00 Paris
SCHEDULE_TODAY = date(2025, 11, 12)
SCHEDULE_HEADER = [
    "Date",
    "Heure",
    "N° de dossier",
    "Personne",
    "Échéance",
    "Précisions",
    "Alerte",
    "Jours de retard",
]
FIRST_INTERVIEW_RULE = (
    "Délai légal : 45 jours après la décision (Personne libre condamnée, convocation remise "
    "à l'audience ; CPP 474)"
)


@pytest.fixture
def schedule_world(cpip, member, service, other_service):
    """Camille's late first interview and appointment tomorrow, a colleague's first interview,
    another service's. Time frozen on 12/11/2025."""
    with time_machine.travel(SCHEDULE_NOW, tick=False):
        site = SiteFactory(service=service, name="Antenne de Test")
        late = sentenced(cpip, "Retard", "Eugène", date(2025, 9, 1))  # due 16/10: 27 days late
        soon = make_person(cpip, surname="Bientot", first_names="Alice")
        start = agenda_rules.at_paris(date(2025, 11, 13), time(9))
        agenda_services.appointment_book(
            gated=gate(cpip, soon),
            data={"kind": "follow_up", "place_kind": "site", "site": site, "starts_at": start,
                  "ends_at": start + timedelta(minutes=45)},
            staff=[cpip.user], confirmed=True, now=datetime(2025, 11, 1, tzinfo=UTC),
        )  # fmt: skip
        colleague = member("cpip", user__first_name="Noé", user__last_name="Autre")
        theirs = sentenced(colleague, "Sienne", "Sam", date(2025, 11, 1))  # due 16/12/2025
        sentenced(member("cpip", service=other_service), "Ailleurs", "Zoé", date(2025, 11, 1))
        yield {"late": late, "soon": soon, "theirs": theirs, "colleague": colleague}


def sentenced(membership, surname, first_names, decided):
    person = make_person(membership, surname=surname, first_names=first_names)
    decision = make_decision(
        membership, person, date=decided, enforceable_date=decided, today=SCHEDULE_TODAY
    )
    make_measure(membership, person, decision=decision, today=SCHEDULE_TODAY)
    return person


def schedule_names(response) -> list[str]:
    """The persons of the page's rows, in order (one per person and day)."""
    return unescape(
        re.findall(r'<th scope="row"><a href="/personnes/\d+/">([^<]+)</a>', html(response))
    )


def test_a_cpip_exports_their_own_schedule(client_for, cpip, schedule_world):
    w = schedule_world
    with time_machine.travel(SCHEDULE_NOW, tick=False):
        rows = csv_rows(client_for(cpip).get("/echeancier/?format=csv"))
    assert rows == [
        SCHEDULE_HEADER,
        ["16/10/2025", "", str(w["late"].pk), "RETARD Eugène",
         "Premier entretien non fixé — délai légal le 16/10/2025", FIRST_INTERVIEW_RULE, "oui",
         "27"],
        ["13/11/2025", "09:00", str(w["soon"].pk), "BIENTOT Alice", "Entretien de suivi à 09:00",
         "SPIP, Antenne de Test", "non", ""],
    ]  # fmt: skip


def test_a_manager_exports_the_service_with_who_must_act(client_for, manager, schedule_world):
    with time_machine.travel(SCHEDULE_NOW, tick=False):
        client = client_for(manager)
        page = client.get("/echeancier/")
        book = xlsx_book(client.get("/echeancier/?format=xlsx"))
    rows = sheet_rows(book["Échéancier"])
    assert rows[0] == [*SCHEDULE_HEADER, "Qui"]
    assert [(r[0], r[3], r[6], r[7], r[8]) for r in rows[1:]] == [
        (datetime(2025, 10, 16), "RETARD Eugène", "oui", 27, "Camille Conseil"),
        (datetime(2025, 11, 13), "BIENTOT Alice", "non", None, "Camille Conseil"),
        (datetime(2025, 12, 16), "SIENNE Sam", "oui", None, "Noé Autre"),
    ]
    # The same rows as the page, and never another service's.
    assert [r[3] for r in rows[1:]] == schedule_names(page)
    assert "AILLEURS" not in str(rows)
    assert dict(sheet_rows(book["Filtres"])[3:]) == {"Jusqu'à": "30 jours"}


def test_the_schedule_export_follows_the_filters(client_for, secretariat, schedule_world):
    colleague = schedule_world["colleague"]
    with time_machine.travel(SCHEDULE_NOW, tick=False):
        client = client_for(secretariat)
        query = {"cpip": colleague.user.pk, "horizon": "60"}
        page = client.get("/echeancier/", query)
        rows = csv_rows(client.get("/echeancier/", {**query, "format": "csv"}))
        overdue = csv_rows(client.get("/echeancier/?overdue=on&format=csv"))
    assert [r[3] for r in rows[1:]] == schedule_names(page) == ["SIENNE Sam"]
    assert [r[3] for r in overdue[1:]] == ["RETARD Eugène"]
    first, second = exports_journaled()
    assert first.summary == "Export : échéancier"
    assert first.role == "secretariat"
    assert first.context == {
        "page": "schedule",
        "filters": {"cpip": str(colleague.user.pk), "horizon": 60},
        "format": "csv",
        "rows": 1,
    }
    assert second.context["filters"] == {"horizon": 30, "overdue": True}


def test_an_invalid_horizon_gives_no_schedule_file(client_for, manager, schedule_world):
    with time_machine.travel(SCHEDULE_NOW, tick=False):
        response = client_for(manager).get("/echeancier/?format=xlsx&horizon=1000")
    assert response.status_code == 400
    assert "Export impossible" in text_of(response)
    assert exports_journaled() == []


@pytest.mark.parametrize("role", ["monitoring", "psychologist", "social_worker"])
def test_staff_who_may_not_export_see_the_schedule_without_links(as_role, role, schedule_world):
    client = as_role(role)
    with time_machine.travel(SCHEDULE_NOW, tick=False):
        page = client.get("/echeancier/")
        refused = client.get("/echeancier/?format=csv")
    assert page.status_code == 200
    assert "Exporter en CSV" not in text_of(page)
    assert refused.status_code == 403
    assert "L'export des listes est réservé aux CPIP, à l'encadrement et au secrétariat" in (
        text_of(refused)
    )
    assert exports_journaled() == []
    # The refusal itself is journaled, as every 403.
    denied = AuditEntry.objects.get(action="denied")
    assert denied.context["path"] == "/echeancier/"
    assert denied.context["reason"].startswith("L'export des listes est réservé")


def test_the_judge_has_no_schedule_to_export(client_for, judge, schedule_world):
    response = client_for(judge).get("/echeancier/?format=csv")
    assert response.status_code == 403
    assert "L'échéancier est réservé aux équipes du SPIP." in text_of(response)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["cpip", "manager"])
def test_the_schedule_export_runs_the_pages_queries_whatever_the_size(
    request, client_for, role, cpip, schedule_world
):
    """As many queries as the page (its providers, the names, the journal), however many
    items: the file holds them all."""
    client = client_for(request.getfixturevalue(role))
    with time_machine.travel(SCHEDULE_NOW, tick=False):
        client.get("/echeancier/?format=csv")  # warm-up
        page = count_queries(client, "/echeancier/")
        small = count_queries(client, "/echeancier/?format=csv")
        for n in range(30):
            sentenced(cpip, f"Nombreux{n:02d}", "Test", date(2025, 10, 1 + n % 28))
        client.get("/echeancier/")  # their stored items computed, as after their commit
        large = count_queries(client, "/echeancier/?format=xlsx")
        rows = sheet_rows(xlsx_book(client.get("/echeancier/?format=xlsx")).active)
    assert len(rows) == 1 + 30 + (2 if role == "cpip" else 3)
    # The file reads the stored items whole: no count nor page of groups (docs/deadlines.md).
    assert small == large <= page <= 15
