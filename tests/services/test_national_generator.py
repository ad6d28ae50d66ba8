"""The national generator on a small plan, in PostgreSQL: what it writes holds the database's
constraints, the audit chains verify, the pages' facts agree (a CPIP's files in their
service), and a second run goes on from the highest ids."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from probatio.accounts.models import Membership
from probatio.assessments.loads import facts_of
from probatio.assessments.models import FileLoad
from probatio.audit.models import AuditChainHead, AuditEntry
from probatio.audit.services import verify_chain
from probatio.figures import definitions
from probatio.figures import rules as figure_rules
from probatio.figures.models import FigureSnapshot
from probatio.measures.models import Measure
from probatio.national.generator import Generator
from probatio.national.plan import Plan, ServicePlan
from probatio.people import rules as people_rules
from probatio.people.models import Person, TimelineEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SMALL = Plan(scale=0.0001, services=(ServicePlan(1, 20, 40), ServicePlan(2, 10, 20)))


def _generate(seed=7):
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
    return Generator(SMALL, seed=seed, log=lambda line: None).run()


def test_a_small_plan_is_written_whole_and_its_chains_verify():
    report = _generate()
    assert report.services == 2
    assert Person.objects.count() == 90
    assert Person.objects.filter(measures__status="active").distinct().count() == 30
    assert Measure.objects.filter(status="ended").count() == 60
    # Each file written followed or closed as the application's rule says.
    for person in Person.objects.prefetch_related("measures", "custody_records"):
        assert person.is_followed is people_rules.is_followed(
            measure_statuses=[m.status for m in person.measures.all()],
            in_custody=any(c.release_date is None for c in person.custody_records.all()),
        )
    assert Person.objects.filter(is_followed=False).count() == 60
    # What each file weighs in its caseload, as the application's signals keep it.
    written = {
        load.person_id: (load.in_custody, load.measures, load.level)
        for load in FileLoad.objects.all()
    }
    expected = {
        load.person_id: (load.in_custody, load.measures, load.level)
        for load in facts_of(Person.objects.values_list("pk", flat=True))
        if load.in_custody or load.measures or load.level
    }
    assert written == expected
    assert len(written) >= 30  # every file followed has its open measure
    # Timeline: one opening line and 29 more per file followed, 1 + 1 per closed file.
    assert TimelineEvent.objects.count() == 30 * 30 + 60 * 2
    for chain in (
        f"service:{s}" for s in Person.objects.values_list("service_id", flat=True).distinct()
    ):
        count, problems = verify_chain(chain)
        assert problems == []
        assert count > 0
        # Every service's chain starts with its creation, as the application writes it.
        first = AuditEntry.objects.filter(chain=chain).order_by("id").first()
        assert (first.action, first.object_type) == ("create", "organisation.service")
        assert (
            first.at < AuditEntry.objects.filter(chain=chain).exclude(pk=first.pk).earliest("at").at
        )
    assert AuditChainHead.objects.count() == 2
    # The closed periods' figures of each service, as its nightly job stores them, journaled;
    # each CPIP's of the last closed month (their quarter and year are computed when asked).
    periods = len(figure_rules.closed_periods(timezone.localdate()))
    snapshots = FigureSnapshot.objects.all()
    assert snapshots.filter(membership=None).count() == 2 * periods * len(definitions.DEFINITIONS)
    cpips = Membership.objects.filter(role="cpip", is_active=True).count()
    assert cpips >= 2
    month = figure_rules.default_period(timezone.localdate())
    assert snapshots.exclude(membership=None).count() == cpips * len(definitions.DEFINITIONS)
    assert not snapshots.exclude(membership=None).exclude(period_start=month.start).exists()
    assert (
        AuditEntry.objects.filter(object_type="figures.figuresnapshot", actor=None).count()
        == 2 * periods
    )
    call_command("verify_audit_chain", stdout=StringIO())  # no service without its chain
    # Deferred constraints (foreign keys) checked now, inside the test's transaction.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_each_file_followed_is_held_by_a_cpip_of_its_own_service():
    _generate()
    assigned = Person.objects.exclude(assigned_cpip=None)
    assert assigned.exists()
    for person in assigned.select_related("assigned_cpip"):
        assert Membership.objects.filter(
            user=person.assigned_cpip, service_id=person.service_id, role="cpip"
        ).exists()


class _Undo(Exception):
    pass


def _names_written(seed):
    names = []
    with pytest.raises(_Undo), transaction.atomic():
        _generate(seed=seed)
        names = list(Person.objects.order_by("id").values_list("surname", "first_names"))
        raise _Undo
    return names


def test_the_same_seed_writes_the_same_files_and_another_seed_others():
    first = _names_written(3)
    assert len(first) == 90
    assert _names_written(3) == first
    assert _names_written(4) != first


def test_the_command_refuses_a_database_with_persons_and_a_zero_scale():
    _generate()
    with pytest.raises(CommandError, match="sans --allow-non-empty"):
        call_command("generate_national", "--scale", "0.001")
    with pytest.raises(CommandError, match="strictement positive"):
        call_command("generate_national", "--scale", "0")


def test_the_generated_service_opens_in_the_application():
    """What the generator writes besides the files (proofs, TIG, reports, incidents, partners,
    CAP sessions) is consistent enough for the pages that read it: each opens for the first
    service's accounts, and each table has rows."""
    from django.test import Client

    from probatio.community_work.models import Assignment, TigOrder, WorkSession
    from probatio.compliance.models import Proof
    from probatio.reintegration.models import Partner
    from probatio.reports.models import Report, ReportStep
    from probatio.sentences.models import CapSession

    _generate()
    for model in (Proof, TigOrder, Assignment, WorkSession, Report, ReportStep, Partner):
        assert model.objects.exists(), model.__name__
    # A report's judge, author and partners' placements stay within the report's service.
    for report in Report.objects.select_related("person"):
        assert Membership.objects.filter(
            user_id=report.judge_id, service_id=report.person.service_id, role="judge"
        ).exists()
    for assignment in Assignment.objects.select_related("order__person", "placement__host"):
        assert assignment.placement.host.partner.service_id == assignment.order.person.service_id
    followed = Person.objects.filter(
        assigned_cpip__username="cpip.demo", measures__status="active"
    ).first()
    tig = TigOrder.objects.filter(person__service_id=followed.service_id).first()
    session = CapSession.objects.filter(establishment__service_id=followed.service_id).first()
    pages = {
        "cpip.demo": [
            "/portefeuille/",
            f"/personnes/{followed.pk}/",
            f"/personnes/{followed.pk}/justificatifs/",
            f"/personnes/{followed.pk}/manquements/",
            "/echeancier/",
            "/tig/",
            "/partenaires/",
        ],
        "encadrement.demo": ["/service/", "/rapports/", "/echeancier/", "/tig/"],
        "juge.demo": ["/rapports/", "/detention/", f"/detention/cap/{session.pk}/"],
    }
    if tig is not None:
        pages["encadrement.demo"].append(f"/personnes/{tig.person_id}/tig/")
    for username, urls in pages.items():
        client = Client()
        client.force_login(Membership.objects.get(user__username=username).user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (username, url, response.status_code)


# Pages of the bench whose data the generator does not write (docs/performance.md): a
# transfer between services, a pair of duplicate files.
NO_NATIONAL_DATA = {"transfert <id>", "fusion : choix", "fusion : comparaison"}
NO_NATIONAL_DATA |= {"fusion : confirmation"}


def test_every_bench_page_holds_its_query_budget_on_the_generated_database():
    """Each page of the bench (``bench/run_bench.py``), on the generated service, runs at most
    15 queries (the exports, which read whole lists, are measured by the bench only); the pages
    that find no data are exactly those the generator is known not to feed."""
    import sys
    from pathlib import Path

    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from probatio.accounts.models import User

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from run_bench import PAGES, TARGET_QUERIES, page_url

    # A first service large enough for its first CPIP to hold a TIG and its first judge to
    # have reports transmitted.
    plan = Plan(scale=0.0005, services=(ServicePlan(1, 300, 20), ServicePlan(2, 10, 10)))
    Generator(plan, seed=7, log=lambda line: None).run()
    without_data, over = set(), {}
    for label, template, username in PAGES:
        user = User.objects.get(username=username)
        try:
            url = page_url(template, user)
        except (AttributeError, TypeError, Membership.DoesNotExist, ValueError):
            without_data.add(label)
            continue
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 200, (label, url)  # warm-up: session, service
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (label, url)
        if "format=" not in url and len(queries) > TARGET_QUERIES:
            over[label] = len(queries)
    assert without_data == NO_NATIONAL_DATA
    assert over == {}


def test_the_echeancier_of_a_generated_service_is_current_and_closed_files_dormant():
    """The generator leaves each service's stored items current (nothing for the first read
    to compute) and its closed files dormant (not computed again each night)."""
    from django.utils import timezone

    from probatio.deadlines.models import DueItemRecord, DueItemsState
    from probatio.deadlines.services import refresh

    today = timezone.localdate()
    Generator(SMALL, seed=7, today=today, log=lambda line: None).run()
    for service_id in Person.objects.values_list("service_id", flat=True).distinct():
        assert refresh.outdated(service_id, today) == []
    closed = Person.objects.exclude(measures__status="active")
    assert set(
        DueItemsState.objects.filter(person__in=closed).values_list("computed_on", flat=True)
    ) == {refresh.DORMANT}
    assert DueItemRecord.objects.filter(person__measures__status="active").exists()


def test_assessments_and_levels_follow_the_rules_in_the_demo_proportions():
    """docs/assessments.md: about half of the files followed have an assessment whose
    proposal is the one ``rules.propose_intensity`` gives for its answers (never sensitive
    items at scale; the few sensitive ones with their basis and reason), and a level in force;
    a few changes wait for a manager (one at most per person), a level other than the
    proposal is motivated, and every row holds the models' constraints."""
    from django.utils import timezone

    from probatio.assessments import rules, selectors
    from probatio.assessments.models import Assessment, GridVersion, IntensityDecision

    today = timezone.localdate()
    plan = Plan(scale=0.0005, services=(ServicePlan(1, 600, 10),))
    Generator(plan, seed=7, today=today, log=lambda line: None).run()
    followed = set(
        Person.objects.filter(measures__status="active", assigned_cpip__isnull=False).values_list(
            "pk", flat=True
        )
    )
    assessed = set(Assessment.objects.values_list("person_id", flat=True))
    assert assessed <= followed
    assert 0.4 * len(followed) <= len(assessed) <= 0.6 * len(followed)
    grids = {grid.code: grid for grid in GridVersion.objects.all()}
    persons = Person.objects.in_bulk(assessed)
    levels = Counter()
    for assessment in Assessment.objects.all():
        grid = grids[assessment.grid_version_id]
        definition = grid.definition
        proposal = rules.propose_intensity(grid.proposal_version, definition, assessment.answers)
        assert assessment.proposed_level == proposal.level
        assert assessment.proposal_score == proposal.score
        assert assessment.proposal_reasons == list(proposal.reasons)
        assert assessment.proposal_version == grid.proposal_version
        _, sensitive, errors = rules.validate(definition, assessment.answers)
        assert errors == {} and sensitive == {}
        assert assessment.has_sensitive == bool(assessment.sensitive_answers)
        if assessment.has_sensitive:
            assert assessment.sensitive_basis and assessment.sensitive_reason
        person = persons[assessment.person_id]
        assert assessment.service_id == person.service_id
        assert assessment.author_id == person.assigned_cpip_id
        assert person.created_at.date() <= assessment.assessed_on <= today
        assert assessment.assessed_on >= today - timedelta(days=366)
        assessment.validate_constraints()
        levels[assessment.proposed_level] += 1
    assert set(levels) == {level.value for level in rules.Level}
    assert min(levels.values()) >= 0.15 * sum(levels.values())
    assert Assessment.objects.filter(has_sensitive=True).count() <= 0.05 * len(assessed)
    # A level in force for every person assessed; a few changes waiting, one per person.
    assert set(selectors.levels_of(assessed)) == assessed
    decisions = IntensityDecision.objects.all()
    for decision in decisions:
        decision.validate_constraints()
        if decision.proposed_level != decision.chosen_level:
            assert decision.reason
        if decision.status == "applied":
            assert decision.applies_from and decision.applies_from <= today
        if decision.status != "pending" and decision.previous_level:
            assert decision.validated_by_id and decision.validated_at
    statuses = Counter(decisions.values_list("status", flat=True))
    assert 0 < statuses["pending"] <= 0.05 * len(assessed)
    assert statuses["applied"] >= len(assessed)
    pending = IntensityDecision.objects.filter(status="pending")
    assert pending.values("person").distinct().count() == pending.count()
    for decision in pending:
        assert decision.previous_level == selectors.current_intensity(decision.person).chosen_level
    # The journal has their lines and its chain still verifies.
    for service_id in {person.service_id for person in persons.values()}:
        assert verify_chain(f"service:{service_id}")[1] == []
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_programmes_groups_and_attendance_keep_their_invariants():
    """docs/programmes.md: each service has the demo's two programmes and groups at each stage
    (completed, halfway, starting) with their facilitators; enrolments in the demo's
    proportions, one at most per person and programme (the constraint), never beyond a
    group's capacity, never of a person held; attendance only on sessions already over, each
    with its note; the first CPIP (``cpip.demo``) meets a participant; the chains verify."""
    from django.utils import timezone

    from probatio.programmes import rules
    from probatio.programmes.models import (
        Attendance,
        Enrolment,
        EnrolmentStep,
        GroupSession,
        Programme,
        ProgrammeGroup,
    )

    today = timezone.localdate()
    plan = Plan(scale=0.0005, services=(ServicePlan(1, 600, 10), ServicePlan(2, 100, 10)))
    generator = Generator(plan, seed=7, today=today, log=lambda line: None)
    generator.run()
    now = generator.now
    generator_first_service = Person.objects.order_by("pk").first().service_id
    for service_id in Person.objects.values_list("service_id", flat=True).distinct():
        assert Programme.objects.filter(service_id=service_id).count() == 2
        groups = ProgrammeGroup.objects.filter(programme__service_id=service_id)
        assert {"finished", "running", "planned"} <= set(groups.values_list("status", flat=True))
        for group in groups:
            sessions = GroupSession.objects.filter(group=group)
            assert sessions.count() == group.programme.session_count
            past = sessions.filter(ends_at__lte=now).count()
            expected = {0: "planned", sessions.count(): "finished"}.get(past, "running")
            assert group.status == expected
            assert group.facilitators.filter(memberships__service_id=service_id).exists()
            for session in sessions:
                assert (
                    session.starts_at.astimezone(rules.PARIS).weekday() == group.slots[0]["weekday"]
                )
            taken = Enrolment.objects.filter(group=group, status__in=("enrolled", "completed"))
            assert taken.count() <= group.capacity
            # The largest service's groups all have participants.
            assert taken.exists() or service_id != generator_first_service
            if group.status == "finished":
                assert not Enrolment.objects.filter(group=group, status="enrolled").exists()
    enrolments = Enrolment.objects.select_related("person", "programme")
    followed = Person.objects.filter(measures__status="active", assigned_cpip__isnull=False)
    assert 0.03 * followed.count() <= enrolments.count() <= 0.12 * followed.count()
    assert {"proposed", "waiting", "enrolled", "completed"} <= set(
        enrolments.values_list("status", flat=True)
    )
    for enrolment in enrolments:
        enrolment.validate_constraints()
        assert enrolment.person.service_id == enrolment.programme.service_id
        assert enrolment.referred_by_id == enrolment.person.assigned_cpip_id
        steps = list(EnrolmentStep.objects.filter(enrolment=enrolment).order_by("pk"))
        assert steps[-1].status == enrolment.status
        for before, after in zip(steps, steps[1:], strict=False):
            assert rules.may_move(before.status, after.status) and before.at <= after.at
        assert steps[-1].at <= now + timedelta(days=1)
    assert not enrolments.filter(
        person__custody_records__isnull=False, person__custody_records__release_date__isnull=True
    ).exists()
    attendances = Attendance.objects.select_related("session", "enrolment")
    assert attendances.exists()
    assert not attendances.filter(session__ends_at__gt=now).exists()
    for attendance in attendances:
        assert attendance.session.group_id == attendance.enrolment.group_id
        assert attendance.notes.get().status == attendance.status
    assert Enrolment.objects.filter(
        person__assigned_cpip__username="cpip.demo", group__isnull=False
    ).exists()
    for service_id in Person.objects.values_list("service_id", flat=True).distinct():
        assert verify_chain(f"service:{service_id}")[1] == []
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # The application's own inserts follow the generated ids.
    Programme.objects.create(
        service_id=Person.objects.first().service_id,
        name="Stage de citoyenneté",
        session_count=2,
        session_minutes=180,
        created_by_id=enrolments.first().referred_by_id,
    )


def test_answers_needs_referrals_and_reminders_follow_the_apps_rules():
    """What the generator writes of the judges' answers, the reintegration needs and
    referrals and the appointment reminders holds the apps' own rules: answers only on
    transmitted reports, by their judge (or the secretariat from paper), legal for the report's
    matter (``answers.check``) and dated after the transmission; needs and referrals moving only
    as ``reintegration.rules`` allows, to an active partner of the person's own service whose
    kind serves the need's pathway; reminders only to consenting persons, at the times
    ``messaging.rules`` gives from the booking, never two for one appointment, channel and
    time, sent only once their time has come. Each has its journal entries; the chains verify
    and the pages open."""
    from dataclasses import replace

    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from probatio.agenda.models import Appointment
    from probatio.core import phones
    from probatio.messaging import rules as messaging_rules
    from probatio.messaging.models import Message
    from probatio.messaging.services import PROVIDER, held_in_cell
    from probatio.national.needs import PATHWAY_KINDS
    from probatio.reintegration import rules as reintegration_rules
    from probatio.reintegration.models import Need, PartnerReferral
    from probatio.reports import answers
    from probatio.reports import rules as report_rules
    from probatio.reports.models import JudgeAnswer, Report
    from probatio.transitions.services import answer_facts

    today = timezone.localdate()
    plan = Plan(scale=0.0005, services=(ServicePlan(1, 150, 10), ServicePlan(2, 40, 10)))
    generator = Generator(plan, seed=7, today=today, log=lambda line: None)
    generator.run()
    now = generator.now
    followed = Person.objects.filter(measures__status="active")

    # The journal's entries of the kinds checked, read once (one query per row read the
    # whole journal each time: minutes).
    entries = AuditEntry.objects.filter(
        object_type__in=(
            "reports.judgeanswer", "measures.decision", "reintegration.need",
            "reintegration.partnerreferral", "messaging.message",
        )
    ).values_list("object_type", "object_id", "action", "actor_id", "context")  # fmt: skip
    journal_keys = {(kind, str(pk), action) for kind, pk, action, _, _ in entries}
    message_entries = Counter()
    message_entry = {}
    for kind, pk, _, actor_id, context in entries:
        if kind == "messaging.message":
            message_entries[str(pk)] += 1
            message_entry[str(pk)] = (actor_id, context)

    def journaled(object_type, object_id, action):
        return (object_type, str(object_id), action) in journal_keys

    # --- The judges' answers ---
    sent = Report.objects.filter(status__in=(report_rules.TRANSMITTED, report_rules.ANSWERED))
    answered = JudgeAnswer.objects.select_related("report__person", "decision")
    # About two thirds answered (a small sample: most of them, not all).
    assert 0.5 * sent.count() <= answered.count() < sent.count()
    assert not Report.objects.filter(status=report_rules.ANSWERED, answer__isnull=True).exists()
    codes = Counter()
    for answer in answered:
        report = answer.report
        assert report.status == report_rules.ANSWERED
        assert report.transmitted_at.date() <= answer.date < today
        if answer.on_paper:
            assert Membership.objects.filter(
                user=answer.recorded_by_id, service_id=report.person.service_id,
                role__in=("secretariat", "manager"),
            ).exists()  # fmt: skip
        else:
            assert answer.recorded_by_id == report.judge_id
        facts, _ = answer_facts(report, today=today, on=answer.date)
        given = answers.Input(
            code=answer.kind, answered_on=answer.date, text=answer.text,
            next_review_on=answer.next_review_on,
        )  # fmt: skip
        assert answers.check(replace(facts, already_answered=False), given) == {}
        effect = answers.answer_for(report.matter, answer.kind).effect
        assert effect == answers.E_TIMELINE or answer.kind == answers.OBLIGATIONS_SET
        assert not answer.obligations_changed
        decision = answer.decision
        assert (decision.person_id, decision.judge_id, decision.date) == (
            report.person_id, report.judge_id, answer.date,
        )  # fmt: skip
        assert decision.court.service_id == report.person.service_id
        steps = list(report.steps.order_by("at", "pk").values_list("step", "status", "by_id"))
        status = report_rules.DRAFT
        for step, reached, _by in steps[1:]:
            assert report_rules.next_status(step, status) == reached
            status = reached
        assert steps[-1] == (report_rules.ANSWER, report_rules.ANSWERED, answer.recorded_by_id)
        if answer.seen_at:
            assert answer.date < answer.seen_at.date() < today
            assert answer.seen_by_id == report.author_id
            assert journaled("reports.judgeanswer", answer.pk, "update")
        assert journaled("reports.judgeanswer", answer.pk, "create")
        assert journaled("measures.decision", decision.pk, "create")
        codes[answer.kind] += 1
    assert codes[answers.ACKNOWLEDGED] > 0 and len(codes) >= 3, codes
    assert answered.filter(seen_at__isnull=True).exists()
    assert answered.filter(seen_at__isnull=False).exists()

    # --- Needs and referrals ---
    needs = Need.objects.select_related("person")
    with_needs = needs.values("person").distinct().count()
    assert 0.25 * followed.count() <= with_needs <= 0.45 * followed.count()
    assert not needs.exclude(person__in=followed).exists()
    open_pairs = Counter(
        needs.filter(status__in=reintegration_rules.OPEN_NEED_STATUSES).values_list(
            "person_id", "pathway"
        )
    )
    assert max(open_pairs.values()) == 1
    for need in needs:
        assert need.pathway in reintegration_rules.PATHWAYS
        changes = list(need.changes.order_by("changed_on", "pk"))
        assert (changes[0].status, changes[0].changed_on) == (
            reintegration_rules.NEED_IDENTIFIED, need.identified_on,
        )  # fmt: skip
        assert changes[-1].status == need.status
        assert need.person.created_at.date() <= need.identified_on <= changes[-1].changed_on
        assert changes[-1].changed_on <= today
        assert journaled("reintegration.need", need.pk, "create")
    referrals = PartnerReferral.objects.select_related("partner", "need", "person")
    assert referrals.count() >= 0.45 * needs.count()
    for referral in referrals:
        partner, need = referral.partner, referral.need
        assert partner.service_id == referral.person.service_id and partner.is_active
        assert partner.kind in PATHWAY_KINDS[need.pathway] and need.pathway in partner.pathways
        assert need.person_id == referral.person_id
        steps = list(referral.steps.order_by("on", "pk"))
        assert steps[0].status in (reintegration_rules.PROPOSED, reintegration_rules.SENT)
        assert steps[0].on == referral.referred_on >= need.identified_on
        for before, after in zip(steps, steps[1:], strict=False):
            assert reintegration_rules.can_move(before.status, after.status)
            assert before.on <= after.on
        assert (steps[-1].status, steps[-1].on) == (referral.status, referral.status_on)
        assert referral.status_on <= today
        assert bool(referral.outcome) == (referral.status in reintegration_rules.OUTCOME_STATUSES)
        expected = reintegration_rules.NEED_IDENTIFIED
        for step in steps:
            expected = reintegration_rules.need_status_after(step.status, expected)
        assert need.status == expected
        assert journaled("reintegration.partnerreferral", referral.pk, "create")
    assert {"proposed", "sent", "accepted", "completed", "refused", "abandoned"} <= set(
        referrals.values_list("status", flat=True)
    )

    # --- Reminders ---
    messages = Message.objects.select_related("person", "appointment", "service")
    assert messages.filter(channel="sms").exists() and messages.filter(channel="email").exists()
    keys = Counter(messages.values_list("appointment_id", "purpose", "channel", "scheduled_at"))
    assert max(keys.values()) == 1
    for person_id in messages.values_list("person_id", flat=True).distinct():
        assert not held_in_cell(person_id)
    by_appointment = {}
    for message in messages:
        person, appointment = message.person, message.appointment
        assert message.service_id == appointment.service_id == person.service_id
        assert message.person_id == appointment.person_id and message.purpose == "reminder"
        if message.channel == "sms":
            assert person.sms_consent and phones.is_mobile(person.phone)
            assert message.recipient == person.phone
        else:
            assert person.email_consent and message.recipient == person.email
        assert appointment.created_at < message.scheduled_at < appointment.starts_at
        assert message.next_attempt_at == message.scheduled_at
        by_appointment.setdefault(appointment, set()).add((message.channel, message.scheduled_at))
        if appointment.status == "planned":
            assert (message.status, message.attempts, message.sent_at) == ("pending", 0, None)
        elif message.scheduled_at >= now:
            assert message.status == "cancelled" and message.sent_at is None
        else:
            assert message.status in ("sent", "delivered", "failed") and message.attempts == 1
            assert message.scheduled_at <= message.claimed_at <= message.sent_at < now
            if message.channel == "email":
                assert message.status == "sent"
            else:
                assert message.status != "sent"
                assert message_entries[str(message.pk)] == 1
                actor_id, context = message_entry[str(message.pk)]
                assert actor_id is None and context["source"] == PROVIDER
            if message.status == "delivered":
                assert message.sent_at < message.delivered_at
    assert {"pending", "sent", "delivered", "failed"} <= set(
        messages.values_list("status", flat=True)
    )
    # Every appointment of a consenting person has its reminders, on each channel agreed.
    consenting = Person.objects.filter(sms_consent=True) | Person.objects.filter(email_consent=True)
    appointments = Appointment.objects.filter(person__in=consenting).select_related(
        "person", "service"
    )
    assert appointments.exists()
    for appointment in appointments:
        person = appointment.person
        channels = [c for c, agreed in (("sms", person.sms_consent), ("email",
                    person.email_consent)) if agreed]  # fmt: skip
        times = messaging_rules.reminder_times(
            appointment.starts_at, appointment.service.reminder_schedule,
            now=appointment.created_at,
        )  # fmt: skip
        assert by_appointment.get(appointment, set()) == {(c, t) for c in channels for t in times}
    assert not messages.filter(person__sms_consent=False, person__email_consent=False).exists()

    # The journal still verifies (the smaller service's chain: written by the same code as
    # the other, it is the part of this test's time that grows fastest); the deferred
    # constraints hold; the pages open.
    small_id = (
        Person.objects.values("service_id").annotate(n=Count("pk")).order_by("n")[0]["service_id"]
    )
    assert AuditEntry.objects.filter(
        chain=f"service:{small_id}", object_type="reports.judgeanswer"
    ).exists()
    assert verify_chain(f"service:{small_id}")[1] == []
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    answer = answered.filter(report__person__assigned_cpip__isnull=False).first()
    referral = referrals.filter(person__assigned_cpip__isnull=False).first()
    message = messages.filter(person__assigned_cpip__isnull=False).first()
    pages = [
        (answer.report.judge, reverse("reports:detail", args=[answer.report_id])),
        (answer.report.person.assigned_cpip, reverse("reports:detail", args=[answer.report_id])),
        (referral.person.assigned_cpip, reverse("reintegration:tab", args=[referral.person_id])),
        (message.appointment.created_by, reverse("agenda:detail", args=[message.appointment_id])),
    ]
    for user, url in pages:
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 200, url
