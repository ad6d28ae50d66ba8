"""The appointment reminders of a national service (``messaging``), written with the
generator's ``COPY`` writers, in the demo's proportions, as ``messaging.services`` would have
written them when each appointment was booked, and as its sending left them.

- **Consent** (``people.services``): every generated person has a mobile number; about two in
  three agree to SMS reminders (the demo: 85 % give a mobile, 75 % of them agree), a third
  give an email address, 60 % of them agree to reminders by email. An SMS only to a number
  ``core.phones.is_mobile`` accepts.
- **Reminders** (``services.schedule_reminders``): for each appointment of a consenting person
  (files followed in the community: the held ones have none), at the service's times
  (``Service.reminder_schedule``, its default) computed by ``rules.reminder_times`` from the
  moment the appointment was booked, one message per channel agreed: at most one per
  appointment, purpose, channel and time (the constraint the sending relies on to send once);
  subject and text by ``rules.compose``, the place as ``Appointment.place_label`` and
  ``place_address`` say it. Each has its own idempotency key (derived from its id, so the same
  seed writes the same keys).
- **Sending** (``sending.deliver``): the reminders of past appointments were sent at their time
  (claimed, one attempt): an email is « sent »; an SMS is « delivered » on the provider's
  report, a few « failed » (the provider reported it not delivered); each SMS's report is
  journaled as ``services.delivery_report_record`` does, by the service's system actor (no
  user, ``context.source``), the only write on messages the application journals (creating and
  sending them is not). A reminder whose time came after the appointment's outcome was
  recorded (an appointment later today) was cancelled with it (``services.cancel_pending``).
  The reminders of appointments to come are pending, due at their time, with no send task
  yet: the sweep (``sweep.py``) queues one for each when it falls due.

No group-session reminders (``programmes``): the generated groups' participants get none.
Own draws (``seed:service:m``): the rest of the service is the same with or without them.
"""

import random
import uuid
from datetime import UTC, datetime, timedelta

from probatio.core import phones
from probatio.core.text import fold
from probatio.messaging import rules
from probatio.messaging.models import Message
from probatio.messaging.services import PROVIDER
from probatio.organisation.models import default_reminder_schedule

MODELS = [Message]

SMS_CONSENT_SHARE = 0.64
EMAIL_SHARE = 0.35
EMAIL_CONSENT_SHARE = 0.6
SMS_FAILURE_SHARE = 0.04
SMS_FAILURES = [
    "Numéro non attribué (réponse de l'opérateur)",
    "Téléphone injoignable depuis 72 heures (réponse de l'opérateur)",
]
REMINDER = Message.Purpose.REMINDER.value
SMS, EMAIL = Message.Channel.SMS.value, Message.Channel.EMAIL.value
WHAT = {
    SMS: f"{Message.Purpose.REMINDER.label} par {Message.Channel.SMS.label}",
    EMAIL: f"{Message.Purpose.REMINDER.label} par {Message.Channel.EMAIL.label}",
}
# The idempotency keys: a name-based UUID of the message's id (unique as the ids are).
KEYS = uuid.UUID("6f1d2c1e-4e0b-4a57-9a43-2b6d0c5e7a11")
REPORTED = f"compte rendu du {PROVIDER}"


class ServiceReminders:
    """One service's reminders: ``contact`` for each person, ``appointment`` for each of their
    appointments."""

    def __init__(self, generator, *, service_id: int, name: str, rng: random.Random):
        self.g = generator
        self.w = generator.w
        self.now = generator.now
        self.service_id = service_id
        self.name = name
        self.rng = rng
        self.schedule = default_reminder_schedule()
        self._mobile: dict[str, bool] = {}

    def _is_mobile(self, phone: str) -> bool:
        """``phones.is_mobile``, once per prefix (the generated numbers differ by their last
        digits only, which never decide a French number's type)."""
        prefix = phone[:8]
        if prefix not in self._mobile:
            self._mobile[prefix] = phones.is_mobile(phone)
        return self._mobile[prefix]

    def contact(self, *, phone: str, first: str, surname: str) -> dict:
        """The person's phone, email address and consents (fields of ``Person``)."""
        rng = self.rng
        sms = rng.random() < SMS_CONSENT_SHARE and self._is_mobile(phone)
        email, email_consent = "", False
        if rng.random() < EMAIL_SHARE:
            name = fold(f"{first.split(' ')[0]}.{surname}")
            local = "".join(c for c in name if c.isalnum() or c == ".")
            email = f"{local}{rng.randint(1, 99)}@example.org"
            email_consent = rng.random() < EMAIL_CONSENT_SHARE
        return {"phone": phone, "email": email, "sms_consent": sms, "email_consent": email_consent}

    def appointment(
        self,
        *,
        appointment_id: int,
        person_id: int,
        contact: dict,
        site_id: int,
        starts_at: datetime,
        booked_at: datetime,
        planned: bool,
    ) -> None:
        """The reminders ``schedule_reminders`` created when the appointment was booked (at
        ``booked_at``), and what became of them: sent for a past appointment, pending for one
        to come."""
        channels = []
        if contact["sms_consent"]:
            channels.append(SMS)
        if contact["email_consent"]:
            channels.append(EMAIL)
        if not channels:
            return
        # In UTC, as read back from the database (the journal's hash covers ``at``).
        moments = [
            moment.astimezone(UTC)
            for moment in rules.reminder_times(starts_at, self.schedule, now=booked_at)
        ]
        if not moments:
            return
        place, address = self.g.site_places[site_id]
        subject, body = rules.compose(
            purpose=REMINDER,
            service_name=self.name,
            service_phone="",  # the generated services have no phone
            when=rules.when_text(starts_at),
            place=place,
            address=address,
        )
        recipients = {SMS: contact["phone"], EMAIL: contact["email"]}
        for moment in moments:
            for channel in channels:
                self._message(
                    appointment_id, person_id, channel, recipients[channel], subject, body,
                    moment, booked_at, planned,
                )  # fmt: skip

    def _message(
        self, appointment_id, person_id, channel, recipient, subject, body, moment, booked_at,
        planned,
    ) -> None:  # fmt: skip
        rng = self.rng
        writer = self.w[Message]
        message_id = writer.next_id()
        key = uuid.uuid5(KEYS, str(message_id))
        fields = {}
        status = Message.Status.PENDING.value
        if not planned and moment < self.now:
            claimed = moment + timedelta(seconds=1)
            sent = claimed + timedelta(seconds=rng.randint(1, 39))
            fields = {"attempts": 1, "claimed_at": claimed, "sent_at": sent}
            if channel == EMAIL:
                # SMTP reports no delivery: the message stays « sent » (``sending._send``).
                status = Message.Status.SENT.value
                fields["provider_id"] = f"<{key}@probatio>"
            else:
                provider_id = f"national-{key.hex[:12]}"
                reported = sent + timedelta(seconds=rng.randint(1, 30))
                fields["provider_id"] = provider_id
                if rng.random() < SMS_FAILURE_SHARE:
                    reason = rng.choice(SMS_FAILURES)
                    status = Message.Status.FAILED.value
                    fields["last_error"] = f"Non remis : {reason}"[:500]
                    summary = f"{WHAT[SMS]} non remis selon le {PROVIDER} : {reason}"
                else:
                    status = Message.Status.DELIVERED.value
                    fields["delivered_at"] = reported
                    summary = f"{WHAT[SMS]} remis (accusé de réception du {PROVIDER})"
                self.g.audit.add(
                    user_id=None,
                    action="update",
                    object_type="messaging.message",
                    object_id=message_id,
                    person_id=person_id,
                    summary=summary,
                    at=reported,
                    system=(REPORTED, {"source": PROVIDER, "provider_id": provider_id}),
                )
        elif not planned:
            # Due after the appointment's outcome was recorded: cancelled with it.
            status = Message.Status.CANCELLED.value
        writer.add(
            id=message_id,
            service_id=self.service_id,
            person_id=person_id,
            appointment_id=appointment_id,
            group_session_id=None,
            purpose=REMINDER,
            channel=channel,
            recipient=recipient,
            subject=subject,
            body=body,
            scheduled_at=moment,
            next_attempt_at=moment,
            status=status,
            idempotency_key=key,
            created_at=booked_at,
            **fields,
        )
