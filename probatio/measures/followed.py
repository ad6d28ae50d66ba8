"""Keeping ``Person.is_followed`` current (``rules.is_followed``): one UPDATE of the persons
concerned, in the transaction of the change that concerns them — a measure saved or deleted,
a committal opened, closed or deleted (signals connected in ``MeasuresConfig.ready``), files
merged (``merges.services``). Here, beside the measures it reads: ``people`` may not import them. The lists, the queue and the loads select the files followed
through a partial index on the flag instead of testing every file of the service, closed files
included (ten for each file followed at national scale: docs/performance.md)."""

from collections.abc import Iterable

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.signals import post_delete, post_save

from probatio.measures.models import Measure
from probatio.people.models import CustodyRecord, Person
from probatio.people.rules import OPEN_MEASURE_STATUSES


def followed_condition() -> Q:
    """``rules.is_followed`` in SQL, for the person of the outer query."""
    measures = Measure.objects.filter(person_id=OuterRef("pk"))
    return (
        Q(Exists(CustodyRecord.objects.filter(person_id=OuterRef("pk"), release_date__isnull=True)))
        | Q(Exists(measures.filter(status__in=sorted(OPEN_MEASURE_STATUSES))))
        | ~Q(Exists(measures))
    )


def _refresh(persons) -> None:
    persons.update(
        is_followed=Case(
            When(followed_condition(), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def refresh_followed(person_ids: Iterable[int]) -> None:
    """Set the flag of these persons' files from their measures and committals (one
    UPDATE)."""
    ids = sorted({pk for pk in person_ids if pk is not None})
    if ids:
        _refresh(Person.objects.filter(pk__in=ids))


def _on_change(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # fixtures and restores carry the flag with the person
        return
    refresh_followed([instance.person_id])


def connect() -> None:
    for model in (Measure, CustodyRecord):
        uid = f"people_followed:{model._meta.label_lower}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid)
