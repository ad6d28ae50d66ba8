"""The booking form's help (issue 17, « Booking »): the only open measure preselected, the
relevant staff only and in order, the free slots of the chosen staff and room, and the week
grid with its times."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.agenda import rules
from probatio.agenda import services as agenda
from probatio.organisation.models import Room
from tests.factories import SiteFactory, gate, make_decision, make_measure, make_person
from tests.views.helpers import html, text_of

# Wednesday 22 October 2025, 10:00 in Paris.
NOW = datetime(2025, 10, 22, 8, 0, tzinfo=UTC)
MONDAY = date(2025, 10, 20)
NEXT_MONDAY = date(2025, 10, 27)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def site(service):
    return SiteFactory(service=service, name="Antenne du Centre")


def book(membership, person, day, hh, mm=0, *, site, staff=None, minutes=45, **data):
    start = rules.at_paris(day, time(hh, mm))
    return agenda.appointment_book(
        gated=gate(membership, person),
        data={
            "kind": "follow_up",
            "place_kind": "site",
            "site": site,
            "starts_at": start,
            "ends_at": start + timedelta(minutes=minutes),
            **data,
        },
        staff=staff or [membership.user],
        confirmed=True,
        now=datetime(2025, 10, 1, tzinfo=UTC),
    )


def staff_labels(response) -> list[str]:
    """The staff checkboxes' labels, in the page's order."""
    page = html(response)
    ids = re.findall(r'<input type="checkbox" name="staff" value="(\d+)"[^>]*id="(id_staff_\d+)"',
                     page)  # fmt: skip
    labels = []
    for _, field_id in ids:
        found = re.search(rf'<label[^>]*for="{field_id}"[^>]*>(.*?)</label>', page, re.S)
        labels.append(" ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()))
    return labels


def checked_staff(response) -> set[int]:
    return {
        int(v)
        for v in re.findall(r'<input type="checkbox" name="staff" value="(\d+)"[^>]*checked', html(response))
    }  # fmt: skip


# --- The measure ---


def measure_select(response) -> str:
    return re.search(r'<select name="measure".*?</select>', html(response), re.S).group(0)


def test_the_only_open_measure_is_preselected(client_for, cpip, site):
    person = make_person(cpip)
    measure = make_measure(cpip, person)
    select = measure_select(client_for(cpip).get(f"/personnes/{person.pk}/rendez-vous/nouveau/"))
    assert re.search(rf'<option value="{measure.pk}" selected>', select)


def test_nothing_preselected_among_two_open_measures(client_for, cpip, site):
    person = make_person(cpip)
    first = make_measure(cpip, person)
    second = make_measure(cpip, person, decision=make_decision(cpip, person))
    select = measure_select(client_for(cpip).get(f"/personnes/{person.pk}/rendez-vous/nouveau/"))
    assert f'value="{first.pk}"' in select and f'value="{second.pk}"' in select
    assert not re.search(r"<option value=\"\d+\"[^>]*selected", select)


# --- The staff ---


@pytest.fixture
def office(member, cpip, site, service, manager, judge, secretariat):
    """The person's CPIP, a psychologist who follows them, a social worker of the site, a CPIP
    of another site, and the manager, judge and secretariat (who hold no appointments)."""
    other_site = SiteFactory(service=service, name="Antenne du Nord")
    psychologist = member("psychologist", user__first_name="Paule", user__last_name="Psy")
    site_worker = member(
        "social_worker", site=site, user__first_name="Ariane", user__last_name="Assistante"
    )
    site_cpip = member("cpip", site=site, user__first_name="Basile", user__last_name="Binet")
    elsewhere = member("cpip", site=other_site, user__first_name="Nora", user__last_name="Nord")
    person = make_person(cpip, surname="Ménard")
    person.support_staff.add(psychologist.user)
    return {
        "person": person,
        "psychologist": psychologist,
        "site_worker": site_worker,
        "site_cpip": site_cpip,
        "elsewhere": elsewhere,
    }


def test_staff_offered_cpip_first_then_support_then_the_site(client_for, secretariat, office, site):
    person = office["person"]
    response = client_for(secretariat).get(
        f"/personnes/{person.pk}/rendez-vous/nouveau/?site={site.pk}"
    )
    assert response.status_code == 200
    assert staff_labels(response) == [
        "Camille Conseil — CPIP de la personne",
        "Paule Psy — suit aussi la personne",
        "Ariane Assistante — Assistant·e social·e",
        "Basile Binet — CPIP",
    ]
    text = text_of(response)
    offered = " ".join(staff_labels(response))
    for absent in ("Jeanne Juge", "Dominique Direction", "Sacha Secrétariat", "Nora Nord"):
        assert absent not in offered
    # The secretariat books for the person's CPIP; checkboxes, no Ctrl-click list.
    assert checked_staff(response) == {person.assigned_cpip_id}
    assert "Ctrl" not in text and '<select name="staff"' not in html(response)


def test_the_persons_cpip_is_preselected_themself(client_for, cpip, office, site):
    person = office["person"]
    response = client_for(cpip).get(f"/personnes/{person.pk}/rendez-vous/nouveau/")
    assert checked_staff(response) == {cpip.user.pk}
    assert staff_labels(response)[0] == "Camille Conseil — CPIP de la personne"


def test_a_psychologist_books_in_their_own_agenda(client_for, office, site):
    psychologist, person = office["psychologist"], office["person"]
    response = client_for(psychologist).get(f"/personnes/{person.pk}/rendez-vous/nouveau/")
    assert checked_staff(response) == {psychologist.user.pk}


def test_a_judge_cannot_be_booked(client_for, secretariat, office, site, judge):
    person = office["person"]
    response = client_for(secretariat).post(
        f"/personnes/{person.pk}/rendez-vous/nouveau/",
        {
            "kind": "follow_up",
            "staff": [judge.user.pk],
            "day": "2025-10-27",
            "start_time": "09:00",
            "end_time": "09:45",
            "place_kind": "site",
            "site": site.pk,
        },
    )
    assert response.status_code == 400
    assert not person.appointments.exists()


# --- Free slots ---


def slots_url(person, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/personnes/{person.pk}/rendez-vous/creneaux-libres/?{query}"


def test_free_slots_skip_the_staffs_and_the_rooms_appointments(client_for, cpip, member, site):
    room = Room.objects.create(site=site, name="Bureau 2")
    person = make_person(cpip, surname="Ménard")
    book(cpip, make_person(cpip), NEXT_MONDAY, 9, site=site)  # the CPIP: 9:00-9:45
    colleague = member("cpip")
    book(colleague, make_person(colleague), NEXT_MONDAY, 14, site=site, room=room)  # the room
    response = client_for(cpip).get(
        slots_url(
            person, staff=cpip.user.pk, site=site.pk, room=room.pk, day="2025-10-27", duration=30
        )  # fmt: skip
    )
    assert response.status_code == 200
    page = html(response)
    monday = re.search(r'id="slots-20251027".*?</ul>', page, re.S).group(0)
    times = re.findall(r">(\d\d:\d\d)</a>", monday)
    assert times[0] == "10:00"  # 9:00 and 9:30 taken by the CPIP's appointment
    assert "13:30" in times and "14:00" not in times and "14:30" not in times  # the room
    assert "12:30" not in times and "16:30" in times and "17:00" not in times  # site's hours
    # A slot's link fills the booking form.
    link = re.search(r'href="([^"]*start_time=10%3A00[^"]*)"', monday).group(1)
    assert "day=2025-10-27" in link and f"room={room.pk}" in link
    form = client_for(cpip).get(link.replace("&amp;", "&"))
    assert 'value="2025-10-27"' in html(form) and 'value="10:00"' in html(form)
    assert 'value="10:30"' in html(form)  # 30 minutes
    # Saturday and Sunday: the site is closed.
    assert "Aucun créneau libre" in re.search(r'id="slots-20251101".*?</p>', page, re.S).group(0)


def test_free_slots_htmx_fragment(client_for, cpip, site):
    person = make_person(cpip)
    response = client_for(cpip).get(
        slots_url(person, staff=cpip.user.pk, site=site.pk), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "<html" not in html(response) and 'id="creneaux-libres"' in html(response)


def test_free_slots_refused_to_a_judge(client_for, judge, cpip):
    person = make_person(cpip)
    assert client_for(judge).get(slots_url(person)).status_code == 404


def test_free_slots_queries_do_not_grow(client_for, cpip, site):
    """The same page with few and many appointments: the same number of queries."""
    room = Room.objects.create(site=site, name="Bureau 2")
    person = make_person(cpip)
    other = make_person(cpip)
    client = client_for(cpip)
    url = slots_url(person, staff=cpip.user.pk, site=site.pk, room=room.pk, day="2025-10-27")

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    book(cpip, other, NEXT_MONDAY, 9, site=site)
    few = count()
    for i in range(40):
        book(cpip, other, NEXT_MONDAY + timedelta(days=i % 5), 10 + i // 10, 10 * (i % 5),
             site=site, minutes=5, room=room if i % 2 else None)  # fmt: skip
    assert few <= 15
    assert count() == few


# --- The week grid ---


def test_week_grid_places_an_appointment_in_its_half_hour_row(client_for, cpip, site):
    person = make_person(cpip, surname="Ménard")
    book(cpip, person, date(2025, 10, 21), 14, 30, site=site)
    response = client_for(cpip).get("/agenda/?date=2025-10-21")
    page = html(response)
    assert "<caption>Semaine du 20/10/2025" in page
    row = re.search(r'<tr data-time="14:30">(.*?)</tr>', page, re.S).group(1)
    assert '<th scope="row" id="grid-time-1430">14:30</th>' in row
    tuesday = re.search(r'<td data-day="2025-10-21"[^>]*>(.*?)</td>', row, re.S).group(1)
    assert "MÉNARD" in tuesday.upper() and "14:30–15:15" in tuesday
    monday = re.search(r'<td data-day="2025-10-20"[^>]*>(.*?)</td>', row, re.S).group(1)
    assert "MÉNARD" not in monday.upper()
    other_row = re.search(r'<tr data-time="14:00">(.*?)</tr>', page, re.S).group(1)
    assert "MÉNARD" not in other_row.upper()
    # Rows cover the site's hours; the day view has no grid.
    assert '<tr data-time="09:00">' in page and '<tr data-time="16:30">' in page
    assert "<caption>Semaine" not in html(client_for(cpip).get("/agenda/?view=jour"))


def test_booking_page_offers_the_free_slots(client_for, cpip, site):
    person = make_person(cpip)
    page = html(client_for(cpip).get(f"/personnes/{person.pk}/rendez-vous/nouveau/"))
    url = f"/personnes/{person.pk}/rendez-vous/creneaux-libres/"
    # Without JavaScript, a link to the free-slot page with the form's staff; with htmx, in place.
    assert f'href="{url}?' in page and f"staff={cpip.user.pk}" in page
    assert f'hx-get="{url}"' in page and 'hx-target="#creneaux-libres"' in page
