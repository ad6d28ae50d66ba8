"""A CPIP's note written from an appointment is never lost: typed on the appointment's note
form, it autosaves in its own place; leaving before the server holds it asks first (the
browser's leave prompt); coming back finds it restored; saving the note ends that draft only,
while the CPIP's draft on the person's note form stays."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from probatio.agenda import services as agenda
from probatio.notes import services as notes
from probatio.notes.models import NoteDraft
from tests.browser.pages import Probatio
from tests.factories import PASSWORD, MembershipFactory, ServiceFactory, gate, make_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_note_from_an_appointment_survives_leaving_and_keeps_the_other_draft(
    page, axe_source, database_turn
):
    service = ServiceFactory(name="SPIP de la Mayenne", department_code="953")
    cpip = MembershipFactory(service=service, role="cpip", user__username="camille.rdv")
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    held = timezone.now().replace(second=0, microsecond=0) - timedelta(days=2)
    appointment = agenda.appointment_book(
        gated=gate(cpip, person),
        data={"kind": "follow_up", "place_kind": "other", "place_detail": "Mission locale",
              "starts_at": held, "ends_at": held + timedelta(minutes=45)},
        staff=[cpip.user], confirmed=True, now=held - timedelta(days=10),
    )  # fmt: skip
    # A draft begun earlier on the person's own note form.
    notes.draft_save(gated=gate(cpip, person), data={"body": "Brouillon commencé au dossier"})

    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # « Rester sur la page »

    page.on("dialog", answer)
    app = Probatio(page, axe_source)
    app.sign_in("camille.rdv", PASSWORD)
    app.visit(f"/agenda/rendez-vous/{appointment.pk}/")
    app.click_and_check(
        page.get_by_role("link", name="Rédiger la note de cet entretien"),
        rf"/agenda/rendez-vous/{appointment.pk}/note/$",
    )
    expect(page.get_by_role("link", name="Nouvelle note d'entretien")).to_be_visible()

    # The text is typed while the server cannot be reached: leaving asks first.
    draft_url = re.compile(rf".*/brouillons/rendez-vous/{appointment.pk}/$")
    page.route(draft_url, lambda route: route.abort())
    text = "Elle a trouvé un stage en boulangerie."
    page.locator("#id_body").press_sequentially(text, delay=5)
    with page.expect_event("dialog") as asked:
        page.get_by_role("link", name="Annuler").click(no_wait_after=True)
    assert asked.value.type == "beforeunload"
    assert re.search(rf"/agenda/rendez-vous/{appointment.pk}/note/$", page.url)

    # Once the server holds the draft, leaving asks nothing.
    page.unroute(draft_url)
    expect(app.autosave_status()).to_contain_text("Brouillon enregistré", timeout=9_000)
    app.click_and_check(
        page.get_by_role("link", name="Annuler"), rf"/agenda/rendez-vous/{appointment.pk}/$"
    )
    assert dialogs == ["beforeunload"]

    # Coming back: the draft is restored in the appointment's note form.
    app.click_and_check(
        page.get_by_role("link", name="Rédiger la note de cet entretien"),
        rf"/agenda/rendez-vous/{appointment.pk}/note/$",
    )
    expect(page.locator("#id_body")).to_have_value(text)
    expect(page.get_by_test_id("draft-restored")).to_contain_text("restauré")
    expect(page.get_by_test_id("drafts")).to_contain_text("Brouillon commencé au dossier")

    # Saved: this draft is gone, the one of the person's note form stays.
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer la note"),
        rf"/agenda/rendez-vous/{appointment.pk}/$",
    )
    expect(page.get_by_text("Note enregistrée et rattachée au rendez-vous.")).to_be_visible()
    with database_turn:
        kept = list(NoteDraft.objects.values_list("place_kind", "body"))
    assert kept == [("note", "Brouillon commencé au dossier")]
    app.visit(f"/personnes/{person.pk}/notes/nouvelle/")
    expect(page.locator("#id_body")).to_have_value("Brouillon commencé au dossier")
    assert dialogs == ["beforeunload"]
