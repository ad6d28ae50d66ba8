"""Counting days the way French texts do. Pure functions.

Two counts, named as the texts name them (legal categories, kept in French):

- **jours ouvrables**: every day except Sundays and public holidays — Saturdays count (the
  5 jours ouvrables after a release under constraint, D. 147-17-5);
- **jours ouvrés**: Monday to Friday, except public holidays.

In both, the starting day (the release, the decision) is not counted. Public holidays are the
metropolitan list of the ``holidays`` library; a service of Alsace-Moselle (Moselle, Bas-Rhin,
Haut-Rhin) adds Good Friday and 26 December (``Service.alsace_moselle``)."""

from datetime import date, timedelta
from functools import lru_cache

import holidays

# The ``holidays`` subdivision holding the local public holidays of Alsace-Moselle.
ALSACE_MOSELLE = "57"


@lru_cache(maxsize=128)
def public_holidays(year: int, *, alsace_moselle: bool = False) -> frozenset[date]:
    subdiv = ALSACE_MOSELLE if alsace_moselle else None
    return frozenset(holidays.France(years=year, subdiv=subdiv).keys())


def is_jour_ouvrable(day: date, *, alsace_moselle: bool = False) -> bool:
    """Any day but a Sunday or a public holiday (Saturdays count)."""
    return day.weekday() != 6 and day not in public_holidays(
        day.year, alsace_moselle=alsace_moselle
    )


def is_jour_ouvre(day: date, *, alsace_moselle: bool = False) -> bool:
    """Monday to Friday, but a public holiday."""
    return day.weekday() < 5 and day not in public_holidays(day.year, alsace_moselle=alsace_moselle)


def _add(day: date, count: int, counts) -> date:
    current, remaining = day, count
    while remaining > 0:
        current += timedelta(days=1)
        if counts(current):
            remaining -= 1
    return current


def add_jours_ouvrables(day: date, count: int, *, alsace_moselle: bool = False) -> date:
    """The ``count``-th jour ouvrable after ``day`` (``day`` itself is not counted)."""
    return _add(day, count, lambda d: is_jour_ouvrable(d, alsace_moselle=alsace_moselle))


def add_jours_ouvres(day: date, count: int, *, alsace_moselle: bool = False) -> date:
    """The ``count``-th jour ouvré after ``day`` (``day`` itself is not counted)."""
    return _add(day, count, lambda d: is_jour_ouvre(d, alsace_moselle=alsace_moselle))
