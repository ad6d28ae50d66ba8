"""The import of the registry's official dates through its page: who may import, a good file
(dates created, a later file updating one with its history kept), the same file twice (nothing
changes, no import recorded), refused files (unknown committal, wrong header, another service's
establishment) with nothing stored and every problem listed with its line."""

import html
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from probatio.audit.models import AuditEntry
from probatio.sentences.imports import import_official_dates
from probatio.sentences.models import OfficialDate, OfficialDatesImport
from tests.factories import EstablishmentFactory, UserFactory, make_prisoner
from tests.views.helpers import text_of

URL = reverse("detention:official_import")
HEADER = "etablissement;numero_ecrou;type_date;date\n"


def upload(*lines: str, name: str = "greffe.csv", header: str = HEADER) -> SimpleUploadedFile:
    content = header + "".join(line + "\n" for line in lines)
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


def post(client, file):
    return client.post(URL, {"file": file}, follow=True)


def problem_rows(response) -> list[tuple[str, str]]:
    """The (line, message) pairs of the problems table."""
    table = re.search(r'id="problems".*?<tbody>(.*?)</tbody>', response.content.decode(), re.S)
    assert table, "no table of problems on the page"
    return [
        (line.strip(), " ".join(html.unescape(re.sub(r"<[^>]+>", " ", message)).split()))
        for line, message in re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", table.group(1))
    ]


@pytest.fixture
def prison(service):
    return EstablishmentFactory(service=service, code="MA80001", name="Amiens")


@pytest.fixture
def inmates(manager, prison):
    """Two persons in prison at ``prison``: committal numbers 1001 and 1002."""
    return {
        number: make_prisoner(manager, establishment=prison, committal_number=number)
        for number in ("1001", "1002")
    }


def current_dates(person) -> dict[str, date]:
    return {
        o.kind: o.date for o in OfficialDate.objects.filter(custody__person=person, is_current=True)
    }


GOOD = (
    "MA80001;1001;fin_peine;10/09/2027",
    "MA80001;1001;lc;2026-03-12",
    "MA80001;1002;liberation;01/02/2028",
)


# --- Who may import ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "secretariat"])
def test_manager_and_secretariat_may_open_the_page_and_import(request, client_for, role, inmates):
    client = client_for(request.getfixturevalue(role))
    page = client.get(URL)
    assert page.status_code == 200
    assert "etablissement;numero_ecrou;type_date;date" in text_of(page)
    assert 'enctype="multipart/form-data"' in page.content.decode()
    response = post(client, upload(*GOOD))
    assert response.status_code == 200
    assert OfficialDate.objects.filter(source=OfficialDate.Source.IMPORTED).count() == 3
    batch = OfficialDatesImport.objects.get()
    assert batch.imported_by == request.getfixturevalue(role).user


@pytest.mark.parametrize("role", ["cpip", "judge", "psychologist", "monitoring"])
def test_other_roles_are_refused_and_nothing_is_stored(request, client_for, role, inmates):
    client = client_for(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"file": upload(*GOOD)}).status_code == 403
    assert not OfficialDate.objects.exists()
    assert not OfficialDatesImport.objects.exists()


def test_without_a_service_the_page_does_not_exist(client_for, client):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 404


# --- A good file ------------------------------------------------------------------------------


def test_a_good_file_creates_the_dates_and_records_the_import(client_for, manager, inmates):
    response = post(client_for(manager), upload(*GOOD, name="export_greffe.csv"))
    text = text_of(response)
    assert "Fichier « export_greffe.csv » importé : 3 dates nouvelles" in text
    assert current_dates(inmates["1001"]) == {
        "fin_peine": date(2027, 9, 10),
        "lc": date(2026, 3, 12),
    }
    assert current_dates(inmates["1002"]) == {"liberation": date(2028, 2, 1)}
    batch = OfficialDatesImport.objects.get()
    assert (batch.file_name, batch.rows, batch.created, batch.updated, batch.unchanged) == (
        "export_greffe.csv",
        3,
        3,
        0,
        0,
    )
    assert batch.service_id == manager.service_id
    assert set(OfficialDate.objects.values_list("batch_id", flat=True)) == {batch.pk}
    # Each date is journaled on its person's file, and the import itself once.
    assert AuditEntry.objects.filter(object_type="sentences.officialdate").count() == 3
    assert AuditEntry.objects.filter(
        object_type="sentences.officialdatesimport", action="create", object_id=batch.pk
    ).exists()
    # The previous imports list shows it.
    assert "export_greffe.csv" in text
    assert str(manager.user) in text


def test_a_second_file_updates_a_date_and_keeps_the_previous_one_as_history(
    client_for, manager, secretariat, inmates
):
    post(client_for(manager), upload(*GOOD, name="janvier.csv"))
    response = post(
        client_for(secretariat),
        upload(
            "MA80001;1001;fin_peine;10/06/2027",
            "MA80001;1001;lc;12/03/2026",
            "MA80001;1002;liberation;01/02/2028",
            "MA80001;1002;lsc;01/09/2026",
            name="fevrier.csv",
        ),
    )
    text = text_of(response)
    assert "1 date nouvelle, 1 date modifiée" in text
    assert "2 dates inchangées" in text
    history = list(
        OfficialDate.objects.filter(custody__person=inmates["1001"], kind="fin_peine")
        .order_by("id")
        .values_list("date", "is_current")
    )
    assert history == [(date(2027, 9, 10), False), (date(2027, 6, 10), True)]
    assert current_dates(inmates["1002"]) == {
        "liberation": date(2028, 2, 1),
        "lsc": date(2026, 9, 1),
    }
    second = OfficialDatesImport.objects.get(file_name="fevrier.csv")
    assert (second.rows, second.created, second.updated, second.unchanged) == (4, 1, 1, 2)
    assert second.imported_by == secretariat.user
    assert OfficialDate.objects.filter(batch=second).count() == 2


def test_importing_the_same_file_twice_changes_nothing(client_for, manager, inmates):
    client = client_for(manager)
    post(client, upload(*GOOD))
    dates = list(OfficialDate.objects.order_by("id").values_list("id", "date", "is_current"))
    entries = AuditEntry.objects.exclude(action="list").count()
    response = post(client, upload(*GOOD))
    assert response.status_code == 200
    assert "Rien n'a changé et aucun import n'a été enregistré" in text_of(response)
    assert list(OfficialDate.objects.order_by("id").values_list("id", "date", "is_current")) == (
        dates
    )
    assert OfficialDatesImport.objects.count() == 1
    assert AuditEntry.objects.exclude(action="list").count() == entries


def test_the_page_read_is_journaled_as_a_list(client_for, manager):
    client_for(manager).get(URL)
    entry = AuditEntry.objects.get(action="list", object_type="sentences.officialdatesimport")
    assert entry.actor_id == manager.user_id
    assert entry.service_id == manager.service_id


def test_only_the_service_s_own_imports_are_listed(client_for, manager, member, other_service):
    other_manager = member("manager", service=other_service)
    OfficialDatesImport.objects.create(
        service=other_service,
        file_name="ailleurs.csv",
        sha256="0" * 64,
        imported_by=other_manager.user,
    )
    text = text_of(client_for(manager).get(URL))
    assert "ailleurs.csv" not in text
    assert "Aucun import pour l'instant." in text


# --- Refused files: nothing stored ------------------------------------------------------------


def test_a_file_with_an_unknown_committal_number_stores_nothing_and_lists_the_lines(
    client_for, manager, inmates
):
    response = post(
        client_for(manager),
        upload(
            "MA80001;1001;fin_peine;10/09/2027",
            "MA80001;9999;lc;2026-03-12",
            "MA80001;1002;liberation;01/02/2028",
            "MA80001;1001;sortie;01/02/2028",
        ),
    )
    assert response.status_code == 400
    assert "refusé : rien n'a été enregistré" in text_of(response)
    rows = problem_rows(response)
    assert [line for line, _ in rows] == ["3", "5"]
    assert "Numéro d'écrou « 9999 » inconnu à l'établissement MA80001" in rows[0][1]
    assert "Type de date « sortie » inconnu" in rows[1][1]
    assert not OfficialDate.objects.exists()
    assert not OfficialDatesImport.objects.exists()
    assert (
        not AuditEntry.objects.filter(object_type__startswith="sentences.official")
        .exclude(action="list")
        .exists()
    )


def test_a_refused_file_leaves_the_dates_already_known_as_they_were(client_for, manager, inmates):
    client = client_for(manager)
    post(client, upload(*GOOD))
    before = list(OfficialDate.objects.order_by("id").values_list("id", "date", "is_current"))
    response = post(
        client, upload("MA80001;1001;fin_peine;01/01/2027", "MA80001;1001;lc;31/02/2026")
    )
    assert response.status_code == 400
    assert problem_rows(response) == [
        ("3", "Date « 31/02/2026 » impossible : ce jour n'existe pas dans le calendrier.")
    ]
    assert list(OfficialDate.objects.order_by("id").values_list("id", "date", "is_current")) == (
        before
    )
    assert OfficialDatesImport.objects.count() == 1


def test_a_wrong_header_is_refused(client_for, manager, inmates):
    response = post(client_for(manager), upload(*GOOD, header="etablissement;ecrou;type;date\n"))
    assert response.status_code == 400
    [(line, message)] = problem_rows(response)
    assert line == "1"
    assert "Ligne d'en-tête incorrecte" in message
    assert not OfficialDate.objects.exists()
    assert not OfficialDatesImport.objects.exists()


def test_another_service_s_establishment_is_refused_as_unknown(
    client_for, manager, member, other_service, inmates
):
    elsewhere = EstablishmentFactory(service=other_service, code="CD62002")
    foreign = make_prisoner(
        member("manager", service=other_service), establishment=elsewhere, committal_number="1001"
    )
    response = post(
        client_for(manager),
        upload("MA80001;1001;fin_peine;10/09/2027", "CD62002;1001;fin_peine;10/09/2027"),
    )
    assert response.status_code == 400
    [(line, message)] = problem_rows(response)
    assert line == "3"
    assert message == "Établissement « CD62002 » inconnu dans votre service : vérifiez son code."
    assert not OfficialDate.objects.exists()
    assert current_dates(foreign) == {}


def test_a_file_not_in_utf8_gets_a_clear_message(client_for, manager, inmates):
    content = (HEADER + "MA80001;1001;fin_peine;10/09/2027 é\n").encode("latin-1")
    response = post(
        client_for(manager), SimpleUploadedFile("greffe.csv", content, content_type="text/csv")
    )
    assert response.status_code == 400
    [(line, message)] = problem_rows(response)
    assert line == "2"
    assert "n'est pas encodé en UTF-8" in message
    assert not OfficialDate.objects.exists()


def test_an_empty_file_or_no_file_is_refused_on_the_field(client_for, manager):
    client = client_for(manager)
    empty = client.post(URL, {"file": SimpleUploadedFile("vide.csv", b"", "text/csv")})
    assert empty.status_code == 400
    assert "Le fichier est vide." in text_of(empty)
    missing = client.post(URL, {})
    assert missing.status_code == 400
    assert "Choisissez le fichier CSV à importer." in text_of(missing)
    assert not OfficialDatesImport.objects.exists()


def test_a_file_over_two_megabytes_is_refused(client_for, manager, inmates):
    big = SimpleUploadedFile(
        "gros.csv", (HEADER + "MA80001;1001;lc;2026-03-12\n" * 80_000).encode(), "text/csv"
    )
    response = client_for(manager).post(URL, {"file": big})
    assert response.status_code == 400
    assert "Le fichier dépasse la taille maximale (2 Mo)." in text_of(response)
    assert not OfficialDate.objects.exists()


def test_the_rows_are_matched_in_a_fixed_number_of_queries(manager, prison):
    numbers = [f"2{n:03d}" for n in range(6)]
    for number in numbers:
        make_prisoner(manager, establishment=prison, committal_number=number)
    content = (
        HEADER + "".join(f"MA80001;{number};fin_peine;10/09/2027\n" for number in numbers)
    ).encode()
    with CaptureQueriesContext(connection) as queries:
        result = import_official_dates(membership=manager, file_name="f.csv", content=content)
    assert (result.created, result.problems) == (6, [])
    custody_reads = [q for q in queries if 'FROM "people_custodyrecord"' in q["sql"]]
    establishment_reads = [q for q in queries if 'FROM "organisation_establishment"' in q["sql"]]
    assert (len(custody_reads), len(establishment_reads)) == (1, 1)
