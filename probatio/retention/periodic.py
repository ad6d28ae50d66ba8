"""The retention job each night, run by ``manage.py run_worker`` through ``core.periodic``:
every service's rules by its system actor, then the journal's (docs/data-protection.md)."""

from datetime import datetime, timedelta

from probatio.core import periodic


@periodic.register("retention", every=timedelta(hours=24))
def run(now: datetime) -> dict[str, int]:
    from django.utils import timezone

    from probatio.retention import services

    report = services.apply(as_of=timezone.localdate(now), dry_run=False, now=now)
    totals: dict[str, int] = {}
    for result in report.results:
        totals[result.rule.code] = totals.get(result.rule.code, 0) + result.count
    return totals
