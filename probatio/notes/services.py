"""Writes on interview notes and their autosaved drafts."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from probatio.access.policy import restrictable_professions
from probatio.accounts.models import Membership
from probatio.audit import services as audit
from probatio.core.errors import field_errors
from probatio.notes.models import InterviewNote, NoteDraft
from probatio.people.models import Person, TimelineEvent
from probatio.people.services import timeline_add

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
        title=note.subject,
        actor=membership.user,
        instance=note,
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
