"""Background tasks of messaging (django-tasks API, database backend, ``manage.py db_worker``).
Tasks take primary keys only; the backport has no retries, so a failed send re-enqueues itself
with ``run_after`` (see ``sending._retry``)."""

from datetime import datetime

from django_tasks import task


@task()
def send_message(message_id: int) -> str:
    from probatio.messaging import sending

    return sending.deliver(message_id)


@task()
def send_due_messages() -> dict:
    from probatio.messaging import sending

    return sending.send_due()


def enqueue_send(message_id: int, run_after: datetime | None) -> None:
    send_message.using(run_after=run_after).enqueue(message_id)
