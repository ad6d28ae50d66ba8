"""What community work feeds into the échéancier (and the caseload's next-item column): for
each open TIG of the persons asked for,

- an alert once it cannot be finished in time at its current pace (the hours still to do per
  week left exceed what the placement's schedule offers, or it has no placement), due today;
- an alert when it still has no placement two months after the decision became enforceable,
  due on that day;
- its deadline, announced ``rules.DEADLINE_NOTICE_DAYS`` days ahead (an alert once passed with
  hours left).

A fixed number of queries whatever the number of persons (``selectors.progress_of``)."""

from datetime import timedelta

from django.urls import reverse

from probatio.community_work import rules, selectors
from probatio.core.deadlines import DueItem, Query, Severity, register


@register("community_work", "Travail d'intérêt général")
def tig_items(query: Query) -> list[DueItem]:
    if query.tig_progress is not None:
        progresses = query.tig_progress
    else:
        orders = list(selectors.open_orders_of(query.persons))
        progresses = selectors.progress_of(orders, today=query.today) if orders else []
    items = []
    for progress in progresses:
        order = progress.order
        if progress.pace.status == rules.COMPLETED:
            continue
        cpip = order.person.assigned_cpip_id
        for due, label, severity in _due_of(progress, query.today):
            if due > query.until:
                continue
            items.append(
                DueItem(
                    person_id=order.person_id,
                    due=due,
                    kind="community_work",
                    label=label,
                    severity=severity,
                    url=reverse("community_work:tab", args=[order.person_id]) + f"#tig-{order.pk}",
                    staff_ids=frozenset([cpip] if cpip else []),
                )
            )
    return items


def _due_of(progress: selectors.Progress, today) -> list[tuple]:
    """(due, label, severity) of one TIG."""
    remaining = rules.hours_text(progress.remaining)
    deadline = progress.deadline.day
    pace = progress.pace
    found = []
    if progress.no_placement_since is not None:
        found.append(
            (
                progress.no_placement_since,
                f"TIG sans poste deux mois après la décision : {remaining} à effectuer avant le "
                f"{deadline:%d/%m/%Y}",
                Severity.ALERT,
            )
        )
    elif pace.status == rules.LATE:
        found.append(
            (
                today,
                f"TIG en retard : {remaining} à effectuer avant le {deadline:%d/%m/%Y}, "
                f"{rules.hours_text(pace.needed_per_week)} par semaine nécessaires, "
                f"{rules.hours_text(pace.offered_per_week)} offertes par le poste",
                Severity.ALERT,
            )
        )
    elif pace.status == rules.NO_PLACEMENT:
        found.append(
            (
                today,
                f"TIG sans poste en cours : {remaining} à effectuer avant le {deadline:%d/%m/%Y}",
                Severity.ALERT,
            )
        )
    if pace.status == rules.OVERDUE:
        found.append(
            (
                deadline,
                f"Délai du TIG dépassé le {deadline:%d/%m/%Y} : {remaining} non effectuées",
                Severity.ALERT,
            )
        )
    elif deadline - timedelta(days=rules.DEADLINE_NOTICE_DAYS) <= today:
        found.append(
            (deadline, f"Fin du délai du TIG : {remaining} encore à effectuer", Severity.INFO)
        )
    return found
