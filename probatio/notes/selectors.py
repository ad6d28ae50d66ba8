from dataclasses import dataclass

from django.db.models import QuerySet

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
