"""Reports to the judge on a real database: prefilled creation, the visa loop with its
refusals, transmission (frozen PDF and its hash), corrections, and each answer's effect."""

import hashlib
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from probatio.compliance import services as compliance
from probatio.measures import services as measure_services
from probatio.measures.models import Decision, Obligation
from probatio.people.models import TimelineEvent
from probatio.people.selectors import person_get_for
from probatio.reports import answers, rules, services
from probatio.reports.models import JudgeAnswer, Report
from probatio.reports.selectors import report_get_for
from probatio.transitions.services import AnswerData, answer_record
from tests.factories import gate, make_measure, make_person

TODAY = date(2025, 6, 20)


pytestmark = pytest.mark.usefixtures("private_files")  # files into a temporary folder


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2025, 6, 20, 10, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def file(cpip, judge):
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    measure = make_measure(cpip, person, judge=judge.user, today=TODAY)
    work = measure_services.obligation_create(
        gated=gate(cpip, measure.person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code="TRAVAIL_FORMATION",
        data={"start_date": measure.start_date, "status": "active"},
    )
    incident = compliance.incident_record(
        membership=cpip,
        gated=person_get_for(cpip, person.pk),
        data={"kind": "new_offence", "occurred_on": date(2025, 6, 2), "source": "police",
              "description": "Interpellé pour conduite sans permis.",
              "steps_taken": ["summons"], "person_explanation": "Dit devoir aller travailler."},
    )  # fmt: skip
    return {"person": person, "measure": measure, "work": work, "incident": incident}


def create(membership, file, kind=rules.INCIDENT, **kw):
    return services.report_create(
        membership=membership,
        gated=person_get_for(membership, file["person"].pk),
        kind=kind,
        measure=kw.pop("measure", file["measure"]),
        incident=kw.pop("incident", file["incident"] if kind == rules.INCIDENT else None),
        **kw,
    )


def gated(membership, report):
    return report_get_for(membership, report.pk)


def record(membership, report, kind, answered_on=TODAY, text="", new_obligations=(),
           ended_obligations=(), **fields):  # fmt: skip
    """The judge's answer through the transition service (``transitions.services``)."""
    return answer_record(
        membership=membership,
        gated_report=gated(membership, report),
        data=AnswerData(
            input=answers.Input(
                code=kind, answered_on=answered_on, text=text,
                new_obligations=tuple(new_obligations),
                ended_obligations=tuple(ended_obligations), **fields,
            ),
            text=text,
        ),
        today=TODAY,
    )  # fmt: skip


def fill(membership, report):
    texts = {s["key"]: s["text"] or f"Texte de la rubrique {s['title']}." for s in report.sections}
    return services.report_save(
        membership=membership, gated_report=gated(membership, report), texts=texts
    )


def through_to_transmitted(cpip, manager, file, kind=rules.INCIDENT):
    report = fill(cpip, create(cpip, file, kind))
    services.report_submit(membership=cpip, gated_report=gated(cpip, report))
    services.report_approve(membership=manager, gated_report=gated(manager, report))
    return services.report_transmit(membership=manager, gated_report=gated(manager, report))


def test_a_new_report_is_prefilled_from_the_file(cpip, judge, file):
    report = create(cpip, file)
    texts = {s["key"]: s["text"] for s in report.sections}
    assert "MÉNARD Éloïse" in texts["identity"]
    assert "Sursis probatoire" in texts["identity"]
    assert "Interpellé pour conduite sans permis" in texts["facts"]
    assert texts["explanation"] == "Dit devoir aller travailler."
    assert texts["analysis"] == "" and texts["proposal"] == ""
    assert report.judge == judge.user and report.status == rules.DRAFT
    assert TimelineEvent.objects.filter(
        kind="report", title__startswith="Rapport commencé"
    ).exists()


def test_a_required_section_left_empty_blocks_the_submission(cpip, file):
    report = create(cpip, file)
    with pytest.raises(ValidationError, match="Analyse du risque"):
        services.report_submit(membership=cpip, gated_report=gated(cpip, report))
    report.refresh_from_db()
    assert report.status == rules.DRAFT


def test_only_a_manager_gives_the_visa_and_a_send_back_needs_a_comment(cpip, manager, file):
    report = fill(cpip, create(cpip, file))
    services.report_submit(membership=cpip, gated_report=gated(cpip, report))
    with pytest.raises(PermissionDenied):
        services.report_approve(membership=cpip, gated_report=gated(cpip, report))
    with pytest.raises(ValidationError, match="repris"):
        services.report_send_back(membership=manager, gated_report=gated(manager, report),
                                  comment=" ")  # fmt: skip
    services.report_send_back(
        membership=manager, gated_report=gated(manager, report), comment="Préciser l'analyse."
    )
    report.refresh_from_db()
    assert report.status == rules.RETURNED and report.return_comment == "Préciser l'analyse."
    services.report_submit(membership=cpip, gated_report=gated(cpip, report))
    services.report_approve(membership=manager, gated_report=gated(manager, report))
    report.refresh_from_db()
    assert report.status == rules.APPROVED and report.approved_by == manager.user
    assert [s.step for s in report.steps.all()] == [
        "create", "submit", "send_back", "submit", "approve"
    ]  # fmt: skip


def test_transmission_freezes_the_report_with_its_pdf_hash(cpip, manager, file, private_files):
    report = through_to_transmitted(cpip, manager, file)
    stored = (private_files / report.pdf.name).read_bytes()
    assert stored.startswith(b"%PDF")
    assert hashlib.sha256(stored).hexdigest() == report.sha256
    with pytest.raises(PermissionDenied):
        services.report_save(
            membership=cpip, gated_report=gated(cpip, report), texts={"analysis": "Modifié"}
        )
    report.refresh_from_db()
    assert "Modifié" not in str(report.sections)


def test_a_correction_is_a_new_version_pointing_to_the_old(cpip, manager, file):
    old = through_to_transmitted(cpip, manager, file)
    new = services.report_correct(membership=cpip, gated_report=gated(cpip, old))
    assert new.version == 2 and new.previous == old and new.status == rules.DRAFT
    assert new.sections == old.sections
    with pytest.raises(PermissionDenied):
        services.report_correct(membership=cpip, gated_report=gated(cpip, old))  # once only


def test_an_answer_on_a_report_never_transmitted_is_refused(cpip, judge, manager, file):
    report = fill(cpip, create(cpip, file))
    with pytest.raises(ValidationError, match="transmis"):
        record(manager, report, kind="warning",
            answered_on=TODAY,
        )  # fmt: skip
    assert not JudgeAnswer.objects.exists()


def test_a_judge_answers_a_warning_which_changes_only_the_timeline(cpip, manager, judge, file):
    report = through_to_transmitted(cpip, manager, file)
    answer = record(
        judge,
        report,
        kind="warning",
        answered_on=TODAY,
        text="Avertissement solennel.",
    )
    report.refresh_from_db()
    assert report.status == rules.ANSWERED
    assert not answer.on_paper and answer.decision.kind == Decision.Kind.JAP_ORDER
    file["measure"].refresh_from_db()
    assert file["measure"].status == "active"
    assert TimelineEvent.objects.filter(
        kind="report", title__startswith="Réponse du magistrat : avertissement"
    ).exists()


def test_modifying_obligations_ends_the_old_and_creates_the_new(cpip, manager, secretariat, file):
    report = through_to_transmitted(cpip, manager, file, kind=rules.SITUATION)
    answer = record(
        secretariat,
        report,
        kind="modify_obligations",
        answered_on=TODAY,
        new_obligations=["SOINS"],
        ended_obligations=[file["work"].pk],
    )
    assert answer.on_paper
    file["work"].refresh_from_db()
    assert file["work"].status == "ended" and file["work"].end_date == TODAY
    assert file["work"].decision == file["measure"].decision  # kept: it started under it
    [care] = answer.new_obligations.all()
    assert care.obligation_type_id == "SOINS" and care.decision == answer.decision
    active = Obligation.objects.filter(measure=file["measure"], status="active")
    assert active.exclude(obligation_type__kind="control").count() == 1


def test_extension_moves_the_end_within_the_legal_bounds(cpip, manager, judge, file):
    report = through_to_transmitted(cpip, manager, file, kind=rules.SITUATION)
    end = file["measure"].end_date
    record(judge, report, kind="extend",
        answered_on=TODAY, extra_months=6,
    )  # fmt: skip
    file["measure"].refresh_from_db()
    assert file["measure"].duration_months == 30 and file["measure"].end_date > end


def test_an_extension_beyond_the_bounds_is_refused_and_nothing_changes(cpip, manager, judge, file):
    report = through_to_transmitted(cpip, manager, file, kind=rules.SITUATION)
    with pytest.raises(ValidationError):
        record(judge, report, kind="extend",
            answered_on=TODAY, extra_months=36,
        )  # fmt: skip
    report.refresh_from_db()
    assert report.status == rules.TRANSMITTED and not JudgeAnswer.objects.exists()
    assert not Decision.objects.filter(kind=Decision.Kind.JAP_ORDER).exists()


def test_a_warrant_suspends_the_measure_and_flags_the_person(cpip, manager, judge, file):
    report = through_to_transmitted(cpip, manager, file)
    record(judge, report, kind="warrant", answered_on=TODAY)
    file["measure"].refresh_from_db()
    file["person"].refresh_from_db()
    assert file["measure"].status == "suspended"
    assert file["person"].judicial_alert.startswith("Mandat")


def test_partial_revocation_needs_its_part_and_keeps_the_measure(cpip, manager, judge, file):
    report = through_to_transmitted(cpip, manager, file)
    with pytest.raises(ValidationError, match="part"):
        record(judge, report, kind="revocation_partial")
    record(judge, report, kind="revocation_partial", term_months=4)
    file["measure"].refresh_from_db()
    assert file["measure"].status == "active"


def test_a_judge_sees_only_the_reports_transmitted_to_them(cpip, manager, judge, member, file):
    from django.http import Http404

    draft = fill(cpip, create(cpip, file))
    with pytest.raises(Http404):
        report_get_for(judge, draft.pk)
    sent = through_to_transmitted(cpip, manager, file, kind=rules.SITUATION)
    assert report_get_for(judge, sent.pk).can_answer
    other_judge = member("judge")
    Report.objects.filter(pk=sent.pk).update(judge=other_judge.user)
    with pytest.raises(Http404):
        report_get_for(judge, sent.pk)


def test_the_echeancier_lists_due_reports_and_the_visa_queue(cpip, manager, service, file):
    from datetime import timedelta

    from probatio.core.deadlines import Query, Severity, collect
    from probatio.people.models import Person

    def items():
        query = Query(
            persons=Person.objects.filter(service=service),
            today=TODAY,
            until=TODAY + timedelta(days=30),
            service_id=service.pk,
            service=service,
        )
        return [i for i in collect(query) if i.kind == "report"]

    due = create(cpip, file, rules.EVALUATION, due_date=date(2025, 7, 1))
    create(cpip, file, rules.SITUATION)  # a draft without due date is no deadline
    [item] = items()
    assert item.due == date(2025, 7, 1) and item.severity == Severity.INFO
    assert "Rapport d'évaluation à rendre (pour le 01/07/2025)" in item.label
    Report.objects.filter(pk=due.pk).update(due_date=date(2025, 6, 10))  # now overdue
    [item] = items()
    assert item.severity == Severity.ALERT and item.is_overdue(TODAY)
    fill(cpip, due)
    services.report_submit(membership=cpip, gated_report=gated(cpip, due))
    [item] = items()
    assert "à viser" in item.label
    services.report_approve(membership=manager, gated_report=gated(manager, due))
    services.report_transmit(membership=manager, gated_report=gated(manager, due))
    assert items() == []  # transmitted: no longer due


def test_the_answers_decision_is_journaled_and_in_the_timeline(cpip, manager, judge, file):
    from probatio.audit.models import AuditEntry

    report = through_to_transmitted(cpip, manager, file)
    answer = record(judge, report, kind="warning", answered_on=TODAY)
    assert AuditEntry.objects.filter(
        object_type="measures.decision", object_id=answer.decision.pk, action="create"
    ).exists()
    assert TimelineEvent.objects.filter(kind="decision", object_id=answer.decision.pk).exists()


def test_an_obligation_already_in_force_is_not_added_twice(cpip, manager, judge, file):
    report = through_to_transmitted(cpip, manager, file, kind=rules.SITUATION)
    with pytest.raises(ValidationError, match="Déjà en vigueur"):
        record(judge, report, kind="modify_obligations",
            answered_on=TODAY, new_obligations=["TRAVAIL_FORMATION"],
        )  # fmt: skip
    assert not JudgeAnswer.objects.exists()
    assert (
        Obligation.objects.filter(measure=file["measure"])
        .exclude(obligation_type__kind="control")
        .count()
        == 1
    )


def test_an_answer_acting_on_a_measure_no_longer_open_is_refused(cpip, manager, judge, file):
    report = through_to_transmitted(cpip, manager, file, kind=rules.SITUATION)
    file["measure"].__class__.objects.filter(pk=file["measure"].pk).update(status="ended")
    with pytest.raises(ValidationError, match="terminée ou absente"):
        record(judge, report, kind="extend",
            answered_on=TODAY, extra_months=3,
        )  # fmt: skip
    report.refresh_from_db()
    assert report.status == rules.TRANSMITTED
