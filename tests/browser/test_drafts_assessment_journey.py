"""A structured assessment begun is never lost: a CPIP checks a few answers and starts the
summary, the draft autosaves, the CPIP leaves, comes back: every answer is there again, and
« Supprimer le brouillon » is offered (docs/drafts.md)."""

import pytest
from playwright.sync_api import expect

from probatio.notes.models import NoteDraft
from tests.browser.pages import Probatio
from tests.factories import PASSWORD, MembershipFactory, ServiceFactory, make_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_assessment_begun_is_found_again(page, axe_source, database_turn):
    service = ServiceFactory(name="SPIP de la Sarthe", department_code="972")
    cpip = MembershipFactory(service=service, role="cpip", user__username="camille.eval")
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    form = f"/personnes/{person.pk}/evaluation/nouvelle/"

    app = Probatio(page, axe_source)
    app.sign_in("camille.eval", PASSWORD)
    app.visit(form)
    page.locator("label[for=id_reason_2]").click()  # « Après un manquement ou un incident »
    page.locator("label[for=id_answer_housing_status_3]").click()  # « Sans domicile stable »
    summary = "Hébergement perdu en mars, démarches en cours."
    page.locator("#id_summary").press_sequentially(summary, delay=5)
    expect(app.autosave_status()).to_contain_text("Brouillon enregistré", timeout=9_000)
    app.click_and_check(
        page.get_by_role("link", name="Annuler"), rf"/personnes/{person.pk}/evaluation/$"
    )

    app.visit(form)
    expect(page.get_by_test_id("draft-restored")).to_contain_text("restauré")
    expect(page.locator("#id_reason_2")).to_be_checked()
    expect(page.locator("#id_answer_housing_status_3")).to_be_checked()
    expect(page.locator("#id_summary")).to_have_value(summary)
    expect(page.get_by_role("button", name="Supprimer le brouillon")).to_be_visible()
    with database_turn:
        assert NoteDraft.objects.get().place_kind == "assessment"
