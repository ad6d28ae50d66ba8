"""The report's workflow steps, one view each, through the test client on a real database.

Each step names its action to the report gate (``reports.selectors.report_get_for``): a forged
POST from a role the policy refuses that action gets a 403, for the role's reason, before any
service runs, and changes nothing; a step the report's status does not allow comes back to the
report with a French message and changes nothing; a step is never a GET.
"""

import pytest
from django.urls import reverse

from probatio.access.policy import Action
from probatio.audit.models import AuditEntry
from probatio.people.models import Person, TimelineEvent
from probatio.people.selectors import person_get_for
from probatio.reports import rules, services
from probatio.reports.models import Report
from probatio.reports.selectors import ACTION_REFUSALS, report_get_for
from tests.factories import make_measure, make_person
from tests.views.helpers import text_of

pytestmark = pytest.mark.usefixtures("private_files")  # a transmitted PDF, in a temporary folder

STEPS = ("save", "submit", "approve", "send_back", "transmit", "correct")
COMMENT = {"comment": "Préciser l'analyse."}
# The gate's reasons: the role, never the report's status.
DRAFT_REFUSAL = ACTION_REFUSALS[Action.DRAFT_REPORT]
VISA_REFUSAL = ACTION_REFUSALS[Action.VISA_REPORT]


@pytest.fixture
def file(cpip, judge):
    """A person of the CPIP's caseload, with a measure ordered by ``judge``."""
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    measure = make_measure(cpip, person, judge=judge.user)
    return {"person": person, "measure": measure}


def build(stage: str, cpip, manager, file) -> Report:
    """A situation report written by ``cpip``, taken through the services to ``stage``."""

    def gate(membership, report):
        return report_get_for(membership, report.pk)

    report = services.report_create(
        membership=cpip,
        gated=person_get_for(cpip, file["person"].pk),
        kind=rules.SITUATION,
        measure=file["measure"],
    )
    if stage == rules.DRAFT:
        return report
    texts = {s["key"]: s["text"] or f"Texte de la rubrique {s['title']}." for s in report.sections}
    services.report_save(membership=cpip, gated_report=gate(cpip, report), texts=texts)
    services.report_submit(membership=cpip, gated_report=gate(cpip, report))
    if stage == rules.RETURNED:
        services.report_send_back(
            membership=manager, gated_report=gate(manager, report), comment="À reprendre."
        )
    if stage in (rules.APPROVED, rules.TRANSMITTED):
        services.report_approve(membership=manager, gated_report=gate(manager, report))
    if stage == rules.TRANSMITTED:
        services.report_transmit(membership=manager, gated_report=gate(manager, report))
    report = Report.objects.get(pk=report.pk)
    assert report.status == stage
    return report


def step_url(report, step: str) -> str:
    return f"/rapports/{report.pk}/action/{step}/"


def detail_url(report) -> str:
    return f"/rapports/{report.pk}/"


def state(report) -> dict:
    """Everything a refused step must leave as it was: the report, its versions, its history,
    the chronology and the journal."""
    fresh = Report.objects.get(pk=report.pk)
    return {
        "report": {
            name: getattr(fresh, name)
            for name in (
                "status",
                "title",
                "sections",
                "return_comment",
                "approved_by_id",
                "approved_at",
                "transmitted_at",
                "sha256",
                "updated_at",
            )
        },  # fmt: skip
        "pdf": fresh.pdf.name,
        "steps": list(fresh.steps.values_list("step", "by_id", "comment")),
        "reports": list(Report.objects.order_by("pk").values_list("pk", "status", "version")),
        "timeline": TimelineEvent.objects.count(),
        "journal": AuditEntry.objects.exclude(action="denied").count(),
    }


def posted(step: str) -> dict:
    """What each step's form posts (the draft's fields, the send-back comment)."""
    if step in ("save", "submit"):
        return {"title": "Intitulé forgé", "section-analysis": "Texte forgé."}
    if step == "send_back":
        return COMMENT
    return {}


def assert_forbidden(client, report, step: str, reason: str, data: dict | None = None):
    """A forged POST: 403, for ``reason``, and nothing changed."""
    before = state(report)
    response = client.post(step_url(report, step), posted(step) if data is None else data)
    assert response.status_code == 403, (step, response.status_code)
    assert response.context["reason"] == reason, (step, response.context["reason"])
    assert state(report) == before, step


# --- The URLs. ---


def test_each_step_has_its_own_url_name():
    for step in STEPS:
        assert reverse(f"reports:{step}", args=[7]) == f"/rapports/7/action/{step}/"


# --- A step is never a GET. ---


@pytest.mark.parametrize("stage", [rules.DRAFT, rules.SUBMITTED, rules.APPROVED,
                                   rules.TRANSMITTED])  # fmt: skip
def test_a_step_refuses_a_get(client_for, cpip, manager, file, stage):
    report = build(stage, cpip, manager, file)
    before = state(report)
    for membership in (cpip, manager):
        client = client_for(membership)
        for step in (*STEPS, "publish"):
            response = client.get(step_url(report, step), posted(step))
            assert response.status_code == 405, (membership.role, step, response.status_code)
            assert response["Allow"] == "POST"
    assert state(report) == before


# --- A role the policy refuses the step's action: 403 from the gate, nothing changes. ---


@pytest.mark.parametrize("stage", [rules.SUBMITTED, rules.APPROVED])
def test_the_visa_steps_are_refused_to_staff_who_read_the_report_but_do_not_visa(
    client_for, cpip, cpip2, manager, file, stage
):
    """The author and a colleague read a submitted or approved report; visa, send back and
    transmit are the managers'."""
    report = build(stage, cpip, manager, file)
    for membership in (cpip, cpip2):
        client = client_for(membership)
        for step in ("approve", "send_back", "transmit"):
            assert_forbidden(client, report, step, VISA_REFUSAL)
        # Even a send-back form that would not validate: refused, the page is not shown.
        assert_forbidden(client, report, "send_back", VISA_REFUSAL, {"comment": " "})


def test_every_step_is_refused_to_the_addressee_and_the_secretariat_of_a_transmitted_report(
    client_for, cpip, manager, secretariat, judge, file
):
    """The judge reads the report transmitted to them, the secretariat opens it to record an
    answer received on paper: neither drafts nor visas. The role is refused before the status
    is looked at."""
    report = build(rules.TRANSMITTED, cpip, manager, file)
    for membership in (judge, secretariat):
        client = client_for(membership)
        assert client.get(detail_url(report)).status_code == 200  # they do open it
        for step in ("save", "submit", "correct"):
            assert_forbidden(client, report, step, DRAFT_REFUSAL)
        for step in ("approve", "send_back", "transmit"):
            assert_forbidden(client, report, step, VISA_REFUSAL)
        assert_forbidden(client, report, "send_back", VISA_REFUSAL, {"comment": ""})


def test_the_drafting_steps_are_refused_to_the_author_once_the_person_left_their_caseload(
    client_for, cpip, cpip2, manager, file
):
    """The author still reads their draft, but drafting is for the person's caseload."""
    draft = build(rules.DRAFT, cpip, manager, file)
    Person.objects.filter(pk=file["person"].pk).update(assigned_cpip=cpip2.user)
    author = client_for(cpip)
    assert author.get(detail_url(draft)).status_code == 200
    for step in ("save", "submit"):
        assert_forbidden(author, draft, step, DRAFT_REFUSAL)


def test_correcting_is_refused_to_whoever_does_not_draft_on_the_file(
    client_for, cpip, cpip2, manager, file
):
    report = build(rules.TRANSMITTED, cpip, manager, file)
    assert_forbidden(client_for(cpip2), report, "correct", DRAFT_REFUSAL)  # not their caseload
    Person.objects.filter(pk=file["person"].pk).update(assigned_cpip=cpip2.user)
    assert_forbidden(client_for(cpip), report, "correct", DRAFT_REFUSAL)  # no longer theirs


def test_a_step_that_does_not_exist_is_refused(client_for, cpip, manager, file):
    report = build(rules.SUBMITTED, cpip, manager, file)
    for membership in (cpip, manager):
        before = state(report)
        response = client_for(membership).post(step_url(report, "publish"), COMMENT)
        assert response.status_code == 403
        assert state(report) == before


# --- A step the status does not allow: back to the report with a message, nothing changes. ---


WRONG_STATUS = [
    ("approve", rules.DRAFT),
    ("approve", rules.RETURNED),
    ("approve", rules.APPROVED),
    ("approve", rules.TRANSMITTED),
    ("send_back", rules.DRAFT),
    ("send_back", rules.RETURNED),
    ("send_back", rules.TRANSMITTED),
    ("transmit", rules.DRAFT),
    ("transmit", rules.SUBMITTED),
    ("transmit", rules.RETURNED),
    ("transmit", rules.TRANSMITTED),
]


@pytest.mark.parametrize(("step", "stage"), WRONG_STATUS)
def test_a_visa_step_on_the_wrong_status_says_why_and_changes_nothing(
    client_for, cpip, manager, file, step, stage
):
    report = build(stage, cpip, manager, file)
    client = client_for(manager)
    before = state(report)
    response = client.post(step_url(report, step), posted(step))
    assert response.status_code == 302
    assert response["Location"] == detail_url(report)
    assert state(report) == before
    page = client.get(response["Location"])  # the message shows on the report
    assert page.status_code == 200
    assert rules.STEP_ERRORS[step] in text_of(page)


@pytest.mark.parametrize("stage", [rules.SUBMITTED, rules.APPROVED, rules.TRANSMITTED])
def test_the_drafting_steps_on_a_report_no_longer_editable_are_refused(
    client_for, cpip, manager, file, stage
):
    """Save and submit once the report left its author (submitted, approved, transmitted):
    refused with the service's French reason, and what was posted is not saved."""
    report = build(stage, cpip, manager, file)
    for membership in (cpip, manager):
        client = client_for(membership)
        for step in ("save", "submit"):
            before = state(report)
            response = client.post(step_url(report, step), posted(step))
            assert response.status_code == 403, (membership.role, step)
            assert "n'est plus modifiable" in response.context["reason"]
            assert state(report) == before


@pytest.mark.parametrize("stage", [rules.DRAFT, rules.SUBMITTED, rules.APPROVED])
def test_correcting_a_report_not_transmitted_is_refused(client_for, cpip, manager, file, stage):
    report = build(stage, cpip, manager, file)
    before = state(report)
    response = client_for(cpip).post(step_url(report, "correct"))
    assert response.status_code == 403
    assert "ne peut pas être corrigé" in response.context["reason"]
    assert state(report) == before


# --- Each step still works for the role that has it. ---


def test_each_step_by_its_role_moves_the_report_on(client_for, cpip, manager, file):
    report = build(rules.DRAFT, cpip, manager, file)
    author, boss = client_for(cpip), client_for(manager)
    texts = {f"section-{s['key']}": s["text"] or "Rédigé." for s in report.sections}
    for client, step, data, status in (
        (author, "save", {"title": "Bilan de juin", **texts}, rules.DRAFT),
        (author, "submit", {}, rules.SUBMITTED),
        (boss, "send_back", COMMENT, rules.RETURNED),
        (author, "submit", {}, rules.SUBMITTED),
        (boss, "approve", {}, rules.APPROVED),
        (boss, "transmit", {}, rules.TRANSMITTED),
    ):
        response = client.post(reverse(f"reports:{step}", args=[report.pk]), data)
        assert response.status_code == 302 and response["Location"] == detail_url(report), step
        assert Report.objects.get(pk=report.pk).status == status, step
    response = author.post(reverse("reports:correct", args=[report.pk]))
    new = Report.objects.get(previous=report)
    assert response["Location"] == detail_url(new) and new.status == rules.DRAFT
    assert Report.objects.get(pk=report.pk).title == "Bilan de juin"
