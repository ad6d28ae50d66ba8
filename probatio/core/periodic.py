"""Periodic work run by the background worker (``manage.py run_worker``), registered by the
apps that own it, so that the worker (messaging's command) never imports them.

    # probatio/transfers/periodic.py, imported by TransfersConfig.ready()
    @periodic.register("transfers", every=timedelta(hours=1))
    def run(now):
        ...

Each job runs at most once per ``every`` across every worker and machine: its lease
(``core.leases``, named ``periodic:<name>``) is taken for ``every`` and never given back, so
the next worker to find it expired runs the job again. A job's error is logged, never fatal
to the worker, and the job is tried again once its lease expires.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from probatio.core import leases

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], object]
    every: timedelta


_JOBS: dict[str, Job] = {}


def register(name: str, *, every: timedelta) -> Callable:
    def decorator(func: Callable[[datetime], object]) -> Callable[[datetime], object]:
        _JOBS[name] = Job(name=name, run=func, every=every)
        return func

    return decorator


def registered() -> list[Job]:
    return list(_JOBS.values())


def run_due(*, holder: str, now: datetime | None = None) -> dict[str, object]:
    """Run every job whose last run (by any worker) is at least ``every`` ago; what each job
    returned, by name."""
    now = now or timezone.now()
    results: dict[str, object] = {}
    for job in registered():
        # A holder of this run only: the lease is taken only once expired, even by ourselves.
        if not leases.take(f"periodic:{job.name}", f"{holder}@{now.isoformat()}", job.every, now):
            continue
        try:
            results[job.name] = job.run(now)
        except Exception:
            log.exception("Traitement périodique « %s »", job.name)
    return results
