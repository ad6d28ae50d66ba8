"""The transfers' periodic work, run by ``manage.py run_worker`` through ``core.periodic``:
the reminders to the receiving managers, then the automatic acceptance of the requests left
unanswered past the platform's delay (by each receiving service's system actor)."""

from datetime import datetime, timedelta

from probatio.core import periodic


@periodic.register("transfers", every=timedelta(hours=1))
def run(now: datetime) -> dict[str, int]:
    from probatio.transfers import services

    return services.run_periodic(now=now)
