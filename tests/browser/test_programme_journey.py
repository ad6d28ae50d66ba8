"""A programme from end to end in a real browser, through the pages only: a manager opens a
group of a catalogue programme; the CPIP refers two persons from their files and enrols them
in it; as the group's facilitator, records their attendance at the first session; completes
one person's programme and downloads the attestation, a PDF naming her. Every page passes
axe-core and the content-security policy."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from probatio.organisation.models import Room
from probatio.programmes.models import Attendance, Enrolment, ProgrammeGroup
from tests.browser.pages import Probatio
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ServiceFactory,
    SiteFactory,
    make_person,
    make_programme,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def office():
    service = ServiceFactory(name="SPIP de l'Aube", department_code="10")
    cpip = MembershipFactory(
        service=service,
        role="cpip",
        user__username="camille.cpip",
        user__first_name="Camille",
        user__last_name="Conseil",
    )
    manager = MembershipFactory(service=service, role="manager", user__username="dominique.dpip")
    site = SiteFactory(service=service, name="Antenne de Troyes")
    Room.objects.create(site=site, name="Salle des groupes")
    make_programme(manager, name="Stage de citoyenneté", session_count=4)
    persons = [
        make_person(cpip, surname="Martin", first_names="Léa", sex="F"),
        make_person(cpip, surname="Bernard", first_names="Hugo", sex="M"),
    ]
    return {"persons": persons}


def a_day_two_weeks_ago():
    """A working day two weeks ago: its weekday is the group's slot."""
    day = timezone.localdate() - timedelta(weeks=2)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def sign_out(page):
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/connexion/$"))


def test_a_programme_from_its_group_to_an_attestation(page, axe_source, office, database_turn):
    app = Probatio(page, axe_source)
    lea, hugo = office["persons"]

    # 1. The manager opens a group, the CPIP as facilitator.
    app.sign_in("dominique.dpip", PASSWORD, landing=r"/service/$")
    menu = page.get_by_role("navigation", name="Menu principal")
    app.click_and_check(menu.get_by_role("link", name="Programmes"), r"/programmes/$")
    app.click_and_check(page.get_by_role("link", name="Stage de citoyenneté"), r"/programmes/\d+/$")
    app.click_and_check(
        page.get_by_role("link", name="Nouveau groupe"), r"/programmes/\d+/groupes/nouveau/$"
    )
    start = a_day_two_weeks_ago()
    page.locator("#id_site").select_option(label="Antenne de Troyes")
    page.locator("#id_room").select_option(label="Salle des groupes")
    page.locator("#id_start_date").fill(start.isoformat())
    page.locator("#id_capacity").fill("8")
    slot = page.get_by_role("group", name="Créneau 1")
    weekday = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi"][start.weekday()]
    slot.get_by_label("Jour").select_option(label=weekday)
    slot.get_by_label("Heure de début").fill("14:00")
    slot.get_by_label("Durée (minutes)").fill("120")
    page.get_by_label(re.compile("Camille Conseil")).check(force=True)
    app.click_and_check(
        page.get_by_role("button", name="Créer le groupe et ses séances"),
        r"/programmes/groupes/\d+/$",
    )
    expect(page.get_by_test_id("sessions").locator("tbody tr")).to_have_count(4)
    group_url = page.url
    sign_out(page)

    # 2. The CPIP refers both persons from their files and enrols them in the group.
    app.sign_in("camille.cpip", PASSWORD)
    for person in (lea, hugo):
        app.visit(f"/personnes/{person.pk}/")
        app.open_tab("Programmes", rf"/personnes/{person.pk}/programmes/$")
        app.click_and_check(
            page.get_by_role("link", name="Orienter vers un programme"),
            r"/programmes/orienter/$",
        )
        page.locator("#id_programme").select_option(label="Stage de citoyenneté")
        app.click_and_check(page.get_by_role("button", name="Orienter"), r"/programmes/\d+/$")
        page.get_by_role("radio", name="Adaptée", exact=True).check(force=True)
        app.click_and_check(
            page.get_by_role("button", name="Enregistrer le changement"), r"/programmes/\d+/$"
        )
        page.locator("#id_group").select_option(index=1)
        page.get_by_role("radio", name="Inscrite", exact=True).check(force=True)
        app.click_and_check(
            page.get_by_role("button", name="Enregistrer le changement"), r"/programmes/\d+/$"
        )
        expect(page.get_by_test_id("status")).to_have_text("Inscrite")

    # 3. As the group's facilitator, the attendance of the first session.
    app.visit("/" + group_url.split("/", 3)[3])
    expect(page.get_by_test_id("participants").locator("tbody tr")).to_have_count(2)
    app.click_and_check(
        page.get_by_test_id("sessions").get_by_role("link").first, r"/programmes/seances/\d+/$"
    )
    for person in (lea, hugo):
        page.get_by_role("group", name=f"Présence de {person}").get_by_label("Présent·e").check(
            force=True
        )
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer la présence"), r"/programmes/seances/\d+/$"
    )
    expect(page.get_by_text("Séance 1 : 2 présences relevées.")).to_be_visible()
    with database_turn:
        assert Attendance.objects.filter(status="present").count() == 2
        group = ProgrammeGroup.objects.get()
        assert group.facilitators.get().username == "camille.cpip"
        enrolment = Enrolment.objects.get(person=lea)

    # 4. Léa's programme completed; the attestation names her.
    app.visit(f"/personnes/{lea.pk}/programmes/")
    app.click_and_check(
        page.get_by_role("link", name=re.compile("Stage de citoyenneté")).first,
        rf"/personnes/{lea.pk}/programmes/{enrolment.pk}/$",
    )
    page.get_by_role("radio", name="Terminée", exact=True).check(force=True)
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer le changement"), r"/programmes/\d+/$"
    )
    expect(page.get_by_test_id("status")).to_have_text("Terminée")
    app.visit(f"/personnes/{lea.pk}/programmes/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Attestation de suivi")).click()
    text = " ".join(
        " ".join(p.extract_text().split())
        for p in PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes())).pages
    )
    assert "Léa MARTIN, née le" in text and "Stage de citoyenneté" in text
