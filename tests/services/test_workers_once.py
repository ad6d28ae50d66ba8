"""Several task workers, as separate processes (``manage.py run_worker``, as deployed), on the
same due reminders: each reminder reaches the SMS provider exactly once, on PostgreSQL.

tests/services/test_messaging_concurrency.py shows it for two threads of one process; here three
processes, each with its own connections, take tasks from the same queue, and every reminder's
task is queued twice (as a sweep that re-queued it would). The provider is the file backend,
each of its calls also written to a log: the provider's own idempotency (one file per key)
cannot hide a second call. The workers meet at their first send, so that all three share the
batch whatever the time each took to start.
"""

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from probatio.messaging import sending, tasks
from probatio.messaging.models import Message
from probatio.messaging.sms import FileBackend
from probatio.messaging.sweep import SEND_TASK
from tests.factories import make_person

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
REMINDERS = 30


class GatheringFileBackend(FileBackend):
    """The file backend, each call written to ``calls.log``; a worker's first call waits for
    the others' first (at most a minute)."""

    def send(self, *, to, text, idempotency_key, reference):
        gate = Path(os.environ["PROBATIO_TEST_GATE"])
        mark = gate / str(os.getpid())
        if not mark.exists():
            mark.touch()
            deadline = time.monotonic() + 60
            while len(list(gate.iterdir())) < WORKERS and time.monotonic() < deadline:
                time.sleep(0.05)
        with open(gate.parent / "calls.log", "a", encoding="utf-8") as log:
            log.write(f"{idempotency_key} {os.getpid()}\n")
        time.sleep(0.02)  # a provider takes its time: the workers overlap
        return super().send(to=to, text=text, idempotency_key=idempotency_key, reference=reference)


def database_url(settings_dict) -> str:
    """The URL of this test's database, for the workers' ``DATABASE_URL``."""
    user = quote(settings_dict["USER"] or "postgres")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_three_worker_processes_send_each_reminder_once(cpip, service, tmp_path):
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
    person = make_person(cpip, phone="06 12 34 56 78", sms_consent=True)
    due = timezone.now() - timedelta(minutes=5)
    reminders = Message.objects.bulk_create(
        Message(
            service=service,
            person=person,
            purpose="reminder",
            channel="sms",
            recipient=person.phone,
            body=f"Rappel n° {n}",
            scheduled_at=due,
            next_attempt_at=due,
        )
        for n in range(REMINDERS)
    )
    actor = sending.sender(service.pk).as_task_argument()
    for reminder in reminders:
        tasks.enqueue_send(reminder, run_after=None)
        tasks.send_message.enqueue(reminder.pk, actor)  # queued twice
    gate = tmp_path / "gate"
    gate.mkdir()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "SMS_BACKEND": f"{__name__}.GatheringFileBackend",
        "SMS_FILE_PATH": str(tmp_path / "sms"),
        "PROBATIO_TEST_GATE": str(gate),
        "DEBUG": "false",
    }
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "run_worker",
                "--batch",
                "--no-startup-delay",
                "--worker-id",
                f"worker-{n}",
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        for n in range(WORKERS)
    ]
    outputs = [worker.communicate(timeout=300)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * WORKERS, outputs

    calls = Counter(line.split()[0] for line in (tmp_path / "calls.log").read_text().splitlines())
    assert len(calls) == REMINDERS and set(calls.values()) == {1}  # each once, none forgotten
    assert len(list((tmp_path / "sms").iterdir())) == REMINDERS
    assert set(Message.objects.values_list("status", "attempts")) == {("sent", 1)}
    results = DBTaskResult.objects.filter(task_path=SEND_TASK)
    assert set(results.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}
    returned = Counter(results.values_list("return_value", flat=True))
    # Each reminder sent by one task; the second task of each found it claimed, or sent — and
    # so did any a worker's periodic sweep queued again meanwhile (a due message not yet
    # claimed when it looked): skipped, never sent twice.
    assert set(returned) == {"sent", "skipped"}
    assert returned["sent"] == REMINDERS and returned["skipped"] >= REMINDERS
    senders = {
        worker for result in results.filter(return_value="sent") for worker in result.worker_ids
    }
    assert senders == {f"worker-{n}" for n in range(WORKERS)}  # all three took a share
