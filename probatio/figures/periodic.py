"""The figures' nightly work, run by ``manage.py run_worker`` through ``core.periodic``: the
figures of the periods just closed (last month, quarter and year) stored for every service,
by each service's system actor (``services.store_closed_periods``)."""

from datetime import datetime, timedelta

from probatio.core import periodic


@periodic.register("figures", every=timedelta(hours=24))
def run(now: datetime) -> dict[str, int]:
    from probatio.figures import services

    return services.run_periodic(now=now)
