"""Interview notes through the pages: writing, who reads what, drafts saved as one types."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from probatio.audit.models import AuditEntry
from probatio.notes.models import InterviewNote, NoteDraft
from probatio.people.models import TimelineEvent
from tests.views.helpers import DsfrCheckingClient, field_error, html, text_of


@pytest.fixture
def mine(world):
    return world.caseload


def note_data(**overrides) -> dict:
    data = {
        "interview_date": timezone.localdate().isoformat(),
        "subject": "Point sur la recherche d'emploi",
        "body": "Trois candidatures envoyées ce mois-ci ; un entretien prévu.",
    }
    data.update(overrides)
    return data


def write_note(client, person, **overrides) -> InterviewNote:
    response = client.post(f"/personnes/{person.pk}/notes/nouvelle/", note_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"/personnes/{person.pk}/chronologie/"
    return InterviewNote.objects.latest("pk")


def timeline(client, person):
    response = client.get(f"/personnes/{person.pk}/chronologie/")
    assert response.status_code == 200
    return response


def test_a_new_note_appears_in_the_timeline(as_role, mine, cpip):
    client = as_role("cpip")
    form = client.get(f"/personnes/{mine.person.pk}/notes/nouvelle/")
    assert form.status_code == 200
    assert f'value="{timezone.localdate().isoformat()}"' in html(form)
    note = write_note(client, mine.person)
    assert (note.author, note.author_role, note.confidential) == (cpip.user, "cpip", False)
    assert (
        TimelineEvent.objects.filter(person=mine.person, kind="note", object_id=note.pk).count()
        == 1
    )
    assert (
        AuditEntry.objects.filter(
            action="create", object_type="notes.interviewnote", object_id=note.pk
        ).count()
        == 1
    )
    page = timeline(client, mine.person)
    content = html(page)
    assert "Note enregistrée ; elle apparaît dans la chronologie." in content
    assert "Point sur la recherche d&#x27;emploi" in content
    assert f'href="/personnes/{mine.person.pk}/notes/{note.pk}/"' in content
    detail = client.get(f"/personnes/{mine.person.pk}/notes/{note.pk}/")
    assert detail.status_code == 200
    assert "Trois candidatures envoyées" in html(detail)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"subject": ""}, "id_subject", "Ce champ est obligatoire."),
        ({"body": ""}, "id_body", "Ce champ est obligatoire."),
        (
            {"interview_date": "TOMORROW"},
            "id_interview_date",
            "La date de l'entretien ne peut pas être future.",
        ),
    ],
)
def test_an_invalid_note_saves_nothing(as_role, mine, overrides, field, message):
    if overrides.get("interview_date") == "TOMORROW":
        overrides = {"interview_date": (timezone.localdate() + timedelta(days=1)).isoformat()}
    before = InterviewNote.objects.count()
    response = as_role("cpip").post(
        f"/personnes/{mine.person.pk}/notes/nouvelle/", note_data(**overrides)
    )
    assert response.status_code == 400
    assert field_error(response, field) == message
    assert InterviewNote.objects.count() == before


# --- confidential notes --------------------------------------------------------------------

# A confidential note written by the monitoring officer about a person of cpip's caseload.
CONFIDENTIAL_READERS = {
    "monitoring": "full",  # the author
    "cpip": "full",  # the assigned CPIP
    "manager": "full",
    "cpip2": "reserved",  # another CPIP
    "psychologist": "reserved",
    "social_worker": "reserved",
    "secretariat": "reserved",  # reads no note at all
}


@pytest.fixture
def confidential(as_role, mine):
    return write_note(
        as_role("monitoring"),
        mine.person,
        subject="Incident de pose",
        body="Détail confidentiel du bracelet.",
        confidential="on",
    )


@pytest.mark.parametrize("reader", list(CONFIDENTIAL_READERS))
def test_a_confidential_note_is_reserved(confidential, mine, as_role, reader):
    assert confidential.confidential
    client = as_role(reader)
    page = html(timeline(client, mine.person))
    detail = client.get(f"/personnes/{mine.person.pk}/notes/{confidential.pk}/")
    if CONFIDENTIAL_READERS[reader] == "full":
        assert "Incident de pose" in page
        assert "Détail confidentiel du bracelet." in page
        assert detail.status_code == 200
        assert "Détail confidentiel du bracelet." in html(detail)
    else:
        assert "Incident de pose" not in page
        assert "Détail confidentiel" not in page
        assert "note réservée" in page
        assert f"/notes/{confidential.pk}/" not in page
        assert detail.status_code == 403
        assert "Détail confidentiel" not in html(detail)


def test_a_psychologist_restricted_note(as_role, mine, member):
    psy = as_role("psychologist")
    form = psy.get(f"/personnes/{mine.person.pk}/notes/nouvelle/")
    assert "Réserver à ma profession" in html(form)
    note = write_note(
        psy,
        mine.person,
        subject="Évaluation psychologique",
        body="Contenu réservé aux psychologues.",
        restricted_to="psychologist",
    )
    assert note.restricted_to == "psychologist"
    detail_url = f"/personnes/{mine.person.pk}/notes/{note.pk}/"

    manager = as_role("manager")
    page = html(timeline(manager, mine.person))
    assert "Évaluation psychologique" not in page
    assert "Contenu réservé" not in page
    assert "note réservée" in page
    assert manager.get(detail_url).status_code == 403
    assert as_role("cpip").get(detail_url).status_code == 403

    # Another psychologist of the service reads it.
    colleague = DsfrCheckingClient()
    colleague.force_login(member("psychologist").user)
    assert colleague.get(detail_url).status_code == 200
    assert psy.get(detail_url).status_code == 200


def test_only_ones_own_profession_may_be_chosen(as_role, mine):
    cpip_form = html(as_role("cpip").get(f"/personnes/{mine.person.pk}/notes/nouvelle/"))
    assert "restricted_to" not in cpip_form
    response = as_role("social_worker").post(
        f"/personnes/{mine.person.pk}/notes/nouvelle/", note_data(restricted_to="psychologist")
    )
    assert response.status_code == 400
    assert not InterviewNote.objects.filter(restricted_to="psychologist").exists()


# --- autosave --------------------------------------------------------------------------------


def test_autosave_keeps_a_draft_restored_then_deleted(as_role, mine, cpip):
    client = as_role("cpip")
    url = f"/personnes/{mine.person.pk}/notes/brouillon/"
    response = client.post(
        url,
        {
            "interview_date": "2025-05-05",
            "subject": "Brouillon",
            "body": "Début de la note, pas encore fini",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    saved_at = json.loads(response.content)["saved_at"]
    assert len(saved_at) == 8 and saved_at.count(":") == 2  # HH:MM:SS
    draft = NoteDraft.objects.get(person=mine.person, author=cpip.user)
    assert draft.body == "Début de la note, pas encore fini"
    assert draft.interview_date == date(2025, 5, 5)
    # Saving again updates the same draft.
    client.post(url, {"subject": "Brouillon", "body": "Début de la note, presque fini"})
    assert NoteDraft.objects.get().body == "Début de la note, presque fini"

    form = client.get(f"/personnes/{mine.person.pk}/notes/nouvelle/")
    content = html(form)
    assert "Début de la note, presque fini</textarea>" in content
    assert 'value="Brouillon"' in content
    assert "restauré" in text_of(form)
    # Drafts are the author's own: another writer starts from a blank form.
    manager_form = html(as_role("manager").get(f"/personnes/{mine.person.pk}/notes/nouvelle/"))
    assert "presque fini" not in manager_form

    write_note(client, mine.person)
    assert not NoteDraft.objects.filter(person=mine.person, author=cpip.user).exists()
    assert "presque fini" not in html(client.get(f"/personnes/{mine.person.pk}/notes/nouvelle/"))


def test_autosave_is_not_an_audited_change(as_role, mine):
    before = AuditEntry.objects.exclude(action="read").count()
    as_role("cpip").post(
        f"/personnes/{mine.person.pk}/notes/brouillon/", {"subject": "x", "body": "y"}
    )
    assert AuditEntry.objects.exclude(action="read").count() == before


def test_autosave_refuses_get(as_role, mine):
    assert as_role("cpip").get(f"/personnes/{mine.person.pk}/notes/brouillon/").status_code == 405


def test_anonymous_autosave_is_sent_to_sign_in(client, mine):
    url = f"/personnes/{mine.person.pk}/notes/brouillon/"
    response = client.post(url, {"subject": "x", "body": "y"})
    assert response.status_code == 302
    assert response["Location"] == f"/connexion/?next={url}"
    assert not response["Content-Type"].startswith("application/json")
    assert NoteDraft.objects.count() == 0


def test_autosave_outside_the_caseload_is_refused(as_role, world):
    response = as_role("cpip").post(
        f"/personnes/{world.service_only.person.pk}/notes/brouillon/", {"body": "x"}
    )
    assert response.status_code == 403
    assert NoteDraft.objects.count() == 0
