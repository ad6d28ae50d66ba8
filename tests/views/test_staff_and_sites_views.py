"""The managers' pages of the service's staff and sites: a manager opens and uses them, every
other role gets a 403, another service's site, room, closed day, membership or absence a 404;
French errors in place and nothing saved; the set-password link works once."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from probatio.accounts.models import Absence, Membership, User
from probatio.audit.models import AuditEntry
from probatio.organisation.models import ClosedDay, Room
from tests.factories import SiteFactory
from tests.views.helpers import text_of

ROLES_REFUSED = ["cpip", "secretariat", "monitoring", "psychologist", "social_worker", "judge"]


@pytest.fixture
def site(service):
    return SiteFactory(service=service, name="Antenne d'Amiens")


@pytest.fixture
def foreign_site(other_service):
    return SiteFactory(service=other_service, name="Antenne d'ailleurs")


@pytest.fixture
def foreign_member(member, other_service):
    return member("cpip", service=other_service, user__username="cpip.ailleurs")


def pages(site, room, closed, target, absence):
    return [
        "/service/personnel/",
        "/service/personnel/nouveau/",
        "/service/personnel/ajouter/",
        f"/service/personnel/{target.pk}/",
        "/service/antennes/",
        "/service/antennes/nouvelle/",
        f"/service/antennes/{site.pk}/",
        f"/service/antennes/{site.pk}/horaires/",
        f"/service/antennes/{site.pk}/bureaux/nouveau/",
        f"/service/bureaux/{room.pk}/",
        "/service/fermetures/",
    ]


@pytest.fixture
def objects(service, site, cpip):
    room = Room.objects.create(site=site, name="Bureau 1")
    closed = ClosedDay.objects.create(
        service=service,
        site=site,
        start_date=date(2030, 5, 10),
        end_date=date(2030, 5, 10),
        reason="Travaux",
    )
    absence = Absence.objects.create(
        membership=cpip, kind="leave", start_date=date(2030, 5, 1), end_date=date(2030, 5, 3)
    )
    return site, room, closed, cpip, absence


def test_a_manager_opens_every_page(as_role, objects):
    client = as_role("manager")
    for url in pages(*objects):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ROLES_REFUSED)
def test_every_other_role_is_refused(as_role, role, objects, manager):
    client = as_role(role)
    for url in pages(*objects):
        assert client.get(url).status_code == 403, url
    site, room, closed, target, absence = objects
    for url in (
        f"/service/personnel/{target.pk}/activation/",
        f"/service/personnel/{manager.pk}/lien-de-connexion/",
        f"/service/fermetures/{closed.pk}/supprimer/",
        f"/service/absences/{absence.pk}/supprimer/",
    ):
        assert client.post(url, {"active": "0"}).status_code == 403, url
    assert ClosedDay.objects.filter(pk=closed.pk).exists()
    assert Absence.objects.filter(pk=absence.pk).exists()
    target.refresh_from_db()
    assert target.is_active


def test_another_services_objects_are_not_found(as_role, other_service, foreign_site, judge):
    foreign_member = Membership.objects.create(
        user=User.objects.create(username="loin"), service=other_service, role="cpip"
    )
    room = Room.objects.create(site=foreign_site, name="Bureau 1")
    closed = ClosedDay.objects.create(
        service=other_service, start_date=date(2030, 1, 2), end_date=date(2030, 1, 2), reason="X"
    )
    absence = Absence.objects.create(
        membership=foreign_member,
        kind="leave",
        start_date=date(2030, 1, 2),
        end_date=date(2030, 1, 3),
    )
    client = as_role("manager")
    for url in (
        f"/service/personnel/{foreign_member.pk}/",
        f"/service/personnel/{judge.pk}/",  # a judge's membership is the platform's
        f"/service/antennes/{foreign_site.pk}/",
        f"/service/antennes/{foreign_site.pk}/horaires/",
        f"/service/antennes/{foreign_site.pk}/bureaux/nouveau/",
        f"/service/bureaux/{room.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/service/personnel/{foreign_member.pk}/activation/",
        f"/service/fermetures/{closed.pk}/supprimer/",
        f"/service/absences/{absence.pk}/supprimer/",
        f"/service/antennes/{foreign_site.pk}/bureaux/nouveau/",
    ):
        assert client.post(url, {"active": "0", "name": "Volé"}).status_code == 404, url
    foreign_member.refresh_from_db()
    assert foreign_member.is_active
    assert ClosedDay.objects.filter(pk=closed.pk).exists()
    assert not Room.objects.filter(name="Volé").exists()


def test_the_settings_page_links_the_new_pages(as_role):
    html = as_role("manager").get("/service/parametres/").content.decode()
    for url in ("/service/personnel/", "/service/antennes/", "/service/fermetures/"):
        assert f'href="{url}"' in html


# --- Staff ---------------------------------------------------------------------------------


def test_the_staff_list_shows_roles_antennes_and_absences(as_role, cpip, site, judge):
    today = timezone.localdate()
    cpip.site = site
    cpip.working_time = 80
    cpip.save()
    Absence.objects.create(
        membership=cpip, kind="leave", start_date=today, end_date=today + timedelta(days=4)
    )
    text = text_of(as_role("manager").get("/service/personnel/"))
    until = (today + timedelta(days=4)).strftime("%d/%m/%Y")
    assert (
        f"Camille Conseil cpip.test CPIP Antenne d'Amiens 80 % Actif Absent·e Congés jusqu'au "
        f"{until}" in text
    )
    assert "tenu par l'administration de la plateforme" in text  # the judge's row


def test_a_new_account_is_created_and_mailed_its_link(as_role, client, site, service):
    response = as_role("manager").post(
        "/service/personnel/nouveau/",
        {
            "username": "lea.martin",
            "first_name": "Léa",
            "last_name": "Martin",
            "email": "lea.martin@justice.test",
            "phone": "",
            "title": "",
            "role": "secretariat",
            "site": str(site.pk),
            "working_time": "100",
        },
    )
    created = Membership.objects.get(user__username="lea.martin")
    assert response.status_code == 302
    assert response["Location"] == f"/service/personnel/{created.pk}/"
    assert (created.role, created.site, created.service) == ("secretariat", site, service)
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/connexion/mot-de-passe/\S+/)", mail.outbox[0].body)[1]
    # The link opens (Django redirects once to hide the token), and sets the password once.
    opened = client.get(link, follow=True)
    assert "Choisir votre mot de passe" in text_of(opened)
    form_url = opened.redirect_chain[-1][0]
    done = client.post(
        form_url,
        {"new_password1": "Un mot de passe sûr 2027", "new_password2": "Un mot de passe sûr 2027"},
    )
    assert done.status_code == 302 and done["Location"] == "/connexion/"
    created.user.refresh_from_db()
    assert created.user.check_password("Un mot de passe sûr 2027")
    again = client.get(link, follow=True)
    assert "Ce lien n'est plus valable" in text_of(again)


def test_a_judge_role_cannot_be_chosen_and_nothing_is_saved(as_role, manager):
    before = (User.objects.count(), Membership.objects.count(), AuditEntry.objects.count())
    response = as_role("manager").post(
        "/service/personnel/nouveau/",
        {
            "username": "juge.nouveau",
            "first_name": "Jean",
            "last_name": "Juge",
            "email": "j@justice.test",
            "role": "judge",
            "working_time": "100",
        },
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in text_of(response)
    assert (User.objects.count(), Membership.objects.count()) == before[:2]


def test_adding_an_account_of_another_service(as_role, foreign_member, service):
    response = as_role("manager").post(
        "/service/personnel/ajouter/",
        {"username": "cpip.ailleurs", "role": "psychologist", "site": "", "working_time": "50"},
    )
    assert response.status_code == 302
    joined = Membership.objects.get(user=foreign_member.user, service=service)
    assert (joined.role, joined.working_time) == ("psychologist", 50)
    page = text_of(as_role("manager").get(f"/service/personnel/{joined.pk}/"))
    assert "son identité (nom, prénom, adresse électronique) est tenue par l'administration" in page
    foreign_member.refresh_from_db()
    assert foreign_member.is_active and foreign_member.role == "cpip"


def test_a_manager_does_not_deactivate_themself(as_role, manager):
    client = as_role("manager")
    page = text_of(client.get(f"/service/personnel/{manager.pk}/"))
    assert "Vous ne pouvez pas désactiver votre propre rattachement d'encadrement." in page
    response = client.post(
        f"/service/personnel/{manager.pk}/activation/", {"active": "0"}, follow=True
    )
    assert "votre propre rattachement" in text_of(response)
    manager.refresh_from_db()
    assert manager.is_active


def test_an_absence_is_added_then_removed(as_role, cpip):
    client = as_role("manager")
    response = client.post(
        f"/service/personnel/{cpip.pk}/absences/",
        {"kind": "training", "start_date": "2030-04-02", "end_date": "2030-04-01"},
    )
    assert response.status_code == 400
    assert "La fin de l'absence doit être le même jour que le début ou après." in text_of(response)
    assert not Absence.objects.exists()
    response = client.post(
        f"/service/personnel/{cpip.pk}/absences/",
        {"kind": "training", "start_date": "2030-04-02", "end_date": ""},
    )
    assert response.status_code == 302
    absence = Absence.objects.get()
    assert (absence.start_date, absence.end_date) == (date(2030, 4, 2), date(2030, 4, 2))
    client.post(f"/service/absences/{absence.pk}/supprimer/")
    assert not Absence.objects.exists()


# --- Sites ---------------------------------------------------------------------------------


def test_opening_hours_with_an_overlap_are_refused_in_french(as_role, site):
    before = site.opening_hours
    response = as_role("manager").post(
        f"/service/antennes/{site.pk}/horaires/",
        {"d1_1_from": "09:00", "d1_1_to": "12:30", "d1_2_from": "12:00", "d1_2_to": "17:00"},
    )
    assert response.status_code == 400
    assert "Lundi : les plages 09:00 – 12:30 et 12:00 – 17:00 se chevauchent." in text_of(response)
    site.refresh_from_db()
    assert site.opening_hours == before


def test_opening_hours_are_saved(as_role, site):
    response = as_role("manager").post(
        f"/service/antennes/{site.pk}/horaires/",
        {"d2_1_from": "13:30", "d2_1_to": "17:00", "d2_2_from": "08:30", "d2_2_to": "12:00"},
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.opening_hours == {"2": [["08:30", "12:00"], ["13:30", "17:00"]]}


def test_a_forged_site_for_a_room_is_refused(as_role, site, foreign_site):
    response = as_role("manager").post(
        f"/service/antennes/{site.pk}/bureaux/nouveau/",
        {"site": str(foreign_site.pk), "name": "Bureau 7", "is_active": "on"},
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in text_of(response)
    assert not Room.objects.filter(name="Bureau 7").exists()


def test_a_closed_day_is_added_listed_and_shown_in_the_agenda(as_role, site, cpip):
    client = as_role("manager")
    day = timezone.localdate() + timedelta(days=1)
    response = client.post(
        "/service/fermetures/",
        {
            "site": str(site.pk),
            "start_date": day.isoformat(),
            "end_date": "",
            "reason": "Fermeture exceptionnelle",
        },
    )
    assert response.status_code == 302
    text = text_of(client.get("/service/fermetures/"))
    assert f"Antenne d'Amiens — Fermeture exceptionnelle Le {day:%d/%m/%Y}" in text
    agenda = text_of(client.get(f"/agenda/?site={site.pk}&view=jour&date={day.isoformat()}"))
    assert "Antenne d'Amiens fermée : Fermeture exceptionnelle" in agenda


# --- Queries: few, and the same whatever the number of staff, absences, sites and rooms -----


def _count(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries.captured_queries)


def _grow(service, site, member, n: int) -> None:
    today = timezone.localdate()
    for k in range(n):
        someone = member("cpip", site=site)
        Absence.objects.create(
            membership=someone, kind="leave", start_date=today, end_date=today + timedelta(days=k)
        )
        Absence.objects.create(
            membership=someone,
            kind="training",
            start_date=today + timedelta(days=k + 10),
            end_date=today + timedelta(days=k + 11),
        )
        other = SiteFactory(service=service)
        Room.objects.create(site=other, name=f"Bureau {k}")
        ClosedDay.objects.create(
            service=service, site=other, start_date=today, end_date=today, reason=f"Travaux {k}"
        )


def test_the_pages_run_a_fixed_number_of_queries(as_role, service, site, member, cpip):
    client = as_role("manager")
    urls = [
        "/service/personnel/",
        f"/service/personnel/{cpip.pk}/",
        "/service/antennes/",
        f"/service/antennes/{site.pk}/",
        f"/service/antennes/{site.pk}/horaires/",
        "/service/fermetures/",
        f"/agenda/?site={site.pk}",
    ]
    for url in urls:
        client.get(url)  # warm-up: session written
    _grow(service, site, member, 2)
    small = {url: _count(client, url) for url in urls}
    _grow(service, site, member, 6)
    large = {url: _count(client, url) for url in urls}
    assert {url: n for url, n in small.items() if n > 15} == {}
    assert large == small


def test_free_slots_leave_out_a_closed_day_and_an_absence(as_role, service, site, cpip):
    from tests.factories import make_person

    person = make_person(cpip)
    start = timezone.localdate() + timedelta(days=1)
    closed, away = start + timedelta(days=1), start + timedelta(days=2)
    ClosedDay.objects.create(
        service=service, site=site, start_date=closed, end_date=closed, reason="Travaux"
    )
    Absence.objects.create(membership=cpip, kind="training", start_date=away, end_date=away)
    site.opening_hours = {str(d): [["09:00", "12:00"]] for d in range(1, 8)}
    site.save()
    html = (
        as_role("manager")
        .get(
            f"/personnes/{person.pk}/rendez-vous/creneaux-libres/"
            f"?staff={cpip.user_id}&site={site.pk}&day={start.isoformat()}&duration=45"
        )
        .content.decode()
    )
    days = re.findall(r'title="\w+ (\d\d/\d\d/\d{4}),', html)
    assert f"{start:%d/%m/%Y}" in days
    assert f"{closed:%d/%m/%Y}" not in days
    assert f"{away:%d/%m/%Y}" not in days
    assert f"{away + timedelta(days=1):%d/%m/%Y}" in days


def test_the_allocation_shows_an_absent_cpip_and_suggests_someone_present(
    as_role, cpip, roussel, secretariat
):
    from tests.factories import make_person

    waiting = make_person(secretariat, surname="Attente", first_names="Dossier")
    today = timezone.localdate()
    until = today + timedelta(days=9)
    client = as_role("manager")
    page = text_of(client.get(f"/personnes/{waiting.pk}/attribuer/"))
    assert "Suggestion : Camille Conseil" in page  # the first by name when both are free
    Absence.objects.create(membership=cpip, kind="leave", start_date=today, end_date=until)
    page = text_of(client.get(f"/personnes/{waiting.pk}/attribuer/"))
    assert f"Camille Conseil Absent·e jusqu'au {until:%d/%m/%Y}" in page
    assert "Suggestion : Marc Roussel" in page
