"""Retention by rule (docs/data-protection.md): the job's dry-run lists exactly what its run
removes, a whole closed file goes with everything of it (private files too), a legal hold
suspends every rule, a purge asked on a held file is refused, and every removal is journaled
by the service's system actor without a name."""

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from probatio.accounts.system import SystemActor
from probatio.agenda.models import Appointment
from probatio.audit.models import AuditEntry
from probatio.compliance.models import Proof
from probatio.measures.models import Measure, Obligation
from probatio.messaging.models import Message
from probatio.notes.models import InterviewNote
from probatio.people.models import Person
from probatio.people.selectors import person_get_for
from probatio.retention import services
from probatio.retention.models import LegalHold, RetentionRule
from tests.factories import make_decision, make_measure, make_person, make_transmitted_report

pytestmark = pytest.mark.usefixtures("private_files")

TODAY = date(2026, 12, 7)
NOW = timezone.make_aware(datetime(2026, 12, 7, 12, 0))


def closed_file(membership, *, ended: date, surname="Retenu"):
    """A file whose only measure ended on ``ended``, with what a file gathers: an obligation
    and its proof (a private file), a note, an appointment with its reminder, a report to
    the judge on the measure."""
    person = make_person(membership, surname=surname, first_names="Paul")
    decision = make_decision(
        membership,
        person,
        date=date(2020, 6, 1),
        enforceable_date=date(2020, 6, 8),
        today=date(2020, 7, 1),
    )
    measure = make_measure(membership, person, decision=decision, today=date(2020, 7, 1))
    obligation = Obligation.objects.create(
        measure=measure,
        decision=measure.decision,
        obligation_type_id="TRAVAIL_FORMATION",
        start_date=measure.start_date,
        proof_frequency="monthly",
    )
    proof = Proof(
        person=person,
        obligation=obligation,
        period_start=measure.start_date,
        period_end=measure.start_date,
        document_type="Bulletin de salaire",
        received_on=measure.start_date,
        medium="file",
        registered_by=membership.user,
    )
    proof.file.save("bulletin.pdf", ContentFile(b"%PDF-1.4 bulletin"), save=False)
    proof.save()
    InterviewNote.objects.create(
        person=person,
        author=membership.user,
        author_role="cpip",
        interview_date=measure.start_date,
        subject="Entretien",
        body="Texte",
    )
    cpip_user = membership.user
    appointment = Appointment.objects.create(
        service_id=membership.service_id,
        person=person,
        kind="follow_up",
        place_kind="home",
        created_by=cpip_user,
        starts_at=timezone.make_aware(datetime(2020, 7, 2, 10)),
        ends_at=timezone.make_aware(datetime(2020, 7, 2, 11)),
        status=Appointment.Status.HONOURED,
        measure=measure,
    )
    Message.objects.create(
        service_id=membership.service_id,
        person=person,
        appointment=appointment,
        purpose="reminder",
        channel="sms",
        recipient="+33612345678",
        body="Rappel",
        scheduled_at=appointment.starts_at - timedelta(days=2),
        next_attempt_at=appointment.starts_at - timedelta(days=2),
        status="sent",
        sent_at=appointment.starts_at - timedelta(days=2),
    )
    make_transmitted_report(
        membership, person, "end_of_measure", today=date(2020, 7, 3), measure=measure
    )
    Measure.objects.filter(pk=measure.pk).update(status=Measure.Status.ENDED, end_date=ended)
    return person, proof, appointment


@pytest.fixture
def rules_default(db):
    return {rule.kind: rule for rule in RetentionRule.objects.filter(active=True)}


def test_the_migration_seeds_a_rule_per_kind_with_its_source(rules_default):
    assert set(rules_default) == {"files", "notes", "proof_files", "messages", "journal"}
    assert rules_default["files"].duration_months == 60
    assert "R. 113" in rules_default["files"].legal_source
    assert 6 <= rules_default["journal"].duration_months <= 36
    assert all(rule.legal_source for rule in rules_default.values())


def test_a_zero_or_negative_duration_is_refused_in_french_and_nothing_saved(rules_default):
    rule = rules_default["files"]
    for months in (0, -12):
        rule.duration_months = months
        with pytest.raises(ValidationError) as error:
            rule.full_clean()
        assert "au moins 1 mois" in str(error.value.message_dict["duration_months"])
        with pytest.raises(IntegrityError), transaction.atomic():
            RetentionRule.objects.filter(pk=rule.pk).update(duration_months=months)
    assert RetentionRule.objects.get(pk=rule.pk).duration_months == 60


def test_a_start_or_action_that_does_not_fit_the_data_is_refused(rules_default):
    rule = rules_default["files"]
    rule.action = "anonymise"
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "ne convient pas" in str(error.value)


def test_dry_run_lists_the_closed_file_and_the_run_removes_exactly_it(
    cpip, private_files, django_capture_on_commit_callbacks
):
    old, proof, _ = closed_file(cpip, ended=date(2021, 6, 30), surname="Ancien")
    recent, _, _ = closed_file(cpip, ended=date(2023, 6, 30), surname="Recent")
    still_open = make_person(cpip, surname="Ouvert")
    make_measure(cpip, still_open)  # active: never due
    stored = private_files / proof.file.name
    assert stored.exists()

    dry = services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=True, now=NOW)
    planned = {r.rule.code: r for r in dry.results}
    assert planned["dossiers-clos"].files == [(old.pk, date(2021, 6, 30))]
    assert Person.objects.filter(pk=old.pk).exists()  # the dry-run deletes nothing

    with django_capture_on_commit_callbacks(execute=True):
        done = services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=False, now=NOW)
    removed = {r.rule.code: r for r in done.results}
    assert removed["dossiers-clos"].files == planned["dossiers-clos"].files
    assert not Person.objects.filter(pk=old.pk).exists()
    assert not Proof.objects.filter(person_id=old.pk).exists()
    assert not InterviewNote.objects.filter(person_id=old.pk).exists()
    assert not Measure.objects.filter(person_id=old.pk).exists()
    assert not stored.exists()  # the private file too
    assert Person.objects.filter(pk__in=[recent.pk, still_open.pk]).count() == 2
    # The proofs of the file ended two years and a half ago went by the proofs' rule.
    assert removed["justificatifs-dossiers-clos"].files == [(recent.pk, date(2023, 6, 30))]
    assert not Proof.objects.filter(person=recent).exists()
    assert InterviewNote.objects.filter(person=recent).exists()


def test_every_removal_is_journaled_by_the_system_actor_without_a_name(cpip):
    old, _, _ = closed_file(cpip, ended=date(2021, 6, 30), surname="Zyxwvut")
    services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=False, now=NOW)
    entry = AuditEntry.objects.filter(person_id=old.pk, action="delete").get()
    assert entry.chain == f"service:{cpip.service_id}"
    assert entry.actor_id is None and entry.role == "system"
    assert "conservation" in entry.actor_label
    assert entry.context["rule"] == "dossiers-clos"
    assert str(old.pk) in entry.summary
    text = f"{entry.summary} {entry.changes} {entry.context}"
    assert "Zyxwvut" not in text and "ZYXWVUT" not in text and "Paul" not in text


def test_a_legal_hold_suspends_every_rule_and_a_purge_asked_is_refused(cpip, manager):
    old, proof, _ = closed_file(cpip, ended=date(2021, 6, 30))
    services.hold_set(
        gated=person_get_for(manager, old.pk, action="manage_legal_hold"),
        reason="Contentieux en cours",
    )
    dry = services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=True, now=NOW)
    assert all(old.pk not in dict(r.files) for r in dry.results)

    actor = SystemActor(service_id=cpip.service_id, reason=services.REASON)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        services.purge_file(
            gated=person_get_for(actor, old.pk, action="apply_retention"), as_of=TODAY, now=NOW
        )
    assert "sous gel de la conservation" in error.value.messages[0]
    assert "rien n'a été supprimé" in error.value.messages[0]
    assert Person.objects.filter(pk=old.pk).exists() and Proof.objects.filter(pk=proof.pk).exists()
    assert AuditEntry.objects.count() == entries

    with pytest.raises(CommandError, match="sous gel"):
        call_command("apply_retention", dossier=old.pk, as_of=TODAY.isoformat(), stdout=StringIO())
    assert Person.objects.filter(pk=old.pk).exists()

    services.hold_lift(gated=person_get_for(manager, old.pk, action="manage_legal_hold"))
    services.purge_file(
        gated=person_get_for(actor, old.pk, action="apply_retention"), as_of=TODAY, now=NOW
    )
    assert not Person.objects.filter(pk=old.pk).exists()


def test_a_hold_set_between_the_plan_and_the_batch_wins(cpip, manager, monkeypatch):
    old, _, _ = closed_file(cpip, ended=date(2021, 6, 30))
    real = services.plan_service

    def plan_then_hold(*args, **kwargs):
        planned = real(*args, **kwargs)
        services.hold_set(
            gated=person_get_for(manager, old.pk, action="manage_legal_hold"),
            reason="Demande du juge",
        )
        return planned

    monkeypatch.setattr(services, "plan_service", plan_then_hold)
    services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=False, now=NOW)
    assert Person.objects.filter(pk=old.pk).exists()


def test_holds_are_set_and_lifted_by_managers_only_and_journaled(cpip, manager):
    person = make_person(cpip)
    with pytest.raises(PermissionDenied):
        person_get_for(cpip, person.pk, action="manage_legal_hold")
    with pytest.raises(PermissionDenied):
        services.hold_set(gated=person, reason="x")
    gated = person_get_for(manager, person.pk, action="manage_legal_hold")
    with pytest.raises(ValidationError) as error:
        services.hold_set(gated=gated, reason="  ")
    assert "motif" in str(error.value)
    assert not LegalHold.objects.exists()
    hold = services.hold_set(gated=gated, reason="Plainte de la personne", now=NOW)
    entry = AuditEntry.objects.filter(object_type="retention.legalhold").latest("pk")
    assert entry.changes["reason"][1] == "(valeur non conservée)"
    with pytest.raises(ValidationError, match="déjà gelé"):
        services.hold_set(gated=gated, reason="Encore")
    services.hold_lift(gated=gated, now=NOW + timedelta(days=1))
    hold.refresh_from_db()
    assert hold.lifted_by == manager.user and not hold.in_force
    with pytest.raises(ValidationError, match="pas gelé"):
        services.hold_lift(gated=gated)


def test_a_file_reopened_or_with_something_to_come_is_not_due(cpip):
    person, _, _ = closed_file(cpip, ended=date(2021, 6, 30))
    cpip_user = cpip.user
    Appointment.objects.create(
        service_id=cpip.service_id,
        person=person,
        kind="follow_up",
        place_kind="home",
        created_by=cpip_user,
        starts_at=NOW + timedelta(days=3),
        ends_at=NOW + timedelta(days=3, hours=1),
    )
    dry = services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=True, now=NOW)
    assert all(person.pk not in dict(r.files) for r in dry.results)


def test_messages_go_a_year_after_sending_or_are_anonymised(cpip, rules_default):
    person = make_person(cpip)

    def message(sent: datetime, status="sent"):
        return Message.objects.create(
            service_id=cpip.service_id,
            person=person,
            purpose="reminder",
            channel="sms",
            recipient="+33612345678",
            body="Rappel : rendez-vous",
            scheduled_at=sent,
            next_attempt_at=sent,
            sent_at=sent if status == "sent" else None,
            status=status,
        )

    old = message(NOW - timedelta(days=400))
    young = message(NOW - timedelta(days=200))
    waiting = message(NOW - timedelta(days=400), status="pending")
    dry = services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=True, now=NOW)
    planned = next(r for r in dry.results if r.rule.kind == "messages")
    assert planned.ids == [old.pk]
    rule = rules_default["messages"]
    rule.action = "anonymise"
    rule.save()
    services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=False, now=NOW)
    old.refresh_from_db()
    assert old.recipient == "" and old.body == ""
    assert Message.objects.get(pk=young.pk).body and Message.objects.get(pk=waiting.pk).body
    rule.action = "delete"
    rule.save()
    Message.objects.filter(pk=old.pk).update(body="x")
    services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=False, now=NOW)
    assert not Message.objects.filter(pk=old.pk).exists()
    assert Message.objects.filter(pk__in=[young.pk, waiting.pk]).count() == 2


def test_the_notes_rule_shortened_takes_the_notes_only(cpip, rules_default):
    person, _, _ = closed_file(cpip, ended=date(2023, 6, 30))
    rules_default["notes"].duration_months = 12
    rules_default["notes"].save()
    services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=False, now=NOW)
    assert Person.objects.filter(pk=person.pk).exists()
    assert not InterviewNote.objects.filter(person=person).exists()


def test_another_services_file_is_never_touched(cpip, member, other_service):
    theirs, _, _ = closed_file(member("cpip", service=other_service), ended=date(2021, 6, 30))
    services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=False, now=NOW)
    assert Person.objects.filter(pk=theirs.pk).exists()


def test_the_command_prints_ids_and_dates_never_names(cpip):
    old, _, _ = closed_file(cpip, ended=date(2021, 6, 30), surname="Qwertyuiop")
    out = StringIO()
    call_command(
        "apply_retention",
        dry_run=True,
        as_of=TODAY.isoformat(),
        service=cpip.service.department_code,
        stdout=out,
    )
    text = out.getvalue()
    assert f"dossier {old.pk} — fin de la dernière mesure le 30/06/2021" in text
    assert "simulation" in text and "QWERTYUIOP" not in text.upper().replace(str(old.pk), "")
    assert Person.objects.filter(pk=old.pk).exists()
    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        call_command("apply_retention", dry_run=True, as_of="07/12/2026", stdout=StringIO())


def test_a_stop_leaves_whole_batches_and_the_next_run_finishes(cpip, monkeypatch):
    files = [closed_file(cpip, ended=date(2021, 6, 30), surname=f"Lot{i}")[0] for i in range(3)]
    real = services._delete_rows
    calls = {"n": 0}

    def stop_on_the_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_delete_rows", stop_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        services.apply(
            as_of=TODAY, service_ids=[cpip.service_id], dry_run=False, batch_size=2, now=NOW
        )
    left = set(Person.objects.filter(pk__in=[p.pk for p in files]).values_list("pk", flat=True))
    assert left == {files[2].pk}  # the first batch of two went whole; the second not at all
    monkeypatch.setattr(services, "_delete_rows", real)
    services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=False, batch_size=2, now=NOW)
    assert not Person.objects.filter(pk__in=[p.pk for p in files]).exists()


def test_the_journal_rule_calls_the_journal_purge_with_its_bound(cpip, monkeypatch):
    """The journal's purge itself (checkpoint, chains) is audit's (tests/services/
    test_audit_proofs.py); here: the bound, the dry-run and the chains it is given."""
    from probatio.audit import retention as journal_retention

    calls = []

    def purge(before, *, dry_run, chains=None):
        calls.append((before, dry_run, chains))
        return journal_retention.JournalPurgeReport(
            before=before, dry_run=dry_run, per_chain={"service:1": 7}
        )

    monkeypatch.setattr(journal_retention, "purge_journal", purge)
    report = services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=True, now=NOW)
    journal = next(r for r in report.results if r.rule.kind == "journal")
    assert journal.count == 7 and journal.detail == {"service:1": 7}
    services.apply(as_of=TODAY, dry_run=False, now=NOW)
    (before, dry, chains), (_, real, every) = calls
    assert before == timezone.make_aware(datetime(2023, 12, 7))  # 36 months, Paris time
    assert (dry, chains) == (True, [f"service:{cpip.service_id}"])
    assert (real, every) == (False, None)


def test_a_real_run_ahead_of_time_is_refused(cpip):
    with pytest.raises(ValidationError, match="simulation"):
        services.apply(as_of=TODAY + timedelta(days=1), dry_run=False, now=NOW)


def test_a_file_in_custody_or_held_is_not_due_and_a_later_release_counts(cpip):
    from tests.factories import CustodyRecordFactory

    in_prison, _, _ = closed_file(cpip, ended=date(2021, 6, 30), surname="Ecroue")
    CustodyRecordFactory(person=in_prison, committal_date=date(2021, 7, 1))
    released, _, _ = closed_file(cpip, ended=date(2021, 6, 30), surname="Libere")
    CustodyRecordFactory(
        person=released, committal_date=date(2021, 7, 1), release_date=date(2022, 3, 1)
    )
    dry = services.apply(as_of=TODAY, service_ids=[cpip.service_id], dry_run=True, now=NOW)
    files = dict(next(r for r in dry.results if r.rule.kind == "files").files)
    assert in_prison.pk not in files and released.pk not in files  # released 2022: not yet
    later = services.apply(
        as_of=date(2027, 3, 1), service_ids=[cpip.service_id], dry_run=True, now=NOW
    )
    files = dict(next(r for r in later.results if r.rule.kind == "files").files)
    assert files.get(released.pk) == date(2022, 3, 1) and in_prison.pk not in files
