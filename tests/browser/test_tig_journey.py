"""Community work in a real browser: the CPIP opens the follow-up of a TIG measure, finds a
placement among those the matching proposes, places the person, records two work sessions, and
sees the hours remaining and the pace status; the échéancier no longer asks for a placement."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from probatio.community_work import rules, services
from probatio.community_work.models import Assignment, TigOrder, WorkSession
from probatio.reintegration import partners
from tests.browser.pages import Probatio
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ServiceFactory,
    make_decision,
    make_measure,
    make_person,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def office():
    today = timezone.localdate()
    service = ServiceFactory(name="SPIP de la Somme", department_code="80")
    cpip = MembershipFactory(
        service=service,
        role="cpip",
        user__username="camille.cpip",
        user__first_name="Camille",
        user__last_name="Conseil",
    )
    manager = MembershipFactory(service=service, role="manager")
    person = make_person(cpip, surname="Lemaire", first_names="Joël")
    decision = make_decision(
        cpip,
        person,
        date=today - timedelta(days=40),
        enforceable_date=today - timedelta(days=30),
    )
    make_measure(
        cpip,
        person,
        code="TIG",
        decision=decision,
        start_date=today - timedelta(days=30),
        hours=70,
        duration_months=12,
    )
    partner = partners.partner_create(
        membership=manager,
        data={
            "name": "Ressourcerie d'Amiens",
            "kind": "tig_host",
            "pathways": ["employment"],
            "postcode": "80000",
        },
    )
    host = services.host_save(
        membership=manager,
        partner=partner,
        data={
            "legal_form": "association",
            "approval_court": "Tribunal judiciaire d'Amiens",
            "approval_date": today - timedelta(days=400),
        },
    )
    tutor = services.supervisor_save(
        membership=manager, host=host, data={"name": "Paul Tuteur", "function": "Encadrant"}
    )
    slots, _ = rules.parse_schedule_text("lundi 9:00-12:00 ; mercredi 9:00-12:00")
    placement = services.placement_save(
        membership=manager,
        host=host,
        data={
            "activity": "Réparation de vélos",
            "address": "3 rue des Ateliers",
            "postcode": "80000",
            "city": "Amiens",
            "capacity": 1,
            "schedule": slots,
            "supervisor": tutor,
        },
    )
    return {"person": person, "placement": placement, "today": today}


def post_and_check(app: Probatio, button, message: str) -> None:
    button.click()
    expect(app.page.get_by_text(message)).to_be_visible()
    app.check_page()


def last_weekday(today, weekday: int):
    """The latest day before today that falls on ``weekday`` (0 = Monday), after the start."""
    day = today - timedelta(days=1)
    while day.weekday() != weekday:
        day -= timedelta(days=1)
    return day


def test_tig_journey(page, axe_source, office, database_turn):
    person, placement, today = office["person"], office["placement"], office["today"]
    app = Probatio(page, axe_source)
    app.sign_in("camille.cpip", PASSWORD)

    # 1. The CPIP opens the follow-up of the TIG measure, prefilled from the measure.
    app.visit(f"/personnes/{person.pk}/")
    app.open_tab("TIG", r"/personnes/\d+/tig/$")
    app.click_and_check(
        page.get_by_role("link", name="Mettre en place le suivi du TIG"),
        r"/tig/nouveau/\?mesure=\d+$",
    )
    expect(page.locator("#id_hours_ordered")).to_have_value("70")
    # DSFR draws the box on the label, which takes the click (as a user clicks it).
    page.get_by_label("Lundi").check(force=True)
    page.get_by_label("Mercredi").check(force=True)
    post_and_check(app, page.get_by_role("button", name="Ouvrir le suivi"), "Suivi du TIG ouvert.")
    expect(page.get_by_test_id("pace")).to_have_text("Sans poste")
    with database_turn:
        order = TigOrder.objects.get(person=person)
        assert order.hours_ordered == 70 and order.available_days == [0, 2]

    # 2. The matching proposes the placement; she places the person on it, two weeks ago.
    app.click_and_check(
        page.get_by_role("link", name="Trouver un poste pour le TIG de 70 h"),
        rf"/tig/{order.pk}/postes/$",
    )
    suggestions = page.get_by_test_id("suggestions")
    expect(suggestions).to_contain_text("Réparation de vélos")
    expect(suggestions).to_contain_text("1 place libre")
    app.click_and_check(
        suggestions.get_by_role("link", name="Affecter au poste Réparation de vélos"),
        rf"/tig/{order.pk}/affecter/\?poste={placement.pk}$",
    )
    page.locator("#id_start_date").fill((today - timedelta(days=14)).isoformat())
    post_and_check(app, page.get_by_role("button", name="Affecter"), "Affectation enregistrée.")
    expect(page.get_by_test_id("tig")).to_contain_text("Paul Tuteur")

    # 3. Two sessions signed by the tutor: 3,5 hours on a Monday, 3 on a Wednesday.
    for weekday, hours in ((0, "3,5"), (2, "3")):
        app.click_and_check(
            page.get_by_role("link", name="Enregistrer une séance du TIG de 70 h"),
            rf"/tig/{order.pk}/seances/nouvelle/$",
        )
        page.locator("#id_on").fill(last_weekday(today, weekday).isoformat())
        if weekday == 0:  # first typed wrong: the error summary takes the focus
            page.locator("#id_hours").fill("12")
            page.get_by_role("button", name="Enregistrer la séance").click()
            expect(page).to_have_title(re.compile(r"^Erreur : "))
            summary = page.locator("[data-focus-on-load]")
            expect(summary).to_be_focused()
            expect(summary).to_contain_text("Une séance compte 10 heures au plus.")
            summary.get_by_role("link", name="Heures effectuées").click()
            expect(page.locator("#id_hours")).to_be_focused()
        page.locator("#id_hours").fill(hours)
        post_and_check(
            app, page.get_by_role("button", name="Enregistrer la séance"), "Séance enregistrée."
        )

    # 4. The remaining hours and the pace: 6 hours a week offered, far more than needed.
    expect(page.get_by_test_id("hours")).to_contain_text("6,5 h effectuées sur 70 h")
    expect(page.get_by_test_id("hours")).to_contain_text("reste 63,5 h")
    expect(page.get_by_test_id("pace")).to_have_text("Dans les temps")
    expect(page.get_by_test_id("pace-detail")).to_contain_text("6 h par semaine")
    expect(page.get_by_test_id("sessions")).to_contain_text("3,5 h")
    with database_turn:
        assert Assignment.objects.get(order=order).placement == placement
        assert sorted(WorkSession.objects.values_list("hours", flat=True)) == [3, 3.5]

    # 5. The échéancier has nothing left to ask about this TIG's placement.
    app.visit("/echeancier/")
    expect(page.get_by_text("TIG sans poste")).to_have_count(0)
