"""What the SMS provider reports of a message's delivery is recorded by a service and journaled
in the message's service chain, with no user (the provider), in the same transaction."""

import json

import pytest

from probatio.audit.models import AuditEntry
from probatio.messaging import services
from tests.factories import make_sent_sms

PROVIDER_ID = "1511882900176220"
TOKEN = "jeton-secret-du-prestataire"


@pytest.fixture
def sent(cpip):
    return make_sent_sms(cpip, provider_id=PROVIDER_ID)


def entries_of(message):
    return list(
        AuditEntry.objects.filter(object_type="messaging.message", object_id=message.pk).order_by(
            "pk"
        )
    )


def test_a_delivery_is_recorded_and_journaled_without_a_user(sent, service):
    assert services.delivery_report_record(provider_id=PROVIDER_ID, delivered=True) == 1
    sent.refresh_from_db()
    assert sent.status == "delivered" and sent.delivered_at is not None
    [entry] = entries_of(sent)
    assert entry.action == AuditEntry.Action.UPDATE
    # No user: the service's system actor, from the provider's report.
    assert entry.actor is None and entry.role == "system"
    assert entry.actor_label == "Traitement automatique (compte rendu du prestataire SMS)"
    assert entry.service_id == service.pk and entry.person_id == sent.person_id
    assert entry.changes["status"] == ["sent", "delivered"]
    assert entry.context["source"] == services.PROVIDER
    assert "remis" in entry.summary


def test_a_second_delivery_report_changes_and_journals_nothing(sent):
    services.delivery_report_record(provider_id=PROVIDER_ID, delivered=True)
    assert services.delivery_report_record(provider_id=PROVIDER_ID, delivered=True) == 0
    assert len(entries_of(sent)) == 1


def test_a_failure_is_recorded_with_its_reason_and_journaled(sent):
    services.delivery_report_record(provider_id=PROVIDER_ID, delivered=False, reason="inconnu")
    sent.refresh_from_db()
    assert sent.status == "failed" and sent.last_error == "Non remis : inconnu"
    [entry] = entries_of(sent)
    assert entry.changes["status"] == ["sent", "failed"]
    assert entry.changes["last_error"] == ["", "Non remis : inconnu"]
    assert "inconnu" in entry.summary


def test_an_unknown_reference_changes_nothing(sent):
    assert services.delivery_report_record(provider_id="autre", delivered=True) == 0
    assert entries_of(sent) == []


def test_the_webhook_journals_the_report(client, sent, monkeypatch):
    monkeypatch.setenv("SMS_WEBHOOK_TOKEN", TOKEN)
    payload = {"messageId": int(PROVIDER_ID), "msg_status": "delivered"}
    response = client.post(
        f"/messagerie/sms/retours/{TOKEN}/", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 200
    [entry] = entries_of(sent)
    assert entry.changes["status"] == ["sent", "delivered"]
