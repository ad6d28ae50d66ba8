"""The end-of-programme summary of an enrolment: programme, group, the dates of the first and
last sessions the person was expected at, sessions held, attended, excused and unexcused,
the outcome (completed, withdrawn or excluded, with its reason) and the facilitators. Shown
in the dossier's « Programmes » tab and on the enrolment's page, printed in the completion
attestation and written into the reports to the judge (``report_text``).

``summarise`` is pure (plain rows in, a ``Summary`` out); ``summaries_for`` reads what it
needs for several enrolments at once (a fixed number of queries, whatever their number)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone

from probatio.core.text import count
from probatio.programmes import person_selectors, rules
from probatio.programmes.models import Attendance, Enrolment, GroupSession

ENDED = frozenset({"completed", "withdrawn", "excluded"})
OUTCOME_LABELS = {
    "completed": "Programme suivi jusqu'à son terme",
    "withdrawn": "Abandon",
    "excluded": "Exclusion",
}


@dataclass(frozen=True)
class Summary:
    programme: str
    group: str  # "" when the person never joined a group
    compulsory: bool
    status: str
    status_label: str
    first_session: date | None
    last_session: date | None
    sessions_held: int
    attended: int
    excused: int
    unexcused: int
    enrolled_on: date | None
    ended_on: date | None
    reason: str
    facilitators: list[str] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    @property
    def outcome(self) -> str:
        return OUTCOME_LABELS.get(self.status, self.status_label)

    @property
    def not_recorded(self) -> int:
        """Sessions held whose attendance was not recorded."""
        return max(self.sessions_held - self.attended - self.excused - self.unexcused, 0)

    def lines(self) -> list[str]:
        """The summary in plain French, one sentence a line (reports, the tab)."""
        head = f"Programme « {self.programme} »"
        if self.compulsory:
            head += " (obligation judiciaire)"
        if self.group:
            head += f", {self.group}"
        if self.ended:
            head += f" : {self.outcome.lower()}"
            head += f" le {self.ended_on:%d/%m/%Y}" if self.ended_on else ""
        else:
            head += f" : {self.status_label.lower()}"
        lines = [head + "."]
        if self.reason:
            lines.append(f"Motif : {self.reason}")
        if self.sessions_held:
            period = (
                f"du {self.first_session:%d/%m/%Y} au {self.last_session:%d/%m/%Y}"
                if self.first_session != self.last_session
                else f"le {self.first_session:%d/%m/%Y}"
            )
            line = (
                f"Séances {period} : {count(self.sessions_held, 'séance tenue', 'séances tenues')}"
                f", {count(self.attended, 'présence')}, "
                f"{count(self.excused, 'absence excusée', 'absences excusées')}, "
                f"{count(self.unexcused, 'absence non excusée', 'absences non excusées')}"
            )
            if self.not_recorded:
                line += f" ; présence non relevée à {count(self.not_recorded, 'séance', 'séances')}"
            lines.append(line + ".")
        elif self.group:
            lines.append("Aucune séance tenue pendant l'inscription.")
        if self.facilitators:
            lines.append("Animation : " + ", ".join(self.facilitators) + ".")
        return lines

    def text(self) -> str:
        return "\n".join(self.lines())


def _day(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def group_label(group) -> str:
    """« groupe du 06/01/2026 (antenne de Nord) »: a group is known by its start."""
    if group is None:
        return ""
    label = f"groupe du {group.start_date:%d/%m/%Y}"
    site = getattr(group, "site", None)
    return f"{label} ({site.name})" if site is not None else label


def moments(steps, status: str) -> tuple[datetime | None, datetime | None]:
    """When the person was first enrolled, and when the enrolment ended (its current status
    reached, when it is an end), from its history in order."""
    enrolled_at = next((s.at for s in steps if s.status == "enrolled"), None)
    ended_at = (
        next((s.at for s in reversed(steps) if s.status == status), None)
        if status in ENDED
        else None
    )
    return enrolled_at, ended_at


def summarise(
    enrolment: Enrolment,
    *,
    enrolled_at: datetime | None,
    ended_at: datetime | None,
    sessions: list[GroupSession],
    attendances: list[Attendance],
    facilitators: list[str],
    now: datetime,
) -> Summary:
    """The summary of ``enrolment`` from plain rows (no query): ``sessions`` its group's
    sessions, ``attendances`` its own (``session_id``, ``status``). The sessions held are those
    of the group, not cancelled, from the day the person was enrolled (``enrolled_at``) to the
    end of the enrolment (``ended_at``) or ``now``, and any other whose attendance was
    recorded for them."""
    until = min(ended_at, now) if ended_at is not None else now
    recorded = {a.session_id for a in attendances}
    since = (
        datetime.combine(_day(enrolled_at), time.min, tzinfo=rules.PARIS)
        if enrolled_at is not None
        else None
    )
    held = sorted(
        (
            s
            for s in sessions
            if s.pk in recorded
            or (not s.cancelled and since is not None and since <= s.starts_at <= until)
        ),
        key=lambda s: s.starts_at,
    )
    statuses = [a.status for a in attendances]
    return Summary(
        programme=enrolment.programme.name,
        group=group_label(enrolment.group),
        compulsory=enrolment.compulsory,
        status=enrolment.status,
        status_label=rules.ENROLMENT_STATUSES[enrolment.status],
        first_session=_day(held[0].starts_at) if held else None,
        last_session=_day(held[-1].starts_at) if held else None,
        sessions_held=len(held),
        attended=statuses.count("present"),
        excused=statuses.count("excused"),
        unexcused=statuses.count("unexcused"),
        enrolled_on=_day(enrolled_at),
        ended_on=_day(ended_at) if enrolment.status in ENDED else None,
        reason=enrolment.reason,
        facilitators=facilitators,
    )


def facilitators_of(group) -> list[str]:
    """The group's facilitators: the service's staff (prefetched), then the partners' staff."""
    if group is None:
        return []
    names = [user.get_full_name() or user.username for user in group.facilitators.all()]
    names += [line.strip() for line in group.external_facilitators.splitlines() if line.strip()]
    return names


def summaries_for(
    enrolments, *, now: datetime | None = None, sessions=None, attendances=None
) -> dict[int, Summary]:
    """Per enrolment id, its summary. The enrolments come from ``selectors.enrolments_in_file``
    (their programme, group and its facilitators loaded, ``enrolled_at`` and ``ended_at``
    annotated); ``sessions`` (of their groups) and ``attendances`` (theirs) when the page has
    already read them, else two queries, whatever the number of enrolments."""
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    now = now or timezone.now()
    ids = {e.pk for e in enrolments}
    group_ids = {e.group_id for e in enrolments if e.group_id is not None}
    if sessions is None:
        sessions = GroupSession.objects.filter(group_id__in=group_ids) if group_ids else []
    if attendances is None:
        attendances = Attendance.objects.filter(enrolment_id__in=ids)
    by_group: dict[int, list] = {}
    for session in sessions:
        by_group.setdefault(session.group_id, []).append(session)
    by_enrolment: dict[int, list] = {}
    for attendance in attendances:
        by_enrolment.setdefault(attendance.enrolment_id, []).append(attendance)
    return {
        e.pk: summarise(
            e,
            enrolled_at=e.enrolled_at,
            ended_at=e.ended_at,
            sessions=by_group.get(e.group_id, []),
            attendances=by_enrolment.get(e.pk, []),
            facilitators=facilitators_of(e.group),
            now=now,
        )
        for e in enrolments
    }


def report_text(person, *, now: datetime | None = None) -> str:
    """The programmes part of a report to the judge: each referral of the person, the most
    recent first — a finished one with its summary, one in progress with its attendance so
    far, one still proposed or waiting with its state."""
    enrolments = list(person_selectors.enrolments_in_file(person))
    if not enrolments:
        return "Aucune orientation vers un programme."
    summaries = summaries_for(enrolments, now=now)
    paragraphs = []
    for enrolment in enrolments:
        summary = summaries[enrolment.pk]
        lines = summary.lines()
        lines[0] = lines[0][:-1] + f" (orientation du {enrolment.referred_on:%d/%m/%Y})."
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)
