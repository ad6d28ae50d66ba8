"""What the prison side feeds into the échéancier and the caseload: the eligibility alerts of
persons in prison ("LC possible à partir du …", "Examen de la LSC le …", "Informer la personne
avant le …", "LSC de plein droit le … — hébergement à sécuriser"), each appearing the number of
months ahead set by the service (whatever the horizon of the page: an eligibility alert is an
announcement, shown as soon as its own window opens). Read from the stored estimates, with the registry's official
dates laid over them; one query whatever the number of persons, none when the caller joined them
into its own list (the caseload)."""

from django.urls import reverse

from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.sentences import rules, selectors


def alert_months(service) -> rules.AlertMonths:
    return rules.AlertMonths(
        lc=service.lc_alert_months,
        lsc=service.lsc_alert_months,
        information=service.information_alert_months,
        lsc_plein_droit=service.lsc_plein_droit_alert_months,
    )


@register("sentence", "Dates de peine (détention)")
def sentence_alerts(query: Query) -> list[DueItem]:
    if query.custody_dates is not None and not query.custody_dates:
        return []
    months = alert_months(query.service_settings())
    rows = (
        query.custody_dates
        if query.custody_dates is not None
        else selectors.dates_of_persons(query.persons)
    )
    items = []
    for row in rows:
        person_id = row["custody__person_id"]
        cpip_id = row["custody__person__assigned_cpip_id"]
        for alert in rules.alerts(row, today=query.today, months=months):
            items.append(
                DueItem(
                    person_id=person_id,
                    due=alert.due,
                    kind="sentence",
                    label=alert.label,
                    severity=Severity.ALERT if alert.urgent else Severity.INFO,
                    detail=f"Écrou {row['custody__committal_number']}",
                    url=reverse("sentences:panel", args=[person_id]),
                    staff_ids=frozenset([cpip_id] if cpip_id else []),
                )
            )
    return items
