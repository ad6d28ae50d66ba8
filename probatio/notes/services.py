"""Writes on interview notes and their autosaved drafts."""

import json
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from probatio.access.policy import Action, restrictable_professions
from probatio.core.errors import field_errors
from probatio.notes.models import FORM_PLACES, InterviewNote, NoteDraft
from probatio.people.journal import Event
from probatio.people.journal import before as journal_before
from probatio.people.journal import write as journal
from probatio.people.models import TimelineEvent
from probatio.people.selectors import Gated
from probatio.people.selectors import gate as _gate
from probatio.people.selectors import own as _own

DRAFT_FIELDS = ["interview_date", "subject", "body", "confidential", "restricted_to"]
Place = NoteDraft.Place

# What writing in each place requires of the author on the person's file: the action of the
# form the draft belongs to (so that a draft is never kept where its text could not be saved).
PLACE_ACTIONS: dict[str, Action] = {
    Place.NOTE: Action.WRITE_NOTE,
    Place.APPOINTMENT: Action.WRITE_NOTE,
    Place.PROOF_REFUSAL: Action.REVIEW_PROOF,
    Place.INCIDENT_DISMISSAL: Action.RECORD_INCIDENT,
    Place.JUDGE_ANSWER: Action.RECORD_ANSWER,
    Place.ASSESSMENT: Action.WRITE_ASSESSMENT,
}

# The draft's fields that keep each place's text (the fields of the form, by the same name,
# except the reasons' forms: their ``reason`` and the judge's ``text`` go to ``body``).
PLACE_FIELDS: dict[str, dict[str, str]] = {
    Place.NOTE: {f: f for f in DRAFT_FIELDS},
    Place.APPOINTMENT: {f: f for f in DRAFT_FIELDS},
    Place.PROOF_REFUSAL: {"reason": "body"},
    Place.INCIDENT_DISMISSAL: {"reason": "body"},
    Place.JUDGE_ANSWER: {"text": "body", "reasons": "reasons"},
}

# The places whose form's values are kept together in ``body`` (``models.FORM_PLACES``): the
# names kept, and the prefix of the grid's answers (``answer_<item code>``).
FORM_FIELDS: dict[str, tuple[frozenset[str], str]] = {
    Place.ASSESSMENT: (
        frozenset({"reason", "assessed_on", "summary", "sensitive_basis", "sensitive_reason"}),
        "answer_",
    ),
}

DRAFT_LIMITS = {"subject": 200, "body": 20000, "reasons": 20000, "restricted_to": 20}
FORM_VALUE_LIMIT = 5000  # one value of a form kept in ``body`` (the longest: the summary)


def _form_draft_body(place: str, data: Any) -> str:
    """The values of a form kept whole in ``body`` (the fields ``FORM_FIELDS`` names, the empty
    ones left out), as JSON. A draft too long for ``body`` is refused rather than cut, since
    a cut JSON object would restore nothing."""
    names, prefix = FORM_FIELDS[place]
    values = {}
    for name in data or {}:
        value = data.get(name)
        if not isinstance(name, str) or len(name) > 80 or value in (None, ""):
            continue
        if name in names or name.startswith(prefix):
            values[name] = str(value)[:FORM_VALUE_LIMIT]
    body = json.dumps(values, ensure_ascii=False, sort_keys=True)
    if len(body) > DRAFT_LIMITS["body"]:
        raise ValidationError("Le brouillon est trop long pour être enregistré.")
    return body


def _place(gated: Gated, place: str, place_id: Any) -> tuple[Any, Any, str, str]:
    """The gate for a place of writing: its form's action, the acting membership, the
    person, the place and its identifier (the person's own for their note form)."""
    if place not in PLACE_ACTIONS:
        _gate(gated, Action.WRITE_NOTE)  # a raw person is refused as such first
        raise PermissionDenied("Ce lieu de rédaction n'existe pas.")
    membership, person = _gate(gated, PLACE_ACTIONS[place])
    key = str(person.pk if place_id in (None, "") else place_id)[:64]
    return membership, person, str(place), key


@transaction.atomic
def note_create(
    *,
    gated: Gated,
    data: dict[str, Any],
    today: date | None = None,
    draft_place: tuple[str, Any] | None = None,
) -> InterviewNote:
    """A new note. ``draft_place`` (place, id): where it was written, whose draft goes with
    its saving; the author's drafts elsewhere stay."""
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
    if draft_place is not None:
        draft_done(gated=gated, place=draft_place[0], place_id=draft_place[1])
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


def draft_save(
    *,
    gated: Gated,
    data: dict[str, Any],
    place: str = Place.NOTE,
    place_id: Any = None,
) -> NoteDraft:
    """Autosave: the author's own text, kept apart from the file (not an audited change of
    the dossier; what is written is audited when saved), in its place of writing only.
    ``data`` holds the form's fields by their names in the form (``PLACE_FIELDS``)."""
    membership, person, place, key = _place(gated, place, place_id)
    data = data or {}
    clean: dict[str, Any] = {}
    if place in FORM_PLACES:
        clean["body"] = _form_draft_body(place, data)
    for name, field in PLACE_FIELDS.get(place, {}).items():
        value = data.get(name)
        if field == "confidential":
            value = bool(value)
        elif field == "interview_date":
            value = value or None
        else:
            value = str(value or "")[: DRAFT_LIMITS[field]]
        clean[field] = value
    draft, _ = NoteDraft.objects.update_or_create(
        person=person, author=membership.user, place_kind=place, place_id=key, defaults=clean
    )
    return draft


def draft_get(*, gated: Gated, place: str = Place.NOTE, place_id: Any = None) -> NoteDraft | None:
    """The author's own draft in this place (nobody else's, ever)."""
    membership, person, place, key = _place(gated, place, place_id)
    return NoteDraft.objects.filter(
        person=person, author=membership.user, place_kind=place, place_id=key
    ).first()


@transaction.atomic
def draft_discard(*, gated: Gated, place: str = Place.NOTE, place_id: Any = None) -> bool:
    """« Supprimer le brouillon »: the author's draft in this place only, journaled (its
    texts by name only: audit.fields). False when there was none."""
    membership, person, place, key = _place(gated, place, place_id)
    draft = NoteDraft.objects.filter(
        person=person, author=membership.user, place_kind=place, place_id=key
    ).first()
    if draft is None:
        return False
    journal(
        membership,
        draft,
        person=person,
        summary=f"Brouillon supprimé ({draft.get_place_kind_display().lower()})",
        fields=["place_kind", "place_id", "subject", "body", "reasons"],
        deleted=True,
    )
    draft.delete()
    return True


@transaction.atomic
def draft_done(*, gated: Gated, place: str, place_id: Any) -> None:
    """The text of this place was saved for good (a note, a refusal, a dismissal, an
    answer): its draft goes, and only it. Called in the transaction of that saving; the
    saving itself is what the journal keeps."""
    membership, person, place, key = _place(gated, place, place_id)
    NoteDraft.objects.filter(
        person=person, author=membership.user, place_kind=place, place_id=key
    ).delete()
