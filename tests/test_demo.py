"""The demo service: built through the real services, reproducible, idempotent."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from probatio.accounts.models import Absence, Membership, User
from probatio.agenda.models import Appointment, Summons
from probatio.audit.models import AuditEntry
from probatio.caseloads import selectors as allocation_selectors
from probatio.community_work import selectors as tig_selectors
from probatio.community_work.models import (
    HostOrganisation,
    Placement,
    Supervisor,
    TigOrder,
    WorkSession,
)
from probatio.compliance.models import Incident, Proof
from probatio.core.deadlines import Query, collect
from probatio.core.workdays import add_jours_ouvrables
from probatio.demo import transfers as demo_transfers
from probatio.demo.staffing import staff_plan
from probatio.measures.deadlines import victim_details
from probatio.measures.models import Measure, Obligation
from probatio.messaging.models import Message
from probatio.notes.models import InterviewNote, NoteDraft
from probatio.organisation.models import ClosedDay, Service
from probatio.people.models import CustodyRecord, Person
from probatio.reintegration import rules as reintegration_rules
from probatio.reintegration.models import (
    ArrivalInterview,
    DestitutionAid,
    FamilyContact,
    FamilyStep,
    Partner,
    PartnerAgreement,
    PartnerContact,
    PartnerEditor,
    PartnerReferral,
    PartnerSite,
)
from probatio.reports import rules as report_rules
from probatio.reports.models import JudgeAnswer, Report
from probatio.sentences import rules as sentence_rules
from probatio.sentences.cap import cap_list
from probatio.sentences.models import CapSession, OfficialDate, PenalSituation, Reduction, Sentence
from probatio.transfers.models import Transfer

# Enough persons for a year of releases from prison (the smallest figure of the demo). The
# demo is built once for all its checks (a build costs half a minute).
DEMO_PERSONS = 120


@pytest.mark.django_db
def test_load_demo_builds_a_usable_service_once(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    out = StringIO()
    call_command("load_demo", "--persons", str(DEMO_PERSONS), stdout=out)
    persons = Person.objects.count()
    # The persons asked for; the one secretariat.demo may enter again (demo/duplicates.py);
    # the pair of files of one person to merge (demo/merges.py); the file waiting in the
    # allocation queue with its first interview due in three days (demo/allocation.py); the
    # neighbouring service's handful, one of them proposed to the demo service
    # (demo/transfers.py); five closed files near or past their retention (demo/retention.py).
    neighbour = Person.objects.filter(
        service__department_code=demo_transfers.NEIGHBOUR["department_code"]
    )
    assert persons - neighbour.count() == DEMO_PERSONS + 1 + 2 + 1 + 5
    demo_service = Service.objects.get(department_code="80")
    # The queue: files without a CPIP, the most urgent first (Yanis MOREAU, in three days).
    queue = allocation_selectors.queue(
        Membership.objects.get(user__username="encadrement.demo", role="manager"),
        today=timezone.localdate(),
    )
    assert len(queue) >= 2
    assert all(row.person.awaiting_since for row in queue)
    urgent = next(row for row in queue if row.person.surname == "Moreau")
    assert urgent.first_interview.due == timezone.localdate() + timedelta(days=3)
    assert urgent.urgency == "urgent"
    # A part-time CPIP and one with reductions (a union duty running, a training to come).
    loads = allocation_selectors.cpip_loads(
        demo_service.pk, today=timezone.localdate(), with_reductions=True
    )
    assert any(load.membership.working_time == 80 for load in loads)
    reduced = [load for load in loads if load.reductions]
    assert reduced and {r.reason for r in reduced[0].reductions} == {"union", "training"}
    assert reduced[0].capacity == Decimal("48.0")
    # A closed day at cpip.demo's antenne and a CPIP on leave next week (demo/staff.py): what
    # the demo had booked there was moved by the manager; nothing planned is left on them.
    closed = ClosedDay.objects.get(service=demo_service)
    assert closed.reason == "Fermeture exceptionnelle" and closed.start_date > timezone.localdate()
    assert not Appointment.objects.filter(
        site=closed.site, starts_at__date=closed.start_date, status="planned"
    ).exists()
    leave = Absence.objects.get(membership__service=demo_service, kind="leave")
    assert leave.start_date.weekday() == 0 and (leave.end_date - leave.start_date).days == 4
    assert not Appointment.objects.filter(
        staff=leave.membership.user,
        starts_at__date__gte=leave.start_date,
        starts_at__date__lte=leave.end_date,
        status="planned",
    ).exists()
    [incoming] = Transfer.objects.filter(status="pending")
    assert incoming.person in neighbour and incoming.to_service.department_code == "80"
    assert incoming.person.measures.filter(status="active").exists()
    for username, role in [
        ("cpip.demo", "cpip"),
        ("encadrement.demo", "manager"),
        ("secretariat.demo", "secretariat"),
        ("juge.demo", "judge"),
    ]:
        user = User.objects.get(username=username)
        assert user.check_password("demo-probatio")
        assert Membership.objects.filter(user=user, role=role).exists()
        assert username in out.getvalue()
    # One account holds two memberships: the demo shows choosing and switching.
    assert set(
        Membership.objects.filter(user__username="multi.demo").values_list("role", flat=True)
    ) == {"cpip", "manager"}
    # The staff of a small service: that of the default demo (demo/staffing.py), and multi.demo.
    staff = Counter(
        Membership.objects.filter(service=demo_service)
        .exclude(user__username="multi.demo")
        .values_list("role", flat=True)
    )
    assert staff == {role.value: len(sites) for role, sites in staff_plan(DEMO_PERSONS).items()}
    assert staff["cpip"] == 10
    assert Person.objects.filter(assigned_cpip__username="cpip.demo").exists()
    assert Measure.objects.filter(assigning_judge__username="juge.demo").exists()
    types = set(Measure.objects.values_list("measure_type_id", flat=True))
    assert "SURSIS_PROBATOIRE" in types and len(types) >= 5
    assert CustodyRecord.objects.filter(release_date__isnull=True).exists()
    assert InterviewNote.objects.exists()
    # A fortnight of appointments for the CPIPs, with outcomes and reminders.
    cpip_appointments = Appointment.objects.filter(staff__username="cpip.demo")
    statuses = set(cpip_appointments.values_list("status", flat=True))
    assert {"planned", "honoured", "no_show"} <= statuses
    assert cpip_appointments.filter(kind="first").exists()
    # One of their persons, followed for long, has more appointments than a page of the
    # dossier's tab holds (and their reminders fill several pages).
    per_person = cpip_appointments.order_by().values("person").annotate(n=Count("pk"))
    assert max(row["n"] for row in per_person) > settings.PROBATIO_PAGE_SIZE
    assert Message.objects.filter(status="delivered").exists()
    assert Message.objects.filter(status="pending").exists()
    # One reminder of the demo CPIP's next appointments waits for a decision: its send was
    # interrupted and the provider could not confirm it.
    [uncertain] = Message.objects.filter(status="uncertain")
    assert uncertain.appointment.staff.filter(username="cpip.demo").exists()
    assert uncertain.interrupted_at and uncertain.interrupted_at < timezone.now()
    assert "pas été renvoyé" in uncertain.last_error
    # An interview held without an appointment, recorded as held with its note; the
    # service's hours for cancellation and move notices, set by its manager.
    unplanned = cpip_appointments.get(status_reason="Entretien non planifié")
    assert unplanned.status == "honoured" and unplanned.starts_at < timezone.now()
    assert unplanned.note.subject == "Venue spontanée à l'antenne"
    demo_service = unplanned.service
    assert (demo_service.notice_from.hour, demo_service.notice_until.hour) == (8, 19)
    assert demo_service.notice_days == [1, 2, 3, 4, 5, 6]
    # Summons letters of coming first interviews, stored as PDFs, most of them sent.
    summonses = Summons.objects.filter(appointment__staff__username="cpip.demo")
    assert summonses.exists() and summonses.filter(sent_on__isnull=False).exists()
    for record in summonses:
        assert record.appointment.starts_at > timezone.now()
        assert (tmp_path / record.file.name).read_bytes().startswith(b"%PDF")
    # Proofs in every state for the demo CPIP's caseload, some of them files; incidents.
    theirs = Proof.objects.filter(person__assigned_cpip__username="cpip.demo")
    assert set(theirs.values_list("status", flat=True)) == {"received", "accepted", "refused"}
    for proof in theirs.filter(medium="file"):
        assert (tmp_path / proof.file.name).read_bytes()[:4] in (b"%PDF", b"\x89PNG")
    assert Incident.objects.filter(status="recorded").exists()
    # A no-contact order recorded by secretariat.demo, whose victim only the CPIP may enter:
    # an item of cpip.demo's échéancier until they do (demo/victims.py).
    [awaiting] = Obligation.objects.filter(
        obligation_type_id="NE_PAS_CONTACTER", victim_name="", victim_contact=""
    )
    assert (
        AuditEntry.objects.get(
            object_type="measures.obligation", object_id=awaiting.pk, action="create"
        ).actor.username
        == "secretariat.demo"
    )
    [item] = victim_details(
        Query(
            persons=Person.objects.filter(assigned_cpip__username="cpip.demo"),
            today=timezone.localdate(),
            until=timezone.localdate() + timedelta(days=30),
            service_id=awaiting.measure.person.service_id,
        )
    )
    assert item.person_id == awaiting.measure.person_id
    assert awaiting.measure.person.assigned_cpip.username == "cpip.demo"
    # Reports to the judge at every step of the loop, the transmitted ones frozen as PDFs.
    assert set(Report.objects.values_list("status", flat=True)) == set(report_rules.STATUS_LABELS)
    transmitted = Report.objects.filter(status="transmitted", judge__username="juge.demo")
    assert transmitted.exists()
    for report in Report.objects.filter(status__in=report_rules.FROZEN):
        assert (tmp_path / report.pdf.name).read_bytes().startswith(b"%PDF") and report.sha256
    assert Report.objects.filter(kind="incident", incident__isnull=False).exists()
    assert Report.objects.filter(status="returned").exclude(return_comment="").exists()
    assert Report.objects.filter(previous__isnull=False, version=2, status="draft").exists()
    assert Report.objects.filter(status="draft", due_date__lt=timezone.localdate()).exists()
    answers = JudgeAnswer.objects.all()
    assert {"warning", "reminder"} <= set(answers.values_list("kind", flat=True))
    assert answers.filter(on_paper=True, recorded_by__username="secretariat.demo").exists()
    changed = answers.filter(kind__in=["modify_obligations", "extend"]).get()
    if changed.kind == "modify_obligations":
        assert changed.new_obligations.filter(obligation_type_id="SOINS").exists()
        lifted = changed.report.measure.obligations.filter(status="ended", end_date=changed.date)
        assert lifted.exists()
    else:
        assert changed.report.measure.duration_months and changed.extra_months
    # The prison side: every person in prison has sentences and stored estimates; remand,
    # reductions (one withdrawn), the registry's official dates with exactly one a day or two
    # from its estimate, a CAP session in each establishment with a list, opinions for it.
    held = PenalSituation.objects.filter(custody__release_date__isnull=True)
    # (but the newcomer on remand, committed three days ago, and the person on probation
    # committed last month for new facts: no sentence yet).
    on_remand = CustodyRecord.objects.filter(
        release_date__isnull=True, person__legal_status="prevenu"
    )
    assert on_remand.count() == 1
    committed_on_probation = CustodyRecord.objects.filter(
        release_date__isnull=True, person__measures__suspended_since__isnull=False
    ).count()
    assert committed_on_probation == 1
    assert held.count() == CustodyRecord.objects.filter(release_date__isnull=True).count() - 2
    assert not held.filter(end_date__isnull=True).exists()
    assert Sentence.objects.count() >= held.count()
    assert held.filter(remand_days__gt=0).exists()
    assert Reduction.objects.filter(kind="granted").exists()
    assert Reduction.objects.filter(kind="withdrawn").count() == 1
    assert held.exclude(lsc_plein_droit_exclusions=[]).exists()
    assert held.exclude(lsc_exclusions=[]).count() == 1
    officials = OfficialDate.objects.filter(is_current=True).select_related(
        "custody__penal_situation"
    )
    gaps = [
        sentence_rules.difference(o.kind, o.date, o.custody.penal_situation.computed())
        for o in officials
    ]
    assert len(gaps) >= 6
    differing = [gap for gap in gaps if gap.differs]
    assert len(differing) == 1 and differing[0].days in (-2, -1, 1, 2)
    today = timezone.localdate()
    service = Person.objects.first().service
    sessions = CapSession.objects.filter(establishment__service=service)
    assert sessions.count() == service.establishments.count()
    soon = sessions.get(date__range=(today + timedelta(days=14), today + timedelta(days=21)))
    assert soon.horizon_months == 3 and cap_list(soon).rows
    opinions = Report.objects.filter(kind=report_rules.OPINION)
    assert {"draft", "transmitted"} <= set(opinions.values_list("status", flat=True))
    # The judge's side: juge.demo chairs the next CAP session, has an opinion on parole, one on
    # an adjustment and an incident report of high urgency waiting for an answer; the answered
    # ones show their effects (an LC granted with its measure, reductions with the dates
    # moved, a partial revocation with the probation running and the part to serve).
    assert soon.judge.username == "juge.demo"
    waiting = Report.objects.filter(status="transmitted", judge__username="juge.demo")
    assert waiting.filter(kind="opinion", matter="parole").exists()
    assert waiting.filter(kind="opinion", matter="semi_liberty").exists()
    assert waiting.filter(kind="incident", urgency="high").exists()
    lc = JudgeAnswer.objects.get(report__matter="parole", kind="granted")
    granted = lc.decision.measures.get()
    assert granted.measure_type_id == "LC" and granted.status == "pending"
    assert granted.obligations.filter(obligation_type_id="SOINS").exists()
    assert lc.decision.jurisdiction.startswith("Juge de l'application des peines — Tribunal")
    reductions = JudgeAnswer.objects.get(report__matter="reductions", kind="granted")
    assert reductions.decision.reductions.get().days == 45
    partial = JudgeAnswer.objects.get(kind="revocation_partial")
    assert partial.report.measure.status == "active"
    assert partial.decision.prison_sentences.get().months == 3
    assert not Measure.objects.filter(decision__jurisdiction__contains="SPIP").exists()
    # Committal and release convert the file: cpip.demo follows a person released under
    # constraint today (LSC measure open, first interview within the 5 jours ouvrables, the
    # prison history kept) and a person on probation committed last month (the probation
    # period suspended, no message planned while held); a reinforced probation's 3-month
    # report is due.
    released = CustodyRecord.objects.get(release_kind="lsc")
    assert released.release_date == timezone.localdate()
    assert released.person.assigned_cpip.username == "cpip.demo"
    lsc = Measure.objects.get(person=released.person, measure_type_id="LSC")
    assert lsc.status == "active" and lsc.modality == "LC"
    first = Appointment.objects.get(person=released.person, kind="first", status="planned")
    due = add_jours_ouvrables(released.release_date, 5)
    assert timezone.localtime(first.starts_at).date() <= due
    assert PenalSituation.objects.get(custody=released).sentences.exists()
    held = CustodyRecord.objects.get(
        release_date__isnull=True, person__assigned_cpip__username="cpip.demo",
        person__measures__suspended_since__isnull=False,
    )  # fmt: skip
    suspended = held.person.measures.get(suspended_since__isnull=False)
    assert suspended.measure_type_id == "SURSIS_PROBATOIRE" and suspended.status == "suspended"
    assert suspended.suspended_since == held.committal_date
    assert (timezone.localdate() - held.committal_date).days >= 20
    assert not Message.objects.filter(person=held.person, status="pending").exists()
    assert Appointment.objects.filter(person=held.person, place_kind="prison").exists()
    cpip_demo = User.objects.get(username="cpip.demo")
    reports_due = collect(
        Query(
            persons=Person.objects.filter(assigned_cpip=cpip_demo),
            today=timezone.localdate(),
            until=timezone.localdate() + timedelta(days=90),
            service_id=cpip_demo.memberships.get().service_id,
        ),
        kinds=["legal_report"],
    )
    assert any("évaluation à 3 mois" in item.label for item in reports_due)
    # cpip.demo follows persons in prison, whose eligibility alerts reach the échéancier: one
    # within its first month, another within three months.
    cpip = User.objects.get(username="cpip.demo")
    assert (
        CustodyRecord.objects.filter(release_date__isnull=True, person__assigned_cpip=cpip).count()
        >= 2
    )
    alerts = collect(
        Query(
            persons=Person.objects.filter(assigned_cpip=cpip),
            today=today,
            until=today + timedelta(days=90),
            service_id=service.pk,
        ),
        kinds=["sentence"],
    )
    assert len({item.person_id for item in alerts if item.due >= today}) >= 2
    assert any(today <= item.due <= today + timedelta(days=30) for item in alerts)
    # The partner directory: at least 25 partners, of every kind, with sites serving areas,
    # contacts, conventions, a few inactive, and a CPIP other than cpip.demo authorised.
    directory = Partner.objects.filter(service=service)
    assert directory.count() >= 25
    assert set(directory.values_list("kind", flat=True)) == set(reintegration_rules.PARTNER_KINDS)
    assert 1 <= directory.filter(is_active=False).count() <= 2
    assert not directory.filter(sites__isnull=True).exists()
    assert not PartnerSite.objects.filter(partner__service=service, areas=[]).exists()
    assert PartnerContact.objects.filter(partner__service=service).count() >= 25
    assert PartnerAgreement.objects.filter(partner__service=service, places__gt=0).exists()
    editors = PartnerEditor.objects.filter(service=service, user__memberships__role="cpip")
    assert editors.exists() and not editors.filter(user__username="cpip.demo").exists()
    # Needs and referrals: referrals at every status, the partner's answer on the answered
    # ones, and cpip.demo's échéancier chasing up referrals sent long ago without answer.
    referrals = PartnerReferral.objects.filter(person__service=service)
    assert set(referrals.values_list("status", flat=True)) == set(
        reintegration_rules.REFERRAL_STATUSES
    )
    mine = referrals.filter(person__assigned_cpip=cpip)
    assert set(mine.values_list("status", flat=True)) == set(reintegration_rules.REFERRAL_STATUSES)
    assert not referrals.filter(status="completed", outcome="").exists()
    assert not referrals.exclude(partner__service=service).exists()
    assert not referrals.filter(partner__is_active=False).exists()
    for referral in referrals.exclude(letter_file=""):
        assert (tmp_path / referral.letter_file).read_bytes().startswith(b"%PDF")
    chased = collect(
        Query(
            persons=Person.objects.filter(assigned_cpip=cpip),
            today=today,
            until=today,
            service_id=service.pk,
        ),
        kinds=["referral"],
    )
    assert len(chased) >= 2
    # Support in prison: arrival interviews (cpip.demo's newcomer still to be seen, in their
    # échéancier), destitution with help granted, family ties; one person released today,
    # now followed by cpip.demo in the community with the whole history.
    assert ArrivalInterview.objects.filter(person__service=service).count() >= 3
    arrivals = collect(
        Query(
            persons=Person.objects.filter(assigned_cpip=cpip),
            today=today,
            until=today + timedelta(days=30),
            service_id=service.pk,
        ),
        kinds=["arrival_interview"],
    )
    assert len(arrivals) == 1 and arrivals[0].due == today + timedelta(days=4)
    assert DestitutionAid.objects.filter(person__service=service).exists()
    assert FamilyContact.objects.filter(person__service=service).exists()
    assert FamilyStep.objects.filter(person__service=service).exists()
    # Community work: approved hosts of the directory with supervisors and placements, a TIG
    # order for every open TIG measure, sessions, and TIG at several stages (the full demo has
    # every stage; this small one has no TIG old enough and young enough to be on pace).
    hosts = HostOrganisation.objects.filter(partner__service=service, partner__kind="tig_host")
    assert hosts.count() >= 5 and Supervisor.objects.filter(host__in=hosts).exists()
    assert Placement.objects.filter(host__in=hosts, is_active=True).count() >= 10
    open_tig = Measure.objects.filter(
        person__service=service, measure_type_id="TIG", status__in=Measure.OPEN_STATUSES
    )
    assert open_tig.exists() and not open_tig.filter(tig_order__isnull=True).exists()
    progress = tig_selectors.progress_of(list(TigOrder.objects.all()), today=today)
    assert {"completed", "late", "no_placement"} <= {p.pace.status for p in progress}
    assert WorkSession.objects.filter(kind="work").exists()
    # A TIG ordered as an obligation of probation, for cpip.demo, placed.
    assert TigOrder.objects.filter(
        obligation__measure__person__assigned_cpip=cpip, assignments__isnull=False
    ).exists()
    released = CustodyRecord.objects.get(release_date=today, person__assigned_cpip=cpip)
    assert released.release_plan.items.get(code="community_appointment").status == "done"
    assert Appointment.objects.filter(
        person=released.person, staff=cpip, kind="first", status="planned"
    ).exists()
    assert released.penal_situation.sentences.exists()
    # A note begun from an appointment of cpip.demo and not finished: its draft, restored on
    # that appointment's note form.
    draft = NoteDraft.objects.get(author=cpip, place_kind="appointment")
    drafted = Appointment.objects.get(pk=draft.place_id)
    assert drafted.note is None and drafted.status == "honoured" and "À compléter" in draft.body
    # Written through the services: every person has its creation journaled.
    assert (
        AuditEntry.objects.filter(object_type="people.person", action="create").count() == persons
    )
    _assert_assessments(demo_service, cpip, today)
    _assert_programmes(demo_service, cpip)
    _assert_oversight(demo_service)
    _assert_retention(demo_service)
    _assert_figures(demo_service)
    call_command("verify_audit_chain", stdout=StringIO())

    call_command("load_demo", "--persons", str(DEMO_PERSONS), stdout=StringIO())
    assert Person.objects.count() == persons


def _assert_assessments(service, cpip, today):
    """demo/assessments.py: most of cpip.demo's persons followed have an assessment and a
    level (the proposals spread over the three levels), some due for review, one level
    other than the proposal with its reason, one change waiting for encadrement.demo, a few
    changes validated by that manager, sensitive items only with their basis and reason, a
    psychologist's section; persons below their level and others not."""
    from probatio.assessments import rules as assessment_rules
    from probatio.assessments import selectors as assessment_selectors
    from probatio.assessments.models import Assessment, IntensityDecision, PsychologistSection

    followed = set(
        Person.objects.filter(
            service=service, assigned_cpip=cpip, measures__status="active"
        ).values_list("pk", flat=True)
    )
    assessed = set(
        Assessment.objects.filter(person__in=followed).values_list("person_id", flat=True)
    )
    assert len(assessed) > len(followed) / 2
    levels = assessment_selectors.levels_of(assessed)
    assert set(levels) == assessed
    in_service = Assessment.objects.filter(service=service)
    assert set(in_service.values_list("proposed_level", flat=True)) == set(assessment_rules.Level)
    assert {"initial", "periodic", "incident"} <= set(in_service.values_list("reason", flat=True))
    others = Assessment.objects.filter(service=service).exclude(person__assigned_cpip=cpip)
    assert others.values("person").distinct().count() >= 3
    # Due for review: assessed longer ago than the level's review interval.
    service_rules = assessment_selectors.contact_rules(service.pk, today)
    kinds = {}
    for person_id, code in Measure.objects.filter(person__in=assessed, status="active").values_list(
        "person_id", "measure_type_id"
    ):
        kinds.setdefault(person_id, set()).add(code)
    due = [
        person_id
        for person_id in assessed
        if assessment_rules.review_due(
            assessment_selectors.latest_assessment(Person(pk=person_id)).assessed_on,
            assessment_rules.rule_for(service_rules, levels[person_id], kinds[person_id]),
        )
        <= today
    ]
    assert due
    # Below the level or not: the appointments held since the level applies.
    service_assessed = set(in_service.values_list("person_id", flat=True))
    service_levels = assessment_selectors.levels_of(service_assessed)
    held = assessment_selectors.held_contacts(service_assessed, today - timedelta(days=400))
    for person_id, code in Measure.objects.filter(
        person__in=service_assessed, status="active"
    ).values_list("person_id", "measure_type_id"):
        kinds.setdefault(person_id, set()).add(code)
    below = Counter()
    for person_id, level in service_levels.items():
        current = assessment_selectors.current_intensity(Person(pk=person_id))
        status = assessment_rules.contact_status(
            assessment_rules.rule_for(service_rules, level, kinds.get(person_id, set())),
            level_since=current.applies_from,
            held=held.get(person_id, []),
            today=today,
        )
        below[status.below_level] += 1
    assert below[True] and below[False]
    # One level other than the proposal, with its reason.
    [different] = IntensityDecision.objects.filter(
        person__in=followed, status="applied", previous_level="", reason__gt=""
    ).exclude(chosen_level=F("proposed_level"))
    assert different.proposed_level and "renforcé" in different.reason
    # One change waiting for encadrement.demo, the previous level applying until then.
    manager = Membership.objects.get(user__username="encadrement.demo", role="manager")
    [pending] = assessment_selectors.pending_for_service(manager.service_id)
    assert pending.person_id in followed and pending.previous_level
    assert levels[pending.person_id] == pending.previous_level != pending.chosen_level
    # Changes validated by encadrement.demo, one refused: the history shows them.
    answered = IntensityDecision.objects.filter(service=service, validated_by=manager.user).exclude(
        status="pending"
    )
    assert answered.filter(status="applied").count() >= 2
    assert answered.filter(status="refused").exclude(answer_comment="").exists()
    assert all(d.applies_from <= today for d in answered.filter(status="applied"))
    # Sensitive items only with their basis and reason; a psychologist's section.
    sensitive = in_service.filter(has_sensitive=True)
    assert sensitive.exists()
    assert not sensitive.filter(sensitive_basis="").exists()
    assert not sensitive.filter(sensitive_reason="").exists()
    assert not in_service.filter(has_sensitive=False).exclude(sensitive_answers={}).exists()
    assert PsychologistSection.objects.filter(
        assessment__service=service, author__memberships__role="psychologist"
    ).exists()
    # Dated on the day they happened, never in the future.
    assert not IntensityDecision.objects.filter(chosen_at__date__gt=today).exists()
    assert all(a.summary and a.proposal_reasons for a in in_service)


def _assert_programmes(service, cpip):
    """demo/programmes.py: two programmes; a group completed (every session past, its
    participants « terminée »: attestations to issue), one halfway (attendance recorded on its
    past sessions only, facilitated by cpip.demo and the psychologist), one starting (its first
    session in the coming days); a waiting list; exactly one absence not excused of a person
    obliged to attend; cpip.demo's persons among the participants, none held in a cell."""
    from probatio.programmes.models import (
        Attendance,
        Enrolment,
        GroupSession,
        Programme,
        ProgrammeGroup,
    )

    now = timezone.now()
    programmes = Programme.objects.filter(service=service)
    assert set(programmes.values_list("name", flat=True)) == {
        "Programme de prévention de la récidive — violences conjugales",
        "Programme alcool et conduite",
    }
    violence = programmes.get(name__contains="violences conjugales")
    assert (violence.session_count, violence.session_minutes, violence.mode) == (12, 120, "group")
    groups = ProgrammeGroup.objects.filter(programme__service=service)
    stages = {}
    for group in groups:
        sessions = GroupSession.objects.filter(group=group)
        past = sessions.filter(ends_at__lte=now).count()
        stages[group.pk] = (
            "completed" if past == sessions.count() else "starting" if past == 0 else "halfway"
        )
    assert sorted(stages.values()) == ["completed", "halfway", "starting"]
    by_stage = {stage: groups.get(pk=pk) for pk, stage in stages.items()}
    # Completed: its participants « terminée » (one withdrew, with the reason): attestations.
    completed = by_stage["completed"]
    ended = Enrolment.objects.filter(group=completed)
    assert ended.filter(status="completed").count() >= 2
    assert not ended.filter(status="enrolled").exists()
    assert not ended.filter(status="withdrawn", reason="").exists()
    assert completed.external_facilitators
    # Halfway: cpip.demo and the psychologist facilitate; each participant's attendance on
    # each past session, none on a session to come.
    halfway = by_stage["halfway"]
    assert {"cpip", "psychologist"} <= set(
        halfway.facilitators.values_list("memberships__role", flat=True)
    )
    assert halfway.facilitators.filter(username="cpip.demo").exists()
    past = GroupSession.objects.filter(group=halfway, ends_at__lte=now)
    participants = Enrolment.objects.filter(group=halfway, status="enrolled")
    assert Attendance.objects.filter(session__in=past).count() == past.count() * (
        participants.count()
    )
    assert not Attendance.objects.filter(session__starts_at__gt=now).exists()
    assert Attendance.objects.filter(session__group=halfway, status="excused").exists()
    # Exactly one absence not excused of a person obliged to attend: cpip.demo's.
    [absence] = Attendance.objects.filter(
        session__group__programme__service=service, status="unexcused", enrolment__compulsory=True
    )
    assert absence.enrolment.person.assigned_cpip == cpip
    assert absence.notes.get().text
    # Starting: its first session in the coming days, its participants enrolled.
    starting = by_stage["starting"]
    first = GroupSession.objects.filter(group=starting).order_by("number").first()
    assert now < first.starts_at < now + timedelta(days=14)
    assert Enrolment.objects.filter(group=starting, status="enrolled").count() >= 3
    assert starting.programme.name == "Programme alcool et conduite"
    # A waiting list, referrals proposed, suitable, one not suitable with its reason.
    enrolments = Enrolment.objects.filter(programme__service=service)
    assert enrolments.filter(status="waiting", programme=violence).count() >= 2
    assert {"proposed", "suitable", "not_suitable"} <= set(
        enrolments.values_list("status", flat=True)
    )
    assert not enrolments.filter(status="not_suitable", reason="").exists()
    # cpip.demo meets them: persons of the caseload in each group and on the waiting list.
    mine = enrolments.filter(person__assigned_cpip=cpip)
    for group in (completed, halfway, starting):
        assert mine.filter(group=group).exists(), stages[group.pk]
    assert mine.filter(status="waiting").exists()
    # Never a person held in a cell; the history dated in order, never in the future.
    assert not enrolments.filter(
        person__custody_records__release_date__isnull=True,
        person__custody_records__isnull=False,
    ).exists()
    for enrolment in enrolments:
        moments = list(enrolment.steps.order_by("pk").values_list("at", flat=True))
        assert moments == sorted(moments) and moments[-1] <= now
        assert timezone.localdate(moments[0]) == enrolment.referred_on


@pytest.mark.django_db
def test_load_demo_refuses_a_production_instance(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setenv("PROBATIO_ENV", "production")
    with pytest.raises(Exception, match="production"):
        call_command("load_demo", "--persons", "5", stdout=StringIO())
    assert not User.objects.filter(username="cpip.demo").exists()


def _assert_figures(service):
    """docs/figures.md: over the last twelve months, every figure of the demo service shows at
    least one value that is neither masked nor zero (demo/activity.py adds the year of reports,
    answers, incidents and housing at release the rest of the demo does not write)."""
    from probatio.figures import definitions, rules
    from probatio.figures import selectors as figure_selectors

    today = timezone.localdate()
    period = rules.parse_period(
        rules.CUSTOM, start=today - timedelta(days=364), end=today, today=today
    )
    codes = [d.code for d in definitions.DEFINITIONS]
    figures, _ = figure_selectors.figures_for(
        figure_selectors.Scope(service.pk), period, codes, today=today
    )
    empty = [code for code in codes if not rules.mask(figures[code]).has_shown_value()]
    assert empty == []
    # The year of activity: reports answered month after month, adjustments granted,
    # housing recorded on the day of the releases.
    answered = JudgeAnswer.objects.filter(report__person__service=service)
    assert answered.filter(report__kind="evaluation").dates("date", "month").count() >= 6
    assert answered.filter(report__matter="adjustment_723_15", kind="granted").exists()
    releases = figures["releases"].total.values
    assert releases["housed"] and releases["homeless"]


def _assert_retention(service):
    """Retention (demo/retention.py, docs/data-protection.md): the four closed files whose
    measure ended four to five years ago are due within a year and not today; the one past its
    term is under the manager's legal hold, due neither today nor within a year."""
    from probatio.demo.retention import closed_files
    from probatio.retention import selectors as retention_selectors

    *closing, held = closed_files(service)
    assert len(closing) == 4
    now = timezone.now()
    outlook = retention_selectors.outlook(service.pk, today=timezone.localdate(now), now=now)
    within_a_year = {f.person_id for f in outlook.files}
    today = {f.person_id for f in outlook.files if f.due_on <= outlook.today}
    assert {p.pk for p in closing} <= within_a_year - today
    assert held.pk not in within_a_year
    assert held.legal_holds.get().in_force
    assert [h.person_id for h in retention_selectors.service_holds(service.pk)] == [held.pk]
    files = next(line for line in outlook.rules if line.rule.kind == "files")
    assert files.within_a_year >= 4


def _assert_oversight(service):
    """docs/audit.md « Anomalies »: the anomaly view's selectors find the demo's unusual
    reader (demo/oversight.py) — the service's second CPIP, who read 35 files of persons never
    assigned to them on the last working day two days ago or more, eight after 21:00 — and the
    burst of twelve refusals of the second member of the secretariat that afternoon."""
    from probatio.demo.oversight import unusual_day
    from probatio.oversight import rules as oversight_rules
    from probatio.oversight import selectors as oversight

    today = timezone.localdate()
    day = unusual_day(today)
    start, end = oversight_rules.default_period(today)
    found = oversight.thresholds_for(service.pk)
    reader = Membership.objects.filter(service=service, role="cpip").order_by("pk")[1]
    secretary = Membership.objects.filter(service=service, role="secretariat").order_by("pk")[1]
    unusual = oversight.unusual_reads(
        service.pk, start, end, threshold=found.thresholds.unusual_reads_per_day
    )
    assert [(row["day"], row["files"]) for row in unusual if row["actor_id"] == reader.user_id] == [
        (day, 35)
    ]
    late = oversight.out_of_hours_reads(
        service.pk, day, day, thresholds=found.thresholds, alsace_moselle=found.alsace_moselle
    )
    assert [row["files"] for row in late if row["actor_id"] == reader.user_id] == [8]
    bursts = oversight.denial_bursts(service.pk, start, end, thresholds=found.thresholds)
    assert (secretary.user_id, day, 12) in {
        (row["actor_id"], row["day"], row["peak"]) for row in bursts
    }
    entries = oversight.reader_entries(service.pk, reader.user_id, day)
    assert sum(entry.unassigned for entry in entries) == 35
