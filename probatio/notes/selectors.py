from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from probatio.access.policy import NoteAccess, NoteFacts, note_access
from probatio.accounts.models import Membership
from probatio.notes.models import InterviewNote
from probatio.people.models import Person


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
    return get_object_or_404(notes, pk=pk)


def notes_by_pk(person: Person, pks: list[int]) -> dict[int, InterviewNote]:
    """The person's notes among ``pks`` ({pk: note}), in one query."""
    return {n.pk: n for n in InterviewNote.objects.filter(pk__in=pks, person=person)}
