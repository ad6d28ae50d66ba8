"""Reads of assessments and of the follow-up intensity. Person-scoped reads take a person that
came through the dossier gate (``people.selectors.person_get_for``); the service's lists take
the acting membership."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from probatio.agenda.models import Appointment
from probatio.assessments import rules
from probatio.assessments.models import (
    Assessment,
    GridVersion,
    IntensityDecision,
    IntensityRule,
    PsychologistSection,
)
from probatio.core.dates import on_day
from probatio.measures.models import Measure
from probatio.people.models import Person

# What lists of assessments show: never the answers, the sensitive items or the summary.
LIST_FIELDS = (
    "id",
    "person_id",
    "grid_version_id",
    "reason",
    "assessed_on",
    "proposed_level",
    "has_sensitive",
    "author_id",
    "author_role",
    "created_at",
)


def grid_in_use(today: date) -> GridVersion | None:
    """The version a new assessment uses: the latest in force, not retired."""
    return (
        GridVersion.objects.filter(effective_from__lte=today)
        .exclude(retired_on__lte=today)
        .order_by("-effective_from", "code")
        .first()
    )


def grid_versions_usable(today: date) -> QuerySet[GridVersion]:
    return GridVersion.objects.filter(effective_from__lte=today).exclude(retired_on__lte=today)


def assessments_of(person) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(person=person)
        .only(*LIST_FIELDS, "author__first_name", "author__last_name")
        .select_related("author")
        .order_by("-assessed_on", "-pk")
    )


def assessment_get(person, pk: int) -> Assessment | None:
    return (
        Assessment.objects.filter(person=person, pk=pk)
        .select_related("grid_version", "author")
        .first()
    )


def latest_assessment(person) -> Assessment | None:
    return (
        Assessment.objects.filter(person=person)
        .select_related("grid_version", "author")
        .order_by("-assessed_on", "-pk")
        .first()
    )


def psychologist_sections(assessment: Assessment) -> list[PsychologistSection]:
    return list(assessment.psychologist_sections.select_related("author"))


def current_intensity(person) -> IntensityDecision | None:
    """The level in force: the latest applied decision."""
    return (
        IntensityDecision.objects.filter(person=person, status=IntensityDecision.Status.APPLIED)
        .select_related("chosen_by", "validated_by")
        .order_by("-applies_from", "-pk")
        .first()
    )


def pending_intensity(person) -> IntensityDecision | None:
    return (
        IntensityDecision.objects.filter(person=person, status=IntensityDecision.Status.PENDING)
        .select_related("chosen_by", "assessment")
        .first()
    )


def intensity_history(person) -> QuerySet[IntensityDecision]:
    return (
        IntensityDecision.objects.filter(person=person)
        .select_related("chosen_by", "validated_by")
        .order_by("-chosen_at", "-pk")
    )


def decision_get(person, pk: int) -> IntensityDecision | None:
    return (
        IntensityDecision.objects.filter(person=person, pk=pk)
        .select_related("assessment", "chosen_by")
        .first()
    )


def current_level_subquery(person_ref: str = "pk") -> Subquery:
    """The level in force of each row's person, to annotate a list of persons in one query."""
    return Subquery(
        IntensityDecision.objects.filter(
            person_id=OuterRef(person_ref), status=IntensityDecision.Status.APPLIED
        )
        .order_by("-applies_from", "-pk")
        .values("chosen_level")[:1]
    )


def levels_of(person_ids: Iterable[int]) -> dict[int, str]:
    """The level in force per person (persons without one are absent), in one query."""
    levels: dict[int, str] = {}
    rows = (
        IntensityDecision.objects.filter(
            person_id__in=list(person_ids), status=IntensityDecision.Status.APPLIED
        )
        .order_by("person_id", "-applies_from", "-pk")
        .values_list("person_id", "chosen_level")
    )
    for person_id, level in rows:
        levels.setdefault(person_id, level)
    return levels


def pending_for_service(service_id: int) -> QuerySet[IntensityDecision]:
    """The changes of level waiting for a manager of the service."""
    return (
        IntensityDecision.objects.filter(
            service_id=service_id,
            status=IntensityDecision.Status.PENDING,
            person__service_id=service_id,
        )
        .select_related("person", "chosen_by", "assessment")
        .order_by("chosen_at", "pk")
    )


def contact_rules(service_id: int, today: date) -> list[rules.ContactRule]:
    """The rules in force in the service on ``today``: its own rows where it set them (per
    level and kind of measure), the shipped defaults elsewhere."""
    own = {}
    rows = (
        IntensityRule.objects.filter(service_id=service_id, valid_from__lte=today)
        .exclude(valid_to__lt=today)
        .order_by("level", "measure_kind", "-valid_from")
    )
    for row in rows:
        own.setdefault(
            (row.level, row.measure_kind),
            rules.ContactRule(
                row.level,
                row.measure_kind,
                row.period_days,
                row.interviews,
                row.home_visits,
                row.review_days,
            ),
        )
    merged = {(r.level, r.measure_kind): r for r in rules.DEFAULT_RULES}
    merged.update(own)
    return list(merged.values())


def service_rules(service_id: int) -> QuerySet[IntensityRule]:
    return IntensityRule.objects.filter(service_id=service_id).order_by(
        "level", "measure_kind", "-valid_from"
    )


def held_contacts(person_ids: Iterable[int], since: date) -> dict[int, list[tuple[date, str]]]:
    """The appointments honoured since ``since`` per person: (day, kind), in one query."""
    held: dict[int, list[tuple[date, str]]] = defaultdict(list)
    rows = Appointment.objects.filter(
        person_id__in=list(person_ids),
        status=Appointment.Status.HONOURED,
        starts_at__gte=on_day(since, 0),
    ).values_list("person_id", "starts_at", "kind")
    for person_id, starts_at, kind in rows:
        held[person_id].append((timezone.localdate(starts_at), kind))
    return held


def assessment_facts(person, measure_kinds: Iterable[str]) -> dict:
    """What the tab needs besides its lists, in one query: how many assessments the person
    has, the day of the latest, and which of ``measure_kinds`` (those the contact rules name)
    the person's open measures are of."""
    kinds = sorted(set(measure_kinds) - {rules.ANY_MEASURE})
    assessments = Assessment.objects.filter(person_id=OuterRef("pk")).order_by()
    annotations = {
        "assessment_count": Subquery(
            assessments.values("person_id").annotate(n=Count("pk")).values("n")[:1]
        ),
        "latest_assessed_on": Subquery(
            assessments.order_by("-assessed_on", "-pk").values("assessed_on")[:1]
        ),
    }
    for n, kind in enumerate(kinds):
        annotations[f"kind_{n}"] = Exists(
            Measure.objects.filter(
                person_id=OuterRef("pk"), status__in=Measure.OPEN_STATUSES, measure_type_id=kind
            )
        )
    row = Person.objects.filter(pk=person.pk).annotate(**annotations).values(*annotations).first()
    return {
        "count": row["assessment_count"] or 0,
        "latest_assessed_on": row["latest_assessed_on"],
        "measure_kinds": {kind for n, kind in enumerate(kinds) if row[f"kind_{n}"]},
    }


def latest_assessment_id(person) -> int | None:
    """The id of the person's latest assessment (the one whose level may still be chosen)."""
    return (
        Assessment.objects.filter(person=person)
        .order_by("-assessed_on", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
