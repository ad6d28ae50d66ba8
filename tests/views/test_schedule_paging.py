"""The échéancier read from the stored items: paged in SQL by persons' days (page 2 holds the
next ones, the counts are the whole list's), its filters, and the stored rows current at the
read that follows a change."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.agenda import services as agenda
from probatio.deadlines.models import DueItemRecord
from probatio.deadlines.views import PER_PAGE
from probatio.people.models import Person
from tests import schedule_fixtures as schedule
from tests.factories import gate, make_person
from tests.schedule_fixtures import TODAY, book, sentenced
from tests.views.helpers import text_of

frozen = schedule.frozen  # every test at NOW, Wednesday 12 November 2025
site = schedule.site


def names_in(response) -> list[str]:
    """The persons named on the page, in the page's order."""
    text = text_of(response)
    return [name for _, name in sorted((text.index(n), n) for n in NAMES if n in text)]


NAMES = [f"PAGE{chr(65 + n // 26)}{chr(65 + n % 26)}" for n in range(PER_PAGE + 5)]


@pytest.fixture
def many(cpip, site):
    """45 persons, one appointment each, each a day of their own or a later time."""
    persons = []
    for n, name in enumerate(NAMES):
        person = make_person(cpip, surname=name)
        book(cpip, person, TODAY + timedelta(days=1 + n // 10), 8 + (n % 10), site=site)
        persons.append(person)
    return persons


def test_page_two_holds_the_next_persons_days_and_the_counts_are_the_whole_lists(
    client_for, cpip, many
):
    client = client_for(cpip)
    first = client.get("/echeancier/?kind=appointment")
    second = client.get("/echeancier/?kind=appointment&page=2")
    assert names_in(first) == NAMES[:PER_PAGE]
    assert names_in(second) == NAMES[PER_PAGE:]
    for page in (first, second):
        assert f"{len(NAMES)} échéances" in text_of(page)
        assert "Page " in text_of(page) and " sur 2" in text_of(page)


def test_a_persons_day_is_never_split_between_pages(client_for, cpip, many, site):
    """The 40th group holds two items: both on page 1."""
    last = many[PER_PAGE - 1]
    day = TODAY + timedelta(days=1 + (PER_PAGE - 1) // 10)
    book(cpip, last, day, 18, 30, site=site)
    client = client_for(cpip)
    first = text_of(client.get("/echeancier/?kind=appointment"))
    assert first.count(NAMES[PER_PAGE - 1]) == 1
    assert "Entretien de suivi à 18:30" in first
    second = text_of(client.get("/echeancier/?kind=appointment&page=2"))
    assert NAMES[PER_PAGE - 1] not in second
    assert f"{len(NAMES) + 1} échéances" in second


def test_the_filters_read_the_stored_items(client_for, cpip, manager, member, site, service):
    colleague = member("cpip", user__first_name="Noé", user__last_name="Autre")
    sentenced(cpip, "Tardif", date(2025, 9, 1))
    near = make_person(cpip, surname="Voisin")
    book(cpip, near, TODAY + timedelta(days=3), 9, site=site)
    far = make_person(cpip, surname="Eloigne")
    book(cpip, far, TODAY + timedelta(days=45), 9, site=site)
    other = make_person(colleague, surname="Confrere")
    book(colleague, other, TODAY + timedelta(days=4), 9, site=site)
    orphan = make_person(manager, surname="Orphelin")
    book(manager, orphan, TODAY + timedelta(days=5), 9, site=site)
    Person.objects.filter(pk=orphan.pk).update(assigned_cpip=None)

    def seen(client, query):
        text = text_of(client.get(f"/echeancier/{query}")).upper()
        return {n for n in ("TARDIF", "VOISIN", "ELOIGNE", "CONFRERE", "ORPHELIN") if n in text}

    mine = client_for(cpip)
    assert seen(mine, "") == {"TARDIF", "VOISIN"}
    assert seen(mine, "?horizon=60") == {"TARDIF", "VOISIN", "ELOIGNE"}
    assert seen(mine, "?horizon=7") == {"TARDIF", "VOISIN"}
    assert seen(mine, "?overdue=on") == {"TARDIF"}
    assert seen(mine, "?kind=appointment&horizon=90") == {"VOISIN", "ELOIGNE"}
    boss = client_for(manager)
    assert seen(boss, "") == {"TARDIF", "VOISIN", "CONFRERE", "ORPHELIN"}
    assert seen(boss, f"?cpip={colleague.user_id}") == {"CONFRERE"}
    assert seen(boss, f"?cpip={cpip.user_id}&horizon=60") == {"TARDIF", "VOISIN", "ELOIGNE"}
    assert seen(boss, "?cpip=none") == {"ORPHELIN"}
    assert DueItemRecord.objects.filter(service=service).count() >= 5


def test_a_change_shows_at_the_next_read(client_for, cpip, site):
    person = make_person(cpip, surname="Change")
    client = client_for(cpip)
    assert "CHANGE" not in text_of(client.get("/echeancier/")).upper()
    appointment = book(cpip, person, TODAY + timedelta(days=2), 9, site=site)
    assert "CHANGE" in text_of(client.get("/echeancier/")).upper()
    agenda.appointment_set_status(
        gated=gate(cpip, person), appointment=appointment, status="cancelled", reason="x"
    )
    assert "CHANGE" not in text_of(client.get("/echeancier/")).upper()


@pytest.mark.parametrize("role", ["cpip", "manager"])
def test_a_warm_page_runs_few_queries_whatever_the_list(request, client_for, role, many):
    client = client_for(request.getfixturevalue(role))
    client.get("/echeancier/")  # warm: the session, the stored items computed
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/echeancier/?page=2").status_code == 200
    assert len(queries) <= 15
