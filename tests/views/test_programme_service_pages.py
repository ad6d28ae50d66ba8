"""The service's programme pages (docs/programmes.md): the catalogue, a programme, the
programme and group forms, a group, a session with its attendance and its move. Each page per
role (200, 403; another service's objects 404), bad input in French in place with nothing
saved, attendance and moves through the pages, and a fixed number of queries."""

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probatio.audit.models import AuditEntry
from probatio.organisation.models import Room
from probatio.programmes import rules
from probatio.programmes import services as programmes
from probatio.programmes.models import (
    Attendance,
    AttendanceNote,
    GroupSession,
    Programme,
    ProgrammeGroup,
)
from tests.factories import (
    SiteFactory,
    gate,
    make_enrolled,
    make_group,
    make_person,
    make_programme,
)
from tests.views.helpers import DsfrCheckingClient, field_error, html, text_of

pytestmark = pytest.mark.django_db

CATALOGUE = "/programmes/"
NEW = "/programmes/nouveau/"
READERS = ("cpip", "manager", "secretariat", "psychologist", "social_worker")
NOT_READERS = ("monitoring", "judge")
MAX_QUERIES = 15


def programme_url(programme) -> str:
    return f"/programmes/{programme.pk}/"


def group_url(group) -> str:
    return f"/programmes/groupes/{group.pk}/"


def session_url(session) -> str:
    return f"/programmes/seances/{session.pk}/"


def move_url(session) -> str:
    return f"/programmes/seances/{session.pk}/deplacer/"


def tuesday_before(day: date, weeks: int) -> date:
    """A Tuesday ``weeks`` weeks before ``day`` (the factories' groups meet on Tuesdays)."""
    monday = day - timedelta(days=day.weekday())
    return monday - timedelta(weeks=weeks) + timedelta(days=1)


@pytest.fixture
def room(service):
    return Room.objects.create(site=SiteFactory(service=service), name="Salle du groupe")


@pytest.fixture
def programme(manager):
    return make_programme(manager)


@pytest.fixture
def running(manager, programme, room, psychologist):
    """A group started a week ago (its first session held, its last two to come), facilitated
    by the psychologist."""
    return make_group(
        manager,
        programme,
        room=room,
        start_date=tuesday_before(timezone.localdate(), 1),
        facilitators=[psychologist.user],
    )


@pytest.fixture
def planned(manager, programme, room):
    """A group starting in five weeks (every session to come), in the same room."""
    return make_group(
        manager,
        programme,
        room=room,
        start_date=tuesday_before(timezone.localdate(), -5),
        slots=[{"weekday": 3, "start": "10:00", "minutes": 90}],
    )


@pytest.fixture
def cpip2(member):
    return member("cpip", user__first_name="Chris", user__last_name="Collègue")


@pytest.fixture
def mine(cpip, running):
    """A person of the CPIP's caseload, enrolled in the running group."""
    person = make_person(cpip, surname="Martin", first_names="Léa")
    make_enrolled(cpip, person, running, compulsory=True)
    return person


@pytest.fixture
def theirs(cpip2, running):
    """A person of another CPIP's caseload, enrolled in the running group."""
    person = make_person(cpip2, surname="Bernard", first_names="Hugo")
    make_enrolled(cpip2, person, running)
    return person


def held(group) -> GroupSession:
    return group.sessions.get(number=1)


def to_come(group) -> GroupSession:
    return group.sessions.filter(starts_at__gt=timezone.now()).order_by("number").first()


def status_field(group_or_session, person) -> str:
    session = group_or_session
    enrolment = session.group.enrolments.get(person=person)
    return f"status_{enrolment.pk}"


def note_field(session, person) -> str:
    return f"note_{session.group.enrolments.get(person=person).pk}"


def written():
    return (
        Programme.objects.count(),
        ProgrammeGroup.objects.count(),
        GroupSession.objects.count(),
        Attendance.objects.count(),
        AttendanceNote.objects.count(),
        list(GroupSession.objects.order_by("pk").values_list("starts_at", "room_id")),
    )


# --- Who opens what ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_the_staff_who_work_with_programmes_read_every_page(
    as_role, role, programme, running, mine
):
    client = as_role(role)
    for url in (
        CATALOGUE,
        programme_url(programme),
        group_url(running),
        session_url(held(running)),
    ):
        assert client.get(url).status_code == 200, url
    catalogue = text_of(client.get(CATALOGUE))
    assert programme.name in catalogue
    assert ("Nouveau programme" in catalogue) is (role == "manager")
    # The header menu leads there.
    assert 'href="/programmes/"' in html(client.get(CATALOGUE))


@pytest.mark.parametrize("role", NOT_READERS)
def test_monitoring_staff_and_judges_open_no_programme_page(
    as_role, role, programme, running, mine
):
    client = as_role(role)
    for url in (
        CATALOGUE,
        programme_url(programme),
        group_url(running),
        session_url(held(running)),
        NEW,
        f"{programme_url(programme)}modifier/",
        f"{programme_url(programme)}groupes/nouveau/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(move_url(held(running)), {}).status_code == 403
    assert 'href="/programmes/"' not in html(client.get("/agenda/"))


@pytest.mark.parametrize("role", ("cpip", "secretariat", "psychologist", "social_worker"))
def test_only_managers_keep_the_catalogue(as_role, role, programme):
    client = as_role(role)
    for url in (
        NEW,
        f"{programme_url(programme)}modifier/",
        f"{programme_url(programme)}groupes/nouveau/",
    ):
        assert client.get(url).status_code == 403, url
    before = written()
    assert client.post(NEW, {"name": "Autre", "mode": "group"}).status_code == 403
    assert written() == before


def test_another_services_programmes_are_not_found(
    client_for, member, other_service, programme, running, mine
):
    foreign = client_for(member("manager", service=other_service))
    session = held(running)
    for url in (
        programme_url(programme),
        f"{programme_url(programme)}modifier/",
        f"{programme_url(programme)}groupes/nouveau/",
        group_url(running),
        session_url(session),
    ):
        assert foreign.get(url).status_code == 404, url
    assert foreign.post(move_url(session), {}).status_code == 404
    assert foreign.post(session_url(session), {}).status_code == 404
    assert programme.name not in text_of(foreign.get(CATALOGUE))


# --- The catalogue and the programme -----------------------------------------------------------


def test_the_catalogue_shows_each_group_with_its_stage_places_and_waiting_list(
    as_role, manager, programme, running, planned, mine, theirs, cpip
):
    waiting = make_person(cpip, surname="Petit", first_names="Noé")
    enrolment = programmes.enrolment_propose(gated=gate(cpip, waiting), programme=programme)
    programmes.enrolment_move(gated=gate(cpip, waiting), enrolment=enrolment, status="suitable")
    programmes.enrolment_move(gated=gate(cpip, waiting), enrolment=enrolment, status="waiting")
    finished = make_group(
        manager,
        programme,
        start_date=tuesday_before(timezone.localdate(), 10),
        site=running.site,
        capacity=3,
    )
    text = text_of(as_role("manager").get(CATALOGUE))
    assert "Collectif · 4 séances de 120 minutes · liste d'attente : 1 personne" in text
    assert "En cours" in text and "Prévu" in text and "Terminé" in text
    assert "6 sur 8" in text  # the running group: two enrolled
    assert "3 sur 3" in text  # the finished one: nobody
    assert f'href="/programmes/groupes/{finished.pk}/"' in html(as_role("manager").get(CATALOGUE))
    # The psychologist facilitates the running group: « Les groupes que vous animez ».
    psy = text_of(as_role("psychologist").get(CATALOGUE))
    assert "Les groupes que vous animez" in psy and "vous animez" in psy
    assert "Les groupes que vous animez" not in text
    page = as_role("cpip").get(programme_url(programme))
    waiting_rows = html(page).split('data-testid="waiting-list"')[1]
    assert "Noé" in waiting_rows and "Léa" not in waiting_rows
    assert "<li>2. La relation</li>" in html(page)  # the modules, one a line
    assert AuditEntry.objects.filter(context__page="programme_waiting_list").exists()


def test_a_manager_creates_and_changes_a_programme(as_role):
    client = as_role("manager")
    response = client.post(
        NEW,
        {
            "name": "Stage de citoyenneté",
            "mode": "group",
            "session_count": "3",
            "session_minutes": "180",
            "aim": "Rappeler les valeurs républicaines.",
            "is_active": "on",
        },
    )
    programme = Programme.objects.get(name="Stage de citoyenneté")
    assert response.status_code == 302 and response["Location"] == programme_url(programme)
    assert programme.session_count == 3 and programme.is_active
    response = client.post(
        f"{programme_url(programme)}modifier/",
        {"name": "Stage de citoyenneté", "mode": "individual", "session_count": "2",
         "session_minutes": "60"},
    )  # fmt: skip
    assert response.status_code == 302
    programme.refresh_from_db()
    assert (programme.mode, programme.session_count, programme.is_active) == (
        "individual",
        2,
        False,
    )


def test_a_programme_with_bad_input_is_refused_in_place(as_role, programme):
    client = as_role("manager")
    before = written()
    response = client.post(NEW, {"name": "", "mode": "group", "session_count": "0"})
    assert response.status_code == 400
    assert field_error(response, "id_name") == "Indiquez le nom du programme."
    assert field_error(response, "id_session_count") == "Au moins 1."
    assert "Indiquez la durée d'une séance, en minutes." in field_error(
        response, "id_session_minutes"
    )
    # The same name as another programme of the service: the service's message.
    response = client.post(
        NEW,
        {"name": programme.name, "mode": "group", "session_count": "4", "session_minutes": "60"},
    )
    assert response.status_code == 400
    assert "Un programme de ce nom existe déjà dans le service." in text_of(response)
    assert written() == before


# --- Groups ------------------------------------------------------------------------------------


def group_data(room, **overrides):
    data = {
        "site": str(room.site_id),
        "room": str(room.pk),
        "start_date": "2027-11-01",
        "capacity": "8",
        # Thursdays: 11 November 2027 is a public holiday, skipped.
        "slot_1_weekday": "3",
        "slot_1_start": "14:00",
        "slot_1_minutes": "120",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_manager_creates_a_group_whose_sessions_skip_the_holiday(
    as_role, programme, room, psychologist, cpip
):
    client = as_role("manager")
    url = f"{programme_url(programme)}groupes/nouveau/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Paul Psy (Psychologue)" in text_of(page)
    assert "Camille Conseil (CPIP)" in text_of(page)
    response = client.post(
        url,
        group_data(
            room,
            facilitators=[str(psychologist.user_id), str(cpip.user_id)],
            external_facilitators="Alex Martin (association Horizon)",
        ),
    )
    group = ProgrammeGroup.objects.get()
    assert response.status_code == 302 and response["Location"] == group_url(group)
    days = [s.starts_at.astimezone(rules.PARIS).date() for s in group.sessions.order_by("number")]
    assert days == [date(2027, 11, 4), date(2027, 11, 18), date(2027, 11, 25), date(2027, 12, 2)]
    assert set(group.facilitators.all()) == {psychologist.user, cpip.user}
    text = text_of(client.get(group_url(group)))
    assert "jeudi à 14 h 00 (120 min)" in text
    assert "Alex Martin (association Horizon) (extérieur)" in text
    assert "8 ; 8 restantes" in text


def test_a_group_with_bad_input_is_refused_in_place_and_nothing_is_kept(
    as_role, programme, room, planned
):
    client = as_role("manager")
    url = f"{programme_url(programme)}groupes/nouveau/"
    before = written()
    # No slot at all.
    response = client.post(
        url, group_data(room, slot_1_weekday="", slot_1_start="", slot_1_minutes="")
    )
    assert response.status_code == 400
    assert (
        field_error(response, "id_slot_1_weekday") == "Indiquez au moins un créneau hebdomadaire."
    )
    # A slot half filled, a capacity of 0.
    response = client.post(url, group_data(room, slot_2_weekday="4", capacity="0"))
    assert response.status_code == 400
    assert field_error(response, "id_slot_2_start") == "Indiquez l'heure de début de ce créneau."
    assert field_error(response, "id_capacity") == "Au moins 1."
    # The room is taken by the planned group on Thursdays at 10:00: the service says which
    # session, on the room; no group, no session is kept.
    first = planned.sessions.get(number=1).starts_at.astimezone(rules.PARIS).date()
    response = client.post(
        url,
        group_data(room, start_date=first.isoformat(), slot_1_start="10:30", slot_1_minutes="60"),
    )
    assert response.status_code == 400
    assert field_error(response, "id_room").startswith(
        "Séance 1 : La salle Salle du groupe est déjà réservée"
    )
    assert written() == before


def test_a_programme_no_longer_offered_opens_no_group(as_role, manager, room):
    programme = make_programme(manager, name="Ancien stage", is_active=False)
    client = as_role("manager")
    url = f"{programme_url(programme)}groupes/nouveau/"
    message = "Ce programme n'est plus proposé : il n'ouvre plus de groupe."
    assert message in text_of(client.get(url))
    assert "Nouveau groupe" not in text_of(client.get(programme_url(programme)))
    before = written()
    response = client.post(url, group_data(room))
    assert response.status_code == 400 and message in text_of(response)
    assert written() == before


# --- A group's page ----------------------------------------------------------------------------


def test_the_group_page_lists_its_sessions_and_participants_with_their_attendance(
    as_role, running, mine, theirs, cpip, manager
):
    programmes.attendance_record(gated=gate(cpip, mine), session=held(running), status="unexcused")
    response = as_role("secretariat").get(group_url(running))
    text = text_of(response)
    sessions = html(response).split('data-testid="sessions"')[1].split("</table>")[0]
    assert sessions.count("<tr>") == 5  # the header and the programme's four sessions
    assert "relevée" in text and "à venir" in text
    # Each participant leads to their enrolment in their file.
    enrolment = running.enrolments.get(person=mine)
    assert f'href="/personnes/{mine.pk}/programmes/{enrolment.pk}/"' in html(response)
    assert "MARTIN Léa" in text or "Martin" in text
    assert "obligation judiciaire" in text
    assert "Paul Psy" in text
    assert "8 ; 6 restantes" in text
    rows = html(response).split('data-testid="participants"')[1]
    assert rows.count("<tr>") == 3  # the header and two participants
    assert AuditEntry.objects.filter(context__page="programme_group").exists()


# --- A session: attendance ---------------------------------------------------------------------


def test_a_cpip_records_the_attendance_of_their_own_persons_only(as_role, running, mine, theirs):
    session = held(running)
    client = as_role("cpip")
    page = client.get(session_url(session))
    assert page.status_code == 200
    assert f'name="{status_field(session, mine)}"' in html(page)
    assert f'name="{status_field(session, theirs)}"' not in html(page)
    response = client.post(
        session_url(session),
        {
            status_field(session, mine): "excused",
            note_field(session, mine): "Certificat médical transmis.",
            # A forged row for a person outside the caseload: not on the form, ignored.
            status_field(session, theirs): "unexcused",
        },
    )
    assert response.status_code == 302
    attendance = Attendance.objects.get()
    assert (attendance.enrolment.person, attendance.status) == (mine, "excused")
    text = text_of(client.get(session_url(session)))
    assert "Absent·e excusé·e" in text and "Certificat médical transmis." in text
    # A change keeps the history of notes.
    client.post(session_url(session), {status_field(session, mine): "present"})
    assert list(AttendanceNote.objects.order_by("pk").values_list("status", flat=True)) == [
        "excused",
        "present",
    ]
    # Each participant's file read by the session page is journaled.
    assert AuditEntry.objects.filter(
        action="read", person_id=theirs.pk, context__session=session.pk
    ).exists()


def test_the_secretariat_and_the_manager_record_everyone(as_role, running, mine, theirs):
    session = held(running)
    for role, status in (("secretariat", "present"), ("manager", "unexcused")):
        response = as_role(role).post(
            session_url(session),
            {status_field(session, mine): status, status_field(session, theirs): status},
        )
        assert response.status_code == 302
    assert set(Attendance.objects.values_list("status", flat=True)) == {"unexcused"}
    assert AttendanceNote.objects.count() == 4


def test_a_psychologist_records_the_groups_they_facilitate_only(
    as_role, member, manager, programme, running, mine, theirs, psychologist
):
    session = held(running)
    client = as_role("psychologist")
    response = client.post(
        session_url(session),
        {status_field(session, mine): "present", status_field(session, theirs): "excused"},
    )
    assert response.status_code == 302
    assert Attendance.objects.count() == 2
    # Another psychologist, not a facilitator of the group: the page, no form; a POST refused.
    other = member("psychologist")
    stranger = DsfrCheckingClient()
    stranger.force_login(other.user)
    page = stranger.get(session_url(session))
    assert page.status_code == 200
    assert 'data-testid="attendance-form"' not in html(page)
    assert (
        stranger.post(session_url(session), {status_field(session, mine): "unexcused"}).status_code
        == 403
    )
    assert set(Attendance.objects.values_list("status", flat=True)) == {"present", "excused"}


def test_a_cpip_who_facilitates_the_group_records_every_participant(
    as_role, running, cpip, mine, theirs
):
    running.facilitators.add(cpip.user)
    session = held(running)
    client = as_role("cpip")
    assert f'name="{status_field(session, theirs)}"' in html(client.get(session_url(session)))
    response = client.post(
        session_url(session),
        {status_field(session, mine): "present", status_field(session, theirs): "unexcused"},
    )
    assert response.status_code == 302
    assert dict(Attendance.objects.values_list("enrolment__person", "status")) == {
        mine.pk: "present",
        theirs.pk: "unexcused",
    }


def test_attendance_of_a_session_to_come_is_refused_in_place(as_role, running, mine, theirs):
    session = to_come(running)
    client = as_role("manager")
    page = client.get(session_url(session))
    assert "La présence se relève une fois la séance commencée." in text_of(page)
    assert 'data-testid="attendance-form"' not in html(page)
    before = written()
    response = client.post(
        session_url(session),
        {status_field(session, mine): "present", status_field(session, theirs): "present"},
    )
    assert response.status_code == 400
    assert field_error(response, f"id_{status_field(session, mine)}") == (
        "La séance n'a pas encore eu lieu."
    )
    assert written() == before


def test_a_note_without_a_status_is_refused(as_role, running, mine):
    session = held(running)
    before = written()
    response = as_role("manager").post(
        session_url(session), {note_field(session, mine): "Arrivé en retard."}
    )
    assert response.status_code == 400
    assert "Choisissez la présence à laquelle la note se rapporte." in text_of(response)
    assert written() == before


# --- A session: its move -----------------------------------------------------------------------


def move_data(day: date, start="16:00", room=""):
    return {"deplacer-day": day.isoformat(), "deplacer-start": start, "deplacer-room": room}


def test_a_manager_moves_a_session_to_come(as_role, running):
    session = to_come(running)
    original = session.starts_at
    new_day = original.astimezone(rules.PARIS).date() + timedelta(days=1)
    response = as_role("manager").post(move_url(session), move_data(new_day))
    assert response.status_code == 302 and response["Location"] == session_url(session)
    session.refresh_from_db()
    assert session.starts_at == rules.at_paris(new_day, time(16, 0))
    assert session.rescheduled_from == original
    text = text_of(as_role("manager").get(group_url(running)))
    assert "déplacée, initialement le" in text


def test_a_move_with_bad_input_is_refused_in_place(as_role, running, room):
    session = to_come(running)
    client = as_role("manager")
    before = written()
    # Past the next session.
    day = session.starts_at.astimezone(rules.PARIS).date() + timedelta(days=8)
    response = client.post(move_url(session), move_data(day))
    assert response.status_code == 400
    assert field_error(response, "id_deplacer-day").startswith(
        "La séance ne peut pas être placée après la suivante"
    )
    # No date.
    response = client.post(move_url(session), {"deplacer-start": "16:00"})
    assert field_error(response, "id_deplacer-day") == "Indiquez la nouvelle date de la séance."
    assert written() == before


def test_a_held_session_keeps_its_date(as_role, running, mine):
    session = held(running)
    page = as_role("manager").get(session_url(session))
    assert "Cette séance a déjà eu lieu : elle ne peut plus être déplacée." in text_of(page)
    before = written()
    response = as_role("manager").post(
        move_url(session), move_data(timezone.localdate() + timedelta(days=2))
    )
    assert response.status_code == 400
    assert "a déjà eu lieu" in field_error(response, "id_deplacer-day")
    assert written() == before


@pytest.mark.parametrize("role", ("cpip", "secretariat", "social_worker"))
def test_who_does_not_facilitate_the_group_does_not_move_it(as_role, role, running):
    session = to_come(running)
    client = as_role(role)
    assert 'data-testid="reschedule-form"' not in html(client.get(session_url(session)))
    before = written()
    day = session.starts_at.astimezone(rules.PARIS).date() + timedelta(days=1)
    assert client.post(move_url(session), move_data(day)).status_code == 403
    assert written() == before


def test_the_facilitating_psychologist_moves_a_session(as_role, running):
    session = to_come(running)
    client = as_role("psychologist")
    assert 'data-testid="reschedule-form"' in html(client.get(session_url(session)))
    day = session.starts_at.astimezone(rules.PARIS).date() + timedelta(days=1)
    assert client.post(move_url(session), move_data(day, start="09:30")).status_code == 302
    session.refresh_from_db()
    assert session.starts_at == rules.at_paris(day, time(9, 30))


# --- Queries -----------------------------------------------------------------------------------


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_pages_run_a_few_queries_whatever_the_data(
    client_for, manager, psychologist, cpip, cpip2, programme, running, mine, theirs
):
    session = held(running)
    pages = {
        "catalogue": CATALOGUE,
        "programme": programme_url(programme),
        "group": group_url(running),
        "session": session_url(session),
        "group_new": f"{programme_url(programme)}groupes/nouveau/",
        "programme_edit": f"{programme_url(programme)}modifier/",
    }
    # One attendance recorded already (its notes are read in one more query).
    programmes.attendance_record(gated=gate(manager, theirs), session=session, status="present")
    clients = {"manager": client_for(manager), "psychologist": client_for(psychologist)}
    for client in clients.values():
        client.get(CATALOGUE)  # warm up: the session written, the service chosen

    def measure():
        found = {}
        for name, url in pages.items():
            for role, client in clients.items():
                if role == "psychologist" and name in ("group_new", "programme_edit"):
                    continue
                found[f"{name}_{role}"] = queries(client, url)
        return found

    small = measure()
    # More of everything: programmes, groups, participants, attendance recorded.
    for n in range(3):
        other = make_programme(manager, name=f"Programme {n}")
        make_group(
            manager, other, start_date=tuesday_before(timezone.localdate(), n), site=running.site
        )
    for n in range(4):
        person = make_person(cpip if n % 2 else cpip2, surname=f"Participant{n}")
        make_enrolled(cpip if n % 2 else cpip2, person, running)
        programmes.attendance_record(
            gated=gate(manager, person), session=session, status="present", note=f"Note {n}"
        )
    programmes.attendance_record(gated=gate(manager, mine), session=session, status="excused")
    large = measure()
    too_many = {name: n for name, n in large.items() if n > MAX_QUERIES}
    assert too_many == {}, f"more than {MAX_QUERIES} queries: {too_many}"
    assert large == small, f"with little data: {small}; with more: {large}"


# --- A session: its convocation ----------------------------------------------------------------


def summons_url(session) -> str:
    return f"/programmes/seances/{session.pk}/convocation/"


def test_a_session_is_set_on_summons_before_its_attendance_and_an_absence_then_shows_as_a_breach(
    as_role, running, mine, theirs
):
    session = held(running)
    client = as_role("manager")
    page = client.get(session_url(session))
    assert 'data-testid="summons-form"' in html(page) and "sans convocation" in text_of(page)
    response = client.post(summons_url(session), {"summons": "1"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.summons
    assert AuditEntry.objects.filter(summary__endswith=": sur convocation").exists()
    # Hugo (no judicial obligation) absent without excuse: on summons, a breach to examine.
    recorded = client.post(
        session_url(session),
        {status_field(session, mine): "present", status_field(session, theirs): "unexcused"},
    )
    assert recorded.status_code == 302, text_of(recorded)[:500]
    page = client.get(session_url(session))
    assert text_of(page).count("manquement à examiner") == 1
    # Once the attendance is recorded, the convocation stays as it was.
    assert 'data-testid="summons-form"' not in html(page)
    client.post(summons_url(session), {"summons": "0"})
    session.refresh_from_db()
    assert session.summons


@pytest.mark.parametrize("role", ("cpip", "secretariat"))
def test_who_does_not_move_the_session_does_not_set_its_summons(as_role, role, running):
    session = to_come(running)
    client = as_role(role)
    assert 'data-testid="summons-form"' not in html(client.get(session_url(session)))
    assert client.post(summons_url(session), {"summons": "1"}).status_code == 403
    session.refresh_from_db()
    assert not session.summons
