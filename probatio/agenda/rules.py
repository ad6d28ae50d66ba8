"""Pure rules of the agenda: times in Europe/Paris, opening hours, overlaps, status changes.
No database, no clock: callers pass ``now``."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

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
