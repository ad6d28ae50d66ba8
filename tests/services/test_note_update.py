from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from probatio.audit.models import AuditEntry
from probatio.audit.services import NOT_KEPT
from probatio.notes import services
from probatio.people.models import TimelineEvent
from tests.factories import gate

SECRET = "La personne évoque une rechute, accompagnée par le CSAPA."


def _note(membership, person, **extra):
    data = {"interview_date": date(2025, 3, 1), "subject": "Entretien", "body": SECRET}
    data.update(extra)
    return services.note_create(gated=gate(membership, person), data=data)


@pytest.mark.django_db
def test_author_corrects_a_note_and_the_journal_never_holds_its_text(cpip, person):
    note = _note(cpip, person, confidential=True)
    services.note_update(
        gated=gate(cpip, note.person),
        note=note,
        data={
            "interview_date": date(2025, 3, 2),
            "subject": "Entretien de suivi",
            "body": SECRET + " Rendez-vous pris.",
            "confidential": True,
        },
    )
    note.refresh_from_db()
    assert note.subject == "Entretien de suivi"
    entry = AuditEntry.objects.get(object_type="notes.interviewnote", action="update")
    # Free texts: their name only (audit.fields), never their value.
    assert entry.changes["subject"] == [NOT_KEPT, NOT_KEPT]
    assert entry.changes["body"] == [NOT_KEPT, NOT_KEPT]
    dump = str(list(AuditEntry.objects.values_list("changes", "summary")))
    assert "rechute" not in dump
    # The timeline line names no subject: the note's own access rule decides what is shown.
    assert TimelineEvent.objects.get(kind="note").title == "Note d'entretien"


@pytest.mark.django_db
def test_only_the_author_corrects_a_note(cpip, manager, person):
    note = _note(cpip, person)
    with pytest.raises(PermissionDenied):
        services.note_update(
            gated=gate(manager, note.person),
            note=note,
            data={"interview_date": date(2025, 3, 1), "subject": "X", "body": "Y"},
        )
    note.refresh_from_db()
    assert note.subject == "Entretien"


@pytest.mark.django_db
def test_note_edit_page(client, cpip, manager, person):
    note = _note(cpip, person)
    url = f"/personnes/{person.pk}/notes/{note.pk}/modifier/"
    client.force_login(manager.user)
    assert client.get(url).status_code == 403
    client.force_login(cpip.user)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"interview_date": "2025-03-01", "subject": "Corrigée", "body": "Texte corrigé"}
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.subject, note.body) == ("Corrigée", "Texte corrigé")
