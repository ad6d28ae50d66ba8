"""The échéancier's nightly work, run by ``manage.py run_worker`` through ``core.periodic``:
every service's stored due items computed for the day, by its system actor
(``services.refresh.rebuild_service``)."""

from datetime import datetime, timedelta

from probatio.core import periodic


@periodic.register("due_items", every=timedelta(hours=24))
def run(now: datetime) -> dict[str, int]:
    from probatio.deadlines.services import refresh

    return refresh.run_periodic(now=now)
