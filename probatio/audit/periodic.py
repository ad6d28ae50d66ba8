"""The journal's nightly work, run by ``manage.py run_worker`` through ``core.periodic``: the
monthly partitions of the months ahead created on PostgreSQL (``partitions.run_periodic``,
journaled by the platform's system actor when it created anything)."""

from datetime import datetime, timedelta

from probatio.core import periodic


@periodic.register("audit_partitions", every=timedelta(hours=24))
def run(now: datetime) -> dict[str, int]:
    from probatio.audit import partitions

    return partitions.run_periodic(now=now)
