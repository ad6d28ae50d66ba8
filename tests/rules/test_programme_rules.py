"""The programmes' pure rules: the session calendar (public holidays, closed days, daylight
saving, a year end, a rescheduled session), the enrolment's moves from their table, what an
absence leads to. No database."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from probatio.core.workdays import public_holidays
from probatio.programmes import rules
from probatio.programmes.rules import Slot

PARIS = ZoneInfo("Europe/Paris")
MONDAY_14H = Slot(0, time(14, 0), 120)
THURSDAY_10H = Slot(3, time(10, 0), 90)


def holidays(day: date) -> bool:
    return day in public_holidays(day.year)


def never(day: date) -> bool:
    return False


def test_weekly_sessions_from_the_start_day():
    days = rules.session_days(start=date(2026, 3, 4), slots=[MONDAY_14H], count=3, closed=never)
    # 4 March 2026 is a Wednesday: the first Monday is the 9th.
    assert [d for d, _ in days] == [date(2026, 3, 9), date(2026, 3, 16), date(2026, 3, 23)]


def test_two_slots_a_week_in_order():
    days = rules.session_days(
        start=date(2026, 3, 9), slots=[THURSDAY_10H, MONDAY_14H], count=4, closed=never
    )
    assert [(d, s.weekday) for d, s in days] == [
        (date(2026, 3, 9), 0),
        (date(2026, 3, 12), 3),
        (date(2026, 3, 16), 0),
        (date(2026, 3, 19), 3),
    ]


def test_public_holidays_are_skipped_and_the_programme_goes_on():
    # Easter Monday 6 April 2026 and Whit Monday 25 May 2026 are public holidays.
    days = rules.session_days(start=date(2026, 3, 30), slots=[MONDAY_14H], count=3, closed=holidays)
    assert [d for d, _ in days] == [date(2026, 3, 30), date(2026, 4, 13), date(2026, 4, 20)]
    may = rules.session_days(start=date(2026, 5, 18), slots=[MONDAY_14H], count=2, closed=holidays)
    assert [d for d, _ in may] == [date(2026, 5, 18), date(2026, 6, 1)]


def test_a_site_closed_day_is_skipped_like_a_holiday():
    closed = {date(2026, 3, 16)}
    days = rules.session_days(
        start=date(2026, 3, 9),
        slots=[MONDAY_14H],
        count=2,
        closed=lambda d: d in closed or holidays(d),
    )
    assert [d for d, _ in days] == [date(2026, 3, 9), date(2026, 3, 23)]


def test_across_a_year_end():
    # Thursdays: 25 December 2025 and 1 January 2026 are public holidays.
    days = rules.session_days(
        start=date(2025, 12, 18), slots=[THURSDAY_10H], count=3, closed=holidays
    )
    assert [d for d, _ in days] == [date(2025, 12, 18), date(2026, 1, 8), date(2026, 1, 15)]


def test_the_same_wall_clock_time_across_daylight_saving_changes():
    # Summer time starts on Sunday 29 March 2026, ends on Sunday 25 October 2026.
    spring = rules.session_days(start=date(2026, 3, 23), slots=[MONDAY_14H], count=2, closed=never)
    autumn = rules.session_days(start=date(2026, 10, 19), slots=[MONDAY_14H], count=2, closed=never)
    for day, slot in spring + autumn:
        starts, ends = rules.session_times(day, slot)
        assert starts.astimezone(PARIS).time() == time(14, 0)
        assert ends.astimezone(PARIS).time() == time(16, 0)
    first, second = (rules.session_times(d, s)[0].astimezone(UTC) for d, s in spring)
    # One week apart on the wall clock, one hour less in absolute time.
    assert second - first == timedelta(days=7, hours=-1)
    first, second = (rules.session_times(d, s)[0].astimezone(UTC) for d, s in autumn)
    assert second - first == timedelta(days=7, hours=1)


def test_a_calendar_that_cannot_be_set_is_refused():
    with pytest.raises(ValueError, match="trop de jours fermés"):
        rules.session_days(
            start=date(2026, 1, 1), slots=[MONDAY_14H], count=2, closed=lambda d: True
        )
    with pytest.raises(ValueError):
        rules.session_days(start=date(2026, 1, 1), slots=[], count=2, closed=never)
    with pytest.raises(ValueError):
        Slot(7, time(9, 0), 60)


def test_a_rescheduled_session_keeps_the_cadence_of_the_others():
    def session(day: int, hour: int = 14) -> tuple[datetime, datetime]:
        starts = datetime(2026, 3, day, hour, 0, tzinfo=PARIS)
        return starts, starts + timedelta(hours=2)

    previous, following = session(9), session(23)
    # Between its neighbours: allowed, and only that session moves.
    assert (
        rules.reschedule_refusal(
            starts_at=session(18)[0], ends_at=session(18)[1], previous=previous, following=following
        )
        == ""
    )
    # Ending right when the next one starts, starting right when the previous one ends: allowed.
    assert (
        rules.reschedule_refusal(
            starts_at=session(23, 12)[0],
            ends_at=session(23, 12)[1],
            previous=previous,
            following=following,
        )
        == ""
    )
    assert (
        rules.reschedule_refusal(
            starts_at=session(9, 16)[0],
            ends_at=session(9, 16)[1],
            previous=previous,
            following=following,
        )
        == ""
    )
    refusal = rules.reschedule_refusal(
        starts_at=session(23, 13)[0],
        ends_at=session(23, 13)[1],
        previous=previous,
        following=following,
    )
    assert refusal == "La séance ne peut pas être placée après la suivante (23/03/2026 à 14:00)."
    refusal = rules.reschedule_refusal(
        starts_at=session(9, 15)[0],
        ends_at=session(9, 15)[1],
        previous=previous,
        following=following,
    )
    assert refusal == "La séance ne peut pas être placée avant la précédente (09/03/2026 à 14:00)."
    # The first and the last sessions have one neighbour only.
    assert (
        rules.reschedule_refusal(
            starts_at=session(2)[0], ends_at=session(2)[1], previous=None, following=previous
        )
        == ""
    )
    assert (
        rules.reschedule_refusal(
            starts_at=session(30)[0], ends_at=session(30)[1], previous=following, following=None
        )
        == ""
    )


def test_past_sessions_with_attendance_cannot_be_moved():
    now = datetime(2026, 3, 20, 12, 0, tzinfo=PARIS)
    past = datetime(2026, 3, 16, 14, 0, tzinfo=PARIS)
    future = datetime(2026, 3, 23, 14, 0, tzinfo=PARIS)
    assert "présence a déjà été relevée" in rules.reschedule_allowed(
        starts_at=past, now=now, has_attendance=True
    )
    assert "déjà eu lieu" in rules.reschedule_allowed(starts_at=past, now=now, has_attendance=False)
    assert rules.reschedule_allowed(starts_at=future, now=now, has_attendance=False) == ""


# The moves, read from the table: every pair is allowed exactly when the table says so.
ALLOWED = {
    ("proposed", "suitable"),
    ("proposed", "not_suitable"),
    ("proposed", "withdrawn"),
    ("suitable", "waiting"),
    ("suitable", "enrolled"),
    ("suitable", "withdrawn"),
    ("waiting", "enrolled"),
    ("waiting", "withdrawn"),
    ("enrolled", "completed"),
    ("enrolled", "withdrawn"),
    ("enrolled", "excluded"),
}


@pytest.mark.parametrize("current", list(rules.ENROLMENT_STATUSES))
@pytest.mark.parametrize("new", list(rules.ENROLMENT_STATUSES))
def test_enrolment_moves(current, new):
    assert rules.may_move(current, new) == ((current, new) in ALLOWED)
    refusal = rules.move_refusal(current, new, "motif")
    assert (refusal == "") == ((current, new) in ALLOWED)


def test_a_reason_for_refusals_withdrawals_and_exclusions():
    assert rules.move_refusal("proposed", "not_suitable", " ") == "Indiquez le motif."
    assert rules.move_refusal("enrolled", "excluded", "") == "Indiquez le motif."
    assert rules.move_refusal("enrolled", "completed", "") == ""
    assert "ne peut pas passer à « inscrite »" in rules.move_refusal("proposed", "enrolled", "")
    assert rules.move_refusal("proposed", "graduated", "") == "Statut inconnu."
    # Closed statuses are not active; an active enrolment is one per person and programme.
    assert rules.ACTIVE_STATUSES.isdisjoint({"completed", "withdrawn", "excluded", "not_suitable"})


@pytest.mark.parametrize(
    ("status", "compulsory", "summons", "feeds"),
    [
        ("unexcused", True, False, True),
        ("unexcused", False, True, True),
        ("unexcused", False, False, False),
        ("excused", True, True, False),
        ("present", True, True, False),
    ],
)
def test_an_absence_feeds_an_incident_only_when_attending_was_due(
    status, compulsory, summons, feeds
):
    assert (
        rules.absence_feeds_incident(status=status, compulsory=compulsory, summons=summons) == feeds
    )
