"""The figures of the periods closed before today, stored for a service just written
(docs/figures.md, « Stored figures of closed periods »), by its system actor through the
figures' own service, as its nightly job would have, journaled in the service's chain: the
service's figures of the last closed month, quarter and year, and each CPIP's of the last
closed month — the period every figures page opens on —, so that managers' and CPIPs' pages
open on snapshots. A CPIP's quarter and year are left to the page (computed when asked): for
the 4,600 CPIPs of the country they would add about five minutes to the generator (about
50 ms a CPIP and a period on the largest service)."""

from datetime import datetime

from django.utils import timezone

from probatio.accounts.system import SystemActor
from probatio.figures import rules, services


def fill(journal, now: datetime) -> int:
    """The snapshots written for the service of ``journal`` (the generator's ``AuditStream``):
    its last closed month (with its CPIPs'), quarter and year."""
    today = timezone.localdate(now)
    actor = SystemActor(service_id=journal.service_id, reason=services.REASON)

    def record(*, actor, object_type, summary, context, **fields):
        journal.add(
            user_id=None,
            action="create",
            object_type=object_type,
            object_id=None,
            summary=summary,
            at=now,
            system=(actor.reason, context),
        )

    month = rules.default_period(today)
    return sum(
        services.store_period(
            actor=actor,
            period=period,
            today=today,
            now=now,
            with_cpips=period == month,
            journal=record,
        )
        for period in rules.closed_periods(today)
    )
