"""The échéancier shows the messages someone must look at: an uncertain one (decide to send
again or file), a failed one of an appointment still to come (tell the person); once settled,
or the appointment past, they go."""

from datetime import timedelta

import pytest
from django.utils import timezone

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda
from probatio.core.deadlines import Query, Severity, collect
from probatio.messaging.models import Message
from probatio.people.models import Person
from tests.factories import SiteFactory, gate, make_person

pytestmark = pytest.mark.django_db


def book(cpip, service, days=5):
    person = make_person(cpip, phone="06 12 34 56 78", sms_consent=True)
    start = agenda_rules.at_paris(timezone.localdate() + timedelta(days=days), agenda_rules.time(9))
    return agenda.appointment_book(gated=gate(cpip, person), data={"kind": "follow_up", "place_kind": "site", "site": SiteFactory(service=service),
              "starts_at": start, "ends_at": start + timedelta(minutes=45)}, staff=[cpip.user], confirmed=True)  # fmt: skip


def items(service, staff_id=None):
    today = timezone.localdate()
    query = Query(persons=Person.objects.filter(service=service), today=today,
                  until=today + timedelta(days=30), service_id=service.pk, staff_id=staff_id)  # fmt: skip
    return collect(query, ["message"])


def set_first(appointment, **fields) -> Message:
    message = appointment.messages.order_by("scheduled_at").first()
    Message.objects.filter(pk=message.pk).update(**fields)
    return message


def test_uncertain_and_failed_messages_are_alerts_until_settled(cpip, member, service):
    uncertain = book(cpip, service)
    failed = book(cpip, service, days=7)
    set_first(uncertain, status="uncertain", interrupted_at=timezone.now())
    set_first(failed, status="failed", attempts=6)
    found = items(service)
    assert [i.label.split(" (")[0] for i in found] == ["Envoi incertain", "Message non remis"]
    assert {i.severity for i in found} == {Severity.ALERT}
    assert found[0].url.endswith(f"/agenda/rendez-vous/{uncertain.pk}/#messages-title")
    assert found[0].staff_ids == {cpip.user_id}
    # Another CPIP's échéancier does not show them.
    other = member("cpip", user__username="cpip.autre")
    assert items(service, staff_id=other.user_id) == []
    assert len(items(service, staff_id=cpip.user_id)) == 2
    # Settled, or the appointment no longer to come: gone.
    Message.objects.filter(status="uncertain").update(status="cancelled")
    failed.status = "cancelled"
    failed.save(update_fields=["status"])
    assert items(service) == []
