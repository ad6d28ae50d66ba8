"""Keeping ``FileLoad`` current: each file's facts that weigh in its CPIP's caseload (in
custody, open measures by kind, level in force), rewritten for the persons concerned in the
transaction of the change — a measure saved or deleted, a committal opened, closed or
deleted, a level decided, applied or cancelled (signals connected in
``AssessmentsConfig.ready``), files merged (``merges.services``). Here, beside the levels it
reads: ``measures`` may not import them."""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from probatio.assessments.models import FileLoad, IntensityDecision
from probatio.assessments.selectors import levels_of
from probatio.measures.models import Measure
from probatio.organisation.models import Service
from probatio.people.models import CustodyRecord, Person


def measures_text(counts: dict[str, int]) -> str:
    """{code: n} → « CODE:n CODE:n », codes in order (one text per combination: the loads
    group on it)."""
    return " ".join(f"{code}:{n}" for code, n in sorted(counts.items()) if n)


def parse_measures(text: str) -> list[tuple[str, int]]:
    """« CODE:n CODE:n » → [(code, n)] (``measures_text`` read back)."""
    pairs = []
    for part in (text or "").split():
        code, _, n = part.rpartition(":")
        pairs.append((code, int(n)))
    return pairs


def facts_of(person_ids: Iterable[int]) -> list[FileLoad]:
    """The facts of these persons, read from their rows (three queries)."""
    ids = sorted({pk for pk in person_ids if pk is not None})
    held = set(
        CustodyRecord.objects.filter(person_id__in=ids, release_date__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    counts: dict[int, dict[str, int]] = {}
    for person_id, code in Measure.objects.filter(
        person_id__in=ids, status__in=Measure.OPEN_STATUSES
    ).values_list("person_id", "measure_type_id"):
        by_code = counts.setdefault(person_id, {})
        by_code[code] = by_code.get(code, 0) + 1
    levels = levels_of(ids)
    return [
        FileLoad(
            person_id=pk,
            in_custody=pk in held,
            measures=measures_text(counts.get(pk, {})),
            level=levels.get(pk, ""),
        )
        for pk in ids
    ]


def refresh_loads(person_ids: Iterable[int]) -> None:
    """Rewrite the facts of these persons' files (four queries; persons deleted meanwhile are
    skipped)."""
    ids = set(
        Person.objects.filter(pk__in={pk for pk in person_ids if pk is not None}).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return
    FileLoad.objects.bulk_create(
        facts_of(ids),
        update_conflicts=True,
        unique_fields=["person"],
        update_fields=["in_custody", "measures", "level"],
    )


def _deletes_files(origin) -> bool:
    """Whether a deletion started from persons or services: their files go with the rows, and
    a row rewritten meanwhile would outlive its person."""
    model = origin.model if isinstance(origin, QuerySet) else type(origin)
    return model in (Person, Service)


def _on_save(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # fixtures and restores carry the facts with the person
        return
    refresh_loads([instance.person_id])


def _on_delete(sender, instance, origin=None, **kwargs) -> None:
    if _deletes_files(origin):
        return
    refresh_loads([instance.person_id])


def connect() -> None:
    for model in (Measure, CustodyRecord, IntensityDecision):
        uid = f"file_load:{model._meta.label_lower}"
        post_save.connect(_on_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_delete, sender=model, dispatch_uid=uid)
