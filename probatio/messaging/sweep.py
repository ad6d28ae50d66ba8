"""The sweep: no due message is left without a task to send it.

Send tasks are queued when the appointment's change commits (``services._enqueue_on_commit``).
A process that dies between that commit and the queueing leaves messages "pending" with no
task; a worker that dies while sending leaves them "sending" and its task "running" for ever.
Every minute, whatever runs the workers (``manage.py run_worker``) also runs this sweep:

1. it takes the lease ``messaging.sweep`` (``core.leases``): two sweeps never run at once,
   whatever the number of workers and machines;
2. a send task still marked "running" after the claim's lease (``sending.LEASE``) belonged to a
   worker that died: it is closed as failed, with the reason;
3. it queues a send task, by the system actor of the message's service, for every message
   - pending and due for more than ``GRACE`` whose last task is not waiting to run (never
     queued, lost, or closed by step 2), and
   - sending whose claim has expired (its worker died): that task asks the provider before
     sending anything again (``sending._after_interruption``), so the person never receives it
     twice.

Queuing twice is harmless anyway: a message is sent only by whoever claims it
(``sending._claim``), so an extra task finds nothing to do. An orphan is queued within
``GRACE`` + ``EVERY`` of its due time, and sent by the next free worker.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from probatio.core import leases
from probatio.messaging.models import Message
from probatio.messaging.sending import LEASE

log = logging.getLogger(__name__)

EVERY = timedelta(seconds=60)
GRACE = timedelta(seconds=30)
LEASE_NAME = "messaging.sweep"
# Longer than a sweep's batch; renewed after each batch. A sweeper that dies frees it after this.
HOLD = timedelta(seconds=90)
BATCH = 500
SEND_TASK = "probatio.messaging.tasks.send_message"
WORKER_LOST = "probatio.messaging.sweep.WorkerLost"


def orphans(now: datetime):
    """Messages due with no task waiting to send them."""
    waiting = DBTaskResult.objects.filter(pk=OuterRef("task_id"), status=TaskResultStatus.READY)
    return Message.objects.filter(
        Q(status=Message.Status.PENDING, next_attempt_at__lte=now - GRACE)
        | Q(status=Message.Status.SENDING, claimed_at__lt=now - LEASE),
        ~Exists(waiting),
    )


def close_lost_tasks(now: datetime) -> int:
    """Send tasks "running" for longer than a claim's lease: their worker died."""
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, task_path=SEND_TASK, started_at__lt=now - LEASE
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=WORKER_LOST,
        traceback="Le processus qui exécutait cette tâche s'est arrêté ; le balayage a remis "
        "le message en file.",
    )


def sweep(*, holder: str | None = None, now: datetime | None = None) -> dict[str, int]:
    """One sweep, if no other is running. Returns what it did ({"busy": 1} when another
    sweep holds the lease)."""
    from probatio.messaging import tasks

    holder = holder or leases.holder_name()
    now = now or timezone.now()
    if not leases.take(LEASE_NAME, holder, HOLD, now=now):
        return {"busy": 1}
    try:
        counts = {"lost_tasks": close_lost_tasks(now), "queued": 0}
        last = 0
        while True:
            batch = list(
                orphans(now)
                .filter(pk__gt=last)
                .order_by("pk")
                .only("pk", "service_id", "status")[:BATCH]
            )
            if not batch:
                break
            with transaction.atomic():
                for message in batch:
                    tasks.enqueue_send(message, None)
            counts["queued"] += len(batch)
            last = batch[-1].pk
            if not leases.extend(LEASE_NAME, holder, HOLD):
                log.warning("Balayage des messages : bail repris par un autre processus.")
                break
        if counts["queued"] or counts["lost_tasks"]:
            log.warning(
                "Balayage des messages : %s message(s) remis en file, %s tâche(s) perdue(s).",
                counts["queued"],
                counts["lost_tasks"],
            )
        return counts
    finally:
        leases.give_back(LEASE_NAME, holder)
