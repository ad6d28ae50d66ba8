from django.core.cache import cache
from django.db.models import Prefetch, QuerySet

from probatio.core.gates import get_or_404
from probatio.measures import rules
from probatio.measures.models import Decision, Measure, MeasureType, Obligation, ObligationType
from probatio.people.models import Person

MEASURE_TYPES_CACHE_KEY = "probatio:measure-types"


def measure_types() -> list[MeasureType]:
    """The catalogue of measure types, for filter lists. It changes only with a migration or
    ``sync_catalogue`` (which clears this cache), so list pages do not read it every time."""
    types = cache.get(MEASURE_TYPES_CACHE_KEY)
    if types is None:
        types = list(MeasureType.objects.all())
        cache.set(MEASURE_TYPES_CACHE_KEY, types, timeout=300)
    return types


def measures_of(person: Person) -> QuerySet[Measure]:
    return (
        person.measures.select_related(
            "measure_type", "decision", "assigning_judge", "assigned_cpip"
        )
        .prefetch_related(
            Prefetch(
                "obligations",
                queryset=Obligation.objects.select_related("obligation_type", "decision"),
            )
        )
        .order_by("status", "-start_date", "-id")
    )


def with_earliest_ends(measures: list[Measure], *, today) -> list[Measure]:
    """Each measure with ``earliest_end``: its end, or, while a committal suspends it, its end
    if the person were released today."""
    for measure in measures:
        measure.earliest_end = rules.end_if_released_on(
            measure.end_date, measure.suspended_since, today
        )
    return measures


def decisions_of(person: Person) -> QuerySet[Decision]:
    return (
        person.decisions.select_related("judge")
        .prefetch_related("offences")
        .order_by("-date", "-id")
    )


def measure_get(person: Person, pk: int) -> Measure:
    return get_or_404(
        Measure.objects.select_related("measure_type", "decision", "person"), person=person, pk=pk
    )


def obligation_get(person: Person, pk: int) -> Obligation:
    return get_or_404(
        Obligation.objects.select_related(
            "obligation_type", "decision", "measure__person", "measure__measure_type"
        ),
        measure__person=person,
        pk=pk,
    )


# --- The forms ---------------------------------------------------------------------------------


def measure_type_choices() -> list[MeasureType]:
    """The measure types, read afresh for a form's choices (not the cached ``measure_types``)."""
    return list(MeasureType.objects.all())


def obligation_type_choices() -> list[ObligationType]:
    return list(ObligationType.objects.all())


def has_decisions(person: Person) -> bool:
    return person.decisions.exists()


def decisions_by_date(person: Person) -> list[Decision]:
    """The person's decisions, latest first (a form's choices)."""
    return list(person.decisions.order_by("-date"))


def decision_get(person: Person, pk) -> Decision:
    """One of the person's decisions (404 otherwise)."""
    return get_or_404(person.decisions, pk=pk)


def offences_initial(decision: Decision) -> list[dict]:
    """The decision's offences as the offence formset's initial rows."""
    return list(decision.offences.values("label", "qualification", "natinf"))
