"""The anomaly view in a real browser: the manager opens « Contrôle des accès » from the
header menu, finds the CPIP who read 25 files of persons never assigned to them yesterday,
follows the line to that CPIP's entries of the day, and from one of them to the file's access
log, filtered to that CPIP and day; then raises the threshold to 30 files a day, and the CPIP
is no longer listed. axe-core runs on every page."""

from datetime import datetime, time, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from probatio.audit import services as audit
from tests.browser.pages import signed_in
from tests.factories import MembershipFactory, ServiceFactory, make_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FILES = 25


@pytest.fixture
def office():
    service = ServiceFactory(name="SPIP de la Somme", department_code="980")
    MembershipFactory(
        service=service, role="manager", user__username="dominique.encadrement",
        user__first_name="Dominique", user__last_name="Direction",
    )  # fmt: skip
    reader = MembershipFactory(
        service=service, role="cpip", user__username="camille.cpip",
        user__first_name="Camille", user__last_name="Lecomte",
    )  # fmt: skip
    owner = MembershipFactory(service=service, role="cpip", user__username="marc.cpip")
    persons = [make_person(owner, surname=f"Personne{index:02d}") for index in range(FILES)]
    day = timezone.localdate() - timedelta(days=1)
    with transaction.atomic():
        audit.record_many(
            service_id=service.pk,
            entries=[
                {
                    "actor": reader.user,
                    "action": audit.Action.READ,
                    "role": "cpip",
                    "object_type": "people.person",
                    "object_id": person.pk,
                    "person_id": person.pk,
                    "summary": "Consultation du dossier (identite)",
                    "context": {"tab": "identite"},
                    "at": timezone.make_aware(datetime.combine(day, time(14, index))),
                }
                for index, person in enumerate(persons)
            ],
        )
    return reader, persons, day


def test_oversight_journey(browser, live_server, axe_source, office, screenshots):
    reader, persons, day = office
    context, app = signed_in(
        browser, live_server, axe_source, "dominique.encadrement", r"/service/"
    )
    page = app.page
    app.click_and_check(
        page.get_by_role("link", name="Contrôle des accès"), r"/service/controle-des-acces/$"
    )
    unusual = page.locator('[data-testid="unusual-row"]')
    expect(unusual).to_have_count(1)
    expect(unusual).to_contain_text("Camille Lecomte")
    expect(unusual).to_contain_text(str(FILES))
    page.screenshot(path=str(screenshots / "1-controle-des-acces.png"), full_page=True)
    app.click_and_check(
        unusual.get_by_role("link", name="Entrées du jour"),
        rf"/service/controle-des-acces/agents/{reader.user_id}/\?jour={day:%Y-%m-%d}$",
    )
    entries = page.locator('[data-testid="reader-entry"]')
    expect(entries).to_have_count(FILES)
    expect(entries.first).to_contain_text("Dossier jamais attribué")
    expect(entries.first).to_contain_text("Consultation du dossier (identité et situation)")
    page.screenshot(path=str(screenshots / "2-journal-agent.png"), full_page=True)
    last = persons[-1]  # read last: first of the entries
    app.click_and_check(
        entries.first.get_by_role("link", name=str(last)),
        rf"/personnes/{last.pk}/journal-des-acces/\?agent={reader.user_id}&du=.*",
    )
    expect(page.locator('[data-testid="access-log-row"]')).to_have_count(1)
    page.screenshot(path=str(screenshots / "3-journal-dossier.png"), full_page=True)
    # The thresholds, from the page: 30 files a day, and the CPIP is no longer listed.
    app.visit("/service/controle-des-acces/")
    app.click_and_check(
        page.get_by_role("link", name="Modifier les seuils"),
        r"/service/parametres/controle-des-acces/$",
    )
    threshold = page.get_by_label("Lectures inhabituelles")
    threshold.fill("30")
    page.screenshot(path=str(screenshots / "4-seuils.png"), full_page=True)
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer"), r"/service/parametres/controle-des-acces/$"
    )
    expect(page.get_by_text("Seuils du contrôle des accès enregistrés.")).to_be_visible()
    app.click_and_check(
        page.get_by_role("link", name="Voir le contrôle des accès"),
        r"/service/controle-des-acces/$",
    )
    expect(page.locator('[data-testid="unusual-row"]')).to_have_count(0)
    context.close()
