"""Writes on interview notes and their autosaved drafts."""

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probatio.access.policy import Action, restrictable_professions
from probatio.core.errors import field_errors
from probatio.notes.models import InterviewNote, NoteDraft
from probatio.people.journal import Event
from probatio.people.journal import before as journal_before
from probatio.people.journal import write as journal
from probatio.people.models import TimelineEvent
from probatio.people.selectors import Gated
from probatio.people.selectors import gate as _gate
from probatio.people.selectors import own as _own

DRAFT_FIELDS = ["interview_date", "subject", "body", "confidential", "restricted_to"]


@transaction.atomic
def note_create(*, gated: Gated, data: dict[str, Any], today: date | None = None) -> InterviewNote:
    membership, person = _gate(gated, Action.WRITE_NOTE)
    today = today or timezone.localdate()
    restricted_to = data.get("restricted_to") or ""
    if restricted_to and restricted_to not in restrictable_professions(membership.role):
        raise field_errors(
            restricted_to="Vous ne pouvez réserver une note qu'à votre propre profession."
        )
    if data["interview_date"] > today:
        raise field_errors(interview_date="La date de l'entretien ne peut pas être future.")
    note = InterviewNote(
        person=person,
        author=membership.user,
        author_role=membership.role,
        interview_date=data["interview_date"],
        subject=data["subject"],
        body=data["body"],
        confidential=bool(data.get("confidential")),
        restricted_to=restricted_to,
    )
    note.full_clean()
    note.save()
    NoteDraft.objects.filter(person=person, author=membership.user).delete()
    journal(
        membership,
        note,
        person=person,
        summary="Nouvelle note d'entretien",
        fields=["subject", "confidential", "restricted_to"],  # never the body
        # Not the subject: the timeline shows it only to who may read the note.
        timeline=Event(TimelineEvent.Kind.NOTE, "Note d'entretien"),
    )
    return note


@transaction.atomic
def note_update(
    *,
    gated: Gated,
    note: InterviewNote,
    data: dict[str, Any],
    today: date | None = None,
) -> InterviewNote:
    """Only the author corrects a note; the journal keeps what changed (the text as a
    fingerprint, so that the journal never holds a confidential note's content)."""
    membership, person = _gate(gated, Action.WRITE_NOTE)
    _own(person, note.person_id)
    if note.author_id != membership.user_id:
        raise PermissionDenied("Seul l'auteur peut modifier une note.")
    today = today or timezone.localdate()
    restricted_to = data.get("restricted_to") or ""
    if restricted_to and restricted_to not in restrictable_professions(membership.role):
        raise field_errors(
            restricted_to="Vous ne pouvez réserver une note qu'à votre propre profession."
        )
    if data["interview_date"] > today:
        raise field_errors(interview_date="La date de l'entretien ne peut pas être future.")
    before = journal_before(note, ["interview_date", "subject", "confidential", "restricted_to"])
    old_body = note.body
    note.interview_date = data["interview_date"]
    note.subject = data["subject"]
    note.body = data["body"]
    note.confidential = bool(data.get("confidential"))
    note.restricted_to = restricted_to
    note.full_clean()
    note.save()
    if note.body != old_body:
        before["body"] = old_body  # journaled by name only (audit.fields): never the text
    journal(membership, note, person=person, summary="Note d'entretien corrigée", before=before)
    return note


def draft_save(*, gated: Gated, data: dict[str, Any]) -> NoteDraft:
    """Autosave: the author's own text, kept apart from the file (not an audited change of
    the dossier; the note itself is audited when saved)."""
    membership, person = _gate(gated, Action.WRITE_NOTE)
    clean = {k: data.get(k) for k in DRAFT_FIELDS}
    clean["subject"] = (clean["subject"] or "")[:200]
    clean["body"] = (clean["body"] or "")[:20000]
    clean["confidential"] = bool(clean["confidential"])
    clean["restricted_to"] = (clean["restricted_to"] or "")[:20]
    draft, _ = NoteDraft.objects.update_or_create(
        person=person, author=membership.user, defaults=clean
    )
    return draft


def draft_get(*, gated: Gated) -> NoteDraft | None:
    membership, person = _gate(gated, Action.WRITE_NOTE)
    return NoteDraft.objects.filter(person=person, author=membership.user).first()
