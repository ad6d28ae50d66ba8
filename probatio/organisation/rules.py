"""Opening hours and closed days of a service's sites: pure functions over plain values (no
database, no clock)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

DAY_NAMES = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def _minutes(clock: str) -> int | None:
    """« 09:30 » → 570; None for anything else than a time of day."""
    hours, sep, minutes = str(clock).partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        return None
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        return None
    return h * 60 + m


def opening_hours_errors(hours: dict) -> dict[str, str]:
    """The French errors of a week's opening hours, keyed by ISO weekday ("1" = Monday):
    each range a pair of times, its start before its end, ranges of a day not overlapping
    (one ending at 12:30 and the next starting at 12:30 do not overlap). Empty when fine."""
    errors: dict[str, str] = {}
    for key, ranges in hours.items():
        if key not in {str(day) for day in range(1, 8)}:
            errors[str(key)] = "Jour inconnu : les jours vont de 1 (lundi) à 7 (dimanche)."
            continue
        name = DAY_NAMES[int(key) - 1].capitalize()
        spans = []
        for pair in ranges:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                errors[key] = f"{name} : chaque plage a une heure de début et une heure de fin."
                break
            start, end = _minutes(pair[0]), _minutes(pair[1])
            if start is None or end is None:
                errors[key] = f"{name} : écrivez les heures sous la forme 09:00."
                break
            if start >= end:
                errors[key] = (
                    f"{name} : la plage {pair[0]} – {pair[1]} doit commencer avant de finir."
                )
                break
            spans.append((start, end, pair))
        if key in errors:
            continue
        spans.sort()
        for (_, first_end, first), (second_start, _, second) in pairwise(spans):
            if second_start < first_end:
                errors[key] = (
                    f"{name} : les plages {first[0]} – {first[1]} et {second[0]} – {second[1]} "
                    "se chevauchent."
                )
                break
    return errors


def normalised_hours(hours: dict) -> dict[str, list[list[str]]]:
    """Valid opening hours as stored: days in order, ranges sorted, closed days left out."""
    return {
        str(day): sorted([list(pair) for pair in hours[str(day)]], key=lambda p: _minutes(p[0]))
        for day in range(1, 8)
        if hours.get(str(day))
    }


@dataclass(frozen=True)
class Closure:
    """A closed day (or days) as the rules see it: ``site_id`` None closes the whole
    service."""

    start: date
    end: date
    reason: str
    site_id: int | None = None
    site_name: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def closure_on(day: date, site_id: int | None, closures: Iterable[Closure]) -> Closure | None:
    """The closure that closes ``site_id`` on ``day`` (one of the site, or one of the whole
    service), or None. With ``site_id`` None, only a closure of the whole service counts."""
    for closure in closures:
        if closure.covers(day) and closure.site_id in (None, site_id):
            return closure
    return None


def closed_site_message(closure: Closure, site_name: str, day: date) -> str:
    """The French refusal of an appointment at a closed site."""
    where = "Le service est fermé" if closure.site_id is None else f"« {site_name} » est fermée"
    return (
        f"{where} le {day:%d/%m/%Y} ({closure.reason}) : choisissez un autre jour ou un autre lieu."
    )


def closure_period(closure: Closure) -> str:
    """« le 14/05/2027 » or « du 14/05/2027 au 16/05/2027 »."""
    if closure.start == closure.end:
        return f"le {closure.start:%d/%m/%Y}"
    return f"du {closure.start:%d/%m/%Y} au {closure.end:%d/%m/%Y}"
