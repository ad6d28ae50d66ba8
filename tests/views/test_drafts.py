"""Drafts through the pages: the appointment's note autosaves in its own place, comes back on
its page, and its saving leaves the person's note form's draft alone (and the other way
round); « Supprimer le brouillon » removes only its own; drafts are their author's only and
another service's person is a 404."""

import pytest

from probatio.audit.models import AuditEntry
from probatio.notes.models import NoteDraft
from tests.views.helpers import html, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(world):
    return world.caseload


def appointment_urls(dossier):
    a = dossier.appointment
    return (
        f"/agenda/rendez-vous/{a.pk}/note/",
        f"/personnes/{dossier.person.pk}/brouillons/rendez-vous/{a.pk}/",
    )


def test_an_appointments_note_keeps_its_own_draft(as_role, mine, cpip):
    client = as_role("cpip")
    page, draft_url = appointment_urls(mine)
    form = html(client.get(page))
    assert f'data-autosave-url="{draft_url}"' in form

    response = client.post(draft_url, {"subject": "Entretien", "body": "Commencé au bureau"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    client.post(
        f"/personnes/{mine.person.pk}/notes/brouillon/", {"subject": "Autre", "body": "Ailleurs"}
    )
    assert NoteDraft.objects.filter(author=cpip.user, person=mine.person).count() == 2

    # Coming back to the appointment's note: its draft is restored (and only it).
    restored = client.get(page)
    assert "Commencé au bureau</textarea>" in html(restored)
    assert "restauré" in text_of(restored)
    assert "Brouillons en cours" in text_of(restored)  # the other one, with its link

    # Saving the appointment's note ends its draft; the person's note form keeps its own.
    saved = client.post(
        page, {"interview_date": "2025-02-03", "subject": "Entretien", "body": "Fini."}
    )
    assert saved.status_code == 302
    assert not NoteDraft.objects.filter(place_kind="appointment").exists()
    kept = NoteDraft.objects.get(author=cpip.user, person=mine.person)
    assert (kept.place_kind, kept.body) == ("note", "Ailleurs")
    assert "Ailleurs</textarea>" in html(client.get(f"/personnes/{mine.person.pk}/notes/nouvelle/"))


def test_a_note_saved_from_the_person_form_leaves_the_appointments_draft(as_role, mine, cpip):
    client = as_role("cpip")
    page, draft_url = appointment_urls(mine)
    client.post(draft_url, {"body": "Pour le rendez-vous"})
    client.post(f"/personnes/{mine.person.pk}/notes/brouillon/", {"body": "Pour le dossier"})
    response = client.post(
        f"/personnes/{mine.person.pk}/notes/nouvelle/",
        {"interview_date": "2025-02-03", "subject": "Suivi", "body": "Enregistrée"},
    )
    assert response.status_code == 302
    assert list(NoteDraft.objects.values_list("place_kind", "body")) == [
        ("appointment", "Pour le rendez-vous")
    ]
    assert "Pour le rendez-vous</textarea>" in html(client.get(page))


def test_discard_removes_only_its_own_draft(as_role, mine, cpip):
    client = as_role("cpip")
    page, draft_url = appointment_urls(mine)
    client.post(draft_url, {"body": "À jeter"})
    client.post(f"/personnes/{mine.person.pk}/notes/brouillon/", {"body": "À garder"})
    assert "Supprimer le brouillon" in text_of(client.get(page))
    response = client.post(f"{draft_url}supprimer/?suivant={page}")
    assert response.status_code == 302 and response["Location"] == page
    assert list(NoteDraft.objects.values_list("body", flat=True)) == ["À garder"]
    entry = AuditEntry.objects.get(object_type="notes.notedraft", action="delete")
    assert "À jeter" not in str(entry.changes)
    # An address elsewhere is not followed.
    client.post(draft_url, {"body": "Encore"})
    response = client.post(f"{draft_url}supprimer/?suivant=https://ailleurs.example/")
    assert response["Location"] == f"/personnes/{mine.person.pk}/chronologie/"


def test_drafts_are_their_authors_only(as_role, mine, cpip):
    page, draft_url = appointment_urls(mine)
    as_role("cpip").post(draft_url, {"body": "Texte personnel du CPIP"})
    manager = as_role("manager")
    assert "Texte personnel du CPIP" not in html(manager.get(page))
    timeline = f"/personnes/{mine.person.pk}/chronologie/"
    assert "Brouillons en cours" not in text_of(manager.get(timeline))
    assert "Brouillons en cours" in text_of(as_role("cpip").get(timeline))
    # The manager's discard reaches only the manager's own (none).
    manager.post(f"{draft_url}supprimer/")
    assert NoteDraft.objects.get().body == "Texte personnel du CPIP"


def test_another_services_person_is_a_404(as_role, world):
    foreign = world.foreign
    client = as_role("cpip")
    base = f"/personnes/{foreign.person.pk}/brouillons/rendez-vous/{foreign.appointment.pk}/"
    assert client.post(base, {"body": "x"}).status_code == 404
    assert client.post(f"{base}supprimer/").status_code == 404
    assert NoteDraft.objects.count() == 0


def test_a_role_without_the_places_action_is_refused(as_role, mine):
    page, draft_url = appointment_urls(mine)
    assert as_role("secretariat").post(draft_url, {"body": "x"}).status_code == 403
    unknown = f"/personnes/{mine.person.pk}/brouillons/nulle-part/1/"
    assert as_role("cpip").post(unknown, {"body": "x"}).status_code == 404
    assert NoteDraft.objects.count() == 0
