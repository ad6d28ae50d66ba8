"""Keeping ``Person.is_followed`` current (``rules.is_followed``): one UPDATE of the persons
concerned, in the transaction of the change that concerns them — a measure saved or deleted,
a committal opened, closed or deleted (signals connected in ``PeopleConfig.ready``), files
merged (``merges.services``). The lists, the queue and the loads select the files followed
through a partial index on the flag instead of testing every file of the service, closed files
included (ten for each file followed at national scale: docs/performance.md)."""

from collections.abc import Iterable

from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.db.models.signals import post_delete, post_save

from probatio.people.models import CustodyRecord, Person
from probatio.people.rules import OPEN_MEASURE_STATUSES


def followed_condition() -> Q:
    """``rules.is_followed`` in SQL, for the person of the outer query."""
    from probatio.measures.models import Measure

    measures = Measure.objects.filter(person_id=OuterRef("pk"))
    return (
        Q(Exists(CustodyRecord.objects.filter(person_id=OuterRef("pk"), release_date__isnull=True)))
        | Q(Exists(measures.filter(status__in=sorted(OPEN_MEASURE_STATUSES))))
        | ~Q(Exists(measures))
    )


def closed_on(measure_model=None, custody_model=None) -> Greatest:
    """When the file of the outer query ended: its last measure's end (its end date, or the
    day it was last changed when it has none: a measure voided or revoked without one), or its
    last release from custody when later. Retention counts its periods from it. (The models
    may be a migration's.)"""
    from probatio.measures.models import Measure

    Measure = measure_model or Measure  # noqa: N806
    custody = custody_model or CustodyRecord

    measure_end = Coalesce(F("end_date"), TruncDate("updated_at"), output_field=DateField())
    last_measure_end = Subquery(
        Measure.objects.filter(person=OuterRef("pk"))
        .annotate(ended=measure_end)
        .order_by(F("ended").desc(nulls_last=True))
        .values("ended")[:1],
        output_field=DateField(),
    )
    last_release = Subquery(
        custody.objects.filter(person=OuterRef("pk"), release_date__isnull=False)
        .order_by("-release_date")
        .values("release_date")[:1],
        output_field=DateField(),
    )
    return Greatest(
        last_measure_end,
        Coalesce(last_release, last_measure_end, output_field=DateField()),
        output_field=DateField(),
    )


def _refresh(persons) -> None:
    persons.update(
        is_followed=Case(
            When(followed_condition(), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        closed_on=Case(When(followed_condition(), then=Value(None)), default=closed_on()),
    )


def refresh_followed(person_ids: Iterable[int]) -> None:
    """Set the flag and the end of these persons' files from their measures and committals
    (one UPDATE)."""
    ids = sorted({pk for pk in person_ids if pk is not None})
    if ids:
        _refresh(Person.objects.filter(pk__in=ids))


def refresh_service(service_id: int) -> None:
    """Every file of a service at once (the national generator, after writing it)."""
    _refresh(Person.objects.filter(service_id=service_id))


def _on_change(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # fixtures and restores carry the flag with the person
        return
    refresh_followed([instance.person_id])


def connect() -> None:
    from probatio.measures.models import Measure

    for model in (Measure, CustodyRecord):
        uid = f"people_followed:{model._meta.label_lower}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid)
