"""One CPIP's journey in a real browser: sign in, find a person, read the dossier, write a
note (autosaved as a draft while typing), and find it in the chronology."""

from datetime import date

import pytest
from playwright.sync_api import expect

from probatio.measures import services as measure_services
from probatio.notes.models import InterviewNote, NoteDraft
from tests.browser.pages import Probatio
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ServiceFactory,
    gate,
    make_measure,
    make_person,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def caseload():
    service = ServiceFactory(name="SPIP de Loire-Atlantique", department_code="944")
    cpip = MembershipFactory(
        service=service,
        role="cpip",
        user__username="camille.cpip",
        user__first_name="Camille",
        user__last_name="Conseil",
    )
    judge = MembershipFactory(service=service, role="judge")
    eloise = make_person(
        cpip, surname="Ménard", first_names="Éloïse", sex="F", birth_date=date(1991, 7, 14)
    )
    measure = make_measure(cpip, eloise, judge=judge.user)
    for code, extra in (
        ("TRAVAIL_FORMATION", {}),
        ("NE_PAS_CONTACTER", {"victim_name": "Mme Violette Protégée"}),
    ):
        measure_services.obligation_create(
            gated=gate(cpip, measure.person),
            measure=measure,
            decision=measure.decision,
            obligation_type_code=code,
            data={"start_date": measure.start_date, **extra},
        )
    for surname, first in (("Martin", "Paul"), ("Dubois", "Inès"), ("Mercier", "Hugo")):
        make_person(cpip, surname=surname, first_names=first)
    return {"cpip": cpip, "eloise": eloise}


def test_cpip_journey(page, axe_source, caseload, database_turn):
    app = Probatio(page, axe_source)

    app.sign_in("camille.cpip", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon portefeuille")
    expect(page.get_by_test_id("current-membership")).to_contain_text(
        "CPIP, SPIP de Loire-Atlantique"
    )
    expect(app.results()).to_have_count(4)

    # The name filter narrows the list in place (htmx), accents and case ignored.
    app.search("menard")
    expect(app.results()).to_have_count(1)
    expect(app.results().first).to_have_text("MÉNARD Éloïse")
    assert app.still_same_document(), "the search reloaded the whole page"
    app.check_accessibility()

    app.open_person("MÉNARD Éloïse")
    expect(page.get_by_role("heading", level=1)).to_have_text("MÉNARD Éloïse")

    app.open_tab("Mesures et obligations", r"/mesures/$")
    expect(page.get_by_role("heading", name="Sursis probatoire")).to_be_visible()
    expect(page.get_by_text("Mme Violette Protégée")).to_be_visible()

    app.open_tab("Chronologie", r"/chronologie/$")
    app.click_and_check(
        page.get_by_role("link", name="Ajouter une note d'entretien"), r"/notes/nouvelle/$"
    )

    app.type_note("Point sur la formation", "Elle a commencé sa formation de cariste lundi.")
    # The draft is sent to the server every 5 seconds while typing.
    expect(app.autosave_status()).to_contain_text("Brouillon enregistré", timeout=9_000)
    person = caseload["eloise"]
    with database_turn:
        draft = NoteDraft.objects.get(person=person)
    assert draft.subject == "Point sur la formation"
    app.check_accessibility()

    app.click_and_check(page.get_by_role("button", name="Enregistrer la note"), r"/chronologie/$")
    expect(
        page.get_by_text("Note enregistrée ; elle apparaît dans la chronologie.")
    ).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    expect(timeline.get_by_role("link", name="Point sur la formation")).to_be_visible()
    expect(timeline).to_contain_text("Elle a commencé sa formation de cariste lundi.")
    with database_turn:
        assert InterviewNote.objects.filter(
            person=person, subject="Point sur la formation"
        ).exists()
        assert not NoteDraft.objects.filter(person=person).exists()

    assert len(app.checked) >= 7
