"""The SMS provider's webhook: delivery reports and STOP replies (Brevo's transactional SMS
events). Authenticated by a secret in the URL (``SMS_WEBHOOK_TOKEN``), no session."""

import hmac
import json
import os

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from probatio.access.policy import Action
from probatio.accounts.system import SystemActor
from probatio.core import phones
from probatio.messaging import selectors, services
from probatio.people.selectors import person_get_for
from probatio.people.services import sms_consent_withdraw

DELIVERED = {"delivered"}
FAILED = {"hardbounce", "softbounce", "rejected", "error", "blacklisted", "undelivered"}
STOP = {"unsubscribed", "unsubscribe", "stop"}
TEXT = "text/plain; charset=utf-8"


def _token() -> str:
    return os.environ.get("SMS_WEBHOOK_TOKEN", getattr(settings, "SMS_WEBHOOK_TOKEN", ""))


def _events(payload) -> list[dict]:
    return payload if isinstance(payload, list) else [payload]


@login_not_required
@csrf_exempt
@require_POST
def sms_webhook(request, token: str):
    expected = _token()
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        return HttpResponseForbidden("Jeton invalide.", content_type=TEXT)
    try:
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest("JSON illisible.", content_type=TEXT)
    for event in _events(payload):
        if not isinstance(event, dict):
            return HttpResponseBadRequest("Événement illisible.", content_type=TEXT)
        status = str(event.get("msg_status") or event.get("event") or "").strip().lower()
        reply = str(event.get("reply") or event.get("text") or "").strip().upper()
        provider_id = str(event.get("messageId") or event.get("message_id") or "")
        if status in DELIVERED and provider_id:
            services.delivery_report_record(provider_id=provider_id, delivered=True)
        elif status in FAILED and provider_id:
            reason = str(event.get("description") or event.get("reason") or status)
            services.delivery_report_record(provider_id=provider_id, delivered=False, reason=reason)
        if status in STOP or reply.startswith("STOP"):
            raw = str(event.get("to") or event.get("phone_number") or event.get("from") or "")
            try:
                number = phones.normalise(raw if raw.startswith(("+", "0")) else f"+{raw}")
            except phones.InvalidPhone:
                return HttpResponseBadRequest("Numéro illisible.", content_type=TEXT)
            for person in selectors.persons_to_unsubscribe(number):
                actor = SystemActor(service_id=person.service_id, reason="Réponse STOP au SMS")
                gated = person_get_for(actor, person.pk, action=Action.RECORD_SMS_STOP)
                sms_consent_withdraw(gated=gated)
    return HttpResponse("ok", content_type=TEXT)
