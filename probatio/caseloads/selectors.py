from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from probatio.accounts.models import User
from probatio.community_work import selectors as tig_selectors
from probatio.core.deadlines import Query, next_due_by_person
from probatio.measures.models import Measure
from probatio.people.models import CustodyRecord, Person
from probatio.sentences import selectors as sentence_selectors

DUE_SOON_DAYS = 60
# The caseload's "next due item" looks this far ahead.
NEXT_DUE_HORIZON_DAYS = 365


def with_next_due_item(persons: list[Person], membership, *, today: date) -> list[Person]:
    """Attach each person's soonest open item of the échéancier (``person.next_item``), read
    through the same providers as the échéancier, for the persons of this page only."""
    query = Query(
        persons=Person.objects.filter(pk__in=[p.pk for p in persons]),
        today=today,
        until=today + timedelta(days=NEXT_DUE_HORIZON_DAYS),
        service_id=membership.service_id,
        service=membership.service,
        with_staff=False,
        # ``with_open_measures`` loaded them for the page: the providers need not again.
        open_measures=[m for p in persons for m in getattr(p, "open_measures", [])]
        if all(hasattr(p, "open_measures") for p in persons)
        else None,
        # ``with_stored_dates`` joined the sentence dates into the page's query.
        custody_dates=sentence_selectors.dates_from_annotations(persons)
        if all(hasattr(p, "sd_computed_at") for p in persons)
        else None,
        # ``tig_selectors.with_tig`` joined the TIG orders into the page's query.
        tig_progress=tig_selectors.progress_from_annotations(persons, today=today)
        if all(hasattr(p, "tig_order_id") for p in persons)
        else None,
    )
    due = next_due_by_person(query)
    for person in persons:
        person.next_item = due.get(person.pk)
    return persons


def with_open_measures(persons: list[Person]) -> list[Person]:
    """Attach each person's open measures (one query for the whole page) and the next due
    date among them."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        persons,
        Prefetch(
            "measures",
            queryset=Measure.objects.filter(status__in=Measure.OPEN_STATUSES)
            .select_related("measure_type", "person")
            .order_by("end_date", "pk"),
            to_attr="open_measures",
        ),
    )
    for person in persons:
        # A measure a committal suspended has no end yet (« au plus tôt »).
        ends = [m.end_date for m in person.open_measures if m.end_date and not m.suspended_since]
        person.next_due = min(ends) if ends else None
    return persons


def counts(persons: QuerySet[Person], *, today: date) -> dict[str, int]:
    """Headline figures of a list (one query)."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    return persons.order_by().aggregate(
        total=Count("pk", distinct=True),
        custody=Count("pk", filter=Q(in_custody=True), distinct=True),
        ending_soon=Count(
            "pk",
            distinct=True,
            filter=Q(
                measures__status__in=Measure.OPEN_STATUSES,
                measures__end_date__gte=today,
                measures__end_date__lte=soon,
            ),
        ),
    )


def _count(queryset, field: str) -> Coalesce:
    """A correlated COUNT over ``queryset`` grouped by ``field`` = the outer user."""
    return Coalesce(
        Subquery(
            queryset.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )


def cpip_workload(service_id: int) -> QuerySet[User]:
    """The service's CPIPs with their number of persons, of persons in custody and of open
    measures (one query; each count is an indexed subquery, not a join of everything)."""
    persons = Person.objects.filter(service_id=service_id)
    in_custody = Exists(
        CustodyRecord.objects.filter(person_id=OuterRef("pk"), release_date__isnull=True)
    )
    return (
        User.objects.filter(
            memberships__service_id=service_id,
            memberships__role="cpip",
            memberships__is_active=True,
        )
        .annotate(
            persons_count=_count(persons, "assigned_cpip"),
            custody_count=_count(persons.filter(in_custody), "assigned_cpip"),
            open_measures_count=_count(
                Measure.objects.filter(
                    person__service_id=service_id, status__in=Measure.OPEN_STATUSES
                ),
                "assigned_cpip",
            ),
        )
        .order_by("last_name", "first_name")
    )


def unassigned_count(service_id: int) -> int:
    return Person.objects.filter(service_id=service_id, assigned_cpip__isnull=True).count()
