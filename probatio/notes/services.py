"""Writes on interview notes and their autosaved drafts."""

import hashlib
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probatio.access.policy import restrictable_professions
from probatio.accounts.models import Membership
from probatio.audit import services as audit
from probatio.core.errors import field_errors
from probatio.notes.models import InterviewNote, NoteDraft
from probatio.people.journal import timeline_add
from probatio.people.models import Person, TimelineEvent

DRAFT_FIELDS = ["interview_date", "subject", "body", "confidential", "restricted_to"]


@transaction.atomic
def note_create(
    *, membership: Membership, person: Person, data: dict[str, Any], today: date | None = None
) -> InterviewNote:
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
    audit.record_by(
        membership,
        audit.Action.CREATE,
        note,
        person_id=person.pk,
        summary="Nouvelle note d'entretien",
        changes={
            "subject": [None, note.subject],
            "confidential": [None, note.confidential],
            "restricted_to": [None, note.restricted_to],
        },
    )
    timeline_add(
        person=person,
        kind=TimelineEvent.Kind.NOTE,
        # Not the subject: the timeline shows it only to who may read the note.
        title="Note d'entretien",
        actor=membership.user,
        instance=note,
    )
    return note


def _fingerprint(text: str) -> str:
    """What the journal keeps of a note's text: never the text itself."""
    return f"{len(text)} caractères, empreinte {hashlib.sha256(text.encode()).hexdigest()[:12]}"


@transaction.atomic
def note_update(
    *,
    membership: Membership,
    note: InterviewNote,
    data: dict[str, Any],
    today: date | None = None,
) -> InterviewNote:
    """Only the author corrects a note; the journal keeps what changed (the text as a
    fingerprint, so that the journal never holds a confidential note's content)."""
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
    tracked = ["interview_date", "subject", "confidential", "restricted_to"]
    before = audit.snapshot(note, tracked)
    old_body = note.body
    note.interview_date = data["interview_date"]
    note.subject = data["subject"]
    note.body = data["body"]
    note.confidential = bool(data.get("confidential"))
    note.restricted_to = restricted_to
    note.full_clean()
    note.save()
    changes = audit.diff(before, audit.snapshot(note, tracked))
    if note.body != old_body:
        changes["body"] = [_fingerprint(old_body), _fingerprint(note.body)]
    if changes:
        audit.record_by(
            membership,
            audit.Action.UPDATE,
            note,
            person_id=note.person_id,
            summary="Note d'entretien corrigée",
            changes=changes,
        )
    return note


def draft_save(*, membership: Membership, person: Person, data: dict[str, Any]) -> NoteDraft:
    """Autosave: the author's own text, kept apart from the file (not an audited change of
    the dossier; the note itself is audited when saved)."""
    clean = {k: data.get(k) for k in DRAFT_FIELDS}
    clean["subject"] = (clean["subject"] or "")[:200]
    clean["body"] = (clean["body"] or "")[:20000]
    clean["confidential"] = bool(clean["confidential"])
    clean["restricted_to"] = (clean["restricted_to"] or "")[:20]
    draft, _ = NoteDraft.objects.update_or_create(
        person=person, author=membership.user, defaults=clean
    )
    return draft


def draft_get(*, membership: Membership, person: Person) -> NoteDraft | None:
    return NoteDraft.objects.filter(person=person, author=membership.user).first()
