import json
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from probatio.access.policy import NoteAccess, NoteFacts, note_access
from probatio.accounts.models import Membership
from probatio.core.gates import get_or_404
from probatio.notes.models import FORM_PLACES, InterviewNote, NoteDraft
from probatio.people.models import Person
from probatio.people.selectors import Gated, require_gated


@dataclass
class VisibleNote:
    note: InterviewNote
    access: NoteAccess

    @property
    def readable(self) -> bool:
        return self.access is NoteAccess.FULL


def access_to(note: InterviewNote, membership: Membership, person: Person) -> NoteAccess:
    return note_access(
        membership.role,
        NoteFacts(
            is_author=note.author_id == membership.user_id,
            confidential=note.confidential,
            restricted_to=note.restricted_to,
            is_assigned_cpip=person.assigned_cpip_id == membership.user_id,
        ),
    )


def notes_visible_to(
    membership: Membership, person: Person, queryset: QuerySet[InterviewNote] | None = None
) -> list[VisibleNote]:
    """The person's notes with what this membership may see of each (content or existence)."""
    queryset = queryset if queryset is not None else person.notes.all()
    result = []
    for note in queryset.select_related("author"):
        access = access_to(note, membership, person)
        if access is not NoteAccess.NONE:
            result.append(VisibleNote(note=note, access=access))
    return result


def note_get(person: Person, pk: int, *, with_author: bool = False) -> InterviewNote:
    """One of the person's notes (404 otherwise); what the reader may see of it is
    ``access_to``'s answer."""
    notes = InterviewNote.objects.filter(person=person)
    if with_author:
        notes = notes.select_related("author")
    return get_or_404(notes, pk=pk)


def notes_by_pk(person: Person, pks: list[int]) -> dict[int, InterviewNote]:
    """The person's notes among ``pks`` ({pk: note}), in one query."""
    return {n.pk: n for n in InterviewNote.objects.filter(pk__in=pks, person=person)}


# --- Drafts: their author's only ---------------------------------------------------------


def draft_form_values(draft: NoteDraft | None, fields: dict[str, str]) -> dict[str, Any]:
    """A form's initial values kept by ``draft``, by the form's field names (``fields``:
    ``services.PLACE_FIELDS[place]``); empty values left out."""
    if draft is None:
        return {}
    if draft.place_kind in FORM_PLACES:
        return form_draft_values(draft)
    values = {name: getattr(draft, field) for name, field in fields.items()}
    return {k: v for k, v in values.items() if v not in (None, "")}


def form_draft_values(draft: NoteDraft) -> dict[str, str]:
    """The values of a form kept whole in the draft's ``body`` (``models.FORM_PLACES``)."""
    try:
        values = json.loads(draft.body or "{}")
    except ValueError:
        return {}
    if not isinstance(values, dict):
        return {}
    return {str(k): str(v) for k, v in values.items() if v not in (None, "")}


def _excerpt(draft: NoteDraft) -> str:
    """What « Brouillons en cours » quotes of a draft: its text; of a form kept whole, its
    summary only (never an answer of the grid, which may be sensitive)."""
    if draft.place_kind in FORM_PLACES:
        return form_draft_values(draft).get("summary", "")[:80]
    return (draft.subject or draft.body or draft.reasons)[:80]


def dismissal_place_id(
    *, appointment_id=None, obligation_id=None, period_start=None, source=None, source_id=None
) -> str:
    """A proposed incident has no row yet: its dismissal reason's place is named after what
    it is about (the missed appointment, the obligation and the period without proof, or
    another app's record: ``compliance.sources``, its parameter and id)."""
    if appointment_id:
        return f"rdv-{appointment_id}"
    if source and source_id:
        return f"{source}-{source_id}"
    period = period_start.isoformat() if hasattr(period_start, "isoformat") else period_start
    return f"obl-{obligation_id}-{period or ''}"


def drafts_in(gated: Gated, place: str) -> dict[str, str]:
    """The author's drafts in every place of one kind on this person ({place id: text}):
    the inline reason fields of a page restore their text from it."""
    gated = require_gated(gated)
    return dict(
        NoteDraft.objects.filter(
            person=gated.person, author_id=gated.membership.user_id, place_kind=place
        ).values_list("place_id", "body")
    )


def _place_url(draft: NoteDraft) -> str:
    """The page where the draft was written, where it is restored."""
    Place, pk, key = NoteDraft.Place, draft.person_id, draft.place_id
    if draft.place_kind == Place.NOTE:
        return reverse("notes:create", args=[pk])
    if draft.place_kind == Place.APPOINTMENT and key.isdigit():
        return reverse("agenda:note", args=[int(key)])
    if draft.place_kind == Place.PROOF_REFUSAL:
        return reverse("compliance:proofs", args=[pk]) + f"#reason-{key}"
    if draft.place_kind == Place.INCIDENT_DISMISSAL:
        return reverse("compliance:incidents", args=[pk]) + f"#dismiss-{key}"
    if draft.place_kind == Place.JUDGE_ANSWER and key.isdigit():
        return reverse("transitions:answer", args=[int(key)])
    if draft.place_kind == Place.ASSESSMENT:
        return reverse("assessments:new", args=[pk])
    return reverse("notes:timeline", args=[pk])


# The places of writing in the drafts' URLs (French paths; the codes stay in the code).
PLACE_SLUGS = {
    NoteDraft.Place.NOTE: "note",
    NoteDraft.Place.APPOINTMENT: "rendez-vous",
    NoteDraft.Place.PROOF_REFUSAL: "refus-justificatif",
    NoteDraft.Place.INCIDENT_DISMISSAL: "manquement-ecarte",
    NoteDraft.Place.JUDGE_ANSWER: "reponse-magistrat",
    NoteDraft.Place.ASSESSMENT: "evaluation",
}


@dataclass
class DraftLink:
    draft: NoteDraft
    url: str
    excerpt: str

    @property
    def slug(self) -> str:
        return PLACE_SLUGS[self.draft.place_kind]


def drafts_of(gated: Gated) -> list[DraftLink]:
    """« Brouillons en cours »: the signed-in author's drafts on this person, in every place,
    the latest first, each with the page it is restored on. Nobody else's."""
    gated = require_gated(gated)
    drafts = NoteDraft.objects.filter(person=gated.person, author_id=gated.membership.user_id)
    return [DraftLink(draft=d, url=_place_url(d), excerpt=_excerpt(d)) for d in drafts]
