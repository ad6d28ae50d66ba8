from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet

from probatio.accounts.models import User
from probatio.measures.models import Measure
from probatio.people.models import Person

DUE_SOON_DAYS = 60


def with_open_measures(persons: list[Person]) -> list[Person]:
    """Attach each person's open measures (one query for the whole page) and the next due
    date among them."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        persons,
        Prefetch(
            "measures",
            queryset=Measure.objects.filter(status__in=Measure.OPEN_STATUSES)
            .select_related("measure_type")
            .order_by("end_date", "pk"),
            to_attr="open_measures",
        ),
    )
    for person in persons:
        ends = [m.end_date for m in person.open_measures if m.end_date]
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


def cpip_workload(service_id: int) -> QuerySet[User]:
    """The service's CPIPs with their number of persons and of open measures (one query)."""
    return (
        User.objects.filter(
            memberships__service_id=service_id,
            memberships__role="cpip",
            memberships__is_active=True,
        )
        .annotate(
            persons_count=Count(
                "caseload", filter=Q(caseload__service_id=service_id), distinct=True
            ),
            custody_count=Count(
                "caseload",
                distinct=True,
                filter=Q(
                    caseload__service_id=service_id,
                    caseload__custody_records__release_date__isnull=True,
                    caseload__custody_records__isnull=False,
                ),
            ),
            open_measures_count=Count(
                "followed_measures",
                distinct=True,
                filter=Q(
                    followed_measures__person__service_id=service_id,
                    followed_measures__status__in=Measure.OPEN_STATUSES,
                ),
            ),
        )
        .order_by("last_name", "first_name")
    )


def unassigned_count(service_id: int) -> int:
    return Person.objects.filter(service_id=service_id, assigned_cpip__isnull=True).count()
