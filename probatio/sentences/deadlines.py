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


@register("cap_opinion", "Avis pour la CAP", on_caseload=False)
def cap_opinions(query: Query) -> list[DueItem]:
    """For each upcoming CAP session of the persons' establishments, the persons on its list
    whose opinion is not transmitted yet: « Avis pour la CAP du … à transmettre avant le … »
    (the service's number of days before the session). Three queries: the persons' stored
    dates (none when the caller has them), the sessions, the opinions."""
    from datetime import timedelta

    from probatio.reports import rules as report_rules
    from probatio.sentences.cap import horizon_end, opinion_reports
    from probatio.sentences.models import CapSession

    days = query.service_settings().cap_opinion_days
    rows = (
        query.custody_dates
        if query.custody_dates is not None
        else selectors.dates_of_persons(query.persons)
    )
    if not rows:
        return []
    sessions = list(
        CapSession.objects.filter(
            establishment_id__in={row["custody__establishment_id"] for row in rows},
            date__gte=query.today,
            date__lte=query.until + timedelta(days=days),
        ).select_related("establishment")
    )
    if not sessions:
        return []
    listed: list[tuple[CapSession, dict]] = []
    for session in sessions:
        end = horizon_end(session)
        for row in rows:
            if row["custody__establishment_id"] == session.establishment_id and rules.cap_items(
                row, session=session.date, horizon_end=end
            ):
                listed.append((session, row))
    if not listed:
        return []
    latest = max(s.date for s in sessions)
    reports = opinion_reports([row["custody__person_id"] for _, row in listed], latest)
    items = []
    for session, row in listed:
        person_id = row["custody__person_id"]
        report = reports.get(person_id)
        if report is not None and report.status in report_rules.FROZEN:
            continue
        due = report_rules.cap_opinion_due(session.date, days)
        if due > query.until:
            continue
        cpip_id = row["custody__person__assigned_cpip_id"]
        items.append(
            DueItem(
                person_id=person_id,
                due=due,
                kind="cap_opinion",
                label=f"Avis pour la CAP du {session.date:%d/%m/%Y} à transmettre avant le "
                f"{due:%d/%m/%Y}",
                severity=Severity.ALERT if due < query.today else Severity.INFO,
                detail=str(session.establishment),
                url=reverse("reports:person_list", args=[person_id]) + "?type=opinion",
                staff_ids=frozenset([cpip_id] if cpip_id else []),
            )
        )
    return items
