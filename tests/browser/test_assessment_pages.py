"""The assessment pages in the browser, with axe-core on each: the new-assessment form sent
with errors (each in place, what was typed kept), the psychologist's page with their section,
and the tab as the monitoring officer sees it (the level only)."""

import pytest
from playwright.sync_api import expect

from probatio.assessments.models import Assessment
from tests.browser.pages import signed_in
from tests.factories import MembershipFactory, ServiceFactory, make_measure, make_person
from tests.views.test_assessment_views import assess, choose, heavy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_form_errors_the_psychologist_and_monitoring(
    browser, live_server, axe_source, database_turn
):
    service = ServiceFactory(name="SPIP de la Sarthe", department_code="972")
    cpip = MembershipFactory(service=service, role="cpip", user__username="camille.sarthe")
    psychologist = MembershipFactory(
        service=service, role="psychologist", user__username="psy.sarthe"
    )
    monitoring = MembershipFactory(service=service, role="monitoring", user__username="surv.sarthe")
    person = make_person(cpip, surname="Lebrun", first_names="Théo")
    make_measure(cpip, person)
    person.support_staff.add(monitoring.user)
    assessment = assess(cpip, person, raw=heavy())
    choose(cpip, person, assessment, assessment.proposed_level)

    # The CPIP sends the grid with a sensitive item and no reason, and a number out of bounds.
    context, app = signed_in(browser, live_server, axe_source, "camille.sarthe", r"/portefeuille/$")
    page = app.page
    app.visit(f"/personnes/{person.pk}/evaluation/nouvelle/")
    page.locator("#id_answer_prior_convictions").fill("500")
    page.locator("#id_answer_health").fill("Traitement en cours")
    page.locator("#id_summary").fill("Synthèse.")
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer l'évaluation"),
        rf"/personnes/{person.pk}/evaluation/nouvelle/$",
    )
    expect(page.locator("#id_answer_prior_convictions-desc-error")).to_contain_text("entre 0 et 99")
    expect(page.locator("#id_sensitive_reason-desc-error")).to_contain_text("nécessaires")
    expect(page.locator("#id_answer_health")).to_have_value("Traitement en cours")
    with database_turn:
        assert Assessment.objects.filter(person=person).count() == 1
    context.close()

    # The psychologist reads the page and adds a section.
    context, app = signed_in(browser, live_server, axe_source, "psy.sarthe", r"/")
    page = app.page
    app.visit(f"/personnes/{person.pk}/evaluation/{assessment.pk}/")
    page.locator("#id_text").fill("Observations du psychologue.")
    app.click_and_check(
        page.get_by_role("button", name="Ajouter mes observations"),
        rf"/personnes/{person.pk}/evaluation/{assessment.pk}/",
    )
    expect(page.locator('[data-testid="psychologist"]')).to_contain_text(
        "Observations du psychologue."
    )
    context.close()

    # Monitoring: the level, nothing more.
    context, app = signed_in(browser, live_server, axe_source, "surv.sarthe", r"/")
    page = app.page
    app.visit(f"/personnes/{person.pk}/evaluation/")
    expect(page.locator('[data-testid="level"]')).to_be_visible()
    expect(page.locator('[data-testid="assessments"]')).to_have_count(0)
    context.close()
    assert psychologist.user.username == "psy.sarthe"
