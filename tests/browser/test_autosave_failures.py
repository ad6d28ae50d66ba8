"""The autosave of a note tells a server failure from an expired session: a 503 from the draft
URL (a database refusing writes) says the server could not save and that it will try again,
which it does; an ended session says to sign in again. The text stays in the page."""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from probatio.notes.models import NoteDraft
from tests.browser.pages import Probatio
from tests.factories import PASSWORD, MembershipFactory, ServiceFactory, make_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# What the server answers when its database refuses writes (core.views.write_refused).
REFUSED = "<!DOCTYPE html><html lang='fr'><title>Enregistrement impossible</title></html>"


def test_the_autosave_tells_a_server_failure_from_an_expired_session(
    page, axe_source, database_turn
):
    service = ServiceFactory(name="SPIP de la Sarthe", department_code="972")
    cpip = MembershipFactory(service=service, role="cpip", user__username="camille.brouillon")
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    app = Probatio(page, axe_source)
    app.sign_in("camille.brouillon", PASSWORD)
    app.visit(f"/personnes/{person.pk}/notes/nouvelle/")

    # The server fails (503): not a session matter; the text stays, the save is retried.
    draft_url = re.compile(r".*/notes/brouillon/$")
    page.route(draft_url, lambda route: route.fulfill(status=503, body=REFUSED))
    app.type_note("Point sur la formation", "Elle a commencé sa formation lundi.")
    status = app.autosave_status()
    expect(status).to_contain_text(
        "Le serveur n'a pas pu enregistrer le brouillon : votre texte reste dans cette page",
        timeout=9_000,
    )
    expect(status).not_to_contain_text("session")
    expect(page.locator("#id_body")).to_have_value("Elle a commencé sa formation lundi.")

    # The server is back: the next round saves the same text without a keystroke.
    page.unroute(draft_url)
    expect(status).to_contain_text("Brouillon enregistré", timeout=9_000)
    with database_turn:
        assert NoteDraft.objects.get(person=person).body == "Elle a commencé sa formation lundi."

    # The session has ended (the draft URL now sends to the sign-in page): sign in again.
    with database_turn:
        Session.objects.all().delete()
    page.locator("#id_body").press_sequentially(" Premier bilan vendredi.", delay=5)
    expect(status).to_contain_text("Votre session a expiré", timeout=9_000)
    expect(page.locator("#id_body")).to_have_value(
        "Elle a commencé sa formation lundi. Premier bilan vendredi."
    )
