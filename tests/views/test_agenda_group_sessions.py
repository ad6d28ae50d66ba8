"""Group sessions of programmes in the agenda (``agenda.entries``, fed by ``programmes``): the
facilitators' week and day views, the service's and the site's, busy time for the free slots
and the booking warnings."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.agenda import rules
from probatio.agenda import services as agenda
from probatio.organisation.models import Room
from probatio.programmes.models import GroupSession
from tests.factories import (
    SiteFactory,
    gate,
    make_enrolled,
    make_group,
    make_person,
    make_programme,
)
from tests.views.helpers import html, text_of

# Wednesday 22 October 2025, 10:00 in Paris; the group meets on Tuesdays at 14:00.
NOW = datetime(2025, 10, 22, 8, 0, tzinfo=UTC)
MONDAY = date(2025, 10, 20)
NEXT_MONDAY = date(2025, 10, 27)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def site(service):
    return SiteFactory(service=service, name="Antenne du Centre")


@pytest.fixture
def room(site):
    return Room.objects.create(site=site, name="Salle de groupe")


@pytest.fixture
def group(manager, cpip, room):
    programme = make_programme(manager, name="Programme Respect", session_count=6)
    return make_group(
        manager, programme, room=room, start_date=MONDAY, facilitators=[cpip.user], capacity=8
    )


def session(group, number: int) -> GroupSession:
    return group.sessions.get(number=number)


def test_the_facilitators_week_shows_their_group_sessions(client_for, cpip, member, group):
    first = session(group, 1)
    page = client_for(cpip).get("/agenda/")
    assert page.status_code == 200
    text = text_of(page)
    assert "Programme Respect — séance 1 sur 6" in text
    assert "Séance collective" in text and "Antenne du Centre, Salle de groupe" in text
    assert f'href="/programmes/seances/{first.pk}/"' in html(page)
    # In the grid too, in the row of 14:00 on Tuesday.
    grid = re.search(r'<tr data-time="14:00">.*?</tr>', html(page), re.S).group(0)
    assert 'data-day="2025-10-21"' in grid and "séance 1 sur 6" in grid
    # Another CPIP's agenda does not show it.
    other = member("cpip")
    assert "Programme Respect" not in text_of(client_for(other).get("/agenda/"))


def test_the_service_and_the_site_see_the_sessions_with_their_facilitators(
    client_for, secretariat, cpip, group, site, service
):
    client = client_for(secretariat)
    everything = text_of(client.get("/agenda/?agent=&site="))
    assert "séance 1 sur 6" in everything and cpip.user.get_full_name() in everything
    elsewhere = SiteFactory(service=service, name="Antenne du Nord")
    assert "séance 1" not in text_of(client.get(f"/agenda/?agent=&site={elsewhere.pk}"))
    assert "séance 1" in text_of(client.get(f"/agenda/?agent=&site={site.pk}"))


def test_the_day_view_lists_sessions_and_appointments_in_time_order(client_for, cpip, group, site):
    person = make_person(cpip, surname="Ménard")
    start = rules.at_paris(date(2025, 10, 28), time(9, 0))
    agenda.appointment_book(
        gated=gate(cpip, person),
        data={
            "kind": "follow_up",
            "place_kind": "site",
            "site": site,
            "starts_at": start,
            "ends_at": start + timedelta(minutes=45),
        },
        staff=[cpip.user],
        confirmed=True,
    )
    text = text_of(client_for(cpip).get("/agenda/?view=jour&date=2025-10-28"))
    assert text.index("09:00 – 09:45") < text.index("14:00 – 16:00")
    assert "séance 2 sur 6" in text
    # A cancelled session leaves the agenda.
    GroupSession.objects.filter(pk=session(group, 2).pk).update(cancelled=True)
    assert "séance 2" not in text_of(client_for(cpip).get("/agenda/?view=jour&date=2025-10-28"))


def test_the_week_view_runs_a_fixed_number_of_queries_whatever_the_sessions(
    client_for, cpip, manager, room
):
    client = client_for(cpip)
    programme = make_programme(manager, name="Stage", session_count=2)
    make_group(manager, programme, room=room, start_date=MONDAY, facilitators=[cpip.user])
    client.get("/agenda/")  # warm-up

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/agenda/").status_code == 200
        return len(queries)

    few = count()
    for n, weekday in enumerate((0, 2, 3, 4)):
        other = make_programme(manager, name=f"Programme {n}", session_count=3)
        make_group(
            manager,
            other,
            start_date=MONDAY,
            site=room.site,
            facilitators=[cpip.user, manager.user],
            slots=[{"weekday": weekday, "start": "10:00", "minutes": 60}],
        )
    assert count() == few
    assert few <= 15


def test_free_slots_skip_the_sessions_of_the_facilitator_and_of_the_room(
    client_for, cpip, member, group, room, site
):
    person = make_person(cpip)
    url = f"/personnes/{person.pk}/rendez-vous/creneaux-libres/"
    page = html(
        client_for(cpip).get(
            f"{url}?staff={cpip.user.pk}&site={site.pk}&day=2025-10-28&duration=30"
        )
    )
    tuesday = re.search(r'id="slots-20251028".*?</ul>', page, re.S).group(0)
    times = re.findall(r">(\d\d:\d\d)</a>", tuesday)
    assert "13:30" in times and "14:00" not in times and "15:30" not in times
    assert "16:00" in times
    # A colleague's search on the room alone: the room is taken by the session too.
    colleague = member("cpip")
    other_person = make_person(colleague)
    url = f"/personnes/{other_person.pk}/rendez-vous/creneaux-libres/"
    page = html(
        client_for(colleague).get(
            f"{url}?staff={colleague.user.pk}&site={site.pk}&room={room.pk}"
            "&day=2025-10-28&duration=30"
        )
    )
    tuesday = re.search(r'id="slots-20251028".*?</ul>', page, re.S).group(0)
    times = re.findall(r">(\d\d:\d\d)</a>", tuesday)
    assert "14:30" not in times and "16:00" in times


def test_a_booking_over_a_session_is_warned_about(cpip, group, room, site):
    person = make_person(cpip)
    start = rules.at_paris(date(2025, 10, 28), time(15, 0))
    with pytest.raises(agenda.NeedsConfirmation) as warned:
        agenda.appointment_book(
            gated=gate(cpip, person),
            data={
                "kind": "follow_up",
                "place_kind": "site",
                "site": site,
                "room": room,
                "starts_at": start,
                "ends_at": start + timedelta(minutes=45),
            },
            staff=[cpip.user],
            confirmed=False,
        )
    warnings = " ".join(warned.value.warnings)
    assert f"{cpip.user.get_full_name()} anime une séance collective" in warnings
    assert "Salle de groupe est déjà réservé pour une séance collective" in warnings
    assert not person.appointments.exists()


def test_the_participants_messages_name_the_session(client_for, cpip, group):
    person = make_person(cpip, phone="06 12 34 56 78", sms_consent=True)
    make_enrolled(cpip, person, group)
    text = text_of(client_for(cpip).get(f"/personnes/{person.pk}/rendez-vous/"))
    # Sessions 2 to 6 are to come (session 1 was yesterday): their reminders are listed, the
    # latest first.
    assert "Rappel de séance collective SMS 02/12/2025 à 08:00" in text
    assert "Séance collective du mar 02/12/2025 14:00" in text
