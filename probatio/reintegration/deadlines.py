"""What referrals feed into the échéancier: a reminder to chase up the partner when a referral
sent to them has had no answer after the service's delay (``Service.referral_reminder_days``).
The reminder appears once the delay has passed, never before (it is not an announcement), and
goes when the referral moves on. One query whatever the number of persons (two when the caller
did not give the service)."""

from django.urls import reverse

from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.reintegration import rules, selectors


@register("referral", "Orientation sans réponse", on_caseload=False)
def referral_reminders(query: Query) -> list[DueItem]:
    delay = query.service_settings().referral_reminder_days
    items = []
    for row in selectors.referrals_awaiting_answer(
        query.persons, today=query.today, delay_days=delay
    ):
        due = rules.reminder_due(row["status"], row["status_on"], delay)
        if due is None or due > query.until:
            continue
        pathway = rules.PATHWAYS.get(row["need__pathway"] or "", "")
        staff = {row["created_by_id"], row["person__assigned_cpip_id"]} - {None}
        items.append(
            DueItem(
                person_id=row["person_id"],
                due=due,
                kind="referral",
                label=f"Relancer {row['partner__name']} : orientation envoyée le "
                f"{row['status_on']:%d/%m/%Y}, sans réponse",
                severity=Severity.INFO,
                detail=pathway,
                url=reverse("reintegration:tab", args=[row["person_id"]])
                + f"#orientation-{row['pk']}",
                staff_ids=frozenset(staff),
            )
        )
    return items
