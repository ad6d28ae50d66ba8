"""The dossier's appointments tab: recording an interview held without an appointment (its
button, its page, its French errors) and the holiday warning of the booking page."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from probatio.agenda.models import Appointment
from probatio.notes.models import InterviewNote
from tests.factories import SiteFactory, make_person
from tests.views.helpers import field_error, text_of

NOW = datetime(2025, 10, 22, 8, 0, tzinfo=UTC)  # Wednesday 22 October 2025, 10:00 in Paris
BUTTON = "Enregistrer un entretien non planifié"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def site(service):
    return SiteFactory(service=service, name="Antenne du Centre")


def form(site, **changes):
    return {
        "kind": "follow_up",
        "day": "2025-10-21",
        "start_time": "15:00",
        "end_time": "15:30",
        "place_kind": "site",
        "site": site.pk,
        "subject": "Venue spontanée",
        "body": "Est venu sans rendez-vous pour un point sur sa recherche d'emploi.",
        **changes,
    }


@pytest.mark.parametrize(
    ("role", "shown"), [("cpip", True), ("manager", True), ("secretariat", False)]
)
def test_the_button_shows_for_who_books_and_writes_notes(as_role, person, role, shown):
    text = text_of(as_role(role).get(f"/personnes/{person.pk}/rendez-vous/"))
    assert (BUTTON in text) is shown


def test_the_secretariat_may_not_open_the_page(as_role, person):
    assert (
        as_role("secretariat")
        .get(f"/personnes/{person.pk}/rendez-vous/entretien-non-planifie/")
        .status_code
        == 403
    )


def test_a_cpip_records_an_unplanned_interview_with_its_note(client_for, cpip, person, site):
    client = client_for(cpip)
    url = f"/personnes/{person.pk}/rendez-vous/entretien-non-planifie/"
    page = text_of(client.get(url))
    assert "La note d'entretien" in page and "Objet" in page
    response = client.post(url, form(site))
    appointment = Appointment.objects.get(person=person)
    assert (
        response.status_code == 302
        and response["Location"] == f"/agenda/rendez-vous/{appointment.pk}/"
    )
    assert appointment.status == "honoured" and appointment.note.subject == "Venue spontanée"
    tab = text_of(client.get(f"/personnes/{person.pk}/rendez-vous/"))
    assert "Rendez-vous à venir (0)" in tab and "Rendez-vous passés (1)" in tab


def test_an_unplanned_interview_in_the_future_is_refused_in_french(client_for, cpip, person, site):
    response = client_for(cpip).post(
        f"/personnes/{person.pk}/rendez-vous/entretien-non-planifie/", form(site, day="2025-10-23")
    )
    assert response.status_code == 400
    assert field_error(response, "id_day").startswith(
        "Un entretien non planifié s'enregistre une fois qu'il a eu lieu"
    )
    assert "Venue spontanée" in response.content.decode()  # the text typed is kept
    assert not Appointment.objects.exists() and not InterviewNote.objects.exists()


def test_booking_on_christmas_day_shows_the_warning_and_books_once_confirmed(
    client_for, cpip, site
):
    person = make_person(cpip)
    client = client_for(cpip)
    data = {
        "kind": "follow_up",
        "staff": [cpip.user_id],
        "day": "2025-12-25",
        "start_time": "10:00",
        "end_time": "10:45",
        "place_kind": "site",
        "site": site.pk,
    }
    response = client.post(f"/personnes/{person.pk}/rendez-vous/nouveau/", data)
    assert response.status_code == 400
    assert "Le 25/12/2025 est un jour férié (Noël)" in text_of(response)
    assert not Appointment.objects.exists()
    response = client.post(
        f"/personnes/{person.pk}/rendez-vous/nouveau/", {**data, "confirm": "on"}
    )
    assert response.status_code == 302
    assert Appointment.objects.get(person=person).starts_at.date() == date(2025, 12, 25)


def test_the_booking_form_proposes_an_open_day(client_for, cpip, person):
    """A week after Thursday 25 December 2025 is New Year's Day: Friday 2 January proposed."""
    with time_machine.travel(datetime(2025, 12, 25, 9, 0, tzinfo=UTC), tick=False):
        page = client_for(cpip).get(f"/personnes/{person.pk}/rendez-vous/nouveau/").content.decode()
    assert 'value="2026-01-02"' in page
