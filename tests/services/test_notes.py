"""Interview notes: writing, drafts, and what each role sees of them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from probatio.access.policy import NoteAccess
from probatio.audit.models import AuditEntry
from probatio.audit.services import NOT_KEPT
from probatio.notes import services
from probatio.notes.models import InterviewNote, NoteDraft
from probatio.notes.selectors import notes_visible_to
from probatio.people.models import TimelineEvent
from tests.factories import gate

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 2)


def write(membership, person, **data):
    payload = {
        "interview_date": date(2025, 5, 28),
        "subject": "Entretien de suivi",
        "body": "La personne a présenté ses bulletins de salaire.",
        **data,
    }
    return services.note_create(gated=gate(membership, person), data=payload, today=TODAY)


def test_note_create(cpip, person):
    note = write(cpip, person, subject="Premier entretien", confidential=True)
    note.refresh_from_db()
    assert (note.author, note.author_role, note.person) == (cpip.user, "cpip", person)
    assert note.confidential is True and note.restricted_to == ""
    assert note.body == "La personne a présenté ses bulletins de salaire."
    entry = AuditEntry.objects.get(object_type="notes.interviewnote", object_id=note.pk)
    assert entry.action == "create" and entry.person_id == person.pk
    assert entry.changes == {
        "subject": [NOT_KEPT, NOT_KEPT],  # a free text: its name only (audit.fields)
        "confidential": [None, True],
        "restricted_to": [None, ""],
    }
    # The journal never holds the body of a note.
    assert "bulletins" not in str(entry.changes) + entry.summary
    event = TimelineEvent.objects.get(person=person, kind="note")
    # The timeline line carries no subject: the note's access rule decides what is shown.
    assert (event.title, event.object_id) == ("Note d'entretien", note.pk)


def test_psychologist_may_restrict_a_note_to_psychologists(psychologist, person):
    note = write(psychologist, person, restricted_to="psychologist")
    assert note.restricted_to == "psychologist"


@pytest.mark.parametrize(
    ("role", "restricted_to"),
    [
        ("psychologist", "social_worker"),
        ("social_worker", "psychologist"),
        ("cpip", "psychologist"),
        ("cpip", "cpip"),
        ("manager", "psychologist"),
        ("psychologist", "judge"),
    ],
)
def test_a_note_may_only_be_restricted_to_the_authors_profession(
    member, person, role, restricted_to
):
    before = (InterviewNote.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as error:
        write(member(role), person, restricted_to=restricted_to)
    assert error.value.message_dict == {
        "restricted_to": ["Vous ne pouvez réserver une note qu'à votre propre profession."]
    }
    assert (InterviewNote.objects.count(), AuditEntry.objects.count()) == before


def test_interview_in_the_future_is_refused(cpip, person):
    with pytest.raises(ValidationError) as error:
        write(cpip, person, interview_date=date(2025, 6, 3))
    assert list(error.value.message_dict) == ["interview_date"]
    assert not InterviewNote.objects.exists()


def test_empty_subject_is_refused(cpip, person):
    with pytest.raises(ValidationError) as error:
        write(cpip, person, subject="")
    assert "subject" in error.value.message_dict


# --- drafts ------------------------------------------------------------------------------


def test_draft_save_and_get(cpip, person):
    assert services.draft_get(gated=gate(cpip, person)) is None
    services.draft_save(
        gated=gate(cpip, person),
        data={"subject": "Brouillon", "body": "Début", "confidential": "on"},
    )
    services.draft_save(
        gated=gate(cpip, person),
        data={
            "subject": "Brouillon",
            "body": "Début puis suite",
            "interview_date": date(2025, 5, 30),
        },
    )
    draft = services.draft_get(gated=gate(cpip, person))
    assert (draft.subject, draft.body, draft.interview_date) == (
        "Brouillon",
        "Début puis suite",
        date(2025, 5, 30),
    )
    assert draft.confidential is False  # the last save is what counts
    assert NoteDraft.objects.count() == 1


def test_draft_is_personal(cpip, member, person):
    services.draft_save(gated=gate(cpip, person), data={"body": "À moi"})
    assert services.draft_get(gated=gate(member("cpip"), person)) is None


def test_draft_truncates_overlong_values(cpip, person):
    services.draft_save(
        gated=gate(cpip, person),
        data={"subject": "s" * 250, "body": "b" * 20010, "restricted_to": None},
    )
    draft = services.draft_get(gated=gate(cpip, person))
    assert (len(draft.subject), len(draft.body), draft.restricted_to) == (200, 20000, "")


def test_draft_is_deleted_when_the_note_is_saved(cpip, member, person):
    colleague = member("cpip")
    services.draft_save(gated=gate(cpip, person), data={"body": "Brouillon"})
    services.draft_save(gated=gate(colleague, person), data={"body": "Le sien"})
    services.note_create(
        gated=gate(cpip, person),
        data={"interview_date": date(2025, 5, 28), "subject": "Suivi", "body": "Fini."},
        today=TODAY,
        draft_place=(NoteDraft.Place.NOTE, person.pk),
    )
    assert services.draft_get(gated=gate(cpip, person)) is None
    assert services.draft_get(gated=gate(colleague, person)).body == "Le sien"


def test_draft_survives_a_refused_note(cpip, person):
    services.draft_save(gated=gate(cpip, person), data={"body": "Ne pas perdre"})
    with pytest.raises(ValidationError):
        write(cpip, person, interview_date=date(2030, 1, 1))
    assert services.draft_get(gated=gate(cpip, person)).body == "Ne pas perdre"


# --- visibility --------------------------------------------------------------------------


def seen(membership, person):
    return {v.note.subject: v.access for v in notes_visible_to(membership, person)}


@pytest.fixture
def notes(cpip, social_worker, psychologist, person):
    """The person is in ``cpip``'s caseload; three notes by other professionals."""
    write(social_worker, person, subject="ordinaire")
    write(social_worker, person, subject="confidentielle", confidential=True)
    write(psychologist, person, subject="psy", restricted_to="psychologist")


F, E = NoteAccess.FULL, NoteAccess.EXISTENCE


def test_assigned_cpip_reads_confidential_notes_another_cpip_sees_existence(
    cpip, member, person, notes
):
    assert seen(cpip, person) == {"ordinaire": F, "confidentielle": F, "psy": E}
    assert seen(member("cpip"), person) == {"ordinaire": F, "confidentielle": E, "psy": E}


def test_what_each_role_sees(
    manager, secretariat, judge, monitoring, social_worker, psychologist, member, person, notes
):
    assert seen(manager, person) == {"ordinaire": F, "confidentielle": F, "psy": E}
    assert seen(monitoring, person) == {"ordinaire": F, "confidentielle": E, "psy": E}
    assert seen(social_worker, person) == {"ordinaire": F, "confidentielle": F, "psy": E}
    assert seen(member("social_worker"), person) == {"ordinaire": F, "confidentielle": E, "psy": E}
    assert seen(psychologist, person) == {"ordinaire": F, "confidentielle": E, "psy": F}
    assert seen(member("psychologist"), person) == {"ordinaire": F, "confidentielle": E, "psy": F}
    assert seen(secretariat, person) == {}
    assert seen(judge, person) == {}


def test_visible_note_readable_flag(cpip, member, person, notes):
    by_subject = {v.note.subject: v for v in notes_visible_to(member("cpip"), person)}
    assert by_subject["ordinaire"].readable is True
    assert by_subject["confidentielle"].readable is False
