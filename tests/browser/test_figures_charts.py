"""The activity figures in the browser (docs/figures.md): on each page, every chart is an
image with its title and its description, beside its table, with no axe-core violation at a
laptop's and a phone's size; the tabs and the period form move between the pages."""

from datetime import date

import pytest
from playwright.sync_api import expect

from probatio.measures.models import Measure
from tests.browser.pages import VIEWPORTS, Probatio
from tests.factories import (
    PASSWORD,
    DecisionFactory,
    MeasureFactory,
    MembershipFactory,
    ServiceFactory,
    make_person,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAGES = {
    "Suivi et mesures": "/chiffres/",
    "Rapports et décisions": "/chiffres/rapports-et-decisions/",
    "Exécution et charge de travail": "/chiffres/execution/",
}


@pytest.fixture
def office():
    service = ServiceFactory(name="SPIP de l'Orne", department_code="961")
    cpip = MembershipFactory(
        service=service, role="cpip", user__first_name="Camille", user__last_name="Conseil"
    )
    MembershipFactory(service=service, role="manager", user__username="dominique.encadrement")
    # Persons with measures begun in 2026 (seven sursis, two TIG: a masked cell).
    for index in range(9):
        person = make_person(cpip, surname=f"Suivi{index}")
        decision = DecisionFactory(person=person, date=date(2026, 2, 2), enforceable_date=None)
        tig = index >= 7
        MeasureFactory(
            person=person,
            decision=decision,
            measure_type_id="TIG" if tig else "SURSIS_PROBATOIRE",
            start_date=date(2026, 2, 2 + index),
            hours=120 if tig else None,
            duration_months=18 if tig else 24,
        )
    assert Measure.objects.count() == 9


def test_every_chart_has_its_title_and_description_and_no_axe_violation(page, axe_source, office):
    app = Probatio(page, axe_source)
    app.sign_in("dominique.encadrement", PASSWORD, landing=r"/service/$")
    app.click_and_check(
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Chiffres"),
        r"/chiffres/$",
    )
    page.locator("#id_type").select_option("annee")
    page.locator("#id_valeur").fill("2026")
    app.click_and_check(page.get_by_role("button", name="Afficher"), r"/chiffres/\?.*valeur=2026")
    for label, path in PAGES.items():
        if path != "/chiffres/":
            tabs = page.get_by_role("navigation", name="Groupes de chiffres")
            app.click_and_check(tabs.get_by_role("link", name=label), path + r"\?.*valeur=2026")
        expect(page.get_by_role("heading", level=1)).to_have_text("Chiffres d'activité")
        sections = page.locator("section.probatio-figure")
        assert sections.count() >= 3
        for index in range(sections.count()):
            section = sections.nth(index)
            title = section.get_by_role("heading", level=2).inner_text()
            expect(section.locator("table")).to_be_visible()
            chart = section.get_by_role("img")
            expect(chart).to_have_count(1)
            # The image is named by its <title> and described by its <desc>.
            expect(chart).to_have_accessible_name(title + " (année 2026)")
            description = chart.locator("desc").text_content()
            assert description.strip(), f"{title} : graphique sans description"
            expect(chart).to_have_accessible_description(description)
        for width, height in VIEWPORTS.values():
            page.set_viewport_size({"width": width, "height": height})
            app.check_accessibility()
        page.set_viewport_size({"width": VIEWPORTS["laptop"][0], "height": VIEWPORTS["laptop"][1]})
    # The masked TIG of the year: absent from the chart, named « masqué » in its description.
    page.goto("/chiffres/?type=annee&valeur=2026")
    flow = page.locator('section[data-figure="measures_flow"]')
    assert "TIG : ouvertes masqué (moins de 5)" in flow.locator("desc").text_content()
