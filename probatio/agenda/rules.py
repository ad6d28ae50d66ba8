"""Pure rules of the agenda: times in Europe/Paris, opening hours, overlaps, status changes.
No database, no clock: callers pass ``now``."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from probatio.access.policy import Action, Scope, scope_for
from probatio.core.workdays import ALSACE_MOSELLE

PARIS = ZoneInfo("Europe/Paris")

PLANNED = "planned"
HONOURED = "honoured"
EXCUSED = "excused"
NO_SHOW = "no_show"
CANCELLED = "cancelled"
POSTPONED = "postponed"
OUTCOMES = (HONOURED, EXCUSED, NO_SHOW)

# status → statuses it may change to (a recorded outcome may be corrected; the change is
# journaled). A cancelled or postponed appointment is closed: book a new one.
TRANSITIONS = {
    PLANNED: {HONOURED, EXCUSED, NO_SHOW, CANCELLED},
    HONOURED: {EXCUSED, NO_SHOW},
    EXCUSED: {HONOURED, NO_SHOW},
    NO_SHOW: {HONOURED, EXCUSED},
    CANCELLED: set(),
    POSTPONED: set(),
}


def paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def at_paris(day: date, clock: time) -> datetime:
    """An aware datetime for a wall-clock time in Paris (DST handled by zoneinfo)."""
    return datetime.combine(day, clock, tzinfo=PARIS)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: an appointment ending at 10:00 does not clash with one at 10:00."""
    return a_start < b_end and b_start < a_end


def _parse(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def within_opening_hours(opening_hours: dict, starts_at: datetime, ends_at: datetime) -> bool:
    """Is the whole appointment inside one opening range of the site on that day (Paris time)?
    ``opening_hours`` maps an ISO weekday ("1" = Monday) to ``[["09:00", "12:30"], ...]``."""
    start, end = paris(starts_at), paris(ends_at)
    if start.date() != end.date():
        return False
    for opens, closes in opening_hours.get(str(start.isoweekday()), []):
        if _parse(opens) <= start.time() and end.time() <= _parse(closes):
            return True
    return False


def check_times(starts_at: datetime, ends_at: datetime, *, now: datetime, planned: bool) -> dict:
    """Field errors (French) for the times of an appointment; empty when they are fine."""
    errors = {}
    if ends_at <= starts_at:
        errors["ends_at"] = "La fin du rendez-vous doit être après son début."
    elif ends_at - starts_at > timedelta(hours=12):
        errors["ends_at"] = "Un rendez-vous ne peut pas durer plus de 12 heures."
    if planned and starts_at < now:
        errors["starts_at"] = (
            "Un rendez-vous planifié ne peut pas être dans le passé : choisissez une date à venir."
        )
    return errors


def check_unplanned_times(starts_at: datetime, ends_at: datetime, *, now: datetime) -> dict:
    """Field errors (French) of an interview recorded after the fact, without an appointment:
    the times of any appointment, and not in the future (nothing to record yet)."""
    errors = check_times(starts_at, ends_at, now=now, planned=False)
    if starts_at > now:
        errors["day"] = (
            "Un entretien non planifié s'enregistre une fois qu'il a eu lieu : sa date et son "
            "heure ne peuvent pas être dans le futur. Pour un entretien à venir, fixez un "
            "rendez-vous."
        )
    elif ends_at > now and "ends_at" not in errors:
        errors["end_time"] = (
            "L'entretien n'est pas encore terminé : indiquez une heure de fin déjà passée."
        )
    return errors


@lru_cache(maxsize=32)
def _holidays(year: int, alsace_moselle: bool) -> dict[date, str]:
    subdiv = ALSACE_MOSELLE if alsace_moselle else None
    return dict(holidays.France(years=year, subdiv=subdiv, language="fr"))


def holiday_name(day: date, *, alsace_moselle: bool = False) -> str:
    """The French name of the public holiday on ``day`` (« Noël »), or "" on another day. The
    same list as ``core.workdays.public_holidays`` (Alsace-Moselle's days when the service
    keeps them)."""
    return _holidays(day.year, alsace_moselle).get(day, "")


def holiday_warning(starts_at: datetime, *, alsace_moselle: bool = False) -> str:
    """The booking warning (French) for an appointment on a public holiday, or ""."""
    day = paris(starts_at).date()
    name = holiday_name(day, alsace_moselle=alsace_moselle)
    if not name:
        return ""
    return (
        f"Le {day:%d/%m/%Y} est un jour férié ({name}) : le service est en principe fermé et la "
        "personne pourrait ne pas venir. Choisissez un autre jour, sauf si ce rendez-vous doit "
        "avoir lieu ce jour-là."
    )


def is_open_day(
    day: date, *, opening_hours: dict | None, is_holiday: Callable[[date], bool]
) -> bool:
    """A day to propose for an appointment: not a public holiday, and a day the site opens
    (``opening_hours``); without a site's hours, Monday to Friday."""
    if is_holiday(day):
        return False
    if opening_hours:
        return bool(opening_hours.get(str(day.isoweekday())))
    return day.weekday() < 5


def next_open_day(
    day: date, *, opening_hours: dict | None, is_holiday: Callable[[date], bool]
) -> date:
    """``day`` itself if open (``is_open_day``), else the next open day (``day`` when none
    opens in the next month: the site's hours are empty)."""
    for offset in range(32):
        candidate = day + timedelta(days=offset)
        if is_open_day(candidate, opening_hours=opening_hours, is_holiday=is_holiday):
            return candidate
    return day


def check_transition(current: str, new: str, *, starts_at: datetime, now: datetime) -> str:
    """An error message (French) if the status change is not allowed, else ""."""
    if new == current:
        return "Le rendez-vous a déjà ce statut."
    if new not in TRANSITIONS.get(current, set()):
        if current in (CANCELLED, POSTPONED):
            return "Ce rendez-vous est annulé ou reporté : il ne peut plus changer de statut."
        return "Ce changement de statut n'est pas possible."
    if new in (HONOURED, NO_SHOW) and starts_at > now:
        return "Le rendez-vous n'a pas encore eu lieu : son issue ne peut pas être saisie."
    return ""


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The Paris day as an aware [start, end) interval (23 or 25 hours on clock-change days)."""
    return at_paris(day, time(0)), at_paris(day + timedelta(days=1), time(0))


# --- Free slots and the week grid (pure: the caller loads the busy intervals once). ---

# Without a site's hours (a site without them, or no site chosen): Monday to Friday, 9:00-17:00.
DEFAULT_HOURS = {str(d): [["09:00", "17:00"]] for d in range(1, 6)}


def holds_appointments(role: str) -> bool:
    """May a member of ``role`` be one of an appointment's staff? Those the access policy lets
    book in their own agenda (scope « own » or « own or caseload »): CPIP, electronic
    monitoring, psychologist, social worker; not the managers and the secretariat (who book
    for others, service-wide), never a judge."""
    return scope_for(role, Action.BOOK_APPOINTMENT) in (Scope.OWN, Scope.OWN_OR_CASELOAD)


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def free_slots(
    days: list[date],
    *,
    opening_hours: dict | None,
    is_holiday: Callable[[date], bool],
    busy: list[tuple[datetime, datetime]],
    duration: timedelta,
    now: datetime,
    step: timedelta = timedelta(minutes=30),
) -> list[tuple[datetime, datetime]]:
    """The free slots of ``duration`` over ``days``: within the opening ranges of each day
    (``opening_hours``, else ``DEFAULT_HOURS``), on no public holiday, starting every ``step``
    of wall-clock time from each opening, after ``now``, and overlapping none of the ``busy``
    intervals (the staff's and the room's planned appointments). Times are wall-clock Paris
    times, so a clock-change day keeps its 9:00 slot at 9:00 (07:00 UTC in summer time,
    08:00 UTC in winter time)."""
    hours = opening_hours or DEFAULT_HOURS
    length, stride = int(duration.total_seconds() // 60), int(step.total_seconds() // 60)
    if length <= 0 or stride <= 0:
        return []
    busy_sorted = sorted(busy)
    slots = []
    for day in days:
        if is_holiday(day):
            continue
        for opens, closes in hours.get(str(day.isoweekday()), []):
            start, last = _minutes(_parse(opens)), _minutes(_parse(closes)) - length
            while start <= last:
                begins = at_paris(day, _clock(start))
                ends = at_paris(day, _clock(start + length))
                if begins >= now and not any(
                    overlaps(begins, ends, b_start, b_end) for b_start, b_end in busy_sorted
                ):
                    slots.append((begins, ends))
                start += stride
    return slots


def grid_span(
    opening_hours: dict | None, starts: list[datetime], ends: list[datetime]
) -> tuple[int, int]:
    """The rows of a week grid, in minutes from midnight [first, last): the widest opening
    span of the week (``DEFAULT_HOURS`` without a site's hours), stretched to the hours of
    the appointments shown, on whole hours."""
    hours = opening_hours or DEFAULT_HOURS
    ranges = [(_minutes(_parse(a)), _minutes(_parse(b))) for day in hours.values() for a, b in day]
    first = min((a for a, _ in ranges), default=9 * 60)
    last = max((b for _, b in ranges), default=17 * 60)
    for moment in starts:
        first = min(first, _minutes(paris(moment).time()))
    for moment in ends:
        local = paris(moment)
        last = max(last, _minutes(local.time()) or 24 * 60)
    return first - first % 60, min(24 * 60, last + (-last) % 60)


def grid_row_of(moment: datetime, *, first: int, step: int = 30) -> int:
    """The row (0-based) of a week grid where an appointment starting at ``moment`` goes: the
    ``step``-minute row holding its Paris start time."""
    return (_minutes(paris(moment).time()) - first) // step
