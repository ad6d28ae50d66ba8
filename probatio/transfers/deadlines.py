"""What transfers feed into the échéancier: the requests coming into the service and still
awaiting its managers' answer, due on the day the system actor would accept them. The person
is not yet the service's, so the item names the sending service; it links to the request.
One query (the requests with the platform's delay); none for one CPIP's share."""

from django.urls import reverse
from django.utils import timezone

from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.transfers import rules, selectors


@register("transfer_in", "Transfert entrant à accepter ou refuser", on_caseload=False)
def incoming_transfers(query: Query) -> list[DueItem]:
    if query.staff_id:  # one CPIP's share of the service: the managers' answer is not in it
        return []
    items = []
    for row in selectors.incoming_with_delay(query.service_id):
        due = rules.auto_accept_on(timezone.localtime(row["proposed_at"]).date(), row["delay"])
        if due > query.until:
            continue
        items.append(
            DueItem(
                person_id=row["person_id"],
                due=due,
                kind="transfer_in",
                label=f"Transfert proposé par « {row['from_service__name']} » : accepter ou "
                "refuser (sinon accepté automatiquement ce jour-là)",
                severity=Severity.ALERT,
                url=reverse("transfers:detail", args=[row["pk"]]),
            )
        )
    return items
