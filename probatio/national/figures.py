"""The figures of the periods closed before today, stored for a service just written
(docs/figures.md, « Stored figures of closed periods »), by its system actor through the
figures' own service, as its nightly job would have, journaled in the service's chain: the
service's figures, so that its managers' pages open on the snapshots. The CPIPs' own are left
to the page (computed on opening): stored for every CPIP of the country they would cost the
generator about an hour."""

from datetime import datetime

from django.utils import timezone

from probatio.accounts.system import SystemActor
from probatio.figures import rules, services


def fill(journal, now: datetime) -> int:
    """The snapshots written for the service of ``journal`` (the generator's ``AuditStream``):
    its last closed month, quarter and year."""
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

    return sum(
        services.store_period(
            actor=actor, period=period, today=today, now=now, with_cpips=False, journal=record
        )
        for period in rules.closed_periods(today)
    )
