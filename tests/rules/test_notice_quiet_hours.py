"""When a cancellation or move notice goes: within the service's sending hours (pure rule,
Paris wall-clock time, across the clock changes)."""

from datetime import UTC, date, datetime, time

from probatio.messaging import rules

HOURS = {"window_from": time(8, 0), "window_until": time(20, 0), "days": {1, 2, 3, 4, 5, 6}}
FAR = datetime(2030, 1, 1, tzinfo=UTC)  # an appointment well after any wait


def notice(now, starts_at=FAR, **overrides):
    return rules.notice_time(now, starts_at=starts_at, **{**HOURS, **overrides})


def test_inside_the_hours_it_goes_at_once():
    now = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)  # Monday 11:00 in Paris
    assert notice(now) == now


def test_the_window_includes_its_start_and_excludes_its_end():
    monday_8 = datetime(2025, 10, 20, 6, 0, tzinfo=UTC)  # 08:00 CEST
    assert notice(monday_8) == monday_8
    monday_20 = datetime(2025, 10, 20, 18, 0, tzinfo=UTC)  # 20:00 CEST
    assert notice(monday_20) == datetime(2025, 10, 21, 6, 0, tzinfo=UTC)  # Tuesday 08:00


def test_early_in_the_morning_it_waits_for_the_same_day_s_opening():
    now = datetime(2025, 11, 18, 5, 30, tzinfo=UTC)  # Tuesday 06:30 CET
    assert notice(now) == datetime(2025, 11, 18, 7, 0, tzinfo=UTC)  # 08:00 CET


def test_saturday_evening_waits_for_monday_morning_not_sunday():
    now = datetime(2025, 11, 22, 21, 0, tzinfo=UTC)  # Saturday 22:00 CET
    assert notice(now) == datetime(2025, 11, 24, 7, 0, tzinfo=UTC)  # Monday 08:00


def test_across_the_autumn_clock_change_the_wait_ends_at_8_local_time():
    """Saturday 25 October 2025 at 21:00 (summer time); Sunday 26 (clock change) is quiet:
    Monday 27 at 08:00 winter time is 07:00 UTC, not 06:00."""
    now = datetime(2025, 10, 25, 19, 0, tzinfo=UTC)
    assert notice(now) == datetime(2025, 10, 27, 7, 0, tzinfo=UTC)


def test_across_the_spring_clock_change_the_wait_ends_at_8_local_time():
    """Saturday 28 March 2026 at 21:00 (winter time); Sunday 29 (clock change) is quiet:
    Monday 30 at 08:00 summer time is 06:00 UTC."""
    now = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)
    assert notice(now) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


def test_a_window_opening_in_the_spring_gap_lands_on_a_real_time():
    """02:30 does not exist on 29 March 2026 in Paris: the window opens at 03:30 summer time."""
    now = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)  # 01:00 CET, Sunday
    moment = notice(now, window_from=time(2, 30), days={7})
    assert moment == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert moment > now


def test_public_holidays_are_kept_quiet_when_given():
    now = datetime(2025, 12, 24, 20, 0, tzinfo=UTC)  # Wednesday 24 December, 21:00
    assert notice(now, holidays={date(2025, 12, 25)}) == datetime(2025, 12, 26, 7, 0, tzinfo=UTC)
    assert notice(now) == datetime(2025, 12, 25, 7, 0, tzinfo=UTC)  # a service that sends


def test_an_appointment_within_the_wait_is_told_at_once():
    now = datetime(2025, 11, 22, 21, 0, tzinfo=UTC)  # Saturday 22:00: would wait for Monday 8:00
    monday_7_30 = datetime(2025, 11, 24, 6, 30, tzinfo=UTC)
    assert notice(now, starts_at=monday_7_30) == now
    monday_8 = datetime(2025, 11, 24, 7, 0, tzinfo=UTC)  # not after the wait's end either
    assert notice(now, starts_at=monday_8) == now
    monday_9 = datetime(2025, 11, 24, 8, 0, tzinfo=UTC)
    assert notice(now, starts_at=monday_9) == datetime(2025, 11, 24, 7, 0, tzinfo=UTC)


def test_no_allowed_day_at_all_sends_at_once_rather_than_never():
    now = datetime(2025, 11, 22, 21, 0, tzinfo=UTC)
    assert notice(now, days=set()) == now
