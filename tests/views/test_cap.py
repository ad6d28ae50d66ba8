"""The CAP pages through the test client: who reads and who schedules (another service's
session a 404), the session's list (who is on it and for what, who is not), the opinion state
following the opinion report through its workflow (corrections and old reports included), the
journal, the query count that does not grow with the persons, and the PDF."""

from datetime import UTC, date, datetime
from io import BytesIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from probatio.audit.models import AuditEntry
from probatio.people.models import CustodyRecord
from probatio.people.selectors import person_get_for
from probatio.reports import rules as report_rules
from probatio.reports import services as report_services
from probatio.reports.selectors import report_get_for
from probatio.sentences import cap
from probatio.sentences.models import CapSession
from tests.factories import EstablishmentFactory, UserFactory, make_measure, make_prisoner
from tests.views.helpers import field_error, html, text_of

NOW = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)  # 10:00 in Paris
TODAY = date(2025, 9, 1)
SESSION_DATE = date(2025, 9, 8)  # horizon of 3 months: up to 08/12/2025
MAX_SESSION_QUERIES = 15
BIRTH = date(1990, 5, 4)  # far from 70: no LC moved to a 70th birthday

pytestmark = pytest.mark.usefixtures("private_files")  # transmitted reports store their PDF


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def establishment(service):
    return EstablishmentFactory(service=service, name="Maison d'arrêt d'Amiens")


@pytest.fixture
def session(manager, establishment):
    return cap.cap_session_create(
        membership=manager,
        data={"establishment": establishment, "date": SESSION_DATE, "horizon_months": 3},
    )


@pytest.fixture
def inmates(cpip, establishment, service):
    """Three persons with something to examine at the session, two without."""
    return {
        # 3 years after 122 days of remand: start 10/09/2024, so the first yearly examination
        # on 10/09/2025 (LC 12/03/2026 and the LSC review 10/09/2026 are beyond the horizon).
        "anniversary": make_prisoner(
            cpip,
            establishment=establishment,
            committal_number="1001",
            sentences=({"years": 3},),
            remand_days=122,
            birth_date=BIRTH,
            surname="Anniversaire",
            first_names="Albert",
        ),
        # 18 months from 10/01/2025: LC possible from 10/10/2025.
        "lc": make_prisoner(
            cpip,
            establishment=establishment,
            committal_number="1002",
            sentences=({"months": 18},),
            birth_date=BIRTH,
            surname="Libérable",
            first_names="Louis",
        ),
        # 1 year from 10/01/2025: LC reached (12/07/2025), LSC review 11/09/2025, information
        # on the LSC de plein droit before 10/09/2025.
        "lsc": make_prisoner(
            cpip,
            establishment=establishment,
            committal_number="1003",
            sentences=({"years": 1},),
            birth_date=BIRTH,
            surname="Contrainte",
            first_names="Lucie",
            sex="F",
        ),
        # 10 years from 01/06/2025: nothing before 01/06/2026.
        "later": make_prisoner(
            cpip,
            establishment=establishment,
            committal_number="1004",
            committal_date=date(2025, 6, 1),
            sentences=({"years": 10},),
            birth_date=BIRTH,
            surname="Lointain",
            first_names="Léon",
        ),
        # Same dates as "anniversary", in another establishment of the service.
        "elsewhere": make_prisoner(
            cpip,
            establishment=EstablishmentFactory(service=service, name="Maison d'arrêt de Beauvais"),
            committal_number="1005",
            sentences=({"years": 3},),
            remand_days=122,
            birth_date=BIRTH,
            surname="Ailleurs",
            first_names="Adam",
        ),
    }


def url(session, pdf=False):
    return f"/detention/cap/{session.pk}/{'pdf/' if pdf else ''}"


def rows_of(response) -> dict[str, dict]:
    """{person name: {"items": [(code, label)], "opinion": code}} read from the context."""
    return {
        str(row.person): {
            "items": [(i.code, i.label) for i in row.items],
            "opinion": row.opinion,
            "committal": row.committal_number,
            "may_open": row.may_open_report,
        }
        for row in response.context["cap"].rows
    }


# --- Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["cpip", "manager", "secretariat"])
def test_service_staff_read_the_index_and_the_list(request, client_for, role, session):
    client = client_for(request.getfixturevalue(role))
    assert client.get("/detention/").status_code == 200
    assert client.get(url(session)).status_code == 200


@pytest.mark.parametrize("role", ["monitoring", "psychologist", "social_worker"])
def test_other_roles_are_refused(request, client_for, role, session):
    client = client_for(request.getfixturevalue(role))
    assert client.get("/detention/").status_code == 403
    assert client.get(url(session)).status_code == 403
    assert client.get(url(session, pdf=True)).status_code == 403
    assert client.get("/detention/cap/nouvelle/").status_code == 403


def test_a_judge_who_does_not_chair_the_session_does_not_see_it(client_for, judge, session):
    """Judges read the sessions they chair only (tests/views/test_judge_pages.py): another
    session does not exist for them, and they never schedule one."""
    client = client_for(judge)
    assert client.get("/detention/").status_code == 200
    assert client.get(url(session)).status_code == 404
    assert client.get(url(session, pdf=True)).status_code == 404
    assert client.get("/detention/cap/nouvelle/").status_code == 403


def test_a_cpip_reads_but_does_not_schedule(client_for, cpip, establishment):
    client = client_for(cpip)
    assert client.get("/detention/cap/nouvelle/").status_code == 403
    response = client.post(
        "/detention/cap/nouvelle/",
        {"establishment": establishment.pk, "date": "2025-10-06", "horizon_months": "3"},
    )
    assert response.status_code == 403
    assert not CapSession.objects.exists()
    page = html(client.get("/detention/"))
    assert "Programmer une séance" not in page
    assert "/detention/dates-officielles/import/" not in page


def test_another_services_session_is_a_404(client_for, member, other_service, session):
    foreign_manager = member("manager", service=other_service)
    client = client_for(foreign_manager)
    assert client.get(url(session)).status_code == 404
    assert client.get(url(session, pdf=True)).status_code == 404
    assert client.get("/detention/cap/999999/").status_code == 404


def test_without_a_service_the_pages_do_not_exist(client, session):
    client.force_login(UserFactory())
    assert client.get("/detention/").status_code == 404
    assert client.get(url(session)).status_code == 404


# --- Scheduling -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "secretariat"])
def test_managers_and_the_secretariat_schedule_a_session(request, client_for, role, establishment):
    membership = request.getfixturevalue(role)
    client = client_for(membership)
    form = client.get(f"/detention/cap/nouvelle/?etablissement={establishment.pk}")
    assert form.status_code == 200
    assert f'<option value="{establishment.pk}" selected>' in html(form)
    response = client.post(
        "/detention/cap/nouvelle/",
        {
            "establishment": establishment.pk,
            "date": "2025-10-06",
            "horizon_months": "4",
            "notes": "Salle d'audience du quartier arrivants",
        },
    )
    session = CapSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/detention/cap/{session.pk}/"
    assert (session.date, session.horizon_months, session.created_by) == (
        date(2025, 10, 6),
        4,
        membership.user,
    )
    entry = AuditEntry.objects.get(object_type="sentences.capsession")
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.summary == "Séance de CAP programmée le 06/10/2025 (Maison d'arrêt d'Amiens)"
    assert entry.actor == membership.user


def test_a_past_date_is_allowed_but_a_second_session_the_same_day_is_not(
    client_for, manager, establishment, session
):
    client = client_for(manager)
    response = client.post(
        "/detention/cap/nouvelle/",
        {"establishment": establishment.pk, "date": "2025-06-02", "horizon_months": "3"},
    )
    assert response.status_code == 302
    entries = AuditEntry.objects.count()
    response = client.post(
        "/detention/cap/nouvelle/",
        {
            "establishment": establishment.pk,
            "date": SESSION_DATE.isoformat(),
            "horizon_months": "6",
        },
    )
    assert response.status_code == 400
    assert field_error(response, "id_date").startswith(
        "Une séance de CAP est déjà programmée le 08/09/2025"
    )
    assert CapSession.objects.count() == 2
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("horizon", ["0", "13"])
def test_the_horizon_is_one_to_twelve_months(client_for, manager, establishment, horizon):
    response = client_for(manager).post(
        "/detention/cap/nouvelle/",
        {"establishment": establishment.pk, "date": "2025-10-06", "horizon_months": horizon},
    )
    assert response.status_code == 400
    assert field_error(response, "id_horizon_months")
    assert not CapSession.objects.exists()


def test_only_the_services_establishments_can_be_chosen(
    client_for, manager, other_service, establishment
):
    foreign = EstablishmentFactory(service=other_service)
    response = client_for(manager).post(
        "/detention/cap/nouvelle/",
        {"establishment": foreign.pk, "date": "2025-10-06", "horizon_months": "3"},
    )
    assert response.status_code == 400
    assert field_error(response, "id_establishment")
    assert foreign.name not in html(response)
    # The service refuses it too, whatever the form.
    with pytest.raises(ValidationError) as error:
        cap.cap_session_create(
            membership=manager,
            data={"establishment": foreign, "date": date(2025, 10, 6), "horizon_months": 3},
        )
    assert error.value.message_dict == {
        "establishment": ["Choisissez un établissement de votre service."]
    }
    with pytest.raises(ValidationError) as error:
        cap.cap_session_create(
            membership=manager,
            data={
                "establishment": establishment,
                "date": date(2025, 10, 6),
                "horizon_months": 13,
            },
        )
    assert "entre 1 et 12 mois" in error.value.message_dict["horizon_months"][0]
    assert not CapSession.objects.exists()


# --- The index --------------------------------------------------------------------------------


def test_the_index_shows_each_establishment_with_its_sessions(
    client_for, manager, secretariat, establishment, session, inmates
):
    past = cap.cap_session_create(
        membership=manager,
        data={"establishment": establishment, "date": date(2025, 6, 2), "horizon_months": 3},
    )
    response = client_for(manager).get("/detention/")
    page = html(response)
    text = text_of(response)
    assert "Maison d'arrêt d'Amiens" in text
    assert "Maison d'arrêt de Beauvais" in text
    assert f'href="/detention/cap/{session.pk}/"' in page
    assert f'href="/detention/cap/{past.pk}/"' in page
    assert "CAP du 02/06/2025" in text
    block = next(b for b in response.context["blocks"] if b["establishment"] == establishment)
    assert [(s.pk, s.persons_count) for s in block["upcoming"]] == [(session.pk, 3)]
    assert [s.pk for s in block["recent"]] == [past.pk]
    assert "Programmer une séance de CAP" in text
    assert 'href="/detention/dates-officielles/import/"' in page
    secretariat_page = html(client_for(secretariat).get("/detention/"))
    assert 'href="/detention/dates-officielles/import/"' in secretariat_page


# --- The list ---------------------------------------------------------------------------------


def test_the_list_holds_who_must_be_examined_and_for_what(client_for, cpip, session, inmates):
    response = client_for(cpip).get(url(session))
    assert response.status_code == 200
    rows = rows_of(response)
    assert list(rows) == ["ANNIVERSAIRE Albert", "CONTRAINTE Lucie", "LIBÉRABLE Louis"]
    assert rows["ANNIVERSAIRE Albert"]["items"] == [
        ("reduction", "Examen annuel des réductions (10/09/2025)")
    ]
    assert rows["LIBÉRABLE Louis"]["items"] == [("lc", "LC possible à partir du 10/10/2025")]
    assert rows["CONTRAINTE Lucie"]["items"] == [
        ("lc", "LC possible depuis le 12/07/2025"),
        ("information", "Information (LSC de plein droit) avant le 10/09/2025"),
        ("lsc_review", "Examen de la LSC le 11/09/2025"),
    ]
    assert rows["LIBÉRABLE Louis"]["committal"] == "1002"
    text = text_of(response)
    assert "LOINTAIN" not in text and "AILLEURS" not in text
    page = html(response)
    person = inmates["anniversary"]
    assert f'href="/personnes/{person.pk}/peine/"' in page
    assert "Maison d'arrêt d'Amiens" in text
    assert "entre le 08/09/2025 et le 08/12/2025" in text
    assert "3 personnes à examiner. État de l'avis du SPIP : Non commencé : 3" in text
    assert "Camille Conseil" in text  # the CPIP in charge
    assert f'href="/detention/cap/{session.pk}/pdf/"' in page


def test_a_wider_horizon_brings_more_items(client_for, manager, establishment, inmates):
    wide = cap.cap_session_create(
        membership=manager,
        data={"establishment": establishment, "date": SESSION_DATE, "horizon_months": 12},
    )
    rows = rows_of(client_for(manager).get(url(wide)))
    assert "LOINTAIN Léon" in rows  # first yearly examination on 01/06/2026
    assert ("lc", "LC possible à partir du 12/03/2026") in rows["ANNIVERSAIRE Albert"]["items"]


def test_a_released_person_or_one_of_another_service_is_not_listed(
    client_for, manager, session, inmates, member, other_service
):
    foreign_cpip = member("cpip", service=other_service)
    stranger = make_prisoner(
        foreign_cpip,
        establishment=EstablishmentFactory(service=other_service),
        sentences=({"months": 18},),
        birth_date=BIRTH,
        surname="Étranger",
    )
    assert stranger.service_id == other_service.pk
    CustodyRecord.objects.filter(person=inmates["lc"]).update(release_date=TODAY)
    rows = rows_of(client_for(manager).get(url(session)))
    assert list(rows) == ["ANNIVERSAIRE Albert", "CONTRAINTE Lucie"]


def test_each_read_of_the_list_is_journaled_with_its_session(client_for, cpip, session, inmates):
    client = client_for(cpip)
    client.get(url(session))
    client.get(url(session, pdf=True))
    entries = list(AuditEntry.objects.filter(context__page="cap").order_by("pk"))
    assert [e.summary for e in entries] == [
        "Liste : CAP du 08/09/2025 (Maison d'arrêt d'Amiens)",
        "Liste : CAP du 08/09/2025 (Maison d'arrêt d'Amiens) (PDF)",
    ]
    assert entries[0].context["session"] == session.pk
    assert entries[0].context["filters"]["horizon_months"] == 3
    assert entries[0].actor == cpip.user


# --- The opinion state ------------------------------------------------------------------------


def opinion_of(client, session, name):
    return rows_of(client.get(url(session)))[name]


def start_opinion(membership, person, measure=None):
    return report_services.report_create(
        membership=membership,
        gated=person_get_for(membership, person.pk),
        kind=report_rules.OPINION,
        measure=measure,
        matter="parole",
    )


def fill_and_submit(membership, report):
    texts = {s["key"]: s["text"] or f"Texte de la rubrique {s['title']}." for s in report.sections}
    report = report_services.report_save(
        membership=membership, gated_report=report_get_for(membership, report.pk), texts=texts
    )
    return report_services.report_submit(
        membership=membership, gated_report=report_get_for(membership, report.pk)
    )


def test_the_opinion_state_follows_the_report_through_its_workflow(
    client_for, cpip, manager, secretariat, judge, session, inmates
):
    person = inmates["lsc"]
    name = "CONTRAINTE Lucie"
    client = client_for(manager)
    assert opinion_of(client, session, name)["opinion"] == "not_started"
    # Another kind of report does not count.
    report_services.report_create(
        membership=cpip, gated=person_get_for(cpip, person.pk), kind=report_rules.SITUATION
    )
    assert opinion_of(client, session, name)["opinion"] == "not_started"

    measure = make_measure(cpip, person, judge=judge.user)
    report = start_opinion(cpip, person, measure)
    assert opinion_of(client, session, name) | {"items": None} == {
        "items": None,
        "opinion": "draft",
        "committal": "1003",
        "may_open": True,  # the manager opens drafts
    }
    # A draft stays with its author: the secretariat sees the state, not a link to it.
    assert opinion_of(client_for(secretariat), session, name)["may_open"] is False
    assert opinion_of(client_for(cpip), session, name)["may_open"] is True

    report = fill_and_submit(cpip, report)
    assert opinion_of(client, session, name)["opinion"] == "visa"
    report_services.report_send_back(
        membership=manager, gated_report=report_get_for(manager, report.pk), comment="À revoir."
    )
    assert opinion_of(client, session, name)["opinion"] == "draft"
    report_services.report_submit(membership=cpip, gated_report=report_get_for(cpip, report.pk))
    report_services.report_approve(
        membership=manager, gated_report=report_get_for(manager, report.pk)
    )
    assert opinion_of(client, session, name)["opinion"] == "visa"
    report_services.report_transmit(
        membership=manager, gated_report=report_get_for(manager, report.pk)
    )
    response = client.get(url(session))
    assert rows_of(response)[name]["opinion"] == "transmitted"
    assert "Transmis : 1" in text_of(response)
    assert f'href="/rapports/{report.pk}/"' in html(response)

    # A correction supersedes the transmitted version: the opinion is a draft again.
    report_services.report_correct(membership=cpip, gated_report=report_get_for(cpip, report.pk))
    assert opinion_of(client, session, name)["opinion"] == "draft"


def test_an_opinion_started_more_than_six_months_before_the_session_does_not_count(
    client_for, cpip, manager, session, inmates
):
    with time_machine.travel(datetime(2025, 3, 7, 12, 0, tzinfo=UTC), tick=False):
        start_opinion(cpip, inmates["anniversary"])
    with time_machine.travel(datetime(2025, 3, 8, 12, 0, tzinfo=UTC), tick=False):
        start_opinion(cpip, inmates["lc"])
    rows = rows_of(client_for(manager).get(url(session)))
    assert rows["ANNIVERSAIRE Albert"]["opinion"] == "not_started"
    assert rows["LIBÉRABLE Louis"]["opinion"] == "draft"


# --- Queries and the PDF ----------------------------------------------------------------------


def count_queries(client, session) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(session))
    assert response.status_code == 200
    return len(queries)


def test_the_list_page_does_not_grow_with_the_number_of_persons(
    client_for, cpip, manager, establishment, session, inmates
):
    client = client_for(manager)
    start_opinion(cpip, inmates["lc"])
    assert len(client.get(url(session)).context["cap"].rows) == 3
    small = count_queries(client, session)
    for n in range(4):
        person = make_prisoner(
            cpip,
            establishment=establishment,
            committal_number=f"2{n:03d}",
            sentences=({"months": 18},),
            birth_date=BIRTH,
            surname=f"Nombreux{n}",
        )
        start_opinion(cpip, person)
    grown = count_queries(client, session)
    assert len(client.get(url(session)).context["cap"].rows) == 7
    assert grown == small
    assert grown <= MAX_SESSION_QUERIES


def test_the_pdf_lists_the_persons(client_for, secretariat, session, inmates):
    response = client_for(secretariat).get(url(session, pdf=True))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="cap-2025-09-08-{session.pk}.pdf"'
    )
    content = response.content
    assert content.startswith(b"%PDF")
    text = " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(BytesIO(content)).pages
    )
    for name in ("ANNIVERSAIRE Albert", "CONTRAINTE Lucie", "LIBÉRABLE Louis"):
        assert name in text
    assert "LOINTAIN" not in text
    assert "Examen de la LSC le 11/09/2025" in text
    assert "Maison d'arrêt d'Amiens" in text
    assert "Non commencé" in text
