"""Needs and referrals in a real browser, for a person in prison whose release is near: the CPIP
opens the release plan, records a housing need in the dossier's "Insertion" tab, refers the
person to a shelter partner of the service, records the partner's acceptance with its answer,
and finds every step in the chronology and the acceptance in the release plan."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from probatio.reintegration.models import Need, Partner, PartnerReferral
from tests.browser.pages import Probatio
from tests.factories import PASSWORD, MembershipFactory, ServiceFactory, make_prisoner

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def office():
    service = ServiceFactory(name="SPIP de la Somme", department_code="980")
    cpip = MembershipFactory(
        service=service,
        role="cpip",
        user__username="camille.cpip",
        user__first_name="Camille",
        user__last_name="Conseil",
    )
    manager = MembershipFactory(service=service, role="manager")
    # Two years, committed 500 days ago: LSC de plein droit in about four and a half months.
    person = make_prisoner(
        cpip,
        committal_date=timezone.localdate() - timedelta(days=500),
        sentences=({"months": 24},),
        surname="Ménard",
        first_names="Éloïse",
        sex="F",
        birth_date=date(1991, 7, 14),
    )
    shelter = Partner.objects.create(
        service=service,
        name="CHRS L'Escale",
        kind="housing",
        pathways=["housing"],
        postcode="80000",
        created_by=manager.user,
    )
    Partner.objects.create(
        service=service,
        name="Foyer fermé",
        kind="emergency_housing",
        pathways=["housing"],
        postcode="80000",
        is_active=False,
        created_by=manager.user,
    )
    return {"person": person, "shelter": shelter}


def post_and_check(app: Probatio, button, message: str) -> None:
    """A form whose answer redirects back to the tab: wait for its flash message."""
    button.click()
    expect(app.page.get_by_text(message)).to_be_visible()
    app.check_page()


def test_referral_journey(page, axe_source, office, database_turn):
    person = office["person"]
    today = timezone.localdate()
    app = Probatio(page, axe_source)
    app.sign_in("camille.cpip", PASSWORD)

    # 0. The CPIP opens the release plan: housing at release is still to do.
    app.visit(f"/personnes/{person.pk}/")
    app.open_tab("Sortie", r"/personnes/\d+/sortie/$")
    post_and_check(
        app, page.get_by_role("button", name="Établir le plan de sortie"), "Plan de sortie établi."
    )
    housing_row = page.get_by_role("row").filter(has_text="Hébergement ou logement à la sortie")
    expect(housing_row).to_contain_text("À faire")

    # 1. The CPIP records a housing need from the dossier's "Insertion" tab.
    app.open_tab("Insertion", r"/personnes/\d+/insertion/$")
    expect(page.get_by_test_id("needs")).to_contain_text("Aucun besoin identifié.")
    app.click_and_check(
        page.get_by_role("link", name="Identifier un besoin"), r"/insertion/besoins/nouveau/$"
    )
    page.locator("#id_pathway").select_option(label="Logement et hébergement")
    page.locator("#id_details").fill("Hébergée chez une amie jusqu'à la fin du mois.")
    page.locator("#id_identified_on").fill((today - timedelta(days=7)).isoformat())
    post_and_check(
        app, page.get_by_role("button", name="Enregistrer le besoin"), "Besoin enregistré."
    )
    expect(page.get_by_test_id("needs")).to_contain_text("Logement et hébergement")
    with database_turn:
        need = Need.objects.get(person=person)
        assert need.status == "identified"

    # 2. She refers the person to the shelter; the inactive partner is not offered.
    app.click_and_check(
        page.get_by_role("link", name="Orienter pour le besoin : Logement et hébergement"),
        r"/insertion/orientations/nouvelle/\?besoin=\d+$",
    )
    partner_select = page.locator("#id_partner")
    expect(partner_select.locator("option", has_text="Foyer fermé")).to_have_count(0)
    partner_select.select_option(label="CHRS L'Escale — Hébergement et logement")
    page.locator("#id_purpose").fill("Place en CHRS à la sortie du foyer ami.")
    page.get_by_label("Envoyée au partenaire").check(force=True)  # DSFR: the label takes the click
    post_and_check(
        app,
        page.get_by_role("button", name="Enregistrer l'orientation"),
        "Orientation enregistrée.",
    )
    referral_card = page.get_by_test_id("referral").filter(has_text="CHRS L'Escale")
    expect(referral_card).to_contain_text("Envoyée depuis le")
    expect(page.get_by_test_id("needs")).to_contain_text("En cours")
    with database_turn:
        referral = PartnerReferral.objects.get(person=person)
        assert referral.need == need and referral.status == "sent"

    # 3. The shelter accepts: the CPIP records the step, then the partner's answer.
    app.click_and_check(
        referral_card.get_by_role("link", name="Nouvelle étape"),
        rf"/insertion/orientations/{referral.pk}/etape/$",
    )
    page.locator("#id_status").select_option(label="Acceptée")
    page.locator("#id_comment").fill("Entrée au CHRS lundi.")
    post_and_check(
        app,
        page.get_by_role("button", name="Enregistrer l'étape"),
        "Étape de l'orientation enregistrée.",
    )
    referral_card = page.get_by_test_id("referral").filter(has_text="CHRS L'Escale")
    expect(referral_card).to_contain_text("Acceptée depuis le")
    app.click_and_check(
        referral_card.get_by_role("link", name="Saisir le retour du partenaire"),
        rf"/insertion/orientations/{referral.pk}/retour/$",
    )
    page.locator("#id_outcome").fill(
        "Chambre individuelle attribuée, accompagnement social par le CHRS."
    )
    post_and_check(
        app,
        page.get_by_role("button", name="Enregistrer le retour"),
        "Retour du partenaire enregistré.",
    )
    expect(page.get_by_test_id("referral")).to_contain_text("Chambre individuelle attribuée")
    with database_turn:
        referral.refresh_from_db()
        assert referral.status == "accepted" and referral.outcome.startswith("Chambre")
        assert list(referral.steps.values_list("status", flat=True)) == ["sent", "accepted"]

    # 4. Every step is in the chronology.
    app.open_tab("Chronologie", r"/personnes/\d+/chronologie/$")
    timeline = page.get_by_test_id("timeline")
    for line in (
        "Besoin identifié : logement et hébergement",
        "Orientation vers CHRS L'Escale : envoyée",
        "Orientation vers CHRS L'Escale : acceptée",
        "Retour du partenaire : orientation vers CHRS L'Escale",
    ):
        expect(timeline).to_contain_text(line)

    # 5. The release plan shows the shelter's acceptance beside housing, now in progress.
    app.open_tab("Sortie", r"/personnes/\d+/sortie/$")
    housing_row = page.get_by_role("row").filter(has_text="Hébergement ou logement à la sortie")
    expect(housing_row).to_contain_text("En cours")
    expect(housing_row).to_contain_text("Orientation vers CHRS L'Escale : acceptée depuis le")
