"""The échéancier page: scope per role, order, overdue marks, fixed query count."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.audit.models import AuditEntry
from tests import schedule_fixtures as schedule
from tests.factories import make_person
from tests.schedule_fixtures import TODAY, book, sentenced
from tests.views.helpers import html, text_of

frozen = schedule.frozen  # every test at NOW, Wednesday 12 November 2025
site = schedule.site


def test_cpip_sees_their_items_soonest_first_with_overdue_marked(client_for, cpip, member, site):
    late = sentenced(cpip, "Retard", date(2025, 9, 1))  # deadline 16/10/2025: 27 days late
    soon = make_person(cpip, surname="Bientot")
    book(cpip, soon, date(2025, 11, 13), 9, site=site)
    colleague = member("cpip")
    sentenced(colleague, "Autrui", date(2025, 11, 1))
    response = client_for(cpip).get("/echeancier/")
    assert response.status_code == 200
    text = text_of(response)
    assert "RETARD" in text and "BIENTOT" in text.upper()
    assert "AUTRUI" not in text.upper()
    assert text.index("RETARD") < text.index("BIENTOT")
    assert "En retard de 27 jours" in text
    assert "1 en retard" in text
    assert f"/personnes/{late.pk}/" in html(response)
    entry = AuditEntry.objects.filter(action="list", summary="Liste : échéancier").last()
    assert entry.context["page"] == "schedule"


def test_overdue_filter_and_kind_filter(client_for, cpip, site):
    sentenced(cpip, "Retard", date(2025, 9, 1))
    book(cpip, make_person(cpip, surname="Bientot"), date(2025, 11, 13), 9, site=site)
    client = client_for(cpip)
    overdue = text_of(client.get("/echeancier/?overdue=on"))
    assert "RETARD" in overdue and "BIENTOT" not in overdue.upper()
    appointments = text_of(client.get("/echeancier/?kind=appointment"))
    assert "BIENTOT" in appointments.upper() and "RETARD" not in appointments


def test_manager_sees_the_service_and_filters_by_cpip(client_for, manager, cpip, member):
    colleague = member("cpip", user__first_name="Noé", user__last_name="Autre")
    sentenced(cpip, "Mienne", date(2025, 11, 1))
    sentenced(colleague, "Sienne", date(2025, 11, 1))
    client = client_for(manager)
    everything = text_of(client.get("/echeancier/?horizon=60")).upper()
    assert "MIENNE" in everything and "SIENNE" in everything
    one = text_of(client.get(f"/echeancier/?horizon=60&cpip={colleague.user.pk}")).upper()
    assert "SIENNE" in one and "MIENNE" not in one


def test_another_service_never_appears(client_for, manager, member, other_service):
    foreign = member("cpip", service=other_service)
    sentenced(foreign, "Lointain", date(2025, 11, 1))
    sentenced(manager, "Local", date(2025, 11, 1))
    text = text_of(client_for(manager).get("/echeancier/?horizon=60")).upper()
    assert "LOCAL" in text and "LOINTAIN" not in text


def test_an_item_left_behind_by_a_file_that_left_is_not_shown(
    client_for, manager, member, other_service
):
    """The whole service's échéancier reads its stored items without testing each file: an
    item whose file is now another service's (written before it left) names nobody and is
    not listed."""
    from probatio.deadlines.models import DueItemRecord

    local = sentenced(manager, "Local", date(2025, 11, 1))
    gone = sentenced(member("cpip", service=other_service), "Parti", date(2025, 11, 1))
    client = client_for(manager)
    client.get("/echeancier/?horizon=60")  # computed
    left = DueItemRecord.objects.filter(person=local).first()
    DueItemRecord.objects.create(
        service_id=manager.service_id,
        person=gone,
        kind=left.kind,
        due=left.due,
        horizon=left.horizon,
        order_key=left.order_key,
        label="Échéance de PARTI",
        severity=left.severity,
    )
    response = client.get("/echeancier/?horizon=60")
    text = text_of(response).upper()
    assert "LOCAL" in text and "PARTI" not in text
    assert f"/personnes/{gone.pk}/" not in html(response)
    export = client.get("/echeancier/?horizon=60&format=csv")
    assert "PARTI" not in export.content.decode().upper()


def test_the_judge_has_no_echeancier(client_for, judge):
    assert client_for(judge).get("/echeancier/").status_code == 403


@pytest.mark.parametrize("role", ["cpip", "manager"])
def test_fixed_number_of_queries_whatever_the_caseload(request, client_for, role, cpip, site):
    client = client_for(request.getfixturevalue(role))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/echeancier/").status_code == 200
        return len(queries)

    for n in range(3):
        book(cpip, sentenced(cpip, f"Petit{n}", date(2025, 11, 1)), TODAY, 14 + n, site=site)
    client.get("/echeancier/")  # warm-up: the session, and the stored items computed
    few = count()
    for n in range(27):
        person = sentenced(cpip, f"Grand{n}", date(2025, 10, 1 + n % 28))
        book(cpip, person, TODAY + timedelta(days=1 + n % 20), 9 + n % 8, site=site)
    # The new persons' items are computed by the first read (in production, after the commit
    # of each change, or by the night): counted is the read of a warm table.
    client.get("/echeancier/")
    assert count() == few
    # Sign-in and membership 2, the persons not current (none) 1, the counts 1, the page's
    # persons' days 1, their items 1, the service's staff with the page's names 1, the journal
    # 3; the membership's caseload is a subquery of those reads.
    assert few <= 15


def test_caseload_shows_each_persons_next_due_item(client_for, cpip, site):
    person = sentenced(cpip, "Suivi", date(2025, 11, 3))
    book(cpip, person, date(2025, 11, 14), 10, site=site)
    text = text_of(client_for(cpip).get("/portefeuille/"))
    assert "14/11/2025" in text and "Entretien de suivi à 10:00" in text


def test_items_are_grouped_by_day_then_by_person(client_for, cpip, site):
    """A person's items of one day are one row under their name, one line each, in the table
    of that day (captioned with the day)."""
    person = make_person(cpip, surname="Groupee")
    book(cpip, person, date(2025, 11, 13), 9, site=site)
    book(cpip, person, date(2025, 11, 13), 14, site=site)
    book(cpip, person, date(2025, 11, 14), 9, site=site)
    page = html(client_for(cpip).get("/echeancier/?kind=appointment"))
    tables = page.split('data-testid="schedule-day"')[1:]
    assert len(tables) == 2  # two days, one table each
    assert "Jeudi 13/11/2025" in tables[0].split("</caption>")[0]
    assert "2 échéances" in tables[0].split("</caption>")[0]
    first_day = tables[0].split("</table>")[0]
    assert first_day.count('<th scope="row">') == 1  # one row for the person
    assert first_day.count("<li>") == 2 and "GROUPEE" in first_day.upper()
    assert "Vendredi 14/11/2025" in tables[1].split("</caption>")[0]


def test_the_who_column_is_for_those_who_see_the_whole_service(client_for, cpip, manager):
    sentenced(cpip, "Mienne", date(2025, 11, 1))
    mine = html(client_for(cpip).get("/echeancier/?horizon=60"))
    assert "MIENNE" in mine.upper()
    assert '<th scope="col">Qui</th>' not in mine
    assert cpip.user.get_full_name() not in mine.split('data-testid="schedule"')[1]
    service = html(client_for(manager).get("/echeancier/?horizon=60"))
    assert '<th scope="col">Qui</th>' in service
    assert cpip.user.get_full_name() in service.split('data-testid="schedule"')[1]


def test_first_interview_deadlines_show_whatever_the_horizon(client_for, cpip, site):
    sentenced(cpip, "Lointaine", date(2025, 11, 1))  # first interview due 16/12/2025
    book(cpip, make_person(cpip, surname="Proche"), date(2025, 11, 13), 9, site=site)
    text = text_of(client_for(cpip).get("/echeancier/?horizon=7")).upper()
    assert "PROCHE" in text
    assert "LOINTAINE" in text and "16/12/2025" in text
    # The other deadlines keep to the horizon: the appointment three weeks away does not show.
    book(cpip, make_person(cpip, surname="Tardive"), date(2025, 12, 3), 9, site=site)
    assert "TARDIVE" not in text_of(client_for(cpip).get("/echeancier/?horizon=7")).upper()
