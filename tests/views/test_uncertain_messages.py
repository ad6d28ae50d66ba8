"""A message whose send was interrupted and that the provider could not confirm: the
appointment page says so plainly, and whoever may book the appointment decides to send it again
or to file it (journaled); nobody else can."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda
from probatio.audit.models import AuditEntry
from probatio.messaging import sending
from probatio.messaging.models import Message
from probatio.people.models import TimelineEvent
from tests.factories import SiteFactory, gate, make_person


@pytest.fixture
def appointment(cpip, service):
    person = make_person(cpip, phone="06 12 34 56 78", sms_consent=True)
    start = agenda_rules.at_paris(timezone.localdate() + timedelta(days=5), agenda_rules.time(9))
    return agenda.appointment_book(gated=gate(cpip, person), data={"kind": "follow_up", "place_kind": "site", "site": SiteFactory(service=service),
              "starts_at": start, "ends_at": start + timedelta(minutes=45)}, staff=[cpip.user], confirmed=True)  # fmt: skip


@pytest.fixture
def uncertain(appointment):
    """The first reminder: claimed by a worker that died, then found unknowable."""
    message = appointment.messages.order_by("scheduled_at").first()
    claimed = timezone.now() - timedelta(minutes=20)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=claimed)
    assert sending._claim(message.pk, claimed, message.service_id)
    message.refresh_from_db()
    message.interrupted_at = claimed
    message.status = Message.Status.UNCERTAIN
    message.last_error = sending.uncertain_reason(message, "le prestataire ne permet pas de savoir")
    message.save()
    return message


def page(client, membership, appointment):
    client.force_login(membership.user)
    return client.get(reverse("agenda:detail", args=[appointment.pk]))


def settle(client, appointment, message, decision):
    url = reverse("agenda:message_settle", args=[appointment.pk, message.pk])
    response = client.post(url, {"decision": decision}, follow=True)
    response.text = html.unescape(response.content.decode())
    return response


def test_the_page_says_what_happened_and_offers_the_decision(client, cpip, appointment, uncertain):
    text = html.unescape(page(client, cpip, appointment).content.decode())
    assert "Envoi incertain" in text
    assert "pour que la personne ne le reçoive pas deux fois" in text
    assert "Renvoyer le message" in text and "Classer sans renvoyer" in text


def test_resending_queues_it_again_and_journals_the_decision(client, cpip, appointment, uncertain):
    page(client, cpip, appointment)
    response = settle(client, appointment, uncertain, "resend")
    assert "Le message va être renvoyé dans la minute." in response.text
    uncertain.refresh_from_db()
    assert uncertain.status == "pending" and uncertain.interrupted_at is None
    assert uncertain.next_attempt_at <= timezone.now()
    assert "renvoi décidé par" in uncertain.last_error
    entry = AuditEntry.objects.filter(object_type="messaging.message").latest("pk")
    assert entry.summary == "Envoi incertain : renvoi décidé"
    assert entry.person_id == appointment.person_id
    assert TimelineEvent.objects.filter(
        person=appointment.person, title__contains="renvoi décidé"
    ).exists()
    # The next delivery sends it without asking the provider (a person decided).
    outcome = sending.deliver(uncertain.pk, actor=sending.sender(uncertain.service_id))
    assert outcome == "sent"


def test_filing_it_never_sends_it(client, cpip, appointment, uncertain):
    page(client, cpip, appointment)
    settle(client, appointment, uncertain, "dismiss")
    uncertain.refresh_from_db()
    assert uncertain.status == "cancelled" and "classé sans renvoi" in uncertain.last_error
    response = settle(client, appointment, uncertain, "resend")  # a second click, too late
    assert "n'est plus en attente de décision" in response.text
    uncertain.refresh_from_db()
    assert uncertain.status == "cancelled"


def test_a_reminder_of_a_past_appointment_cannot_be_resent(client, cpip, appointment, uncertain):
    appointment.status = "cancelled"
    appointment.save(update_fields=["status"])
    page(client, cpip, appointment)
    response = settle(client, appointment, uncertain, "resend")
    assert "n'a plus d'objet" in response.text
    uncertain.refresh_from_db()
    assert uncertain.status == "uncertain"


def test_only_who_may_book_decides(client, cpip, monitoring, appointment, uncertain, member,
                                   other_service):  # fmt: skip
    text = page(client, monitoring, appointment).content.decode()
    assert "Envoi incertain" in text and "Renvoyer le message" not in text
    assert settle(client, appointment, uncertain, "resend").status_code == 403
    stranger = member("cpip", service=other_service, user__username="cpip.ailleurs")
    client.force_login(stranger.user)
    assert settle(client, appointment, uncertain, "resend").status_code == 404
    uncertain.refresh_from_db()
    assert uncertain.status == "uncertain"


def test_no_retry_time_in_the_past(client, cpip, appointment):
    message = appointment.messages.order_by("scheduled_at").first()
    past = timezone.now() - timedelta(hours=3)
    Message.objects.filter(pk=message.pk).update(
        attempts=1, next_attempt_at=past, last_error="Le prestataire SMS n'a pas répondu à temps."
    )
    text = page(client, cpip, appointment).content.decode()
    assert "nouvel essai dans les prochaines minutes" in text
    assert timezone.localtime(past).strftime("%d/%m/%Y à %H:%M") not in text


def test_a_send_whose_worker_stopped_says_so(client, cpip, appointment):
    message = appointment.messages.order_by("scheduled_at").first()
    Message.objects.filter(pk=message.pk).update(
        status="sending", claimed_at=timezone.now() - timedelta(minutes=30), attempts=1
    )
    text = html.unescape(page(client, cpip, appointment).content.decode())
    assert "Envoi interrompu" in text and "avant tout renvoi" in text
    Message.objects.filter(pk=message.pk).update(claimed_at=timezone.now())
    text = html.unescape(page(client, cpip, appointment).content.decode())
    assert "Envoi en cours" in text and "Envoi interrompu" not in text
