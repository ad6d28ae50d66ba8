"""Public holidays and open days of the agenda (pure rules)."""

from datetime import UTC, date, datetime

from probatio.agenda import rules

WEEKDAYS_HOURS = {str(d): [["09:00", "12:30"], ["13:30", "17:00"]] for d in range(1, 6)}


def no_holiday(day):
    return False


def christmas(day):
    return bool(rules.holiday_name(day))


def test_holiday_names_are_french_and_alsace_moselle_adds_its_days():
    assert rules.holiday_name(date(2025, 12, 25)) == "Noël"
    assert rules.holiday_name(date(2026, 1, 1)) == "Jour de l'an"
    assert rules.holiday_name(date(2025, 12, 26)) == ""
    assert rules.holiday_name(date(2025, 12, 26), alsace_moselle=True) == "Saint-Étienne"
    assert rules.holiday_name(date(2026, 4, 3), alsace_moselle=True) == "Vendredi saint"


def test_the_holiday_warning_names_the_day_and_the_holiday():
    christmas_morning = datetime(2025, 12, 25, 9, 0, tzinfo=UTC)
    warning = rules.holiday_warning(christmas_morning)
    assert warning.startswith("Le 25/12/2025 est un jour férié (Noël)")
    assert rules.holiday_warning(datetime(2025, 12, 23, 9, 0, tzinfo=UTC)) == ""


def test_the_holiday_is_read_on_the_paris_day():
    """23:30 UTC on 24 December is 00:30 on Christmas Day in Paris."""
    assert rules.holiday_warning(datetime(2025, 12, 24, 23, 30, tzinfo=UTC))


def test_next_open_day_skips_holidays_and_closed_days():
    # Thursday 25 December 2025 (Noël) → Friday 26; Thursday 1 January 2026 → Friday 2.
    assert rules.next_open_day(
        date(2025, 12, 25), opening_hours=WEEKDAYS_HOURS, is_holiday=christmas
    ) == date(2025, 12, 26)
    assert rules.next_open_day(
        date(2026, 1, 1), opening_hours=WEEKDAYS_HOURS, is_holiday=christmas
    ) == date(2026, 1, 2)
    # Saturday → Monday when the site is closed at weekends.
    assert rules.next_open_day(
        date(2025, 12, 27), opening_hours=WEEKDAYS_HOURS, is_holiday=christmas
    ) == date(2025, 12, 29)
    # A site open on Saturdays is proposed on Saturday.
    saturdays = {**WEEKDAYS_HOURS, "6": [["09:00", "12:00"]]}
    assert rules.next_open_day(
        date(2025, 12, 27), opening_hours=saturdays, is_holiday=christmas
    ) == date(2025, 12, 27)


def test_without_a_site_s_hours_an_open_day_is_monday_to_friday():
    assert rules.next_open_day(
        date(2025, 12, 27), opening_hours=None, is_holiday=no_holiday
    ) == date(2025, 12, 29)
    assert rules.next_open_day(date(2025, 12, 29), opening_hours={}, is_holiday=no_holiday) == (
        date(2025, 12, 29)
    )


def test_an_unplanned_interview_cannot_be_in_the_future():
    now = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)
    errors = rules.check_unplanned_times(
        datetime(2025, 10, 20, 10, 0, tzinfo=UTC),
        datetime(2025, 10, 20, 10, 45, tzinfo=UTC),
        now=now,
    )
    assert "ne peuvent pas être dans le futur" in errors["day"]
    errors = rules.check_unplanned_times(
        datetime(2025, 10, 20, 8, 30, tzinfo=UTC),
        datetime(2025, 10, 20, 9, 15, tzinfo=UTC),
        now=now,
    )
    assert "pas encore terminé" in errors["end_time"]
    assert (
        rules.check_unplanned_times(
            datetime(2025, 10, 17, 8, 0, tzinfo=UTC),
            datetime(2025, 10, 17, 8, 45, tzinfo=UTC),
            now=now,
        )
        == {}
    )
