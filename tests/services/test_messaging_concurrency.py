"""Two workers on the same due messages, on PostgreSQL: every message is sent exactly once."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections

from probatio.messaging import sending
from probatio.messaging.models import Message
from tests.factories import make_person

NOW = datetime(2025, 10, 25, 8, 0, tzinfo=UTC)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_message_once(cpip, service, settings, tmp_path):
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
    settings.SMS_BACKEND = "probatio.messaging.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path
    person = make_person(cpip, phone="06 12 34 56 78", sms_consent=True)
    Message.objects.bulk_create(
        Message(
            service=service,
            person=person,
            purpose="reminder",
            channel="sms",
            recipient=person.phone,
            body=f"Rappel n° {n}",
            scheduled_at=NOW,
            next_attempt_at=NOW,
        )
        for n in range(50)
    )
    start = threading.Barrier(2)
    results: list[dict] = []
    errors: list[BaseException] = []

    def worker():
        try:
            start.wait()
            results.append(sending.send_due(now=NOW))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    sent = sum(r.get("sent", 0) for r in results)
    assert len(results) == 2
    assert sent == 50  # between them, each message once: no double send, none forgotten
    assert len(list(tmp_path.iterdir())) == 50
    assert set(Message.objects.values_list("status", "attempts")) == {("sent", 1)}
