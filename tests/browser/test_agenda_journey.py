"""The first interview in a real browser: the secretariat books it from the dossier, the CPIP
finds it in the agenda and in the échéancier, records it as honoured once it has taken place,
and the chronology shows it."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from probatio.agenda import rules
from probatio.agenda.models import Appointment
from tests.browser.pages import Probatio
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ServiceFactory,
    SiteFactory,
    make_measure,
    make_person,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def next_slot() -> datetime:
    """A quarter-hour two hours from now, in Paris."""
    now = rules.paris(timezone.now()) + timedelta(hours=2)
    slot = now.replace(minute=(now.minute // 15) * 15, second=0, microsecond=0)
    if (slot + timedelta(minutes=45)).date() != slot.date():
        # An appointment ends the day it starts: late in the evening, the next morning's.
        slot = (slot + timedelta(days=1)).replace(hour=0, minute=15)
    return slot


@pytest.fixture
def office():
    service = ServiceFactory(name="SPIP du Calvados", department_code="914")
    site = SiteFactory(
        service=service,
        name="Antenne de Caen",
        # Open every hour of every day: the journey must not depend on when it runs.
        opening_hours={str(d): [["00:00", "23:59"]] for d in range(1, 8)},
    )
    cpip = MembershipFactory(
        service=service,
        role="cpip",
        site=site,
        user__username="camille.cpip",
        user__first_name="Camille",
        user__last_name="Conseil",
    )
    secretariat = MembershipFactory(
        service=service,
        role="secretariat",
        site=site,
        user__username="sacha.secretariat",
        user__first_name="Sacha",
        user__last_name="Accueil",
    )
    today = timezone.localdate()
    person = make_person(
        cpip,
        surname="Ménard",
        first_names="Éloïse",
        sex="F",
        birth_date=date(1991, 7, 14),
        phone="06 12 34 56 78",
        sms_consent=True,
    )
    decision_day = today - timedelta(days=5)
    from tests.factories import make_decision

    decision = make_decision(
        cpip, person, date=decision_day, enforceable_date=decision_day, today=today
    )
    make_measure(cpip, person, decision=decision, today=today)
    return {"cpip": cpip, "secretariat": secretariat, "person": person, "site": site}


def test_first_interview_journey(browser, live_server, axe_source, office, database_turn):
    person = office["person"]
    slot = next_slot()

    # 1. The secretariat books the first interview from the dossier.
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    app = Probatio(page, axe_source)
    app.sign_in("sacha.secretariat", PASSWORD, landing=r"/personnes/$")
    app.visit(f"/personnes/{person.pk}/rendez-vous/")
    app.click_and_check(
        page.get_by_role("link", name="Fixer un rendez-vous"), r"/rendez-vous/nouveau/$"
    )
    page.locator("#id_kind").select_option("first")
    # The person's CPIP comes first among the staff, checked for the secretariat.
    expect(
        page.get_by_role("checkbox", name="Camille Conseil — CPIP de la personne")
    ).to_be_checked()
    page.locator("#id_day").fill(slot.date().isoformat())
    page.locator("#id_start_time").fill(slot.strftime("%H:%M"))
    page.locator("#id_end_time").fill((slot + timedelta(minutes=45)).strftime("%H:%M"))
    page.locator("#id_place_kind").select_option("site")
    page.locator("#id_site").select_option(label="Antenne de Caen")
    app.click_and_check(
        page.get_by_role("button", name="Fixer le rendez-vous"), r"/agenda/rendez-vous/\d+/$"
    )
    expect(page.get_by_text("Rendez-vous fixé le")).to_be_visible()
    with database_turn:
        appointment = Appointment.objects.get(person=person)
        assert appointment.kind == "first"
        # Reminders go only at times still to come (the default ones may have passed today).
        assert all(m.scheduled_at > appointment.created_at for m in appointment.messages.all())
    context.close()

    # 2. The CPIP sees it in the agenda and in the échéancier.
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    app = Probatio(page, axe_source)
    app.sign_in("camille.cpip", PASSWORD)
    app.visit(f"/agenda/?date={slot.date().isoformat()}")
    # The week grid: the appointment in the row of its half-hour.
    row = page.locator(f'tr[data-time="{slot.strftime("%H")}:{slot.minute // 30 * 30:02d}"]')
    card = row.locator(".probatio-grid-item", has_text="MÉNARD Éloïse")
    expect(card).to_contain_text(slot.strftime("%H:%M"))
    expect(card).to_contain_text("Premier entretien")
    app.visit("/echeancier/")
    expect(page.locator("main")).to_contain_text("MÉNARD Éloïse")
    expect(page.locator("main")).to_contain_text("Premier entretien")

    # 3. Once the interview has taken place, one click records it as honoured.
    with time_machine.travel(slot + timedelta(minutes=50), tick=True):
        app.visit(f"/agenda/?date={slot.date().isoformat()}")
        card = page.locator(".probatio-grid-item", has_text="MÉNARD Éloïse")
        app.click_and_check(card.get_by_role("button", name="Honoré"), r"/agenda/")
        expect(page.get_by_text("Rendez-vous honoré : MÉNARD Éloïse")).to_be_visible()
        with database_turn:
            appointment.refresh_from_db()
            assert appointment.status == "honoured"

        # 4. The chronology shows it.
        app.visit(f"/personnes/{person.pk}/chronologie/")
        timeline = page.get_by_test_id("timeline")
        expect(timeline).to_contain_text("Rendez-vous honoré : premier entretien")
    context.close()
