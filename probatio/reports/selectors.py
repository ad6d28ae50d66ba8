"""The report gate and the report lists.

A report is reached through its person's gate (another service: 404; a judge: only their
files), then by the policy's rule for reports (``access.policy.report_access``):
- a draft, or a report sent back, is read by its author and by managers only;
- a judge reads only the reports transmitted to them (the judge named on the report);
- others read the report with ``read_reports``; the secretariat opens a transmitted report to
  record an answer received on paper, without its content.
The lists are derived from the same clauses (``visible_reports``).

A workflow step names its action to the gate (``report_get_for(..., action=...)``): a role the
policy refuses it on the person's file gets a 403 before any service runs; whether the step
fits the report's status, and the author, is then the service's to say.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from probatio.access.policy import (
    REPORT_ANSWER_CLAUSES,
    REPORT_CLAUSES,
    Action,
    ReportAccess,
    ReportFacts,
    Scope,
    allows,
    report_access,
    scope_for,
)
from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.core.gates import NotFound
from probatio.organisation.models import Court
from probatio.people.models import Person
from probatio.people.selectors import (
    UNASSIGNED,
    Gated,
    log_person_read,
    person_get_for,
    person_get_for_addressee,
    scope_q,
)
from probatio.reports import answers, rules
from probatio.reports.models import JudgeAnswer, Report, ReportStep


@dataclass
class GatedReport:
    report: Report
    gated: Gated
    user_id: int

    @property
    def role(self) -> str:
        return self.gated.role

    @property
    def is_author(self) -> bool:
        return self.report.author_id == self.user_id

    @property
    def is_addressee(self) -> bool:
        return self.report.judge_id == self.user_id

    @property
    def can_read_content(self) -> bool:
        return self.gated.allows(Action.READ_REPORTS)

    @property
    def can_edit(self) -> bool:
        return self.report.is_editable and (
            (self.is_author and self.gated.allows(Action.DRAFT_REPORT))
            or self.gated.allows(Action.VISA_REPORT)  # who visas edits the draft
        )

    @property
    def can_submit(self) -> bool:
        return self.can_edit

    @property
    def can_visa(self) -> bool:
        return self.gated.allows(Action.VISA_REPORT) and self.report.status in (
            rules.SUBMITTED,
            rules.APPROVED,
        )

    @property
    def can_transmit(self) -> bool:
        return self.gated.allows(Action.VISA_REPORT) and self.report.status == rules.APPROVED

    @property
    def can_answer(self) -> bool:
        if self.report.status != rules.TRANSMITTED or not self.gated.allows(Action.RECORD_ANSWER):
            return False
        # Who answers on their own files (a judge) answers the reports addressed to them.
        addressed_only = scope_for(self.role, Action.RECORD_ANSWER) is Scope.JUDGE_FILES
        return not addressed_only or self.is_addressee

    @property
    def can_follow_up_answer(self) -> bool:
        """Mark the judge's answer as read, and the person as told of changed obligations:
        the person's CPIP (or another professional of the caseload), or a manager."""
        return self.report.status == rules.ANSWERED and self.gated.allows(Action.FOLLOW_UP_ANSWER)

    @property
    def can_correct(self) -> bool:
        return (
            self.report.is_frozen
            and not hasattr(self.report, "correction")
            and (self.is_author or self.gated.allows(Action.VISA_REPORT))
            and self.gated.allows(Action.DRAFT_REPORT)
        )


def report_facts(report: Report, user_id: int) -> ReportFacts:
    return ReportFacts(
        is_author=report.author_id == user_id,
        is_addressee=report.judge_id == user_id,
        editable=report.is_editable,
        transmitted=report.status == rules.TRANSMITTED,
        frozen=report.is_frozen,
    )


def may_read(report: Report, gated: Gated, user_id: int) -> bool:
    """May open the report's page (its content only with ``read_reports``: the secretariat
    opens a transmitted report to record an answer received on paper, without its content).
    The rule is the policy's (``report_access``)."""
    access = report_access(gated.role, gated.facts, report_facts(report, user_id))
    return access is not ReportAccess.NONE


# Why the gate refuses a step to a role that reads the report but may not do the step's action.
ACTION_REFUSALS = {
    Action.DRAFT_REPORT: "Votre rôle ne permet pas de rédiger ni de corriger les rapports de "
    "ce dossier.",
    Action.VISA_REPORT: "Le visa, le renvoi pour correction et la transmission d'un rapport "
    "reviennent à l'encadrement du service.",
}


def report_get_for(
    membership, pk: int, *, action: Action | None = None, log_read: str | None = None
) -> GatedReport:
    """The report gate: another service's report, or one a judge may not open, is a 404; one
    the role may not open, a 403. With ``action`` (a workflow step's: ``draft_report``,
    ``visa_report``), a role the policy refuses that action on the person's file: 403."""
    report = (
        Report.objects.filter(
            Q(person__service_id=membership.service_id) | left_with_the_file(membership), pk=pk
        )
        .select_related(
            "measure__measure_type", "incident", "author", "judge", "approved_by", "court"
        )
        .annotate(person_service_id=F("person__service_id"))
        .first()
    )
    if report is None:
        raise NotFound("Rapport introuvable.", object_type="reports.report", object_id=pk)
    if report.person_service_id != membership.service_id:
        gated = person_get_for_addressee(membership, report.person_id)
    else:
        gated = person_get_for(membership, report.person_id, log_read=None)
    if not may_read(report, gated, membership.user_id):
        if scope_for(gated.role, Action.READ_REPORTS) is Scope.JUDGE_FILES:
            # Who reads only their files (a judge) does not learn other reports exist.
            raise NotFound("Rapport introuvable.", object_type="reports.report", object_id=pk)
        raise PermissionDenied("Ce rapport n'est pas accessible à votre rôle à cette étape.")
    if action is not None and not gated.allows(action):
        raise PermissionDenied(
            ACTION_REFUSALS.get(action, "Votre rôle ne permet pas cette action sur ce rapport.")
        )
    if log_read:
        # The entry names the report read (its page, its PDF or ODT), not only the file.
        log_person_read(membership, gated.person, log_read, document=report)
    report.person = gated.person
    return GatedReport(report=report, gated=gated, user_id=membership.user_id)


def report_steps(report: Report) -> list[ReportStep]:
    """The report's history, with who did each step."""
    return list(report.steps.select_related("by"))


def answer_of(report: Report) -> JudgeAnswer | None:
    """The judge's answer to a frozen report, if recorded (with who recorded and read it)."""
    if not report.is_frozen:
        return None
    return (
        JudgeAnswer.objects.filter(report=report)
        .select_related("decision", "recorded_by", "seen_by")
        .first()
    )


def courts_of(person) -> list[Court]:
    """The courts a rapid social enquiry on ``person`` may be addressed to: their service's."""
    return list(Court.objects.filter(service_id=person.service_id))


# Each condition of the policy's report clauses, as a query on reports.
CONDITIONS = {
    "is_author": lambda user_id: Q(author_id=user_id),
    "is_addressee": lambda user_id: Q(judge_id=user_id),
    "editable": lambda user_id: Q(status__in=rules.EDITABLE),
    "transmitted": lambda user_id: Q(status=rules.TRANSMITTED),
    "frozen": lambda user_id: Q(status__in=rules.FROZEN),
}


def _any(parts: list[Q]) -> Q:
    """Any of the conditions (an empty ``Q()`` is every row; no condition, no row). Django's
    ``|`` drops an empty ``Q()`` instead of matching everything, hence this."""
    if any(not part for part in parts):
        return Q()
    found = Q(pk__in=[])
    for part in parts:
        found |= part
    return found


def _clauses_q(clauses: tuple[frozenset[str], ...], user_id: int) -> Q:
    """One clause's conditions all hold; any clause will do. No clause: no report."""
    parts = []
    for clause in clauses:
        both = Q()
        for name in sorted(clause):
            condition = CONDITIONS[name.removeprefix("not_")](user_id)
            both &= ~condition if name.startswith("not_") else condition
        parts.append(both)
    return _any(parts)


def left_with_the_file(membership) -> Q:
    """The reports transmitted to a judge (answered or not) whose file left the judge's
    service by a transfer (docs/allocation.md, « Transfers between services »): the judge
    keeps reading them, and answers those still awaiting the answer; nobody else of the
    judge's service does. Written by a member of the judge's service, on a person with a
    measure the judge assigned. No report for a role that does not read by its files."""
    if scope_for(membership.role, Action.READ_REPORTS) is not Scope.JUDGE_FILES:
        return Q(pk__in=[])
    user_id = membership.user_id
    return (
        Q(judge_id=user_id, status__in=rules.FROZEN)
        & ~Q(person__service_id=membership.service_id)
        & Q(
            Exists(
                Membership.objects.filter(
                    user_id=OuterRef("author_id"), service_id=membership.service_id
                )
            )
        )
        & Q(
            Exists(
                Person.objects.filter(
                    pk=OuterRef("person_id"), measures__assigning_judge_id=user_id
                )
            )
        )
    )


def visible_reports(membership) -> QuerySet[Report]:
    """Reports of the service the membership may open, derived from the policy's rule
    (``report_access``): where the role reads the person's reports, its clauses; elsewhere,
    for a role that records answers received on paper, the transmitted reports."""
    role, user_id = membership.role, membership.user_id
    reads = scope_q(scope_for(role, Action.READ_REPORTS), user_id, "person_id")
    answers = scope_q(scope_for(role, Action.RECORD_ANSWER), user_id, "person_id")
    parts = []
    if reads is not None:
        parts.append(reads & _clauses_q(REPORT_CLAUSES.get(Role(role), ()), user_id))
    if answers is not None and reads != Q():  # where the role reads everything, no more
        beyond = answers & ~reads if reads is not None else answers
        parts.append(beyond & _clauses_q(REPORT_ANSWER_CLAUSES, user_id))
    return Report.objects.filter(
        (_any(parts) & Q(person__service_id=membership.service_id)) | left_with_the_file(membership)
    )


def reports_of(person, membership) -> list[Report]:
    return list(
        visible_reports(membership)
        .filter(person=person)
        .select_related("measure__measure_type", "author", "judge")
        .order_by("-created_at", "-pk")
    )


URGENCY_ORDER = Case(
    *[When(urgency=code, then=Value(rank)) for code, rank in answers.URGENCY_RANK.items() if code],
    default=Value(answers.URGENCY_RANK[""]),
    output_field=IntegerField(),
)


def report_counts(reports: QuerySet[Report]) -> dict[str, int]:
    """How many reports a list holds, and how many of them are urgent (one query)."""
    return reports.order_by().aggregate(
        total=Count("pk"),
        immediate=Count("pk", filter=Q(urgency=answers.URGENCY_IMMEDIATE)),
        high=Count("pk", filter=Q(urgency=answers.URGENCY_HIGH)),
    )


def queue_of(role: str) -> str:
    """What the reports page is for a role, from the policy: ``visa`` (who visas),
    ``addressed`` (who answers the reports addressed to them: a judge), ``paper`` (who
    records answers received on paper), ``drafts`` (the others: their own drafts)."""
    if allows(role, Action.VISA_REPORT):
        return "visa"
    if allows(role, Action.RECORD_ANSWER):
        return (
            "addressed" if scope_for(role, Action.RECORD_ANSWER) is Scope.JUDGE_FILES else "paper"
        )
    return "drafts"


def report_queue(membership, *, to_handle: bool, cpip_id=None) -> QuerySet[Report]:
    """The reports page: every report the membership may open or, ``to_handle``, those waiting
    for its role: the transmitted ones for a judge and the secretariat (to answer), those to
    visa or to transmit for a manager, their own drafts and returned reports for the others.
    Those who answer see the most urgent first, then the longest waiting; the others, the
    nearest due date. ``cpip_id``: one CPIP's reports (their author), or, ``UNASSIGNED``,
    those of the files without a CPIP."""
    # Who visas handles the visa; who records answers without visa (the judge, the
    # secretariat) handles the answers; the others, their drafts.
    queue = queue_of(membership.role)
    visas, answering = queue == "visa", queue in ("addressed", "paper")
    reports = visible_reports(membership).select_related(
        "person", "measure__measure_type", "author", "judge", "court"
    )
    if to_handle:
        if visas:
            reports = reports.filter(status__in=(rules.SUBMITTED, rules.APPROVED))
        elif answering:
            reports = reports.filter(status=rules.TRANSMITTED)
        else:
            reports = reports.filter(author_id=membership.user_id, status__in=rules.EDITABLE)
    if cpip_id == UNASSIGNED:
        reports = reports.filter(person__assigned_cpip__isnull=True)
    elif cpip_id:
        reports = reports.filter(author_id=cpip_id)
    if answering:
        return reports.annotate(urgency_order=URGENCY_ORDER).order_by(
            "urgency_order", "transmitted_at", "pk"
        )
    return reports.order_by("due_date", "-updated_at", "-pk")


def with_unread_answer(persons: QuerySet) -> QuerySet:
    """Annotate each person with the report of a judge's answer not yet read by the CPIP
    (``unread_answer``: its pk, or None), inside the list's own query."""
    unread = JudgeAnswer.objects.filter(report__person_id=OuterRef("pk"), seen_at__isnull=True)
    return persons.annotate(
        unread_answer=Subquery(unread.order_by("-date", "-pk").values("report_id")[:1])
    )
