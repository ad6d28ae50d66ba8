"""French working days: weekends and public holidays excluded."""

from datetime import date

import pytest

from probatio.core.workdays import add_working_days, is_working_day


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
