"""The service's programme pages in a real browser: a manager adds a programme to the
catalogue, opens a group (a first try without a weekly slot is refused in place), two persons
are enrolled, the manager records their attendance at the first session and moves the last
one; every page passes axe-core."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from probatio.core.workdays import public_holidays
from probatio.organisation.models import Room
from probatio.programmes import rules
from probatio.programmes.models import Attendance, GroupSession, ProgrammeGroup
from tests.browser.pages import Probatio
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ServiceFactory,
    SiteFactory,
    make_enrolled,
    make_person,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def office():
    service = ServiceFactory(name="SPIP de la Marne", department_code="51")
    cpip = MembershipFactory(service=service, role="cpip")
    manager = MembershipFactory(
        service=service,
        role="manager",
        user__username="dominique.dpip",
        user__first_name="Dominique",
        user__last_name="Direction",
    )
    psychologist = MembershipFactory(
        service=service, role="psychologist", user__first_name="Paul", user__last_name="Psy"
    )
    site = SiteFactory(service=service, name="Antenne de Reims")
    room = Room.objects.create(site=site, name="Salle collective")
    persons = [
        make_person(cpip, surname="Martin", first_names="Léa"),
        make_person(cpip, surname="Bernard", first_names="Hugo"),
    ]
    return {
        "cpip": cpip,
        "manager": manager,
        "psychologist": psychologist,
        "room": room,
        "persons": persons,
    }


def a_tuesday_last_week():
    today = timezone.localdate()
    return today - timedelta(days=today.weekday() + 7) + timedelta(days=1)


def test_programme_service_journey(page, axe_source, office, database_turn):
    app = Probatio(page, axe_source)
    app.sign_in("dominique.dpip", PASSWORD, landing=r"/service/$")

    # 1. The catalogue, from the header menu; a new programme.
    menu = page.get_by_role("navigation", name="Menu principal")
    app.click_and_check(menu.get_by_role("link", name="Programmes"), r"/programmes/$")
    expect(page.get_by_text("ne compte encore aucun programme")).to_be_visible()
    app.click_and_check(
        page.get_by_role("link", name="Nouveau programme"), r"/programmes/nouveau/$"
    )
    page.get_by_label("Nom du programme").fill("Stage de responsabilisation")
    page.get_by_label("Nombre de séances").fill("3")
    page.get_by_label("Durée d'une séance (minutes)").fill("120")
    page.get_by_label("Modules").fill("La loi\nLa victime\nLe projet")
    app.click_and_check(page.get_by_role("button", name="Créer le programme"), r"/programmes/\d+/$")
    expect(page.get_by_text("Programme ajouté au catalogue.")).to_be_visible()

    # 2. A group: without a weekly slot, refused in place (the summary takes the focus).
    app.click_and_check(
        page.get_by_role("link", name="Nouveau groupe"), r"/programmes/\d+/groupes/nouveau/$"
    )
    page.locator("#id_site").select_option(label="Antenne de Reims")
    page.locator("#id_room").select_option(label="Salle collective")
    start = a_tuesday_last_week()
    page.locator("#id_start_date").fill(start.isoformat())
    page.locator("#id_capacity").fill("6")
    page.locator("#id_slot_1_minutes").fill("")
    page.get_by_role("button", name="Créer le groupe et ses séances").click()
    expect(page).to_have_title(re.compile(r"^Erreur : "))
    summary = page.locator("[data-focus-on-load]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Indiquez au moins un créneau hebdomadaire.")
    app.check_page()
    slot = page.get_by_role("group", name="Créneau 1")
    slot.get_by_label("Jour").select_option(label="Mardi")
    slot.get_by_label("Heure de début").fill("14:00")
    slot.get_by_label("Durée (minutes)").fill("120")
    page.get_by_label("Paul Psy (Psychologue)").check(force=True)
    app.click_and_check(
        page.get_by_role("button", name="Créer le groupe et ses séances"),
        r"/programmes/groupes/\d+/$",
    )
    expect(page.get_by_text("Groupe créé : 3 séances planifiées.")).to_be_visible()
    expect(page.get_by_test_id("sessions").locator("tbody tr")).to_have_count(3)

    # 3. Two persons enrolled by their CPIP (their file's pages: another journey).
    with database_turn:
        group = ProgrammeGroup.objects.get()
        for n, person in enumerate(office["persons"]):
            make_enrolled(office["cpip"], person, group, compulsory=n == 0)
        first = group.sessions.get(number=1)
        last = group.sessions.get(number=3)
    app.visit(f"/programmes/groupes/{group.pk}/")
    expect(page.get_by_test_id("participants").locator("tbody tr")).to_have_count(2)

    # 4. The attendance of the first session: one present, one absent without excuse.
    app.click_and_check(
        page.get_by_test_id("sessions").get_by_role("link").first,
        rf"/programmes/seances/{first.pk}/$",
    )
    lea, hugo = (str(person) for person in office["persons"])
    page.get_by_role("group", name=f"Présence de {lea}").get_by_label("Présent·e").check(force=True)
    page.get_by_role("group", name=f"Présence de {hugo}").get_by_label(
        "Absent·e non excusé·e"
    ).check(force=True)
    page.get_by_label(f"Note sur la présence de {hugo}").fill("Aucune nouvelle.")
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer la présence"),
        rf"/programmes/seances/{first.pk}/$",
    )
    expect(page.get_by_text("Séance 1 : 2 présences relevées.")).to_be_visible()
    expect(page.get_by_test_id("attendance")).to_contain_text("Aucune nouvelle.")
    with database_turn:
        assert sorted(Attendance.objects.values_list("status", flat=True)) == [
            "present",
            "unexcused",
        ]

    # 5. The last session moves by a day (a working day), at 16:00.
    app.visit(f"/programmes/seances/{last.pk}/")
    day = last.starts_at.astimezone(rules.PARIS).date() + timedelta(days=1)
    while day in public_holidays(day.year, alsace_moselle=False):
        day += timedelta(days=1)
    page.locator("#id_deplacer-day").fill(day.isoformat())
    page.locator("#id_deplacer-start").fill("16:00")
    app.click_and_check(
        page.get_by_role("button", name="Déplacer la séance"),
        rf"/programmes/seances/{last.pk}/$",
    )
    expect(page.get_by_text(f"Séance 3 déplacée au {day:%d/%m/%Y} à 16:00.")).to_be_visible()
    with database_turn:
        moved = GroupSession.objects.get(pk=last.pk)
        assert moved.starts_at == rules.at_paris(
            day, moved.starts_at.astimezone(rules.PARIS).time()
        )
        assert moved.rescheduled_from == last.starts_at
