"""Pure rules of programmes and group work (recidivism-prevention programmes, courses): the
session calendar, the enrolment's moves as data, what an absence leads to. No database and no
clock: days, times, closed days and ``now`` are arguments.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


# --- The session calendar ---------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A weekly slot of a group: a weekday (0 = Monday), a start time (Paris), a length."""

    weekday: int
    start: time
    minutes: int

    def __post_init__(self):
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday: 0 (lundi) à 6 (dimanche)")
        if self.minutes <= 0:
            raise ValueError("minutes: une durée positive")


def session_days(
    *, start: date, slots: Sequence[Slot], count: int, closed: Callable[[date], bool]
) -> list[tuple[date, Slot]]:
    """The first ``count`` weekly occurrences of ``slots`` from ``start`` (included), in order,
    skipping the days ``closed`` says are closed (public holidays, the site's closed days): a
    skipped session is not lost, the programme goes on one occurrence later."""
    if not slots:
        raise ValueError("au moins un créneau hebdomadaire")
    ordered = sorted(slots, key=lambda s: (s.weekday, s.start))
    found: list[tuple[date, Slot]] = []
    # Monday of the first week.
    week = start - timedelta(days=start.weekday())
    # A programme never runs more than a few years: stop rather than loop forever when every
    # day is closed.
    for _ in range(count * 10 + 520):
        for slot in ordered:
            day = week + timedelta(days=slot.weekday)
            if day < start or closed(day):
                continue
            found.append((day, slot))
            if len(found) == count:
                return found
        week += timedelta(days=7)
    raise ValueError("trop de jours fermés : le calendrier ne peut pas être établi")


def at_paris(day: date, start: time) -> datetime:
    """An aware datetime at ``start`` (Paris) on ``day``: the same wall-clock time on either
    side of a daylight-saving change."""
    return datetime.combine(day, start, tzinfo=PARIS)


def session_times(day: date, slot: Slot) -> tuple[datetime, datetime]:
    starts = at_paris(day, slot.start)
    # The end in wall-clock time too (a session never spans the night of a change).
    ends = datetime.combine(day, slot.start, tzinfo=PARIS) + timedelta(minutes=slot.minutes)
    return starts, ends


def reschedule_allowed(*, starts_at: datetime, now: datetime, has_attendance: bool) -> str:
    """Why a session may not be moved (French), or "": a past session whose attendance was
    recorded keeps its date."""
    if has_attendance:
        return "La présence a déjà été relevée pour cette séance : elle ne peut plus être déplacée."
    if starts_at <= now:
        return "Cette séance a déjà eu lieu : elle ne peut plus être déplacée."
    return ""


def _paris(moment: datetime) -> str:
    return f"{moment.astimezone(PARIS):%d/%m/%Y à %H:%M}"


def reschedule_refusal(
    *,
    starts_at: datetime,
    ends_at: datetime,
    previous: tuple[datetime, datetime] | None,
    following: tuple[datetime, datetime] | None,
) -> str:
    """Why a session may not move to ``starts_at``–``ends_at`` (French), or "": only that
    session moves, the others keep their weekly slots (the cadence does not drift), so it must
    stay after the end of the previous one (``previous``: its start and end) and end before the
    next one starts."""
    if previous is not None and starts_at < previous[1]:
        return f"La séance ne peut pas être placée avant la précédente ({_paris(previous[0])})."
    if following is not None and ends_at > following[0]:
        return f"La séance ne peut pas être placée après la suivante ({_paris(following[0])})."
    return ""


# --- Enrolments -------------------------------------------------------------------------------

ENROLMENT_STATUSES: dict[str, str] = {
    "proposed": "Proposée",
    "suitable": "Adaptée",
    "not_suitable": "Non adaptée",
    "waiting": "En liste d'attente",
    "enrolled": "Inscrite",
    "completed": "Terminée",
    "withdrawn": "Abandon",
    "excluded": "Exclusion",
}

# From each status, where an enrolment may go (the referral's path, as data).
ENROLMENT_MOVES: dict[str, frozenset[str]] = {
    "proposed": frozenset({"suitable", "not_suitable", "withdrawn"}),
    "suitable": frozenset({"waiting", "enrolled", "withdrawn"}),
    "waiting": frozenset({"enrolled", "withdrawn"}),
    "enrolled": frozenset({"completed", "withdrawn", "excluded"}),
    "not_suitable": frozenset(),
    "completed": frozenset(),
    "withdrawn": frozenset(),
    "excluded": frozenset(),
}

REASON_REQUIRED = frozenset({"not_suitable", "withdrawn", "excluded"})
ACTIVE_STATUSES = frozenset({"proposed", "suitable", "waiting", "enrolled"})


def may_move(current: str, new: str) -> bool:
    return new in ENROLMENT_MOVES.get(current, frozenset())


def move_refusal(current: str, new: str, reason: str) -> str:
    """Why the move is refused (French), or ""."""
    if new not in ENROLMENT_STATUSES:
        return "Statut inconnu."
    if not may_move(current, new):
        return (
            f"Une orientation « {ENROLMENT_STATUSES[current].lower()} » ne peut pas passer à "
            f"« {ENROLMENT_STATUSES[new].lower()} »."
        )
    if new in REASON_REQUIRED and not reason.strip():
        return "Indiquez le motif."
    return ""


# --- Attendance -------------------------------------------------------------------------------

ATTENDANCE_STATUSES: dict[str, str] = {
    "present": "Présent·e",
    "excused": "Absent·e excusé·e",
    "unexcused": "Absent·e non excusé·e",
}


def absence_feeds_incident(*, status: str, compulsory: bool, summons: bool) -> bool:
    """An absence leads to an incident proposal only when it is not excused and attending was
    an obligation (a court-ordered course or programme) or the session was a summons;
    otherwise it shows in the file and the figures only."""
    return status == "unexcused" and (compulsory or summons)


# --- A group's stage --------------------------------------------------------------------------

GROUP_STAGES: dict[str, str] = {
    "planned": "Prévu",
    "running": "En cours",
    "finished": "Terminé",
}


def group_stage(
    *, finished: bool, first_start: datetime | None, last_end: datetime | None, now: datetime
) -> str:
    """Where a group stands (a key of ``GROUP_STAGES``): planned until its first session
    starts, finished once its last session has ended (or when recorded as finished), running
    in between."""
    if finished or (last_end is not None and last_end <= now):
        return "finished"
    if first_start is None or first_start > now:
        return "planned"
    return "running"
