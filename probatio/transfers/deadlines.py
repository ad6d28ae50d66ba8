"""What transfers feed into the échéancier: the requests coming into the service and still
awaiting its managers' answer, due on the day the system actor would accept them. The person
is not yet the service's, so the item names the sending service, not the person; it links to
the request. One query for the requests, one for the managers who must act."""

from django.urls import reverse

from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.transfers import selectors


@register("transfer_in", "Transfert entrant à accepter ou refuser", on_caseload=False)
def incoming_transfers(query: Query) -> list[DueItem]:
    if query.staff_id:  # one CPIP's share of the service: the managers' answer is not in it
        return []
    setting = selectors.settings_get()
    items = []
    managers = None
    for transfer in selectors.incoming_pending(query.service_id):
        due = selectors.accept_on(transfer, setting)
        if due > query.until:
            continue
        if managers is None:
            managers = selectors.manager_ids(query.service_id)
        items.append(
            DueItem(
                person_id=transfer.person_id,
                due=due,
                kind="transfer_in",
                label=f"Transfert proposé par « {transfer.from_service} » : accepter ou "
                "refuser (sinon accepté automatiquement ce jour-là)",
                severity=Severity.ALERT,
                url=reverse("transfers:detail", args=[transfer.pk]),
                staff_ids=managers if query.with_staff else frozenset(),
            )
        )
    return items
