"""Report access is one rule (``access.policy.report_access``), the lists are derived from it:
for every role, every state, author and addressee, on a person of the user's caseload (and a
judge's file) and on another, the report is in the role's lists exactly when its page opens.
And the rule itself, over plain facts, against the table of docs/access.md."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from probatio.access.policy import PersonFacts, ReportAccess, ReportFacts, report_access
from probatio.reports import rules
from probatio.reports.models import Report
from probatio.reports.selectors import may_read, report_get_for, visible_reports
from tests.factories import make_measure, make_person

STATES = (
    rules.DRAFT,
    rules.SUBMITTED,
    rules.RETURNED,
    rules.APPROVED,
    rules.TRANSMITTED,
    rules.ANSWERED,
)


@pytest.fixture
def team(member, cpip, manager, judge):
    return {
        "cpip": cpip,
        "cpip2": member("cpip", user__username="cpip2.test"),
        "manager": manager,
        "secretariat": member("secretariat", user__username="secretariat.test"),
        "monitoring": member("monitoring", user__username="surveillance.test"),
        "psychologist": member("psychologist", user__username="psychologue.test"),
        "social_worker": member("social_worker", user__username="ass.test"),
        "judge": judge,
        "judge2": member("judge", user__username="juge2.test"),
    }


@pytest.fixture
def reports(team):
    """Two persons: the first of ``cpip``'s caseload, followed by the psychologist and the
    social worker, a file of ``judge``; the second of ``cpip2``, a file of ``judge2``. On each,
    a report in every state, by each author, addressed to each judge or to none."""
    first = make_person(team["cpip"], surname="Premier")
    make_measure(team["cpip"], first, judge=team["judge"].user)
    first.support_staff.add(team["psychologist"].user, team["social_worker"].user)
    second = make_person(team["cpip2"], surname="Second")
    make_measure(team["cpip2"], second, judge=team["judge2"].user)
    made = []
    for person, state, author, addressee in itertools.product(
        (first, second), STATES, ("cpip", "cpip2", "psychologist"), ("judge", "judge2", None)
    ):
        if state in rules.FROZEN and addressee is None:
            continue  # a transmitted report always has its judge
        made.append(
            Report.objects.create(
                person=person,
                kind=rules.SITUATION,
                title=f"{state} par {author}",
                status=state,
                author=team[author].user,
                judge=team[addressee].user if addressee else None,
            )
        )
    return made


def opens(membership, report) -> bool:
    try:
        report_get_for(membership, report.pk)
    except (Http404, PermissionDenied):
        return False
    return True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who",
    ["cpip", "cpip2", "manager", "secretariat", "monitoring", "psychologist", "social_worker",
     "judge", "judge2"],
)  # fmt: skip
def test_the_lists_show_exactly_the_reports_whose_page_opens(team, reports, who):
    membership = team[who]
    listed = set(visible_reports(membership).values_list("pk", flat=True))
    opened = {report.pk for report in reports if opens(membership, report)}
    assert listed == opened
    # The rule is not empty for those who read reports, and closed for those who do not.
    if who in ("monitoring", "social_worker"):
        assert opened == set()
    else:
        assert opened


@pytest.mark.django_db
def test_what_each_role_opens(team, reports):
    """A few readings of the table, in words."""
    by_title = {}
    for report in reports:
        by_title.setdefault((report.person.surname, report.title, report.judge_id), report)

    def sees(who, surname, title, judge="judge"):
        key = (surname, title, team[judge].user_id if judge else None)
        report = by_title[key]
        return opens(team[who], report)

    # A CPIP: their own draft, never a colleague's; a submitted report of the service.
    assert sees("cpip", "Premier", "draft par cpip")
    assert not sees("cpip", "Premier", "draft par cpip2")
    assert sees("cpip", "Second", "submitted par cpip2")
    # A manager: everything of the service, drafts included.
    assert sees("manager", "Second", "returned par cpip2", judge=None)
    # The judge: transmitted to them, on their files; never to another judge.
    assert sees("judge", "Premier", "answered par cpip")
    assert not sees("judge", "Premier", "transmitted par cpip", judge="judge2")
    assert not sees("judge", "Premier", "approved par cpip")
    # The secretariat: a transmitted report (to record an answer on paper), nothing else.
    assert sees("secretariat", "Second", "transmitted par cpip2", judge="judge2")
    assert not sees("secretariat", "Second", "answered par cpip2", judge="judge2")
    # The psychologist: their own assessments, of the persons they follow.
    assert sees("psychologist", "Premier", "draft par psychologist", judge=None)
    assert not sees("psychologist", "Second", "draft par psychologist", judge=None)
    assert not sees("psychologist", "Premier", "submitted par cpip", judge=None)


# --- The rule over plain facts ----------------------------------------------------------------

SERVICE = PersonFacts()
CASELOAD = PersonFacts(is_caseload=True)
JUDGE_FILE = PersonFacts(is_judge_file=True)


def facts(state: str, *, author=False, addressee=False) -> ReportFacts:
    return ReportFacts(
        is_author=author,
        is_addressee=addressee,
        editable=state in rules.EDITABLE,
        transmitted=state == rules.TRANSMITTED,
        frozen=state in rules.FROZEN,
    )


@pytest.mark.parametrize("state", STATES)
def test_the_secretariat_opens_only_a_transmitted_report_without_its_content(state):
    expected = ReportAccess.ANSWER_ONLY if state == rules.TRANSMITTED else ReportAccess.NONE
    assert report_access("secretariat", SERVICE, facts(state)) is expected


@pytest.mark.parametrize("state", STATES)
def test_the_judge_reads_what_is_transmitted_to_them_on_their_files(state):
    frozen = state in rules.FROZEN
    assert report_access("judge", JUDGE_FILE, facts(state, addressee=True)) is (
        ReportAccess.FULL if frozen else ReportAccess.NONE
    )
    assert report_access("judge", JUDGE_FILE, facts(state)) is ReportAccess.NONE
    assert report_access("judge", SERVICE, facts(state, addressee=True)) is ReportAccess.NONE


@pytest.mark.parametrize("state", STATES)
def test_a_cpip_reads_drafts_only_as_their_author(state):
    editable = state in rules.EDITABLE
    assert report_access("cpip", SERVICE, facts(state)) is (
        ReportAccess.NONE if editable else ReportAccess.FULL
    )
    assert report_access("cpip", SERVICE, facts(state, author=True)) is ReportAccess.FULL


@pytest.mark.parametrize("role", ["monitoring", "social_worker"])
@pytest.mark.parametrize("state", STATES)
def test_roles_without_reports_open_none(role, state):
    for person in (SERVICE, CASELOAD):
        assert report_access(role, person, facts(state, author=True)) is ReportAccess.NONE


def test_the_selector_and_the_rule_agree_on_a_report_object(team, reports):
    """``may_read`` (used by the CAP page) is the rule applied to a stored report."""
    from probatio.people.selectors import person_get_for

    report = next(r for r in reports if r.status == rules.TRANSMITTED and r.judge_id)
    gated = person_get_for(team["secretariat"], report.person_id)
    assert may_read(report, gated, team["secretariat"].user_id)
