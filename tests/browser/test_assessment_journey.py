"""A CPIP assesses a person with the mouse and asks for a level different from the grid's
proposal (with the reason); the tab shows the next interview due under the level still in
force and the change waiting; a manager validates it from « Intensités à valider », and the
new level applies."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from probatio.assessments import rules
from probatio.assessments import selectors as assessment_selectors
from probatio.assessments import services as assessment_services
from probatio.assessments.models import IntensityDecision
from tests.browser.pages import signed_in
from tests.factories import MembershipFactory, ServiceFactory, gate, make_measure, make_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def fill_the_grid(page, definition: dict) -> None:
    """Every required item answered by a click on its label (the lightest answer)."""
    for item in rules.items(definition):
        if not item.get("required"):
            continue
        name = f"answer_{item['code']}"
        if item["type"] == "choice":
            page.locator(f'label[for="id_{name}_0"]').click()
        elif item["type"] == "yes_no":
            page.locator(f'label[for="id_{name}_1"]').click()  # « Non »
        elif item["type"] == "number":
            page.locator(f"#id_{name}").click()
            page.locator(f"#id_{name}").fill(str(item["min"]))


def test_a_cpip_asks_for_another_level_and_a_manager_validates_it(
    browser, live_server, axe_source, database_turn, screenshots
):
    service = ServiceFactory(name="SPIP de la Sarthe", department_code="972")
    cpip = MembershipFactory(
        service=service, role="cpip", user__username="camille.sarthe",
        user__first_name="Camille", user__last_name="Conseil",
    )  # fmt: skip
    MembershipFactory(
        service=service, role="manager", user__username="dpip.sarthe",
        user__first_name="Dominique", user__last_name="Direction",
    )  # fmt: skip
    person = make_person(cpip, surname="Lebrun", first_names="Théo")
    make_measure(cpip, person)
    today = timezone.localdate()
    # Followed at the standard level for months.
    assessment_services.intensity_choose(
        gated=gate(cpip, person), level="standard", today=today - timedelta(days=120)
    )
    grid = assessment_selectors.grid_in_use(today)

    # --- The CPIP ---------------------------------------------------------------------------
    context, app = signed_in(browser, live_server, axe_source, "camille.sarthe", r"/portefeuille/$")
    page = app.page
    page.set_viewport_size({"width": 1366, "height": 900})
    app.click_and_check(page.get_by_role("link", name="LEBRUN Théo"), rf"/personnes/{person.pk}/$")
    app.click_and_check(
        page.get_by_role("link", name="Évaluation", exact=True),
        rf"/personnes/{person.pk}/evaluation/$",
    )
    page.screenshot(path=str(screenshots / "1-onglet-evaluation.png"), full_page=True)
    app.click_and_check(
        page.get_by_role("link", name="Nouvelle évaluation"),
        rf"/personnes/{person.pk}/evaluation/nouvelle/$",
    )
    page.locator('label[for="id_reason_1"]').click()  # « Réexamen périodique »
    page.locator("#id_assessed_on").fill(today.isoformat())
    fill_the_grid(page, grid.definition)
    page.locator("#id_summary").click()
    page.locator("#id_summary").fill("Situation stable ; une rechute récente à surveiller.")
    page.screenshot(path=str(screenshots / "2-grille-remplie.png"), full_page=True)
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer l'évaluation"),
        rf"/personnes/{person.pk}/evaluation/\d+/",
    )
    with database_turn:
        assessment = assessment_selectors.latest_assessment(person)
    assert assessment is not None
    proposed = assessment.proposed_level
    # A level neither proposed nor in force: the reason is required, the change waits.
    wanted = next(level for level in ("reinforced", "light") if level != proposed)
    wanted_label = rules.LEVEL_LABELS[rules.Level(wanted)]
    choose = page.locator('[data-testid="choose"]')
    expect(choose).to_be_visible()
    choose.get_by_text(wanted_label, exact=True).click()
    page.locator("#id_reason").click()
    page.locator("#id_reason").fill("Rechute récente signalée par le centre de soins.")
    page.screenshot(path=str(screenshots / "3-choix-du-niveau.png"), full_page=True)
    app.click_and_check(
        page.get_by_role("button", name="Choisir ce niveau"),
        rf"/personnes/{person.pk}/evaluation/$",
    )
    expect(page.locator('[data-testid="pending"]')).to_contain_text(
        f"Changement vers « {wanted_label.lower()} »"
    )
    expect(page.locator('[data-testid="level"]')).to_contain_text("Standard")
    expect(page.locator('[data-testid="contacts"]')).to_contain_text(
        "Prochain entretien à tenir au plus tard le"
    )
    page.screenshot(path=str(screenshots / "4-onglet-en-attente.png"), full_page=True)
    with database_turn:
        assert assessment_selectors.current_intensity(person).chosen_level == "standard"
        pending = assessment_selectors.pending_intensity(person)
        assert pending.chosen_level == wanted
    context.close()

    # --- The manager ------------------------------------------------------------------------
    context, app = signed_in(browser, live_server, axe_source, "dpip.sarthe", r"/service/$")
    page = app.page
    page.set_viewport_size({"width": 1366, "height": 900})
    badge = page.locator('[data-testid="pending-intensities-count"]')
    expect(badge).to_contain_text("1")
    app.click_and_check(
        page.get_by_role("link", name="Intensités à valider"), r"/service/intensites/$"
    )
    card = page.locator(f"#changement-{pending.pk}")
    expect(card).to_contain_text("LEBRUN Théo")
    expect(card).to_contain_text("Rechute récente signalée par le centre de soins.")
    expect(card).to_contain_text(wanted_label)
    page.screenshot(path=str(screenshots / "5-intensites-a-valider.png"), full_page=True)
    app.click_and_check(card.get_by_role("button", name="Valider"), r"/service/intensites/$")
    expect(page.locator("main")).to_contain_text(
        f"Changement d'intensité validé : LEBRUN Théo passe en suivi {wanted_label.lower()}."
    )
    expect(page.locator('[data-testid="pending-count"]')).to_contain_text(
        "Aucun changement d'intensité du suivi n'attend de validation."
    )
    page.screenshot(path=str(screenshots / "6-change-valide.png"), full_page=True)
    with database_turn:
        assert assessment_selectors.current_intensity(person).chosen_level == wanted
        assert IntensityDecision.objects.get(pk=pending.pk).status == "applied"
    # The tab now shows the new level in force.
    app.visit(f"/personnes/{person.pk}/evaluation/")
    expect(page.locator('[data-testid="level"]')).to_contain_text(wanted_label)
    expect(page.locator('[data-testid="pending"]')).to_have_count(0)
    page.screenshot(path=str(screenshots / "7-onglet-nouveau-niveau.png"), full_page=True)

    # The service's own rule for the reinforced level, from « Paramètres ».
    app.click_and_check(
        page.get_by_role("link", name="Paramètres", exact=True), r"/service/parametres/$"
    )
    app.click_and_check(
        page.get_by_role("link", name="Intensité du suivi"), r"/service/parametres/intensite/$"
    )
    page.locator("#id_level").select_option(label="Renforcé")
    page.locator("#id_measure_kind").select_option(label="Toutes mesures")
    page.locator("#id_period_days").fill("3")
    page.locator("#id_interviews").fill("3")
    page.locator("#id_review_days").fill("60")
    with page.expect_navigation():  # the form's answer, not the page before
        page.get_by_role("button", name="Enregistrer la règle").click()
    app.check_page()
    expect(page.locator("#id_period_days-desc-error")).to_contain_text(
        "La période compte au moins 7 jours."
    )
    page.screenshot(path=str(screenshots / "8-regle-refusee.png"), full_page=True)
    page.locator("#id_period_days").fill("30")
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer la règle"), r"/service/parametres/intensite/$"
    )
    expect(page.locator("main")).to_contain_text(
        "Règle de suivi enregistrée : renforcé, « Toutes mesures »"
    )
    expect(page.locator('[data-testid="rules-history"]')).to_contain_text(
        "3 entretiens et 0 visite à domicile par 30 jours"
    )
    page.screenshot(path=str(screenshots / "9-regles-du-service.png"), full_page=True)
    context.close()
