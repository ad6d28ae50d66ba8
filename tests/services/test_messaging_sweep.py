"""Nothing lost, nothing sent twice when a process dies: the sweep queues the due messages left
without a task, and a send interrupted by a dying worker is checked at the provider before
anything is sent again."""

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda
from probatio.core import leases
from probatio.messaging import sending, sweep
from probatio.messaging.models import Message
from probatio.messaging.sms import FileBackend, SendResult
from tests.factories import SiteFactory, gate, make_person
from tests.threads import together

BOOKED = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)
REMINDER_AT = datetime(2025, 10, 25, 8, 0, tzinfo=UTC)  # 10:00 Paris, Saturday
MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"


@pytest.fixture(autouse=True)
def sms_files(settings, tmp_path):
    settings.SMS_BACKEND = "probatio.messaging.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return tmp_path / "sms"


def book(cpip, service, day=date(2025, 10, 27)):
    person = make_person(
        cpip, phone="06 12 34 56 78", sms_consent=True, email="p@example.org", email_consent=True
    )
    start = agenda_rules.at_paris(day, time(9))
    return agenda.appointment_book(gated=gate(cpip, person), data={"kind": "follow_up", "place_kind": "site", "site": SiteFactory(service=service),
              "starts_at": start, "ends_at": start + timedelta(minutes=45)}, staff=[cpip.user], confirmed=True, now=BOOKED)  # fmt: skip


def run_worker_as_make_run_does():
    """``make run`` starts ``manage.py run_worker``; ``--batch`` runs its sweep once, then every
    task due, and returns."""
    call_command("run_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def test_make_run_starts_the_worker_that_sweeps():
    run = MAKEFILE.read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "manage.py run_worker" in run and "db_worker" not in run


@pytest.mark.django_db(transaction=True)
def test_a_booking_whose_tasks_were_lost_is_sent_by_the_running_workers(cpip, service, sms_files):
    appointment = book(cpip, service)
    due = list(appointment.messages.filter(scheduled_at=REMINDER_AT))
    assert len(due) == 2 and all(m.task_id for m in due)  # queued on commit, ids kept
    # The web process died between the commit and the queueing: no task, or a task id that
    # leads nowhere.
    DBTaskResult.objects.all().delete()
    Message.objects.filter(channel="email").update(task_id=None)
    with time_machine.travel(REMINDER_AT - timedelta(minutes=5), tick=False):
        run_worker_as_make_run_does()  # not due yet: nothing queued, nothing sent
    assert not sms_files.exists() and not mail.outbox
    with time_machine.travel(REMINDER_AT + timedelta(seconds=45), tick=False):
        run_worker_as_make_run_does()
    sms = Message.objects.get(appointment=appointment, channel="sms", scheduled_at=REMINDER_AT)
    email = Message.objects.get(appointment=appointment, channel="email", scheduled_at=REMINDER_AT)
    assert (sms.status, email.status) == ("sent", "sent")
    assert [p.name for p in sms_files.iterdir()] == [f"{sms.idempotency_key}.json"]
    assert len(mail.outbox) == 1
    # The reminders of the day itself are not due: still waiting, with no task queued early.
    assert set(
        appointment.messages.exclude(scheduled_at=REMINDER_AT).values_list("status", flat=True)
    ) == {"pending"}


@pytest.mark.django_db
def test_the_sweep_leaves_a_message_whose_task_is_waiting(cpip, service):
    appointment = book(cpip, service)
    messages = appointment.messages.filter(scheduled_at=REMINDER_AT)
    for message in messages:
        sending_tasks_enqueue(message)
    assert sweep.orphans(REMINDER_AT + timedelta(minutes=1)).count() == 0
    DBTaskResult.objects.update(status=TaskResultStatus.SUCCESSFUL)  # ran, message untouched
    assert sweep.orphans(REMINDER_AT + timedelta(minutes=1)).count() == 2
    # Due less than the grace ago: its task may just be about to run.
    assert sweep.orphans(REMINDER_AT + timedelta(seconds=10)).count() == 0


def sending_tasks_enqueue(message):
    from probatio.messaging import tasks

    tasks.enqueue_send(message, message.next_attempt_at)


@pytest.mark.django_db
def test_a_second_sweep_waits_for_the_first(cpip, service):
    book(cpip, service)
    now = REMINDER_AT + timedelta(minutes=1)
    assert leases.take(sweep.LEASE_NAME, "autre-machine:1", sweep.HOLD, now=now)
    assert sweep.sweep(holder="ici:2", now=now) == {"busy": 1}
    assert not DBTaskResult.objects.exists()
    later = now + sweep.HOLD + timedelta(seconds=1)  # the other sweeper died: its lease ran out
    assert sweep.sweep(holder="ici:2", now=later) == {"lost_tasks": 0, "queued": 2}
    assert DBTaskResult.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_message_once(cpip, service, sms_files):
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
    appointments = [book(cpip, service) for _ in range(5)]
    DBTaskResult.objects.all().delete()
    with time_machine.travel(REMINDER_AT + timedelta(minutes=1), tick=False):
        results = together(sweep.sweep)
        queued = sum(r.get("queued", 0) for r in results)
        assert queued == 10  # between them, each orphan queued once
        together(worker_in_a_thread)
    assert DBTaskResult.objects.count() == 10
    for appointment in appointments:
        assert set(
            appointment.messages.filter(scheduled_at=REMINDER_AT).values_list("status", flat=True)
        ) == {"sent"}
    assert len(list(sms_files.iterdir())) == 5 and len(mail.outbox) == 5


def worker_in_a_thread():
    """``run_worker``'s loop in batch mode (signals can only be set in the main thread)."""
    from django.utils.crypto import get_random_string
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
           startup_delay=False, max_tasks=None, worker_id=get_random_string(16),
           excluded_queue_names=[]).run()  # fmt: skip


class ProcessKilled(BaseException):
    """What a ``kill -9`` looks like from inside: nothing after it runs."""


class AcceptedThenKilled(FileBackend):
    """The provider accepted the request (the file is written), then the worker died before
    recording it."""

    def send(self, **kwargs) -> SendResult:
        super().send(**kwargs)
        raise ProcessKilled


def sms_due(appointment) -> Message:
    return appointment.messages.get(channel="sms", scheduled_at=REMINDER_AT)


def interrupt(message, settings):
    """A worker claims the message, hands it to the provider, and dies."""
    backend = settings.SMS_BACKEND
    settings.SMS_BACKEND = f"{__name__}.AcceptedThenKilled"
    with pytest.raises(ProcessKilled):
        sending.deliver(message.pk, actor=sending.sender(message.service_id), now=REMINDER_AT)
    settings.SMS_BACKEND = backend
    message.refresh_from_db()
    assert message.status == "sending"


@pytest.mark.django_db(transaction=True)
def test_a_send_killed_after_the_provider_accepted_it_is_not_sent_again(
    cpip, service, sms_files, settings
):
    appointment = book(cpip, service)
    message = sms_due(appointment)
    interrupt(message, settings)
    [delivered] = list(sms_files.iterdir())
    # Within the claim's lease, the sweep leaves it alone; after it, the workers take it back.
    with time_machine.travel(REMINDER_AT + timedelta(minutes=5), tick=False):
        run_worker_as_make_run_does()
    assert Message.objects.get(pk=message.pk).status == "sending"
    with time_machine.travel(REMINDER_AT + sending.LEASE + timedelta(minutes=1), tick=False):
        run_worker_as_make_run_does()
    message.refresh_from_db()
    assert message.status == "sent" and message.interrupted_at == REMINDER_AT
    assert "confirmé par le prestataire" in message.last_error
    assert message.sent_at == REMINDER_AT and message.provider_id.startswith("file-")
    assert list(sms_files.iterdir()) == [delivered]  # one delivery to the person
    assert json.loads(delivered.read_text())["idempotency_key"] == str(message.idempotency_key)


class CountingFileBackend(FileBackend):
    """A provider that ignores idempotency keys: every send is a new SMS to the person."""

    sends: list[str] = []

    def send(self, **kwargs) -> SendResult:
        CountingFileBackend.sends.append(kwargs["idempotency_key"])
        return SendResult(provider_id=f"n{len(CountingFileBackend.sends)}")


@pytest.mark.django_db
def test_a_send_killed_before_the_provider_had_it_is_sent_once(cpip, service, settings):
    appointment = book(cpip, service)
    message = sms_due(appointment)
    assert sending._claim(message.pk, REMINDER_AT, message.service_id)  # then the worker died
    CountingFileBackend.sends = []
    settings.SMS_BACKEND = f"{__name__}.CountingFileBackend"
    later = REMINDER_AT + sending.LEASE + timedelta(minutes=1)
    assert sending.deliver(message.pk, actor=sending.sender(message.service_id), now=later) == (
        "sent"
    )
    assert CountingFileBackend.sends == [str(message.idempotency_key)]
    message.refresh_from_db()
    assert message.status == "sent" and message.interrupted_at == REMINDER_AT


class Unknowing(CountingFileBackend):
    def lookup(self, **kwargs):
        return None


@pytest.mark.django_db
def test_when_the_provider_cannot_tell_the_message_is_uncertain_not_sent_twice(
    cpip, service, settings
):
    appointment = book(cpip, service)
    message = sms_due(appointment)
    assert sending._claim(message.pk, REMINDER_AT, message.service_id)
    Unknowing.sends = []
    settings.SMS_BACKEND = f"{__name__}.Unknowing"
    later = REMINDER_AT + sending.LEASE + timedelta(minutes=1)
    actor = sending.sender(message.service_id)
    assert sending.deliver(message.pk, actor=actor, now=later) == "uncertain"
    assert Unknowing.sends == []
    message.refresh_from_db()
    assert message.status == "uncertain"
    assert "25/10/2025 à 10:00" in message.last_error  # the interrupted send, Paris time
    assert "ne permet pas de savoir" in message.last_error
    # Nobody sends it again by themselves: not the sweep, not the safety net.
    assert message not in sweep.orphans(later + timedelta(hours=1))
    assert sending.send_due_everywhere(now=later + timedelta(hours=1)) == {"sent": 1}  # email
    assert Unknowing.sends == []


@pytest.mark.django_db
def test_an_interrupted_email_is_uncertain(cpip, service):
    appointment = book(cpip, service)
    email = appointment.messages.get(channel="email", scheduled_at=REMINDER_AT)
    assert sending._claim(email.pk, REMINDER_AT, email.service_id)
    later = REMINDER_AT + sending.LEASE + timedelta(minutes=1)
    assert sending.deliver(email.pk, actor=sending.sender(email.service_id), now=later) == (
        "uncertain"
    )
    assert not mail.outbox
    email.refresh_from_db()
    assert "serveur de courriel" in email.last_error


class LookupDown(CountingFileBackend):
    def lookup(self, **kwargs):
        from probatio.messaging.sms import SmsTemporaryError

        raise SmsTemporaryError("Le prestataire SMS n'a pas répondu à temps.")


@pytest.mark.django_db
def test_a_status_check_that_fails_is_tried_again_then_left_uncertain(cpip, service, settings):
    appointment = book(cpip, service)
    message = sms_due(appointment)
    assert sending._claim(message.pk, REMINDER_AT, message.service_id)
    LookupDown.sends = []
    settings.SMS_BACKEND = f"{__name__}.LookupDown"
    actor = sending.sender(message.service_id)
    now = REMINDER_AT + sending.LEASE + timedelta(minutes=1)
    assert sending.deliver(message.pk, actor=actor, now=now) == "retry"
    message.refresh_from_db()
    assert message.status == "pending" and message.interrupted_at == REMINDER_AT
    assert "Vérification de l'envoi interrompu impossible" in message.last_error
    outcomes = []
    while message.status == "pending":
        now = message.next_attempt_at
        outcomes.append(sending.deliver(message.pk, actor=actor, now=now))
        message.refresh_from_db()
    assert outcomes[-1] == "uncertain" and set(outcomes[:-1]) <= {"retry"}
    assert message.status == "uncertain" and "vérification auprès du prestataire" in (
        message.last_error
    )
    assert LookupDown.sends == []  # never sent blind


@pytest.mark.django_db
def test_an_interrupted_reminder_whose_appointment_was_cancelled_is_not_sent(
    cpip, service, settings
):
    appointment = book(cpip, service)
    message = sms_due(appointment)
    assert sending._claim(message.pk, REMINDER_AT, message.service_id)
    appointment.status = "cancelled"
    appointment.save(update_fields=["status"])
    CountingFileBackend.sends = []
    settings.SMS_BACKEND = f"{__name__}.CountingFileBackend"
    later = REMINDER_AT + sending.LEASE + timedelta(minutes=1)
    assert sending.deliver(message.pk, actor=sending.sender(message.service_id), now=later) == (
        "cancelled"
    )
    assert CountingFileBackend.sends == []


@pytest.mark.django_db
def test_the_sweep_closes_the_tasks_of_a_dead_worker(cpip, service):
    appointment = book(cpip, service)
    message = sms_due(appointment)
    sending_tasks_enqueue(message)
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING, started_at=REMINDER_AT)
    assert sending._claim(message.pk, REMINDER_AT, message.service_id)
    now = REMINDER_AT + sending.LEASE + timedelta(minutes=1)
    counts = sweep.sweep(now=now)
    assert counts["lost_tasks"] == 1
    lost = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert lost.exception_class_path == sweep.WORKER_LOST
    assert counts["queued"] >= 1  # the interrupted SMS (and the email, due without a task)
    message.refresh_from_db()
    assert DBTaskResult.objects.get(pk=message.task_id).status == TaskResultStatus.READY
