"""A manager closes an antenne for a day with the mouse, from « Paramètres »: the closed day
is listed, the antenne's agenda shows it, and booking an appointment there that day is refused
in French, nothing booked; the same appointment the next day is booked."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from probatio.agenda.models import Appointment
from probatio.organisation.models import ClosedDay
from tests.browser.pages import Probatio
from tests.factories import PASSWORD, MembershipFactory, ServiceFactory, SiteFactory, make_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_manager_closes_an_antenne_for_a_day(page, axe_source, database_turn, screenshots):
    service = ServiceFactory(name="SPIP de l'Oise", department_code="960")
    site = SiteFactory(
        service=service, name="Antenne de Beauvais",
        opening_hours={str(d): [["08:00", "18:00"]] for d in range(1, 8)},
    )  # fmt: skip
    SiteFactory(service=service, name="Antenne de Compiègne")
    cpip = MembershipFactory(
        service=service, role="cpip", site=site, user__username="camille.oise",
        user__first_name="Camille", user__last_name="Conseil",
    )  # fmt: skip
    MembershipFactory(
        service=service, role="manager", user__username="dpip.oise",
        user__first_name="Dominique", user__last_name="Direction",
    )  # fmt: skip
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    day = timezone.localdate() + timedelta(days=10)
    while day.weekday() >= 5:
        day += timedelta(days=1)

    page.set_viewport_size({"width": 1366, "height": 900})
    app = Probatio(page, axe_source)
    app.sign_in("dpip.oise", PASSWORD, landing=r"/service/$")
    app.click_and_check(
        page.get_by_role("link", name="Paramètres", exact=True), r"/service/parametres/$"
    )
    app.click_and_check(
        page.get_by_role("link", name="Fermetures", exact=True), r"/service/fermetures/$"
    )
    page.locator("#id_site").select_option(label="Antenne de Beauvais")
    page.locator("#id_start_date").fill(day.isoformat())
    page.locator("#id_reason").fill("Fermeture exceptionnelle")
    app.click_and_check(
        page.get_by_role("button", name="Ajouter la fermeture"), r"/service/fermetures/$"
    )
    listed = page.locator('[data-testid="closed-days"]')
    expect(listed).to_contain_text("Antenne de Beauvais — Fermeture exceptionnelle")
    expect(listed).to_contain_text(f"Le {day:%d/%m/%Y}")
    page.screenshot(path=str(screenshots / "fermetures.png"), full_page=True)
    with database_turn:
        closed = ClosedDay.objects.get(service=service)
        assert (closed.site_id, closed.start_date, closed.end_date) == (site.pk, day, day)

    # The antenne's agenda, that week: the day says it is closed.
    app.click_and_check(page.get_by_role("link", name="Agenda", exact=True), r"/agenda/")
    page.locator("#id_site").select_option(label="Antenne de Beauvais")
    page.locator("#id_date").fill(day.isoformat())
    with page.expect_navigation():  # the form's answer, not the page before
        page.get_by_role("button", name="Afficher").click()
    app.check_page()
    expect(page.locator('[data-testid="day-notice"]').first).to_contain_text(
        "Antenne de Beauvais fermée : Fermeture exceptionnelle"
    )
    page.screenshot(path=str(screenshots / "agenda-fermeture.png"), full_page=True)

    # Booking at the antenne that day is refused; the next open day is booked.
    def book(on):
        app.visit(f"/personnes/{person.pk}/rendez-vous/nouveau/")
        page.locator("#id_day").fill(on.isoformat())
        page.locator("#id_start_time").fill("10:00")
        page.locator("#id_end_time").fill("10:45")
        page.locator("#id_place_kind").select_option("site")
        page.locator("#id_site").select_option(label="Antenne de Beauvais")
        with page.expect_navigation():  # the form's answer, not the page before
            page.get_by_role("button", name="Fixer le rendez-vous").click()
        app.check_page()

    book(day)
    expect(page.locator("main")).to_contain_text(
        f"« Antenne de Beauvais » est fermée le {day:%d/%m/%Y} (Fermeture exceptionnelle)"
    )
    page.screenshot(path=str(screenshots / "rendez-vous-refuse.png"), full_page=True)
    with database_turn:
        assert not Appointment.objects.filter(person=person).exists()
    book(day + timedelta(days=1))
    confirm = page.get_by_label("J'ai lu les avertissements et je confirme ce rendez-vous")
    if confirm.count():  # a public holiday the next day warns: confirmed
        confirm.check()
        with page.expect_navigation():  # the form's answer, not the page before
            page.get_by_role("button", name="Fixer le rendez-vous").click()
    expect(page.get_by_text("Rendez-vous fixé le")).to_be_visible()
    with database_turn:
        assert Appointment.objects.filter(person=person, status="planned").count() == 1
