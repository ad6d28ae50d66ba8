"""Merging two files of the same person in a real browser: the manager opens the file followed
by a CPIP, « Fusionner avec un autre dossier », finds the file the secretariat opened again
among the possible duplicates, compares them, keeps the birth name of the second, sees the
result, confirms; the merged file shows both files' measures and the merge in its chronology,
and the old address leads to it. axe-core runs on every page."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from probatio.people.models import MergedFile, Person
from tests.browser.pages import signed_in
from tests.factories import MembershipFactory, ServiceFactory, make_measure, make_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def office():
    service = ServiceFactory(name="SPIP de la Somme", department_code="980")

    def member(role, username, first, last):
        return MembershipFactory(
            service=service, role=role, user__username=username, user__first_name=first,
            user__last_name=last,
        )  # fmt: skip

    member("manager", "dominique.encadrement", "Dominique", "Direction")
    cpip = member("cpip", "camille.cpip", "Camille", "Conseil")
    secretariat = member("secretariat", "sacha.secretariat", "Sacha", "Accueil")
    identity = {"first_names": "Julien", "sex": "M", "birth_date": date(1987, 3, 9)}
    kept = make_person(cpip, surname="Lefèvre", phone="06 52 18 74 30", **identity)
    again = make_person(secretariat, surname="LEFEVRE", birth_surname="Martin", **identity)
    make_measure(cpip, kept)
    make_measure(secretariat, again)
    return {"kept": kept, "again": again}


def test_merge_journey(browser, live_server, axe_source, office, database_turn):
    kept, again = office["kept"].pk, office["again"].pk
    context, app = signed_in(
        browser, live_server, axe_source, "dominique.encadrement", r"/service/"
    )
    page = app.page
    app.visit(f"/personnes/{kept}/")
    app.click_and_check(
        page.get_by_role("link", name="Fusionner avec un autre dossier"),
        rf"/personnes/{kept}/fusionner/$",
    )
    duplicates = page.locator('[data-testid="merge-duplicates"]')
    expect(duplicates).to_contain_text(f"dossier n° {again}")
    expect(duplicates).to_contain_text("même date de naissance")
    app.click_and_check(
        duplicates.get_by_role("link", name="Fusionner ces dossiers"),
        rf"/personnes/{kept}/fusionner/{again}/$",
    )
    expect(page.locator('[data-testid="merge-comparison"]')).to_contain_text("Martin")
    expect(page.locator('[data-testid="merge-holdings"]')).to_contain_text("Mesures")
    page.get_by_text(f"n° {again} : Martin", exact=True).click()
    expect(page.get_by_role("radio", name=f"n° {again} : Martin")).to_be_checked()
    app.click_and_check(
        page.get_by_role("button", name="Voir le résultat avant de confirmer"),
        rf"/personnes/{kept}/fusionner/{again}/confirmer/\?",
    )
    result = page.locator('[data-testid="merge-result"]')
    expect(result.locator("tr", has_text="Nom de naissance")).to_contain_text("Martin")
    with database_turn:
        assert Person.objects.filter(pk=again).exists()  # nothing written yet
    app.click_and_check(
        page.get_by_role("button", name="Confirmer la fusion"), rf"/personnes/{kept}/$"
    )
    expect(page.locator("main")).to_contain_text("Les dossiers sont fusionnés")
    with database_turn:
        assert not Person.objects.filter(pk=again).exists()
        assert MergedFile.objects.get(absorbed_id=again).kept_id == kept
        assert Person.objects.get(pk=kept).birth_surname == "Martin"
    # The old address: the same tab of the kept file, with the merge in its chronology.
    app.visit(f"/personnes/{again}/chronologie/")
    page.wait_for_url(re.compile(rf"/personnes/{kept}/chronologie/$"))
    expect(page.locator("main")).to_contain_text(f"Dossier n° {again} fusionné dans ce dossier")
    app.open_tab("Mesures et obligations", rf"/personnes/{kept}/mesures/$")
    expect(page.get_by_role("heading", name=re.compile("Sursis probatoire"))).to_have_count(2)
    context.close()
