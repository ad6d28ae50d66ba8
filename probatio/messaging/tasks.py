"""Background tasks of messaging (django-tasks API, database backend, ``manage.py db_worker``).
Tasks take primary keys and the system actor they act as (``SystemActor.as_task_argument``):
a task started without one refuses to run. The backport has no retries, so a failed send
re-enqueues itself with ``run_after`` (see ``sending._retry``)."""

from datetime import datetime

from django.db import transaction
from django_tasks import task

from probatio.accounts.system import SystemActor


@task()
def send_message(message_id: int, actor: dict | None = None) -> str:
    from probatio.messaging import sending

    return sending.deliver(message_id, actor=SystemActor.from_task_argument(actor))


@task()
def send_due_messages(actor: dict | None = None) -> dict:
    """The due messages of one service, by its system actor."""
    from probatio.messaging import sending

    return sending.send_due(actor=SystemActor.from_task_argument(actor))


def enqueue_send(message, run_after: datetime | None) -> None:
    """Queue the sending of ``message`` by the system actor of its service, and keep the task's
    id on the message (the sweep queues a new one if this one is lost)."""
    from probatio.messaging import sending
    from probatio.messaging.models import Message

    actor = sending.sender(message.service_id).as_task_argument()
    # One transaction for both (no savepoint inside the sweep's batch: two queries a message).
    with transaction.atomic(savepoint=False):
        result = send_message.using(run_after=run_after).enqueue(message.pk, actor)
        Message.objects.filter(pk=message.pk).update(task_id=result.id)
