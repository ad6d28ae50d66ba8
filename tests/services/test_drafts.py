"""Drafts are kept per author, person and place of writing: saving in one place never
deletes the author's draft in another; a discard removes its own draft only and is journaled
with its texts by name only; nobody but the author reads a draft."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from probatio.audit.models import AuditEntry
from probatio.audit.services import NOT_KEPT
from probatio.notes import services
from probatio.notes.models import NoteDraft
from probatio.notes.selectors import drafts_of
from tests.factories import gate

pytestmark = pytest.mark.django_db

Place = NoteDraft.Place
TODAY = date(2025, 6, 2)


def note(cpip, person, **extra):
    return services.note_create(
        gated=gate(cpip, person),
        data={"interview_date": date(2025, 5, 28), "subject": "Suivi", "body": "Texte final."},
        today=TODAY,
        **extra,
    )


def test_two_places_keep_two_drafts_that_survive_each_others_saving(cpip, person):
    services.draft_save(gated=gate(cpip, person), data={"body": "Depuis le dossier"})
    services.draft_save(
        gated=gate(cpip, person),
        data={"body": "Depuis le rendez-vous", "subject": "Entretien"},
        place=Place.APPOINTMENT,
        place_id=41,
    )
    assert NoteDraft.objects.filter(person=person, author=cpip.user).count() == 2

    # The appointment's note is saved: the person's note form keeps its draft.
    note(cpip, person, draft_place=(Place.APPOINTMENT, 41))
    assert services.draft_get(gated=gate(cpip, person)).body == "Depuis le dossier"
    assert (
        services.draft_get(gated=gate(cpip, person), place=Place.APPOINTMENT, place_id=41) is None
    )

    # And the other way round: a note saved from the person's form leaves other places alone.
    services.draft_save(
        gated=gate(cpip, person), data={"body": "Encore"}, place=Place.APPOINTMENT, place_id=41
    )
    note(cpip, person, draft_place=(Place.NOTE, person.pk))
    assert services.draft_get(gated=gate(cpip, person)) is None
    kept = services.draft_get(gated=gate(cpip, person), place=Place.APPOINTMENT, place_id=41)
    assert kept.body == "Encore"


def test_a_note_saved_without_its_place_deletes_no_draft(cpip, person):
    """The appointment's note is written through the agenda's service, which names no place:
    nothing of the author's drafts goes with it (the page ends its own draft)."""
    services.draft_save(gated=gate(cpip, person), data={"body": "À garder"})
    note(cpip, person)
    assert services.draft_get(gated=gate(cpip, person)).body == "À garder"


def test_one_draft_per_author_person_and_place(cpip, person):
    services.draft_save(gated=gate(cpip, person), data={"body": "Un"})
    with pytest.raises(IntegrityError), transaction.atomic():
        NoteDraft.objects.create(
            person=person, author=cpip.user, place_kind=Place.NOTE, place_id=str(person.pk)
        )


def test_discard_removes_only_its_own_draft_and_is_journaled_by_name_only(cpip, member, person):
    colleague = member("cpip", user__username="cpip.collegue")
    secret = "Elle dit avoir quitté le domicile de son compagnon"
    services.draft_save(gated=gate(cpip, person), data={"subject": "Hébergement", "body": secret})
    services.draft_save(
        gated=gate(cpip, person), data={"body": "Autre"}, place=Place.APPOINTMENT, place_id=7
    )
    services.draft_save(gated=gate(colleague, person), data={"body": "Le sien"})

    assert services.draft_discard(gated=gate(cpip, person)) is True
    assert services.draft_get(gated=gate(cpip, person)) is None
    assert services.draft_get(gated=gate(cpip, person), place=Place.APPOINTMENT, place_id=7)
    assert services.draft_get(gated=gate(colleague, person)).body == "Le sien"
    assert services.draft_discard(gated=gate(cpip, person)) is False  # nothing left

    entry = AuditEntry.objects.get(object_type="notes.notedraft", action="delete")
    assert entry.changes["body"][0] == NOT_KEPT
    assert entry.changes["subject"][0] == NOT_KEPT
    assert entry.changes["place_kind"][0] == "note"
    assert secret not in str(AuditEntry.objects.values_list("changes", "summary", "context"))


def test_a_draft_is_read_by_its_author_only(cpip, member, person):
    colleague = member("cpip", user__username="cpip.lecteur")
    manager = member("manager", user__username="dpip.lecteur")
    services.draft_save(
        gated=gate(cpip, person), data={"body": "À moi"}, place=Place.APPOINTMENT, place_id=3
    )
    for other in (colleague, manager):
        assert (
            services.draft_get(gated=gate(other, person), place=Place.APPOINTMENT, place_id=3)
            is None
        )
        assert drafts_of(gate(other, person)) == []
        # Another author's discard does not reach it.
        assert (
            services.draft_discard(gated=gate(other, person), place=Place.APPOINTMENT, place_id=3)
            is False
        )
    assert [d.draft.body for d in drafts_of(gate(cpip, person))] == ["À moi"]


def test_each_place_asks_its_own_action(cpip, member, person):
    """A secretariat may not write notes: no draft of a note either."""
    secretariat = member("secretariat", user__username="secretariat.brouillon")
    with pytest.raises(PermissionDenied):
        services.draft_save(gated=gate(secretariat, person), data={"body": "x"})
    with pytest.raises(PermissionDenied):
        services.draft_save(gated=gate(cpip, person), data={"body": "x"}, place="nowhere")
    assert NoteDraft.objects.count() == 0


def test_reasons_go_to_their_place(cpip, person):
    services.draft_save(
        gated=gate(cpip, person),
        data={"reason": "Attestation illisible"},
        place=Place.PROOF_REFUSAL,
        place_id=12,
    )
    draft = services.draft_get(gated=gate(cpip, person), place=Place.PROOF_REFUSAL, place_id=12)
    assert draft.body == "Attestation illisible"
