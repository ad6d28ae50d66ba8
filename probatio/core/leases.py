"""Leases: one holder at a time for a periodic job, across processes and machines.

``take`` is one conditional UPDATE (free or expired, or already ours): the database lets one
process win. ``extend`` renews it while the job runs; ``give_back`` frees it at once. A holder
that dies keeps it until it expires, so the lease's length bounds how long a job can stop.
"""

import os
import socket
import uuid
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from probatio.core.models import Lease


def holder_name() -> str:
    """A name unique to this process (host, pid and a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _ensure(name: str, now: datetime) -> None:
    if Lease.objects.filter(name=name).exists():
        return
    try:
        with transaction.atomic():
            Lease.objects.create(name=name, holder="", expires_at=now)
    except IntegrityError:  # created by another process meanwhile
        pass


def take(name: str, holder: str, length: timedelta, now: datetime | None = None) -> bool:
    """Whether ``holder`` now holds the lease ``name`` for ``length``."""
    now = now or timezone.now()
    _ensure(name, now)
    return (
        Lease.objects.filter(Q(expires_at__lte=now) | Q(holder=holder), name=name).update(
            holder=holder, expires_at=now + length
        )
        == 1
    )


def extend(name: str, holder: str, length: timedelta) -> bool:
    """Renew a lease still held; False when another process has taken it meanwhile."""
    return (
        Lease.objects.filter(name=name, holder=holder).update(expires_at=timezone.now() + length)
        == 1
    )


def give_back(name: str, holder: str) -> None:
    Lease.objects.filter(name=name, holder=holder).update(holder="", expires_at=timezone.now())
