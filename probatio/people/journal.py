"""One call to journal a write on a person's file: the audit entry (with its diff) and, when
asked, the line of the person's chronology, in the caller's transaction.

    before = journal.before(obligation)
    ... change and save ...
    journal.write(
        gated.membership, obligation, person=person, summary="Modification d'une obligation",
        before=before, timeline=journal.Event(TimelineEvent.Kind.MEASURE, "Obligation modifiée"),
    )

- a creation: no ``before``; every field goes from nothing to its value;
- a change: ``before`` taken with ``before()``; no change, nothing journaled (``write`` returns
  an empty dict);
- a deletion: ``deleted=True``, with the instance as it was;
- a change the instance's fields do not show (a list of staff, offences): ``changes`` given as
  is (``created=True`` for a creation).

What the journal keeps of each free-text field (its value, or only its name) is declared once
in ``audit/fields.py`` and applied by ``audit.record`` to every entry, whoever writes it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from probatio.audit import services as audit
from probatio.people.models import Person, TimelineEvent


def timeline_add(
    *,
    person: Person,
    kind: str,
    title: str,
    actor,
    detail: str = "",
    instance=None,
    occurred_at=None,
) -> TimelineEvent:
    """Add a line to the person's chronology (inside the change's transaction). ``write``
    calls it with ``timeline``; alone, for a line that journals nothing new."""
    return TimelineEvent.objects.create(
        person=person,
        kind=kind,
        title=title[:200],
        detail=detail[:500],
        actor=actor,
        occurred_at=occurred_at or timezone.now(),
        object_type=instance._meta.label_lower if instance is not None else "",
        object_id=instance.pk if instance is not None else None,
    )


@dataclass(frozen=True)
class Event:
    """The chronology line of a write (``instance``: what it points to, the journaled object
    unless given)."""

    kind: str
    title: str
    detail: str = ""
    occurred_at: datetime | None = None
    instance: models.Model | None = None


def before(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The stored values before a change (``fields``: only these)."""
    return audit.snapshot(instance, fields)


def write(
    membership,
    instance: models.Model,
    *,
    person: Person | None,
    summary: str,
    before: dict[str, Any] | None = None,
    fields: list[str] | None = None,
    deleted: bool = False,
    created: bool = False,
    changes: dict | None = None,
    timeline: Event | None = None,
) -> dict:
    """Journal a creation, a change or a deletion of ``instance`` by ``membership`` (a
    membership or the system actor) and, with ``timeline``, add its line to the person's
    chronology. Returns the changes journaled (empty: a change that changed nothing, not
    journaled)."""
    if changes is None:
        if deleted:
            action, changes = audit.Action.DELETE, audit.diff(audit.snapshot(instance, fields), {})
        elif before is None:
            action, changes = audit.Action.CREATE, audit.diff({}, audit.snapshot(instance, fields))
        else:
            action = audit.Action.UPDATE
            changes = audit.diff(before, audit.snapshot(instance, fields or list(before)))
            if not changes:
                return {}
    else:
        action = (
            audit.Action.DELETE
            if deleted
            else audit.Action.CREATE
            if created
            else audit.Action.UPDATE
        )
        if not changes:
            return {}
    audit.record_by(
        membership,
        action,
        instance,
        person_id=person.pk if person is not None else None,
        summary=summary,
        changes=changes,
    )
    if timeline is not None and person is not None:
        timeline_add(
            person=person,
            kind=timeline.kind,
            title=timeline.title,
            detail=timeline.detail,
            actor=membership.user,  # None for the system actor
            instance=timeline.instance if timeline.instance is not None else instance,
            occurred_at=timeline.occurred_at,
        )
    return changes


__all__ = ["Event", "TimelineEvent", "before", "timeline_add", "write"]
