"""What the measures feed into the échéancier: ends of open measures within the service's
horizon (``Service.measure_end_horizon_days``), when the end-of-measure report is due, and
measures past their end date but still open (to close); the victim's details an obligation
awaits (``victim_details``). Registered in
``MeasuresConfig.ready``; one query each whatever the number of persons."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.measures.models import Measure, Obligation, ObligationType

# The prison sentence's end is its release: the release plan and the sentence's dates follow it
# (no end-of-measure report). A measure suspended by a committal has no end yet.
PRISON_MEASURE = "EMPRISONNEMENT"

# Measures past their end date but still open are listed this long, as alerts.
OVERDUE_DAYS = 60


@register("measure_end", "Fin de mesure")
def measure_ends(query: Query) -> list[DueItem]:
    service = query.service_settings()
    first = query.today - timedelta(days=OVERDUE_DAYS)
    last = min(query.until, query.today + timedelta(days=service.measure_end_horizon_days))
    if query.open_measures is not None:  # already loaded by the caller: no query
        rows = [
            {
                "person_id": m.person_id,
                "person__assigned_cpip_id": m.person.assigned_cpip_id,
                "assigned_cpip_id": m.assigned_cpip_id,
                "end_date": m.end_date,
                "measure_type__short_label": m.measure_type.short_label,
            }
            for m in query.open_measures
            if m.status in Measure.OPEN_STATUSES
            and m.end_date
            and first <= m.end_date <= last
            and m.suspended_since is None
            and m.measure_type_id != PRISON_MEASURE
        ]
    else:
        rows = (
            Measure.objects.filter(
                person_id__in=query.persons.order_by().values("pk"),
                status__in=Measure.OPEN_STATUSES,
                end_date__isnull=False,
                end_date__gte=first,
                end_date__lte=last,
                suspended_since__isnull=True,
            )
            .exclude(measure_type_id=PRISON_MEASURE)
            .values(
                "person_id",
                "person__assigned_cpip_id",
                "assigned_cpip_id",
                "end_date",
                "measure_type__short_label",
            )
        )
    items = []
    for row in rows:
        end = row["end_date"]
        overdue = end < query.today
        cpip_id = row["assigned_cpip_id"] or row["person__assigned_cpip_id"]
        items.append(
            DueItem(
                person_id=row["person_id"],
                due=end,
                kind="measure_end",
                label=(
                    f"Mesure échue le {end:%d/%m/%Y} et toujours en cours : à clôturer"
                    if overdue
                    else f"Fin de mesure le {end:%d/%m/%Y}"
                ),
                severity=Severity.ALERT if overdue else Severity.INFO,
                detail=row["measure_type__short_label"],
                url=reverse("measures:list", args=[row["person_id"]]),
                staff_ids=frozenset([cpip_id] if cpip_id else []),
            )
        )
    return items


# The victim's details of an obligation that calls for them (a no-contact order, damages to
# pay), when nobody entered them: the secretariat records the obligation but may not read nor
# write a victim's identity (need to know, ``Action.READ_VICTIM``), so the person's CPIP fills
# them in. Information for this many days after the obligation was entered, then an alert.
VICTIM_DETAILS_DAYS = 8


@register("victim_details", "Coordonnées de la victime à renseigner", on_caseload=False)
def victim_details(query: Query) -> list[DueItem]:
    """Active obligations of open measures whose type expects a victim's details and that
    have none (neither name nor contact); one query."""
    rows = (
        Obligation.objects.filter(
            measure__person_id__in=query.persons.order_by().values("pk"),
            measure__status__in=Measure.OPEN_STATUSES,
            status=Obligation.Status.ACTIVE,
            obligation_type__detail=ObligationType.Detail.VICTIM,
            victim_name="",
            victim_contact="",
        )
        .order_by()
        .values(
            "pk",
            "created_at",
            "measure__person_id",
            "measure__person__assigned_cpip_id",
            "measure__assigned_cpip_id",
            "obligation_type__label",
            "measure__measure_type__short_label",
        )
    )
    items = []
    for row in rows:
        entered = timezone.localdate(row["created_at"])
        due = entered + timedelta(days=VICTIM_DETAILS_DAYS)
        if due > query.until:
            continue
        person_id = row["measure__person_id"]
        cpip_id = row["measure__assigned_cpip_id"] or row["measure__person__assigned_cpip_id"]
        items.append(
            DueItem(
                person_id=person_id,
                due=due,
                kind="victim_details",
                label=f"Coordonnées de la victime à renseigner : {row['obligation_type__label']}",
                severity=Severity.ALERT if due < query.today else Severity.INFO,
                detail=f"{row['measure__measure_type__short_label']}, obligation enregistrée "
                f"le {entered:%d/%m/%Y} sans l'identité de la victime",
                url=reverse("measures:obligation_edit", args=[person_id, row["pk"]]),
                staff_ids=frozenset([cpip_id] if cpip_id else []),
            )
        )
    return items
