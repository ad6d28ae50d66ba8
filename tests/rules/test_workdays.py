"""Counting days: jours ouvrés (weekends and public holidays out) and jours ouvrables
(Sundays and public holidays out: Saturdays count), with the holidays of Alsace-Moselle for the
services there."""

from datetime import date

import pytest

from probatio.core.workdays import (
    add_jours_ouvrables,
    add_jours_ouvres,
    is_jour_ouvrable,
    is_jour_ouvre,
)

add_working_days, is_working_day = add_jours_ouvres, is_jour_ouvre


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 4, 21), False),  # Easter Monday
        (date(2025, 5, 1), False),  # 1 May
        (date(2025, 5, 8), False),  # 8 May
        (date(2025, 5, 29), False),  # Ascension
        (date(2025, 7, 14), False),
        (date(2025, 8, 15), False),
        (date(2025, 11, 11), False),
        (date(2025, 12, 25), False),
        (date(2025, 11, 15), False),  # Saturday
        (date(2025, 11, 16), False),  # Sunday
        (date(2025, 11, 12), True),
        (date(2025, 4, 22), True),
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_five_working_days_after_a_friday_before_a_holiday_monday():
    # Friday 18 April 2025; Monday 21 April is Easter Monday.
    assert add_working_days(date(2025, 4, 18), 5) == date(2025, 4, 28)


def test_working_days_across_11_november():
    # Friday 7 November 2025; Tuesday 11 November is a holiday.
    assert add_working_days(date(2025, 11, 7), 5) == date(2025, 11, 17)


def test_the_starting_day_is_not_counted():
    assert add_working_days(date(2025, 11, 12), 1) == date(2025, 11, 13)
    assert add_working_days(date(2025, 11, 12), 0) == date(2025, 11, 12)


def test_the_metropolitan_list_is_used():
    # Good Friday and 26 December are holidays in Alsace-Moselle only.
    assert is_working_day(date(2025, 4, 18))
    assert is_working_day(date(2025, 12, 26))


def test_working_days_across_the_new_year():
    # Wednesday 31 December 2025; 1 January 2026 is a holiday, then Friday 2, Monday 5.
    assert add_working_days(date(2025, 12, 31), 2) == date(2026, 1, 5)


@pytest.mark.parametrize(
    ("day", "ouvrable"),
    [
        (date(2025, 11, 15), True),  # a Saturday is a jour ouvrable
        (date(2025, 11, 16), False),  # Sunday
        (date(2025, 11, 11), False),  # a public holiday
        (date(2025, 11, 12), True),
    ],
)
def test_is_jour_ouvrable(day, ouvrable):
    assert is_jour_ouvrable(day) is ouvrable


def test_five_jours_ouvrables_after_a_release_count_the_saturday():
    # Released on Tuesday 2 December 2025: Wed 3, Thu 4, Fri 5, Sat 6, (Sun 7 out), Mon 8.
    assert add_jours_ouvrables(date(2025, 12, 2), 5) == date(2025, 12, 8)
    # The same count in jours ouvrés skips the Saturday too: Tuesday 9.
    assert add_jours_ouvres(date(2025, 12, 2), 5) == date(2025, 12, 9)


def test_jours_ouvrables_skip_holidays_but_not_saturdays():
    # Friday 7 November 2025: Sat 8, (Sun 9), Mon 10, (Tue 11 November), Wed 12, Thu 13, Fri 14.
    assert add_jours_ouvrables(date(2025, 11, 7), 5) == date(2025, 11, 14)


def test_alsace_moselle_adds_good_friday_and_26_december():
    assert is_jour_ouvre(date(2026, 4, 3))  # Good Friday, elsewhere
    assert not is_jour_ouvre(date(2026, 4, 3), alsace_moselle=True)
    assert is_jour_ouvrable(date(2026, 12, 26))  # a Saturday, elsewhere a jour ouvrable
    assert not is_jour_ouvrable(date(2026, 12, 26), alsace_moselle=True)
    # Released Wednesday 23 December 2026, 5 jours ouvrables: Thu 24, (Fri 25), Sat 26, (Sun
    # 27), Mon 28, Tue 29, Wed 30; in Alsace-Moselle the 26th is out too: Thu 31.
    assert add_jours_ouvrables(date(2026, 12, 23), 5) == date(2026, 12, 30)
    assert add_jours_ouvrables(date(2026, 12, 23), 5, alsace_moselle=True) == date(2026, 12, 31)
