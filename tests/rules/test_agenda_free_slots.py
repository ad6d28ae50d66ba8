"""The free slots of a booking and the rows of the week grid: pure rules, no database."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from probatio.agenda import rules

PARIS_HOURS = {"1": [["09:00", "12:00"], ["14:00", "17:00"]], "2": [["09:00", "12:00"]]}
MONDAY = date(2025, 10, 20)
TUESDAY = date(2025, 10, 21)
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def no_holiday(day: date) -> bool:
    return False


def starts(slots) -> list[str]:
    return [f"{rules.paris(a):%a %H:%M}" for a, _ in slots]


def slots(days, **overrides):
    args = {
        "opening_hours": PARIS_HOURS,
        "is_holiday": no_holiday,
        "busy": [],
        "duration": HOUR,
        "now": LONG_AGO,
    }
    args.update(overrides)
    return rules.free_slots(days, **args)


def test_slots_fill_the_opening_ranges_every_half_hour():
    found = slots([MONDAY])
    assert starts(found) == [
        "Mon 09:00", "Mon 09:30", "Mon 10:00", "Mon 10:30", "Mon 11:00",
        "Mon 14:00", "Mon 14:30", "Mon 15:00", "Mon 15:30", "Mon 16:00",
    ]  # fmt: skip
    first_start, first_end = found[0]
    assert first_end - first_start == HOUR


def test_a_slot_never_crosses_the_midday_closing_nor_a_closed_day():
    found = slots([MONDAY, TUESDAY, date(2025, 10, 22)], duration=timedelta(minutes=90))
    assert "Mon 11:00" not in starts(found)  # 11:00-12:30 would cross the closing
    assert "Mon 10:30" in starts(found)
    assert not [s for s in starts(found) if s.startswith("Wed")]  # closed on Wednesdays


def test_busy_intervals_of_staff_or_room_remove_the_overlapping_slots():
    busy = [(rules.at_paris(MONDAY, time(10, 0)), rules.at_paris(MONDAY, time(10, 45)))]
    found = starts(slots([MONDAY], busy=busy))
    # 9:30-10:30 and 10:00-11:00 overlap; 9:00-10:00 ends as it starts (half-open): free.
    assert "Mon 09:00" in found
    assert "Mon 09:30" not in found and "Mon 10:00" not in found and "Mon 10:30" not in found
    assert "Mon 11:00" in found


def test_no_slot_on_a_public_holiday():
    christmas = date(2025, 12, 25)  # a Thursday
    hours = {str(d): [["09:00", "12:00"]] for d in range(1, 6)}

    def is_holiday(day: date) -> bool:
        return bool(rules.holiday_name(day))

    found = slots([christmas, christmas + timedelta(days=1)], opening_hours=hours,
                  is_holiday=is_holiday)  # fmt: skip
    assert found and all(rules.paris(a).date() == date(2025, 12, 26) for a, _ in found)


def test_no_slot_in_the_past():
    now = rules.at_paris(MONDAY, time(14, 10))
    assert starts(slots([MONDAY], now=now))[0] == "Mon 14:30"


def test_without_hours_monday_to_friday_nine_to_five():
    found = slots([date(2025, 10, 25), date(2025, 10, 27)], opening_hours={})
    assert starts(found)[0] == "Mon 09:00" and starts(found)[-1] == "Mon 16:00"


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(date(2026, 3, 29), 7), (date(2026, 3, 28), 8), (date(2025, 10, 26), 8)],
)
def test_clock_change_days_keep_wall_clock_times(day, utc_hour):
    """Summer time starts on 29 March 2026 (9:00 = 07:00 UTC), not the day before (08:00 UTC);
    it ends on 26 October 2025 (9:00 = 08:00 UTC)."""
    every_day = {str(d): [["09:00", "11:00"]] for d in range(1, 8)}
    found = slots([day], opening_hours=every_day)
    first_start, first_end = found[0]
    assert first_start.astimezone(UTC).hour == utc_hour
    assert first_end - first_start == HOUR
    # An appointment read back from the database (UTC) at that instant takes the 9:00 slot.
    taken = first_start.astimezone(UTC)
    later = starts(slots([day], opening_hours=every_day, busy=[(taken, taken + HOUR)]))
    assert later[0].endswith("10:00")


def test_who_holds_appointments_follows_the_access_policy():
    holders = {"cpip", "monitoring", "psychologist", "social_worker"}
    for role in ("cpip", "manager", "secretariat", "monitoring", "psychologist",
                 "social_worker", "judge"):  # fmt: skip
        assert rules.holds_appointments(role) is (role in holders)


def test_grid_span_and_rows():
    first, last = rules.grid_span(PARIS_HOURS, [], [])
    assert (first, last) == (9 * 60, 17 * 60)
    early = rules.at_paris(MONDAY, time(7, 45))
    late = rules.at_paris(MONDAY, time(18, 10))
    assert rules.grid_span(PARIS_HOURS, [early], [late]) == (7 * 60, 19 * 60)
    half_past_two = rules.at_paris(MONDAY, time(14, 30))
    assert rules.grid_row_of(half_past_two, first=9 * 60) == 11  # 9:00 is row 0
    assert rules.grid_row_of(rules.at_paris(MONDAY, time(14, 59)), first=9 * 60) == 11
