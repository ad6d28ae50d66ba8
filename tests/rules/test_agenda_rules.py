"""Pure rules of the agenda: Paris time, opening hours, overlaps, status changes."""

from datetime import UTC, date, datetime, time

import pytest

from probatio.agenda import rules

HOURS = {str(d): [["09:00", "12:30"], ["13:30", "17:00"]] for d in range(1, 6)}


def paris(day: date, hh: int, mm: int = 0) -> datetime:
    return rules.at_paris(day, time(hh, mm))


def test_paris_wall_clock_across_the_autumn_clock_change():
    # Sunday 26 October 2025: clocks go back from 03:00 CEST to 02:00 CET.
    assert paris(date(2025, 10, 25), 10).astimezone(UTC) == datetime(2025, 10, 25, 8, tzinfo=UTC)
    assert paris(date(2025, 10, 27), 9).astimezone(UTC) == datetime(2025, 10, 27, 8, tzinfo=UTC)


def test_a_clock_change_day_lasts_25_hours():
    # (Aware datetimes sharing a tzinfo subtract as wall clocks: compare instants in UTC.)
    start, end = rules.day_bounds(date(2025, 10, 26))
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 25 * 3600
    start, end = rules.day_bounds(date(2025, 3, 30))
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 23 * 3600


@pytest.mark.parametrize(
    ("start", "end", "inside"),
    [
        ((9, 0), (9, 45), True),
        ((12, 0), (12, 30), True),
        ((12, 0), (12, 45), False),  # runs into lunch closing
        ((8, 30), (9, 15), False),  # before opening
        ((16, 30), (17, 0), True),
        ((16, 45), (17, 15), False),
    ],
)
def test_within_opening_hours_on_a_monday(start, end, inside):
    monday = date(2025, 11, 17)
    assert rules.within_opening_hours(HOURS, paris(monday, *start), paris(monday, *end)) is inside


def test_a_closed_day_is_outside_opening_hours():
    saturday = date(2025, 11, 22)
    assert not rules.within_opening_hours(HOURS, paris(saturday, 10), paris(saturday, 11))


def test_opening_hours_are_read_in_paris_time_not_utc():
    # 09:00 Paris in winter is 08:00 UTC: inside; a UTC reading would say outside.
    monday = date(2025, 12, 1)
    start = datetime(2025, 12, 1, 8, 0, tzinfo=UTC)
    end = datetime(2025, 12, 1, 8, 45, tzinfo=UTC)
    assert rules.within_opening_hours(HOURS, start, end)
    assert not rules.within_opening_hours(HOURS, paris(monday, 17, 30), paris(monday, 18))


def test_overlaps_are_half_open():
    day = date(2025, 11, 17)
    assert rules.overlaps(paris(day, 9), paris(day, 10), paris(day, 9, 30), paris(day, 10, 30))
    assert not rules.overlaps(paris(day, 9), paris(day, 10), paris(day, 10), paris(day, 11))


def test_check_times():
    now = paris(date(2025, 11, 17), 12)
    day = date(2025, 11, 18)
    assert rules.check_times(paris(day, 10), paris(day, 11), now=now, planned=True) == {}
    errors = rules.check_times(paris(day, 11), paris(day, 10), now=now, planned=True)
    assert errors == {"ends_at": "La fin du rendez-vous doit être après son début."}
    past = rules.check_times(
        paris(date(2025, 11, 10), 10), paris(date(2025, 11, 10), 11), now=now, planned=True
    )
    assert "passé" in past["starts_at"]
    too_long = rules.check_times(paris(day, 6), paris(day, 19), now=now, planned=True)
    assert "12 heures" in too_long["ends_at"]


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("planned", "honoured", True),
        ("planned", "no_show", True),
        ("planned", "excused", True),
        ("planned", "cancelled", True),
        ("planned", "postponed", False),  # moving is its own action
        ("honoured", "no_show", True),  # a correction
        ("no_show", "excused", True),  # the person brought a certificate afterwards
        ("cancelled", "honoured", False),
        ("postponed", "planned", False),
        ("honoured", "honoured", False),
    ],
)
def test_status_transitions(current, new, allowed):
    starts = paris(date(2025, 11, 17), 9)
    error = rules.check_transition(
        current, new, starts_at=starts, now=paris(date(2025, 11, 17), 12)
    )
    assert (error == "") is allowed


def test_an_outcome_cannot_be_recorded_before_the_appointment():
    starts = paris(date(2025, 11, 20), 9)
    now = paris(date(2025, 11, 17), 12)
    assert "pas encore eu lieu" in rules.check_transition(
        "planned", "honoured", starts_at=starts, now=now
    )
    assert rules.check_transition("planned", "excused", starts_at=starts, now=now) == ""
