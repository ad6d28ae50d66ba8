"""What the anomaly view calls unusual, as pure functions over plain values (no database, no
clock: ``today`` is an argument). The selectors compute the same in SQL over the journal;
``tests/services/test_oversight_selectors.py`` checks that both agree.

Legal basis: the journal of a processing of the « police-justice » directive (directive (EU)
2016/680, art. 25; loi n° 78-17 du 6 janvier 1978, art. 101) is used to check the lawfulness
of the processing, for self-monitoring and for the integrity and security of the data — the
managers' review of who read what is that self-monitoring, never another purpose.

- **Out of hours**: a moment (Paris time) before the service's working day starts or from
  the time it ends, or on a day that is not a jour ouvré (Saturday, Sunday, public holiday of
  the service's calendar: ``core.workdays``).
- **A burst of denials**: the largest number of refusals of one user that fall within one
  window of ``minutes`` (counted from each refusal); a burst when it reaches the service's
  threshold.
- **Unusual reads** (the files of persons never assigned to the reader) are a fact of the
  journal, computed by the selectors; the threshold is a number of files a day.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from probatio.core.workdays import is_jour_ouvre

# Bounds of the thresholds a manager may set.
MAX_UNUSUAL_READS = 1000
MAX_BURST_COUNT = 1000
MAX_BURST_MINUTES = 24 * 60
# The longest period the page covers at once, and its default (the last 30 days).
MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 30


@dataclass(frozen=True)
class Thresholds:
    """A service's thresholds (``OversightSettings``), or the defaults."""

    unusual_reads_per_day: int = 20
    day_starts: time = time(7, 30)
    day_ends: time = time(19, 30)
    denial_burst_count: int = 10
    denial_burst_minutes: int = 10


DEFAULTS = Thresholds()
FIELDS = tuple(Thresholds.__dataclass_fields__)


def threshold_errors(values: dict) -> dict[str, str]:
    """The French messages, by field, of thresholds that cannot be kept (empty: all good).
    Every field is required: a partial setting is refused whole."""
    errors: dict[str, str] = {}
    bounds = {
        "unusual_reads_per_day": (1, MAX_UNUSUAL_READS, "dossiers par jour"),
        "denial_burst_count": (2, MAX_BURST_COUNT, "refus"),
        "denial_burst_minutes": (1, MAX_BURST_MINUTES, "minutes"),
    }
    for name, (low, high, unit) in bounds.items():
        value = values.get(name)
        if value is None or value == "":
            errors[name] = "Ce seuil est obligatoire."
        elif not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[name] = f"Saisissez un nombre entier de {low} à {high} {unit}."
    for name in ("day_starts", "day_ends"):
        if not isinstance(values.get(name), time):
            errors[name] = "Saisissez une heure (hh:mm)."
    starts, ends = values.get("day_starts"), values.get("day_ends")
    if isinstance(starts, time) and isinstance(ends, time) and not starts < ends:
        errors["day_ends"] = (
            "La fin des heures ouvrées doit suivre leur début "
            f"({starts:%H:%M}) : une journée ne passe pas minuit."
        )
    return errors


def is_out_of_hours(
    moment: datetime, *, day_starts: time, day_ends: time, alsace_moselle: bool = False
) -> bool:
    """Whether ``moment`` (a Paris wall-clock time) falls out of the service's working hours:
    before ``day_starts``, from ``day_ends`` on, or on a day that is not a jour ouvré."""
    if not is_jour_ouvre(moment.date(), alsace_moselle=alsace_moselle):
        return True
    clock = moment.time().replace(tzinfo=None)
    return clock < day_starts or clock >= day_ends


def largest_burst(moments: Iterable[datetime], minutes: int) -> int:
    """The largest number of ``moments`` within ``minutes`` of one of them (from it, the end
    excluded): the size of the densest burst."""
    ordered = sorted(moments)
    window = timedelta(minutes=minutes)
    best, first = 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


def is_burst(moments: Iterable[datetime], *, count: int, minutes: int) -> bool:
    return largest_burst(moments, minutes) >= count


def default_period(today: date) -> tuple[date, date]:
    """The last ``DEFAULT_PERIOD_DAYS`` days, today included."""
    return today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today


def period_errors(start: date | None, end: date | None) -> dict[str, str]:
    """French messages, by field, for a period the page cannot cover."""
    if start is None or end is None:
        return {}
    if end < start:
        return {"au": "La fin de la période ne peut pas précéder son début."}
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        return {"au": f"Choisissez une période d'au plus {MAX_PERIOD_DAYS} jours."}
    return {}
