"""The SMS provider's webhook: delivery reports and STOP replies."""

import json

import pytest

from probatio.audit.models import AuditEntry
from tests.factories import make_sent_sms

TOKEN = "jeton-secret-du-prestataire"


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("SMS_WEBHOOK_TOKEN", TOKEN)


def post(client, payload, token=TOKEN):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(f"/messagerie/sms/retours/{token}/", body, content_type="application/json")


@pytest.fixture
def sent(cpip):
    return make_sent_sms(cpip, provider_id="1511882900176220")


def test_a_delivery_report_marks_the_message_delivered(client, sent):
    response = post(
        client, {"messageId": 1511882900176220, "msg_status": "delivered", "to": "33612345678"}
    )
    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == "delivered" and sent.delivered_at is not None


def test_a_bounce_marks_it_failed_with_the_reason(client, sent):
    post(
        client,
        {
            "messageId": 1511882900176220,
            "msg_status": "hardBounce",
            "description": "numéro inconnu",
        },
    )
    sent.refresh_from_db()
    assert sent.status == "failed" and "numéro inconnu" in sent.last_error


def test_stop_turns_sms_consent_off_and_journals_it(client, sent):
    response = post(client, {"msg_status": "unsubscribed", "to": "33612345678"})
    assert response.status_code == 200
    sent.person.refresh_from_db()
    assert sent.person.sms_consent is False
    assert AuditEntry.objects.filter(
        object_id=sent.person.pk, summary="Réponse STOP au SMS"
    ).exists()


def test_a_stop_reply_text_counts_too(client, sent):
    post(client, {"msg_status": "replied", "reply": "Stop", "from": "+33612345678"})
    sent.person.refresh_from_db()
    assert sent.person.sms_consent is False


def test_a_wrong_token_is_refused(client, sent):
    response = post(client, {"messageId": 1511882900176220, "msg_status": "delivered"}, token="x")
    assert response.status_code == 403
    sent.refresh_from_db()
    assert sent.status == "sent"


def test_malformed_json_is_a_bad_request(client):
    assert post(client, "{pas du json").status_code == 400
