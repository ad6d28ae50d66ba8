"""What the measures feed into the échéancier: ends of measures within the service's horizon
(and measures past their end still open). Registered in ``MeasuresConfig.ready``."""

from datetime import timedelta

from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.measures.models import Measure

# Measures past their end date but still open are listed this long.
OVERDUE_DAYS = 60


@register("measure_end", "Fin de mesure")
def measure_ends(query: Query) -> list[DueItem]:
    service = query.service_settings()
    last = min(query.until, query.today + timedelta(days=service.measure_end_horizon_days))
    rows = Measure.objects.filter(
        person__in=query.persons,
        status__in=Measure.OPEN_STATUSES,
        end_date__isnull=False,
        end_date__gte=query.today - timedelta(days=OVERDUE_DAYS),
        end_date__lte=last,
    ).values("pk", "person_id", "person__assigned_cpip_id", "end_date", "measure_type__short_label")
    items = []
    for row in rows:
        overdue = row["end_date"] < query.today
        items.append(
            DueItem(
                person_id=row["person_id"],
                due=row["end_date"],
                kind="measure_end",
                label=(
                    f"{row['measure_type__short_label']} échue le {row['end_date']:%d/%m/%Y} : "
                    "à clôturer"
                    if overdue
                    else f"Fin de mesure : {row['measure_type__short_label']}"
                ),
                severity=Severity.ALERT if overdue else Severity.INFO,
                detail="Rapport de fin de mesure au juge",
                url=f"/personnes/{row['person_id']}/mesures/",
                staff_ids=frozenset(
                    [row["person__assigned_cpip_id"]] if row["person__assigned_cpip_id"] else []
                ),
            )
        )
    return items
