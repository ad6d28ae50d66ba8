"""The national generator on a small plan, in PostgreSQL: what it writes holds the database's
constraints, the audit chains verify, the pages' facts agree (a CPIP's files in their
service), and a second run goes on from the highest ids."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from probatio.accounts.models import Membership
from probatio.audit.models import AuditChainHead, AuditEntry
from probatio.audit.services import verify_chain
from probatio.measures.models import Measure
from probatio.national.generator import Generator
from probatio.national.plan import Plan, ServicePlan
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
    plan = Plan(scale=0.0005, services=(ServicePlan(1, 150, 20), ServicePlan(2, 10, 10)))
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
