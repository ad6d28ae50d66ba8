"""A session left idle is signed out (docs/security.md, « Inactivity »): after
SESSION_IDLE_MINUTES without a request, the next one leads to the sign-in page, which says why;
what was typed in a form that keeps drafts is still there once signed in again; a background
save gets a 401 the page reads (its text stays in the tab); journaled."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from probatio.audit.models import AuditEntry
from probatio.notes.models import NoteDraft
from tests.factories import PASSWORD, make_person
from tests.views.helpers import html, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _deployment_delay(settings):
    """The deployment's delay (the suite's conftest lengthens it for clock-moving tests)."""
    settings.SESSION_IDLE_MINUTES = 30


EXPIRED = "Votre session a été fermée après 30 minutes sans activité"


@pytest.fixture
def start():
    return timezone.now()


def test_activity_keeps_the_session_and_idleness_closes_it(client_for, cpip, start, settings):
    assert settings.SESSION_IDLE_MINUTES == 30
    person = make_person(cpip)
    with time_machine.travel(start, tick=False):
        client = client_for(cpip)
        assert client.get("/portefeuille/").status_code == 200
    # Requests less than 30 minutes apart, for well over 30 minutes: still signed in.
    for minutes in (25, 50, 75):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/portefeuille/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=75 + 31), tick=False):
        response = client.get(f"/personnes/{person.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/connexion/?inactif=1&next=%2Fpersonnes%2F{person.pk}%2F"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert EXPIRED in text_of(page) and "ont gardé ce que vous aviez saisi" in text_of(page)
    assert AuditEntry.objects.filter(
        actor=cpip.user, action="logout", summary="Déconnexion après inactivité"
    ).exists()


def test_a_form_left_open_keeps_its_draft_across_the_timeout(client_for, cpip, start):
    person = make_person(cpip)
    form_url = f"/personnes/{person.pk}/notes/nouvelle/"
    with time_machine.travel(start, tick=False):
        client = client_for(cpip)
        assert client.get(form_url).status_code == 200
        saved = client.post(
            f"/personnes/{person.pk}/notes/brouillon/",
            {"subject": "Entretien", "body": "Début de la note tapée avant la pause"},
            HTTP_ACCEPT="application/json",
        )
        assert saved.status_code == 200
    later = start + timedelta(minutes=45)
    with time_machine.travel(later, tick=False):
        # The autosave after the delay: a 401 the page knows, nothing written.
        late = client.post(
            f"/personnes/{person.pk}/notes/brouillon/",
            {"subject": "Entretien", "body": "Suite tapée après la pause"},
            HTTP_ACCEPT="application/json",
        )
        assert late.status_code == 401
        # The form sent after the delay (the autosave signed the session out already): to the
        # sign-in page, which says why, then back to the form.
        sent = client.post(form_url, {"subject": "Entretien", "body": "Suite"})
        assert sent.status_code == 302 and sent["Location"].startswith("/connexion/?")
        assert EXPIRED in text_of(client.get(sent["Location"]))
        signed_in = client.post(
            sent["Location"], {"username": "cpip.test", "password": PASSWORD, "next": form_url}
        )
        assert signed_in.status_code == 302 and signed_in["Location"] == form_url
        restored = client.get(form_url)
    assert "Début de la note tapée avant la pause</textarea>" in html(restored)
    assert NoteDraft.objects.get(author=cpip.user, person=person).body == (
        "Début de la note tapée avant la pause"
    )


def test_the_delay_is_a_setting(client_for, cpip, start, settings):
    settings.SESSION_IDLE_MINUTES = 5
    with time_machine.travel(start, tick=False):
        client = client_for(cpip)
        client.get("/portefeuille/")
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        response = client.get("/portefeuille/")
    assert response.status_code == 302 and "inactif=1" in response["Location"]
    page = client.get(response["Location"])
    assert "fermée après 5 minutes sans activité" in text_of(page)
