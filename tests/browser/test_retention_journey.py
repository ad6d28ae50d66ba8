"""Retention in a real browser: the manager opens « Conservation des données » from the
service's menu, sees the closed file due within a year, opens it, sets a legal hold on it with
the mouse (« Gel de la conservation », a reason, « Geler le dossier »), and the page then lists
the hold. axe-core runs on every page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from probatio.measures.models import Measure
from probatio.retention.models import LegalHold
from tests.browser.pages import signed_in
from tests.factories import MembershipFactory, ServiceFactory, make_measure, make_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def office():
    service = ServiceFactory(name="SPIP de la Somme", department_code="980")
    MembershipFactory(
        service=service, role="manager", user__username="dominique.encadrement",
        user__first_name="Dominique", user__last_name="Direction",
    )  # fmt: skip
    cpip = MembershipFactory(service=service, role="cpip", user__username="camille.cpip")
    person = make_person(cpip, surname="Vasseur", first_names="Mickaël")
    measure = make_measure(cpip, person)
    ended = timezone.localdate() - timedelta(days=round(365.25 * 4.5))
    Measure.objects.filter(pk=measure.pk).update(
        status=Measure.Status.ENDED, start_date=ended - timedelta(days=365), end_date=ended
    )
    return person


def test_retention_journey(browser, live_server, axe_source, office, database_turn, screenshots):
    person = office.pk
    context, app = signed_in(
        browser, live_server, axe_source, "dominique.encadrement", r"/service/"
    )
    page = app.page
    app.click_and_check(
        page.get_by_role("link", name="Conservation des données"), r"/service/conservation/$"
    )
    files = page.locator('[data-testid="retention-files"]')
    expect(files).to_contain_text(f"n° {person}")
    expect(page.locator('[data-testid="retention-rules"]')).to_contain_text("Code pénitentiaire")
    page.screenshot(path=str(screenshots / "1-conservation.png"), full_page=True)
    app.click_and_check(
        files.get_by_role("link", name="VASSEUR Mickaël"), rf"/personnes/{person}/$"
    )
    app.click_and_check(
        page.get_by_role("link", name="Gel de la conservation"),
        rf"/personnes/{person}/conservation/$",
    )
    page.get_by_label("Motif du gel").click()
    page.keyboard.type("Recours contre la révocation en cours")
    app.click_and_check(
        page.get_by_role("button", name="Geler le dossier"), rf"/personnes/{person}/conservation/$"
    )
    expect(page.locator('[data-testid="hold-in-force"]')).to_contain_text("Recours contre")
    page.screenshot(path=str(screenshots / "2-gel.png"), full_page=True)
    with database_turn:
        assert LegalHold.objects.get(person_id=person).in_force
    app.visit("/service/conservation/")
    expect(page.locator('[data-testid="retention-holds"]')).to_contain_text(f"n° {person}")
    expect(page.locator('[data-testid="retention-files"]')).to_have_count(0)
    context.close()
