"""Transfers of a file between services (``transfers.services``): each state, what moves on
acceptance and what nothing loses, both services' audit chains, the judge who keeps the
report addressed to them, the system actor's automatic acceptance and its reminders, and
the refusals (French messages, nothing written)."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda_services
from probatio.agenda.models import Appointment
from probatio.audit.models import AuditEntry
from probatio.audit.services import verify_chain
from probatio.core import periodic
from probatio.core.deadlines import Query, collect
from probatio.deadlines.models import DueItemRecord
from probatio.deadlines.services import refresh
from probatio.messaging import sending
from probatio.messaging.models import Message
from probatio.notes.models import InterviewNote
from probatio.organisation.models import Service
from probatio.people import services as people_services
from probatio.people.models import AwaitingReason, Person, TimelineEvent
from probatio.people.selectors import person_get_for, person_list_for
from probatio.reports import rules as report_rules
from probatio.reports.selectors import report_get_for, visible_reports
from probatio.transfers import selectors, services
from probatio.transfers.models import Transfer, TransferSettings
from tests.factories import (
    InterviewNoteFactory,
    ServiceFactory,
    SiteFactory,
    gate,
    make_decision,
    make_measure,
    make_person,
    make_transmitted_report,
)


@pytest.fixture(autouse=True)
def sms_files(settings, tmp_path):
    settings.SMS_BACKEND = "probatio.messaging.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return tmp_path / "sms"


@pytest.fixture
def receiving(member, other_service):
    return member(
        "manager",
        service=other_service,
        user__username="encadrement.accueil",
        user__email="accueil@exemple.fr",
    )


@pytest.fixture
def sending_mail(manager):
    manager.user.email = "origine@exemple.fr"
    manager.user.save(update_fields=["email"])
    return manager


def propose(manager, person, to_service, **kwargs) -> Transfer:
    return services.transfer_propose(
        gated=person_get_for(manager, person.pk, action="transfer_file"),
        to_service=to_service,
        reason=kwargs.pop("reason", Transfer.Reason.RESIDENCE),
        comment=kwargs.pop("comment", "Nouvelle adresse à Lille depuis le 1er du mois."),
        **kwargs,
    )


def written():
    return (Transfer.objects.count(), AuditEntry.objects.count(), TimelineEvent.objects.count())


def chain_ok(service_id: int) -> int:
    count, problems = verify_chain(f"service:{service_id}")
    assert problems == []
    return count


# --- Proposing and withdrawing -------------------------------------------------------------


def test_a_manager_proposes_and_the_receiving_managers_are_told(
    manager, person, other_service, receiving, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        transfer = propose(manager, person, other_service)
    assert transfer.status == Transfer.Status.PENDING
    assert transfer.from_service_id == person.service_id
    person.refresh_from_db()
    assert person.service_id != other_service.pk  # nothing moves before the answer
    entry = AuditEntry.objects.get(object_type="transfers.transfer", object_id=transfer.pk)
    assert entry.service_id == person.service_id
    assert entry.changes["comment"] == ["(valeur non conservée)", "(valeur non conservée)"]
    assert person.timeline_events.filter(title__startswith="Transfert proposé").exists()
    [message] = mailoutbox
    assert message.to == ["accueil@exemple.fr"]
    assert f"/transferts/{transfer.pk}/" in message.body
    assert person.surname not in message.body  # the e-mail names no person
    assert list(selectors.incoming_pending(other_service.pk)) == [transfer]


def test_a_second_pending_transfer_is_refused(manager, person, other_service):
    first = propose(manager, person, other_service)
    before = written()
    with pytest.raises(ValidationError) as refusal:
        propose(manager, person, other_service)
    assert "déjà en attente de réponse" in refusal.value.message_dict["to_service"][0]
    assert f"« {first.to_service} »" in refusal.value.message_dict["to_service"][0]
    assert written() == before
    third = ServiceFactory(name="SPIP tiers", department_code="997")
    before = written()  # the third service's creation starts its journal chain
    with pytest.raises(ValidationError):  # to a third service neither
        propose(manager, person, third)
    assert written() == before


def test_a_transfer_to_ones_own_service_is_refused(manager, person, service):
    before = written()
    with pytest.raises(ValidationError) as refusal:
        propose(manager, person, service)
    assert refusal.value.message_dict["to_service"] == [
        "Le dossier est déjà suivi par votre service : choisissez un autre service d'accueil."
    ]
    assert written() == before


def test_a_file_never_goes_between_a_real_and_a_training_service(manager, person, other_service):
    other_service.is_sandbox = True
    other_service.save(update_fields=["is_sandbox"])
    before = written()
    with pytest.raises(ValidationError) as refusal:
        propose(manager, person, other_service)
    assert "service de formation" in refusal.value.message_dict["to_service"][0]
    assert written() == before
    assert list(selectors.receiving_choices(person.service)) == []


def test_only_a_manager_proposes(cpip, person, other_service):
    before = written()
    with pytest.raises(PermissionDenied):
        services.transfer_propose(
            gated=gate(cpip, person), to_service=other_service, reason="residence"
        )
    assert written() == before


def test_the_sending_service_withdraws_until_it_is_answered(manager, person, other_service):
    transfer = propose(manager, person, other_service)
    gated = person_get_for(manager, person.pk, action="transfer_file")
    services.transfer_withdraw(gated=gated, transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.WITHDRAWN
    assert transfer.answered_by == manager.user
    before = written()
    with pytest.raises(ValidationError) as refusal:
        services.transfer_withdraw(gated=gated, transfer=transfer)
    assert "déjà été retirée le" in refusal.value.message_dict["status"][0]
    assert written() == before
    # Withdrawn, another may be proposed.
    assert propose(manager, person, other_service).is_pending


# --- Refusing --------------------------------------------------------------------------------


def test_a_refusal_needs_its_reason_and_leaves_the_file(
    manager, person, other_service, receiving, sending_mail, django_capture_on_commit_callbacks,
    mailoutbox,
):  # fmt: skip
    transfer = propose(manager, person, other_service)
    g = selectors.transfer_get_for(receiving, transfer.pk)
    before = written()
    with pytest.raises(ValidationError) as refusal:
        services.transfer_answer(gated_transfer=g, accept=False, comment="  ")
    assert "motif du refus" in refusal.value.message_dict["comment"][0]
    assert written() == before
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_answer(
            gated_transfer=g, accept=False, comment="Adresse hors de notre ressort."
        )
    transfer.refresh_from_db()
    person.refresh_from_db()
    assert transfer.status == Transfer.Status.REFUSED
    assert person.service_id == manager.service_id
    assert [m.to for m in mailoutbox] == [["origine@exemple.fr"]]
    # Both chains know of the answer; the file has its line.
    assert AuditEntry.objects.filter(
        service_id=other_service.pk, object_type="transfers.transfer", action="update"
    ).exists()
    assert AuditEntry.objects.filter(
        service_id=manager.service_id, summary__startswith="Demande de transfert refusée par"
    ).exists()
    assert person.timeline_events.filter(title__startswith="Transfert refusé").exists()
    chain_ok(other_service.pk)
    chain_ok(manager.service_id)
    # Answering (or withdrawing) again: a French message, nothing written.
    before = written()
    with pytest.raises(ValidationError) as again:
        services.transfer_answer(gated_transfer=g, accept=True)
    assert "déjà été refusée le" in again.value.message_dict["decision"][0]
    with pytest.raises(ValidationError):
        services.transfer_withdraw(
            gated=person_get_for(manager, person.pk, action="transfer_file"), transfer=transfer
        )
    assert written() == before


def test_the_answer_belongs_to_the_receiving_managers_only(manager, person, other_service, member):
    transfer = propose(manager, person, other_service)
    with pytest.raises(Http404):  # another service's manager: the request does not exist
        third = ServiceFactory(name="SPIP tiers", department_code="997")
        selectors.transfer_get_for(member("manager", service=third), transfer.pk)
    with pytest.raises(Http404):  # a CPIP of the receiving service
        selectors.transfer_get_for(member("cpip", service=other_service), transfer.pk)
    g = selectors.transfer_get_for(manager, transfer.pk)  # the sending side
    assert g.side == selectors.SENDING and not g.can_answer
    with pytest.raises(PermissionDenied):
        services.transfer_answer(gated_transfer=g, accept=True)
    assert Transfer.objects.get(pk=transfer.pk).is_pending


# --- Accepting: the whole file moves --------------------------------------------------------


@pytest.fixture
def full_file(cpip, manager, judge, member, person, service):
    """A file with a measure (its CPIP named), another professional, a note, a transmitted
    report to the judge, a past and a future appointment with their reminders."""
    psychologist = member("psychologist")
    measure = make_measure(cpip, person, judge=judge.user, assigned_cpip=cpip.user)
    people_services.support_staff_set(gated=gate(manager, person), users=[psychologist.user])
    InterviewNoteFactory(person=person, author=cpip.user)
    report = make_transmitted_report(
        cpip, person, report_rules.END_OF_MEASURE, today=timezone.localdate(), measure=measure
    )
    Person.objects.filter(pk=person.pk).update(phone="+33612345678", sms_consent=True)
    person.refresh_from_db()
    site = SiteFactory(service=service)
    day = timezone.localdate() + timedelta(days=10)
    start = agenda_rules.at_paris(day, time(9))
    future = agenda_services.appointment_book(
        gated=gate(cpip, person),
        data={"kind": "follow_up", "place_kind": "site", "site": site, "starts_at": start,
              "ends_at": start + timedelta(minutes=45)},
        staff=[cpip.user], confirmed=True,
    )  # fmt: skip
    return {"measure": measure, "report": report, "future": future, "psy": psychologist}


def test_on_acceptance_the_whole_file_moves(
    manager, cpip, judge, person, other_service, receiving, full_file, service
):
    notes_before = InterviewNote.objects.filter(person=person).count()
    timeline_before = person.timeline_events.count()
    reminders = list(full_file["future"].messages.filter(purpose="reminder"))
    assert reminders and all(m.status == Message.Status.PENDING for m in reminders)
    sending_chain_before = AuditEntry.objects.filter(chain=f"service:{service.pk}").count()

    transfer = propose(manager, person, other_service)
    refresh.refresh([person.pk], date.today())  # the sending service's échéancier holds it
    assert DueItemRecord.objects.filter(person=person, service=service).exists()
    g = selectors.transfer_get_for(receiving, transfer.pk)
    services.transfer_answer(gated_transfer=g, accept=True, comment="Bienvenue.")

    person.refresh_from_db()
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.ACCEPTED and not transfer.automatic
    # The sending service's échéancier keeps nothing of the file.
    assert not DueItemRecord.objects.filter(person=person, service=service).exists()
    assert person.service_id == other_service.pk
    # In the receiving service's queue, the sending service's staff gone from it.
    assert person.assigned_cpip is None and person.assigned_at is None
    assert person.awaiting_reason == AwaitingReason.TRANSFER_IN
    assert person.awaiting_since == transfer.answered_at
    assert list(person.support_staff.all()) == []
    full_file["measure"].refresh_from_db()
    assert full_file["measure"].assigned_cpip is None
    assert full_file["measure"].assigning_judge == judge.user  # the judge's decision stays
    # Nothing lost: notes, measures, reports, the chronology (plus the transfer's lines).
    assert InterviewNote.objects.filter(person=person).count() == notes_before
    assert person.measures.count() == 1 and person.reports.count() == 1
    assert person.timeline_events.count() > timeline_before
    line = person.timeline_events.get(title__startswith="Dossier transféré")
    assert "1 rendez-vous annulé" in line.detail and "dossier à attribuer" in line.detail
    # The sending service's future appointment: cancelled, its reminders too, the person told.
    future = Appointment.objects.get(pk=full_file["future"].pk)
    assert future.status == Appointment.Status.CANCELLED
    assert "Dossier transféré" in future.status_reason
    assert not future.messages.filter(purpose="reminder", status="pending").exists()
    [notice] = future.messages.filter(purpose="cancelled")
    assert notice.service_id == service.pk  # the sending service's notice, its phone
    # It leaves, by the sending service's system actor, although the file has moved.
    assert sending.deliver(
        notice.pk, actor=sending.sender(service.pk), now=notice.scheduled_at
    ) == ("sent")
    # Both chains record the transfer, and both are intact.
    assert AuditEntry.objects.filter(
        chain=f"service:{service.pk}", person_id=person.pk, summary__startswith="Dossier transféré"
    ).exists()
    assert AuditEntry.objects.filter(
        chain=f"service:{other_service.pk}",
        person_id=person.pk,
        summary__startswith="Dossier reçu par transfert",
    ).exists()
    assert AuditEntry.objects.filter(chain=f"service:{service.pk}").count() > sending_chain_before
    chain_ok(service.pk)
    chain_ok(other_service.pk)
    # The sending service's staff no longer see it; the receiving service's do.
    for member_of_sending in (cpip, manager, full_file["psy"]):
        with pytest.raises(Http404):
            person_get_for(member_of_sending, person.pk)
        assert not person_list_for(member_of_sending).filter(pk=person.pk).exists()
    with pytest.raises(Http404):
        selectors.transfer_get_for(manager, transfer.pk)
    assert person_get_for(receiving, person.pk).person == person
    assert person in person_list_for(receiving)


def test_the_report_left_unanswered_stays_the_judges_and_only_theirs(
    manager, cpip, judge, member, person, other_service, receiving, full_file
):
    report = full_file["report"]
    transfer = propose(manager, person, other_service)
    services.transfer_answer(
        gated_transfer=selectors.transfer_get_for(receiving, transfer.pk), accept=True
    )
    g = report_get_for(judge, report.pk)
    assert g.can_answer and g.can_read_content
    assert report in visible_reports(judge)
    # Another judge of the sending service, its manager, its CPIP: 404.
    other_judge = member("judge", user__username="juge.autre")
    for stranger in (other_judge, manager, cpip):
        with pytest.raises(Http404):
            report_get_for(stranger, report.pk)
        assert report not in visible_reports(stranger)
    # The judge's answer is recorded on the file, now the receiving service's.
    from probatio.reports import answers
    from probatio.transitions import services as transitions

    data = transitions.AnswerData(
        input=answers.Input(code=answers.ACKNOWLEDGED, answered_on=timezone.localdate()),
        text="Pris acte.",
    )
    transitions.answer_record(membership=judge, gated_report=g, data=data)
    report.refresh_from_db()
    assert report.status == report_rules.ANSWERED
    # Answered, the judge still reads what was transmitted to them.
    assert report_get_for(judge, report.pk).report == report


# --- The system actor: reminders, then the automatic acceptance ------------------------------


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def test_reminders_then_automatic_acceptance(
    manager, person, other_service, receiving, django_capture_on_commit_callbacks, mailoutbox
):
    proposed = timezone.localdate() - timedelta(days=30)
    transfer = propose(manager, person, other_service, now=at(proposed))
    accept_day = proposed + timedelta(days=15)  # the default delay
    assert selectors.accept_on(transfer) == accept_day
    # Nothing before the first reminder (5 days before).
    assert services.send_reminders(today=accept_day - timedelta(days=6)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(today=accept_day - timedelta(days=5)) == 1
        assert services.send_reminders(today=accept_day - timedelta(days=4)) == 0  # once
        assert services.send_reminders(today=accept_day - timedelta(days=1)) == 1
        assert services.accept_overdue(today=accept_day - timedelta(days=1)) == 0
    assert [m.to for m in mailoutbox] == [["accueil@exemple.fr"]] * 2
    assert "relance" in mailoutbox[0].subject
    assert Transfer.objects.get(pk=transfer.pk).reminders_sent == [5, 1]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.accept_overdue(today=accept_day, now=at(accept_day)) == 1
    transfer.refresh_from_db()
    person.refresh_from_db()
    assert transfer.status == Transfer.Status.ACCEPTED and transfer.automatic
    assert transfer.answered_by is None
    assert person.service_id == other_service.pk
    assert person.awaiting_reason == AwaitingReason.TRANSFER_IN
    entry = AuditEntry.objects.get(
        chain=f"service:{other_service.pk}", summary__startswith="Transfert accepté"
    )
    assert entry.role == "system" and entry.actor_id is None
    assert entry.actor_label.startswith("Traitement automatique")
    chain_ok(manager.service_id)
    chain_ok(other_service.pk)
    assert "automatiquement" in mailoutbox[-1].subject
    # Once accepted, nothing more to do.
    assert services.run_periodic(now=at(accept_day + timedelta(days=1))) == {
        "reminders": 0,
        "accepted": 0,
    }


def test_the_platform_sets_the_delay_and_the_reminders(manager, person, other_service):
    TransferSettings.objects.create(auto_accept_days=20, first_reminder_days=3,
                                    last_reminder_days=0)  # fmt: skip
    proposed = timezone.localdate() - timedelta(days=25)
    transfer = propose(manager, person, other_service, now=at(proposed))
    assert selectors.accept_on(transfer) == proposed + timedelta(days=20)
    assert services.send_reminders(today=proposed + timedelta(days=16)) == 0
    assert services.send_reminders(today=proposed + timedelta(days=17)) == 1
    assert services.send_reminders(today=proposed + timedelta(days=19)) == 0
    assert services.accept_overdue(today=proposed + timedelta(days=19)) == 0
    assert services.accept_overdue(today=proposed + timedelta(days=20)) == 1


def test_the_settings_bounds_are_refused(db):
    setting = TransferSettings(auto_accept_days=2, first_reminder_days=5, last_reminder_days=1)
    with pytest.raises(ValidationError) as refusal:
        setting.full_clean()
    assert "auto_accept_days" in refusal.value.message_dict


def test_a_request_answered_meanwhile_is_not_accepted(manager, person, other_service):
    transfer = propose(manager, person, other_service, now=at(date(2025, 1, 6)))
    services.transfer_withdraw(
        gated=person_get_for(manager, person.pk, action="transfer_file"), transfer=transfer
    )
    assert services.accept_overdue(today=timezone.localdate()) == 0
    assert Person.objects.get(pk=person.pk).service_id == manager.service_id


def test_the_worker_runs_the_periodic_work_once_per_period(manager, person, other_service):
    propose(manager, person, other_service, now=at(timezone.localdate() - timedelta(days=40)))
    now = timezone.now()
    done = periodic.run_due(holder="worker-a", now=now)
    assert done["transfers"] == {"reminders": 0, "accepted": 1}
    # Another worker a minute later: the period has not passed.
    assert "transfers" not in periodic.run_due(holder="worker-b", now=now + timedelta(minutes=1))
    assert "transfers" in periodic.run_due(holder="worker-b", now=now + timedelta(hours=1))


def test_the_command_does_one_pass(manager, person, other_service, capsys):
    propose(manager, person, other_service, now=at(timezone.localdate() - timedelta(days=40)))
    call_command("accept_overdue_transfers")
    assert "1 transfert accepté automatiquement" in capsys.readouterr().out
    assert Person.objects.get(pk=person.pk).service_id == other_service.pk


def test_the_echeancier_shows_the_incoming_request_to_the_receiving_service(
    manager, person, other_service, receiving
):
    transfer = propose(manager, person, other_service)
    today = timezone.localdate()
    query = Query(
        persons=Person.objects.filter(service=other_service),
        today=today,
        until=today + timedelta(days=30),
        service_id=other_service.pk,
    )
    [item] = collect(query, ["transfer_in"])
    assert item.due == selectors.accept_on(transfer)
    assert item.url == f"/transferts/{transfer.pk}/"
    assert item.label.startswith("Transfert proposé par")
    TransferSettings.objects.create(auto_accept_days=20)  # the platform's delay, read in
    [item] = collect(query, ["transfer_in"])  # the provider's one query
    assert item.due == timezone.localtime(transfer.proposed_at).date() + timedelta(days=20)
    sending = Query(
        persons=Person.objects.filter(service=manager.service),
        today=today,
        until=today + timedelta(days=30),
        service_id=manager.service_id,
    )
    assert collect(sending, ["transfer_in"]) == []


# --- The demo ---------------------------------------------------------------------------------


def test_the_demo_transfer_comes_from_the_second_demo_service_when_built(member):
    from probatio.demo import vocabulary as voc
    from probatio.demo.transfers import build_incoming_transfer

    demo = ServiceFactory(department_code=voc.DEPARTMENTS[0].code, is_sandbox=True)
    second = ServiceFactory(department_code=voc.DEPARTMENTS[1].code, is_sandbox=True)
    cpip = member("cpip", service=second)
    member("manager", service=second)
    make_person(cpip)  # no measure: not the one proposed
    proposed = make_person(cpip)
    today = timezone.localdate()
    judged = today - timedelta(days=60)
    make_measure(cpip, proposed, decision=make_decision(cpip, proposed, date=judged,
                                                        enforceable_date=judged))  # fmt: skip
    build_incoming_transfer(today=today, log=lambda *args: None)
    [transfer] = Transfer.objects.all()
    assert (transfer.person, transfer.from_service, transfer.to_service) == (proposed, second, demo)
    assert transfer.is_pending
    assert timezone.localtime(transfer.proposed_at).date() == today - timedelta(days=3)
    build_incoming_transfer(today=today, log=lambda *args: None)  # idempotent
    assert Transfer.objects.count() == 1
    assert not Service.objects.filter(department_code="800").exists()  # no neighbour needed


def test_one_request_that_cannot_move_never_stops_the_others(manager, cpip, person, other_service):
    long_ago = at(timezone.localdate() - timedelta(days=40))
    stuck = propose(manager, person, other_service, now=long_ago)
    other = make_person(cpip)
    moving = propose(manager, other, other_service, now=long_ago)
    # The first file changed service meanwhile (outside the transfer).
    third = ServiceFactory(name="SPIP tiers", department_code="997")
    Person.objects.filter(pk=person.pk).update(service=third)
    assert services.accept_overdue() == 1
    assert Transfer.objects.get(pk=stuck.pk).is_pending
    assert Transfer.objects.get(pk=moving.pk).status == Transfer.Status.ACCEPTED
    assert Person.objects.get(pk=person.pk).service_id == third.pk
