"""The system actor: non-interactive work (tasks, commands) acts for one service, with a reason,
through the same gates, and is journaled as such. A task started without it is refused."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from probatio.access.policy import SYSTEM, Action
from probatio.accounts.system import SystemActor
from probatio.audit.models import AuditEntry
from probatio.audit.services import verify_chain
from probatio.measures.models import Measure
from probatio.people import services as people
from probatio.people.selectors import person_get_for
from probatio.sentences.services import PRISON_MEASURE
from probatio.sentences.tasks import recompute_sentence_dates
from tests.factories import make_measure, make_person, make_prisoner, stop_reply_gate

pytestmark = pytest.mark.django_db


def moved_prison_measure(cpip) -> Measure:
    """A prisoner whose prison measure's end no longer matches the estimate (as after a night
    of changes): the nightly recomputation puts it back."""
    person = make_prisoner(cpip, birth_date=date(1990, 5, 4))
    measure = make_measure(
        cpip, person, code=PRISON_MEASURE, start_date=date(2025, 1, 10), today=date(2025, 6, 1)
    )
    Measure.objects.filter(pk=measure.pk).update(end_date=date(2030, 1, 1))
    return measure


@pytest.mark.parametrize(
    "actor",
    [None, {}, {"service_id": 1}, {"reason": "nuit"}, {"service_id": 1, "reason": ""}, "sys"],
)
def test_a_task_without_a_system_actor_is_refused(actor, cpip):
    measure = moved_prison_measure(cpip)
    entries = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied) as refusal:
        recompute_sentence_dates.call(actor=actor)
    assert "acteur système" in str(refusal.value)
    measure.refresh_from_db()
    assert measure.end_date == date(2030, 1, 1)  # nothing done
    assert AuditEntry.objects.count() == entries


def test_the_nightly_task_acts_as_the_system_actor_and_is_journaled_as_such(cpip):
    measure = moved_prison_measure(cpip)
    actor = SystemActor(service_id=cpip.service_id, reason="recalcul de nuit des dates de peine")
    counts = recompute_sentence_dates.call(actor=actor.as_task_argument())
    assert counts["measures"] == 1
    measure.refresh_from_db()
    assert measure.end_date != date(2030, 1, 1)
    entry = AuditEntry.objects.filter(object_type="measures.measure", object_id=measure.pk).latest(
        "id"
    )
    assert (entry.actor_id, entry.role, entry.service_id) == (None, SYSTEM, cpip.service_id)
    assert entry.actor_label == "Traitement automatique (recalcul de nuit des dates de peine)"
    assert entry.role_label == "Système"
    assert entry.context["system_reason"] == entry.actor_label
    assert verify_chain(f"service:{cpip.service_id}")[1] == []


def test_the_command_runs_each_service_as_its_own_system_actor(cpip, member, other_service):
    ours = moved_prison_measure(cpip)
    theirs = moved_prison_measure(member("cpip", service=other_service, user__username="c.autre"))
    out = io.StringIO()
    call_command("recompute_sentence_dates", stdout=out)
    assert f"Service {cpip.service_id} — dates de peine" in out.getvalue()
    for measure in (ours, theirs):
        entry = AuditEntry.objects.filter(
            object_type="measures.measure", object_id=measure.pk, role=SYSTEM
        ).get()
        assert entry.service_id == measure.person.service_id  # each in its service's chain


def test_the_system_actor_does_only_its_own_work(cpip):
    """It is no staff role: it passes the gate for the work of its table only."""
    person = make_person(cpip)
    actor = SystemActor(service_id=cpip.service_id, reason="essai")
    with pytest.raises(PermissionDenied):
        person_get_for(actor, person.pk, action=Action.EDIT_IDENTITY)
    gated = person_get_for(actor, person.pk, action=Action.RECORD_SMS_STOP)
    with pytest.raises(PermissionDenied):
        people.person_update(gated=gated, data={"surname": "AUTRE"})


def test_a_system_actor_names_its_service_and_its_reason():
    with pytest.raises(PermissionDenied):
        SystemActor(service_id=None, reason="nuit")
    with pytest.raises(PermissionDenied):
        SystemActor(service_id=3, reason="  ")


def test_a_stop_reply_is_journaled_as_the_system_actor(cpip):
    person = make_person(cpip, sms_consent=True, phone="0612345678")
    people.sms_consent_withdraw(gated=stop_reply_gate(person))
    entry = AuditEntry.objects.filter(object_type="people.person", object_id=person.pk).latest("id")
    assert (entry.actor_id, entry.role) == (None, SYSTEM)
    assert entry.actor_label == "Traitement automatique (Réponse STOP au SMS)"
    assert entry.changes == {"sms_consent": [True, False]}


@pytest.mark.parametrize("actor", [None, {"service_id": 1}])
def test_the_sending_tasks_refuse_to_start_without_their_actor(actor):
    from probatio.messaging.tasks import send_due_messages, send_message

    with pytest.raises(PermissionDenied):
        send_message.call(1, actor=actor)
    with pytest.raises(PermissionDenied):
        send_due_messages.call(actor=actor)


def test_a_worker_sends_only_its_own_services_messages(cpip, member, other_service):
    """The claim filters on the actor's service: another service's actor skips the message."""
    from probatio.messaging import sending
    from probatio.messaging.models import Message

    person = make_person(cpip, sms_consent=True, phone="0612345678")
    message = Message.objects.create(
        service_id=cpip.service_id,
        person=person,
        channel=Message.Channel.SMS,
        purpose=Message.Purpose.REMINDER,
        recipient="+33612345678",
        body="Rappel",
        scheduled_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    assert sending.deliver(message.pk, actor=sending.sender(other_service.pk)) == "skipped"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.PENDING, 0)
