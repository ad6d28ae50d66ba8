"""Unexcused absences from group sessions as incident proposals (``compliance.sources``,
registered from ``ProgrammesConfig.ready``): only when attending was an obligation (a
court-ordered course or programme: ``Enrolment.compulsory``) or the session was a summons
(``GroupSession.summons``), as ``rules.absence_feeds_incident`` says; any other absence shows
in the file and the figures only. The CPIP confirms or dismisses the proposal on the
incidents tab, as for a missed appointment; the incident then keeps its link to the
attendance (``Incident.attendance``), so that it is not proposed again."""

from django.utils import timezone

from probatio.compliance import sources
from probatio.compliance.models import Incident
from probatio.compliance.selectors import Proposal
from probatio.programmes import rules
from probatio.programmes.models import Attendance

PARAM = "seance"


def _absences(person):
    return (
        Attendance.objects.filter(enrolment__person=person, status="unexcused")
        .select_related("session__group__programme", "enrolment")
        .order_by("session__starts_at", "pk")
    )


def _feeds(attendance: Attendance) -> bool:
    return rules.absence_feeds_incident(
        status=attendance.status,
        compulsory=attendance.enrolment.compulsory,
        summons=attendance.session.summons,
    )


def _what(attendance: Attendance) -> tuple[str, str]:
    session = attendance.session
    local = timezone.localtime(session.starts_at)
    why = "obligation judiciaire" if attendance.enrolment.compulsory else "séance sur convocation"
    return (
        f"séance {session.number} du programme « {session.group.programme.name} » du "
        f"{local:%d/%m/%Y à %H:%M}",
        why,
    )


def rows(person):
    """The person's unexcused absences as candidate rows (``sources.ROW``: the programme's
    name, the session's number, whether attending was an obligation, whether the session was
    a summons), not evaluated."""
    return (
        Attendance.objects.filter(enrolment__person=person, status="unexcused")
        .order_by()
        .annotate(
            **sources.row_values(
                tag=PARAM,
                at="session__starts_at",
                text="session__group__programme__name",
                number="session__number",
                flag_a="enrolment__compulsory",
                flag_b="session__summons",
            )
        )
        .values_list(*sources.ROW)
    )


def from_row(row: tuple) -> Proposal | None:
    """The proposal of an unexcused absence, when it feeds an incident."""
    _, pk, starts_at, _, programme, number, compulsory, summons = row
    if not rules.absence_feeds_incident(status="unexcused", compulsory=compulsory, summons=summons):
        return None
    local = timezone.localtime(starts_at)
    why = "obligation judiciaire" if compulsory else "séance sur convocation"
    return Proposal(
        kind=Incident.Kind.MISSED_SESSION,
        occurred_on=local.date(),
        label=f"Absence non excusée à la séance {number} du programme « {programme} » du "
        f"{local:%d/%m/%Y à %H:%M} ({why})",
        source_param=PARAM,
        source_id=pk,
    )


def find(person, pk: int) -> sources.Found | None:
    """One of the person's unexcused absences that may be an incident (None otherwise)."""
    attendance = _absences(person).filter(pk=pk).first()
    if attendance is None or not _feeds(attendance):
        return None
    what, why = _what(attendance)
    return sources.Found(
        pk=attendance.pk,
        occurred_on=timezone.localtime(attendance.session.starts_at).date(),
        description=f"Absence non excusée à la {what} ({why}).",
    )


sources.register(
    sources.Source(
        kind=Incident.Kind.MISSED_SESSION,
        field="attendance",
        param=PARAM,
        rows=rows,
        from_row=from_row,
        find=find,
    )
)
