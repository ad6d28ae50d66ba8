"""The agenda's pages: week and day views, booking, outcome in one click, moving, the
reception list, .ics files and the private calendar feed."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.agenda import rules
from probatio.agenda import services as agenda
from probatio.agenda.models import Appointment, CalendarFeed
from probatio.audit.models import AuditEntry
from probatio.notes.models import InterviewNote
from probatio.organisation.models import Room
from tests.factories import SiteFactory, gate, make_measure, make_person
from tests.views.helpers import field_error, html, text_of

# Wednesday 22 October 2025, 10:00 in Paris.
NOW = datetime(2025, 10, 22, 8, 0, tzinfo=UTC)
MONDAY = date(2025, 10, 20)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def site(service):
    return SiteFactory(service=service, name="Antenne du Centre")


def book(membership, person, day, hh, mm=0, *, site, staff=None, **data):
    start = rules.at_paris(day, time(hh, mm))
    return agenda.appointment_book(
        gated=gate(membership, person),
        data={
            "kind": "follow_up",
            "place_kind": "site",
            "site": site,
            "starts_at": start,
            "ends_at": start + timedelta(minutes=45),
            **data,
        },
        staff=staff or [membership.user],
        confirmed=True,
        now=datetime(2025, 10, 1, tzinfo=UTC),
    )


def test_week_view_shows_my_appointments_by_day(client_for, cpip, member, site):
    mine = make_person(cpip, surname="Ménard")
    colleague = member("cpip")
    theirs = make_person(colleague, surname="Lambert")
    book(cpip, mine, MONDAY, 9, site=site)
    book(colleague, theirs, MONDAY, 10, site=site)
    response = client_for(cpip).get("/agenda/")
    assert response.status_code == 200
    text = text_of(response)
    assert f"Agenda de {cpip.user.get_full_name()}" in text
    assert "Lundi 20/10/2025" in text and "09:00 – 09:45" in text
    assert "MÉNARD" in text.upper()
    assert "LAMBERT" not in text.upper()  # another agenda
    entry = AuditEntry.objects.filter(action="list", object_type="agenda.appointment").last()
    assert entry.context["agent"] == cpip.user.pk


def test_service_view_and_site_filter(client_for, secretariat, cpip, member, site, service):
    other_site = SiteFactory(service=service, name="Antenne du Nord")
    colleague = member("cpip")
    book(cpip, make_person(cpip, surname="Ménard"), MONDAY, 9, site=site)
    book(colleague, make_person(colleague, surname="Lambert"), MONDAY, 10, site=other_site)
    client = client_for(secretariat)
    everything = text_of(client.get("/agenda/?agent=&site="))
    assert "MÉNARD" in everything.upper() and "LAMBERT" in everything.upper()
    north = text_of(client.get(f"/agenda/?agent=&site={other_site.pk}"))
    assert "LAMBERT" in north.upper() and "MÉNARD" not in north.upper()


def test_day_view_and_navigation(client_for, cpip, site):
    book(cpip, make_person(cpip, surname="Ménard"), MONDAY, 9, site=site)
    client = client_for(cpip)
    day = client.get(f"/agenda/?view=jour&date={MONDAY}&agent={cpip.user.pk}")
    text = text_of(day)
    assert "Lundi 20/10/2025" in text and "Mardi" not in text
    assert "Jour suivant" in text
    assert "date=2025-10-21" in html(day)


def test_another_services_appointments_never_show(client_for, cpip, other_service, member):
    foreign = member("cpip", service=other_service)
    far = make_person(foreign, surname="Lointain")
    book(foreign, far, MONDAY, 9, site=SiteFactory(service=other_service))
    response = client_for(cpip).get("/agenda/?agent=&site=")
    assert "LOINTAIN" not in text_of(response).upper()
    appointment = Appointment.objects.get(person=far)
    assert client_for(cpip).get(f"/agenda/rendez-vous/{appointment.pk}/").status_code == 404


def test_the_judge_has_no_agenda(client_for, judge):
    assert client_for(judge).get("/agenda/").status_code == 403


def test_week_view_runs_a_fixed_number_of_queries(client_for, cpip, site):
    client = client_for(cpip)
    book(cpip, make_person(cpip), MONDAY, 9, site=site)
    client.get("/agenda/")  # warm-up

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/agenda/").status_code == 200
        return len(queries)

    few = count()
    for n in range(12):
        book(cpip, make_person(cpip), MONDAY + timedelta(days=n % 5), 9 + n // 5, site=site)
    assert count() == few
    assert few <= 15


def test_one_click_outcome_from_the_agenda(client_for, cpip, site):
    person = make_person(cpip)
    appointment = book(cpip, person, MONDAY, 9, site=site)
    client = client_for(cpip)
    page = client.get("/agenda/")
    assert f'action="/agenda/rendez-vous/{appointment.pk}/statut/"' in html(page)
    response = client.post(
        f"/agenda/rendez-vous/{appointment.pk}/statut/",
        {"status": "honoured", "next": "/agenda/?view=jour"},
    )
    assert response.status_code == 302 and response["Location"] == "/agenda/?view=jour"
    appointment.refresh_from_db()
    assert appointment.status == "honoured"


def test_an_unsafe_next_is_ignored(client_for, cpip, site):
    appointment = book(cpip, make_person(cpip), MONDAY, 9, site=site)
    response = client_for(cpip).post(
        f"/agenda/rendez-vous/{appointment.pk}/statut/",
        {"status": "honoured", "next": "https://ailleurs.example/"},
    )
    assert response["Location"] == f"/agenda/rendez-vous/{appointment.pk}/"


def test_no_show_from_the_dossier_proposes_an_incident(client_for, cpip, site, service):
    service.no_show_threshold = 1
    service.save()
    person = make_person(cpip)
    measure = make_measure(cpip, person)
    appointment = book(cpip, person, MONDAY, 9, site=site, measure=measure)
    client = client_for(cpip)
    tab = client.get(f"/personnes/{person.pk}/rendez-vous/")
    assert "Absent" in text_of(tab)
    response = client.post(
        f"/agenda/rendez-vous/{appointment.pk}/statut/",
        {"status": "no_show", "next": f"/personnes/{person.pk}/rendez-vous/"},
        follow=True,
    )
    text = text_of(response)
    assert "1 absences non excusées sur la mesure" in text or "Incident à envisager" in text
    assert "Incident à envisager" in text


def test_excused_without_reason_is_refused_with_a_french_message(client_for, cpip, site):
    appointment = book(cpip, make_person(cpip), MONDAY, 9, site=site)
    response = client_for(cpip).post(
        f"/agenda/rendez-vous/{appointment.pk}/statut/", {"status": "excused"}, follow=True
    )
    assert "Indiquez le motif." in text_of(response)
    appointment.refresh_from_db()
    assert appointment.status == "planned"


def test_secretariat_books_a_first_interview_from_the_dossier(client_for, secretariat, cpip, site):
    person = make_person(cpip, surname="Nouveau", phone="0612345678", sms_consent=True)
    client = client_for(secretariat)
    form = client.get(f"/personnes/{person.pk}/rendez-vous/nouveau/")
    assert form.status_code == 200
    assert 'value="first" selected' in html(form) or "Premier entretien" in text_of(form)
    response = client.post(
        f"/personnes/{person.pk}/rendez-vous/nouveau/",
        {
            "kind": "first",
            "staff": [cpip.user.pk],
            "day": "2025-10-27",
            "start_time": "09:00",
            "end_time": "09:45",
            "place_kind": "site",
            "site": site.pk,
            "to_bring": "Pièce d'identité",
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(person=person)
    assert appointment.kind == "first"
    assert rules.paris(appointment.starts_at).time() == time(9, 0)
    assert list(appointment.staff.all()) == [cpip.user]
    assert appointment.messages.filter(channel="sms").count() == 2


def test_booking_errors_are_in_french_and_save_nothing(client_for, cpip, site):
    person = make_person(cpip)
    response = client_for(cpip).post(
        f"/personnes/{person.pk}/rendez-vous/nouveau/",
        {
            "kind": "follow_up",
            "staff": [cpip.user.pk],
            "day": "2025-10-27",
            "start_time": "10:00",
            "end_time": "09:00",
            "place_kind": "site",
            "site": site.pk,
        },
    )
    assert response.status_code == 400
    assert (
        field_error(response, "id_end_time") == "La fin du rendez-vous doit être après son début."
    )
    past = client_for(cpip).post(
        f"/personnes/{person.pk}/rendez-vous/nouveau/",
        {
            "kind": "follow_up",
            "staff": [cpip.user.pk],
            "day": "2025-10-01",
            "start_time": "10:00",
            "end_time": "11:00",
            "place_kind": "site",
            "site": site.pk,
        },
    )
    assert "passé" in text_of(past)
    assert not Appointment.objects.exists()


def test_booking_warns_about_a_double_booking_and_books_once_confirmed(client_for, cpip, site):
    book(cpip, make_person(cpip), date(2025, 10, 27), 9, site=site)
    person = make_person(cpip)
    data = {
        "kind": "follow_up",
        "staff": [cpip.user.pk],
        "day": "2025-10-27",
        "start_time": "09:15",
        "end_time": "10:00",
        "place_kind": "site",
        "site": site.pk,
    }
    client = client_for(cpip)
    warned = client.post(f"/personnes/{person.pk}/rendez-vous/nouveau/", data)
    assert warned.status_code == 400
    assert "a déjà un rendez-vous" in text_of(warned)
    assert not Appointment.objects.filter(person=person).exists()
    confirmed = client.post(
        f"/personnes/{person.pk}/rendez-vous/nouveau/", {**data, "confirm": "on"}
    )
    assert confirmed.status_code == 302
    assert Appointment.objects.filter(person=person).count() == 1


def test_moving_an_appointment(client_for, cpip, site):
    room = Room.objects.create(site=site, name="Bureau 2")
    appointment = book(cpip, make_person(cpip), date(2025, 10, 27), 9, site=site)
    response = client_for(cpip).post(
        f"/agenda/rendez-vous/{appointment.pk}/deplacer/",
        {
            "day": "2025-10-28",
            "start_time": "14:00",
            "end_time": "14:45",
            "room": room.pk,
            "status_reason": "Demande de la personne",
        },
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "postponed"
    new = appointment.replaced_by
    assert new.room == room and rules.paris(new.starts_at).hour == 14


def test_writing_the_note_of_an_appointment_links_it(client_for, cpip, site):
    appointment = book(cpip, make_person(cpip), MONDAY, 9, site=site)
    client = client_for(cpip)
    form = client.get(f"/agenda/rendez-vous/{appointment.pk}/note/")
    assert form.status_code == 200
    response = client.post(
        f"/agenda/rendez-vous/{appointment.pk}/note/",
        {"interview_date": "2025-10-20", "subject": "Entretien de suivi", "body": "Point emploi."},
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.note == InterviewNote.objects.get(person=appointment.person)


def test_reception_day_list(client_for, secretariat, cpip, site):
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    book(cpip, person, MONDAY, 9, site=site)
    response = client_for(secretariat).get(f"/agenda/jour/imprimer/?date={MONDAY}&site={site.pk}")
    text = text_of(response)
    assert "Rendez-vous du lundi 20/10/2025 — Antenne du Centre" in text
    assert "09:00" in text and "Éloïse" in text and cpip.user.get_full_name() in text


def test_single_appointment_ics(client_for, cpip, site):
    appointment = book(cpip, make_person(cpip, surname="Ménard"), MONDAY, 9, site=site)
    response = client_for(cpip).get(f"/agenda/rendez-vous/{appointment.pk}/rendez-vous.ics")
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "BEGIN:VEVENT" in body
    assert "DTSTART:20251020T070000Z" in body  # 09:00 Paris, summer time
    assert f"UID:{appointment.uid}@probatio" in body
    # Initials and file number only, as in the feed: the file ends up in a phone's calendar.
    assert "MÉNARD" not in body.upper() and f"M. (n° {appointment.person_id})" in body


def test_private_feed_create_use_and_revoke(client_for, client, cpip, site):
    book(cpip, make_person(cpip, surname="Ménard", first_names="Éloïse"), MONDAY, 9, site=site)
    staff_client = client_for(cpip)
    created = staff_client.post("/agenda/flux/", {"action": "create"})
    url = re.search(r'<code id="feed-url">([^<]+)</code>', html(created)).group(1)
    path = url.replace("http://testserver", "")
    feed = client.get(path)  # no session: the token is the key
    assert feed.status_code == 200
    body = feed.content.decode()
    assert "BEGIN:VEVENT" in body
    assert "Ménard" not in body and "É. M." in body  # initials only outside the application
    assert CalendarFeed.objects.get(user=cpip.user).token_hash not in path
    staff_client.post("/agenda/flux/", {"action": "revoke"})
    assert client.get(path).status_code == 404


def test_dossier_tab_lists_appointments_and_failed_reminders(client_for, cpip, site):
    person = make_person(cpip, phone="0612345678", sms_consent=True)
    appointment = book(cpip, person, date(2025, 10, 27), 9, site=site)
    appointment.messages.filter(channel="sms").update(
        status="failed", last_error="Numéro non attribué (réponse de l'opérateur)", attempts=6
    )
    text = text_of(client_for(cpip).get(f"/personnes/{person.pk}/rendez-vous/"))
    assert "Rendez-vous à venir" in text
    assert "Rappels non envoyés" in text and "Numéro non attribué" in text


def test_the_whole_service_agenda_is_read_by_pages_in_time_order(
    client_for, cpip, manager, site, monkeypatch
):
    """A large service's week holds thousands of appointments: the whole service's agenda
    shows them by pages (in the order of time, with the count and the way to see them
    together); one member's agenda stays whole."""
    from probatio.agenda import views

    monkeypatch.setattr(views, "SERVICE_PAGE", 2)
    names = ["Aubert", "Bertin", "Caron"]
    for hour, name in zip((9, 10, 11), names, strict=True):
        book(cpip, make_person(cpip, surname=name), MONDAY, hour, site=site)
    client = client_for(manager)

    first = client.get("/agenda/?agent=&site=")
    assert first.status_code == 200
    shown = text_of(first)
    assert "AUBERT" in shown.upper() and "BERTIN" in shown.upper()
    assert "CARON" not in shown.upper()
    notice = html(first).split('data-testid="agenda-paged"')[1][:600]
    assert "compte 3 rendez-vous" in notice and "affichés par 2" in notice
    assert "séances collectives sont sur la première page" in notice
    assert "page=2" in html(first)

    second = client.get("/agenda/?agent=&site=&page=2")
    assert "CARON" in text_of(second).upper() and "AUBERT" not in text_of(second).upper()
    assert client.get("/agenda/?agent=&site=&page=99").context["page"].number == 1
    entry = AuditEntry.objects.filter(summary="Liste : Agenda du service").latest("pk")
    assert entry.context["page_number"] == 1

    # One member's agenda: every appointment, no pages.
    whole = client.get(f"/agenda/?agent={cpip.user_id}")
    assert all(name in text_of(whole).upper() for name in ("AUBERT", "BERTIN", "CARON"))
    assert 'data-testid="agenda-paged"' not in html(whole)
