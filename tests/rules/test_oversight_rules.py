"""The anomaly view's rules, without a database: working hours (weekends and public
holidays, Alsace-Moselle's too), bursts of denials, the thresholds a manager may set and the
period the page covers."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from probatio.oversight import rules

PARIS = ZoneInfo("Europe/Paris")
TUESDAY = date(2026, 11, 17)
HOURS = {"day_starts": time(7, 30), "day_ends": time(19, 30)}


def paris(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=PARIS)


def test_working_hours_include_their_start_and_exclude_their_end():
    assert rules.is_out_of_hours(paris(TUESDAY, 7, 29, 59), **HOURS)
    assert not rules.is_out_of_hours(paris(TUESDAY, 7, 30), **HOURS)
    assert not rules.is_out_of_hours(paris(TUESDAY, 19, 29, 59), **HOURS)
    assert rules.is_out_of_hours(paris(TUESDAY, 19, 30), **HOURS)
    assert rules.is_out_of_hours(paris(TUESDAY, 21, 15), **HOURS)


def test_weekends_and_public_holidays_are_out_of_hours():
    assert rules.is_out_of_hours(paris(date(2026, 11, 14), 11), **HOURS)  # Saturday
    assert rules.is_out_of_hours(paris(date(2026, 11, 15), 11), **HOURS)  # Sunday
    assert rules.is_out_of_hours(paris(date(2026, 11, 11), 11), **HOURS)  # 11 November
    assert rules.is_out_of_hours(paris(date(2026, 12, 25), 11), **HOURS)
    # Good Friday and 26 December: working days but in Alsace-Moselle.
    for day in (date(2026, 4, 3), date(2025, 12, 26)):  # a Friday both
        assert not rules.is_out_of_hours(paris(day, 11), **HOURS)
        assert rules.is_out_of_hours(paris(day, 11), alsace_moselle=True, **HOURS)


def test_the_largest_burst_counts_within_the_window_from_each_moment():
    base = paris(TUESDAY, 10)
    moments = [base + timedelta(minutes=m) for m in (0, 1, 2, 9, 10, 30)]
    assert rules.largest_burst(moments, 10) == 4  # 0, 1, 2, 9: the 10th minute is out
    assert rules.largest_burst(moments, 11) == 5
    assert rules.largest_burst(reversed(moments), 11) == 5  # order does not matter
    assert rules.largest_burst([], 10) == 0
    assert rules.is_burst(moments, count=4, minutes=10)
    assert not rules.is_burst(moments, count=5, minutes=10)


@given(
    st.lists(st.integers(min_value=0, max_value=3 * 3600), max_size=40),
    st.integers(min_value=1, max_value=120),
)
def test_the_largest_burst_is_the_densest_window(seconds, minutes):
    base = paris(TUESDAY, 9)
    moments = [base + timedelta(seconds=s) for s in seconds]
    window = timedelta(minutes=minutes)
    brute = max(
        (sum(1 for other in moments if start <= other < start + window) for start in moments),
        default=0,
    )
    assert rules.largest_burst(moments, minutes) == brute


GOOD = {
    "unusual_reads_per_day": 20,
    "day_starts": time(7, 30),
    "day_ends": time(19, 30),
    "denial_burst_count": 10,
    "denial_burst_minutes": 10,
}


def test_good_thresholds_have_no_error():
    assert rules.threshold_errors(GOOD) == {}
    assert (
        rules.threshold_errors({name: getattr(rules.DEFAULTS, name) for name in rules.FIELDS}) == {}
    )


def test_bad_thresholds_are_named_in_french():
    errors = rules.threshold_errors(
        {
            "unusual_reads_per_day": 0,
            "day_starts": time(20, 0),
            "day_ends": time(8, 0),
            "denial_burst_count": 1,
            "denial_burst_minutes": 2000,
        }
    )
    assert errors == {
        "unusual_reads_per_day": "Saisissez un nombre entier de 1 à 1000 dossiers par jour.",
        "denial_burst_count": "Saisissez un nombre entier de 2 à 1000 refus.",
        "denial_burst_minutes": "Saisissez un nombre entier de 1 à 1440 minutes.",
        "day_ends": "La fin des heures ouvrées doit suivre leur début (20:00) : une journée "
        "ne passe pas minuit.",
    }
    assert rules.threshold_errors({**GOOD, "day_ends": time(7, 30)})["day_ends"].startswith(
        "La fin des heures ouvrées doit suivre"
    )
    missing = rules.threshold_errors({**GOOD, "denial_burst_count": None, "day_starts": None})
    assert missing == {
        "denial_burst_count": "Ce seuil est obligatoire.",
        "day_starts": "Saisissez une heure (hh:mm).",
    }
    assert "unusual_reads_per_day" in rules.threshold_errors({**GOOD, "unusual_reads_per_day": -3})
    assert "unusual_reads_per_day" in rules.threshold_errors(
        {**GOOD, "unusual_reads_per_day": True}
    )


def test_the_period():
    today = date(2026, 11, 18)
    assert rules.default_period(today) == (date(2026, 10, 20), today)
    assert rules.period_errors(date(2026, 11, 10), date(2026, 11, 1)) == {
        "au": "La fin de la période ne peut pas précéder son début."
    }
    assert rules.period_errors(date(2026, 1, 1), date(2026, 12, 31)) == {}
    assert rules.period_errors(date(2025, 1, 1), date(2026, 1, 2)) == {
        "au": "Choisissez une période d'au plus 366 jours."
    }
    assert rules.period_errors(None, today) == {}
