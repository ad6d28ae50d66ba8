"""Two workers on the same due messages, on PostgreSQL: every message is sent exactly once."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from probatio.messaging import sending
from probatio.messaging.models import Message
from tests.factories import make_person
from tests.threads import together

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
    results = together(lambda: sending.send_due_everywhere(now=NOW))
    sent = sum(r.get("sent", 0) for r in results)
    assert len(results) == 2
    assert sent == 50  # between them, each message once: no double send, none forgotten
    assert len(list(tmp_path.iterdir())) == 50
    assert set(Message.objects.values_list("status", "attempts")) == {("sent", 1)}
