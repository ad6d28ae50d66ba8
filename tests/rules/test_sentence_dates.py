"""Estimated sentence dates: start, end, release, LC, LSC, JAP adjustment (pure, no database).

The convention tested here: all arithmetic on calendar dates, months clamped to the last day of
the month (2025-01-31 + 1 month = 2025-02-28); a pronounced total of exactly one month counts
30 days (CPP 716-1); S = committal − remand; E0 = S + total months, then + total days;
E = E0 − (granted − withdrawn reductions, never below 0); N = E − S days; H = S + ceil(N/2)
capped at S + 15 years (S + 20 years for a legal recidivist), LC = H or a 70th birthday before
it; LSC review = S + ceil(2N/3) when E0 ≤ S + 5 years; LSC de plein droit = E − 3 months when
E0 ≤ S + 2 years; JAP adjustment = the earlier of E − 2 years and H − 1 year; those dates are
moved forward to the end of the safety period and to the committal date, then back to E;
information dates are one month before, within [committal date, announced date], and at the
committal date when E0 ≤ S + 6 months; the release date is E moved back over Sundays and French
national public holidays (CPP 716-3). When E is before the committal date (the remand covers the
sentence), every date of LC, LSC, adjustment, information and release is the committal date.
"""

import calendar
import dataclasses
import math
import re
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from probatio.sentences.engine import (
    InputError,
    Length,
    SentenceInput,
    check,
    compute,
    parse,
    to_json,
)

DAY = timedelta(days=1)

DATE_FIELDS = (
    "start_date",
    "end_date",
    "release_date",
    "lc_eligibility_date",
    "lsc_review_date",
    "lsc_information_date",
    "lsc_plein_droit_date",
    "lsc_plein_droit_information_date",
    "jap_adjustment_date",
)
# Dates of steps 7 to 12: moved into [committal date, end].
BOUNDED_FIELDS = (
    "lc_eligibility_date",
    "lsc_review_date",
    "lsc_information_date",
    "lsc_plein_droit_date",
    "lsc_plein_droit_information_date",
    "jap_adjustment_date",
)
OUTPUT_KEYS = {*DATE_FIELDS, "explanations"}


# --- An independent reading of the convention, used as the reference --------------------------


def add_months(day: date, months: int) -> date:
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def add_length(day: date, length: Length) -> date:
    return add_months(day, 12 * length.years + length.months) + length.days * DAY


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def french_holidays(year: int) -> set[date]:
    sunday = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    return {date(year, m, d) for m, d in fixed} | {
        sunday + DAY,  # Easter Monday
        sunday + 39 * DAY,  # Ascension Thursday
        sunday + 50 * DAY,  # Whit Monday
    }


def is_non_working(day: date) -> bool:
    """Sunday or French national public holiday (release moved back from it, CPP 716-3)."""
    return day.weekday() == 6 or day in french_holidays(day.year)


def total_months_days(data: SentenceInput) -> tuple[int, int]:
    months = sum(12 * s.years + s.months for s in data.sentences)
    return months, sum(s.days for s in data.sentences)


def start_of(data: SentenceInput) -> date:
    return data.committal_date - data.pretrial_detention_days * DAY


def gross_end(data: SentenceInput) -> date:
    """E0 = S + L (months first, then days; exactly one month is 30 days)."""
    start = start_of(data)
    months, days = total_months_days(data)
    if (months, days) == (1, 0):
        return start + 30 * DAY
    return add_months(start, months) + days * DAY


def net_end(data: SentenceInput) -> date:
    net = max(0, data.reductions_granted_days - data.reductions_withdrawn_days)
    return gross_end(data) - net * DAY


def capped_half_point(data: SentenceInput) -> date:
    """H of rule 7: S + ceil(N/2) days, never after S + 15 years (20 for a legal recidivist)."""
    start, end = start_of(data), net_end(data)
    half = start + math.ceil((end - start).days / 2) * DAY
    return min(half, add_months(start, 12 * (20 if data.legal_recidivist else 15)))


def covered_by_remand(data: SentenceInput) -> bool:
    """Rule 11: E before the committal date, release is due at once."""
    return net_end(data) < data.committal_date


def floor_of(data: SentenceInput) -> date:
    """Rule 11: the committal date, or the end of the safety period when later."""
    if data.safety_period is None:
        return data.committal_date
    return max(data.committal_date, add_length(start_of(data), data.safety_period))


def reference(data: SentenceInput) -> dict[str, date | None]:
    """Steps 1 to 13, read literally."""
    committal = data.committal_date
    start = start_of(data)
    gross = gross_end(data)
    end = net_end(data)
    n = (end - start).days
    covered = end < committal

    half_point = capped_half_point(data)
    lc = half_point
    if data.birth_date is not None:
        birthday = add_months(data.birth_date, 70 * 12)
        if birthday < half_point:
            lc = birthday
    review = None
    if gross <= add_months(start, 60) and not data.lsc_excluded:
        review = start + math.ceil(2 * n / 3) * DAY
    plein_droit = None
    if gross <= add_months(start, 24) and not data.lsc_plein_droit_excluded:
        plein_droit = add_months(end, -3)
    jap = min(add_months(end, -24), add_months(half_point, -12))

    floor = floor_of(data)

    def bound(day):
        if day is None:
            return None
        return committal if covered else min(max(day, floor), end)

    lc, review, plein_droit, jap = bound(lc), bound(review), bound(plein_droit), bound(jap)

    def information(day):
        if day is None:
            return None
        if covered:
            return committal
        if gross <= add_months(start, 6):
            return min(committal, day)
        return min(max(add_months(day, -1), committal), day)

    review_information = information(review)
    plein_droit_information = information(plein_droit)

    if covered:
        release = committal
    else:
        release = end
        while is_non_working(release):
            release -= DAY

    return {
        "start_date": start,
        "end_date": end,
        "release_date": release,
        "lc_eligibility_date": lc,
        "lsc_review_date": review,
        "lsc_information_date": review_information,
        "lsc_plein_droit_date": plein_droit,
        "lsc_plein_droit_information_date": plein_droit_information,
        "jap_adjustment_date": jap,
    }


def dates_of(result) -> dict[str, date | None]:
    return {name: getattr(result, name) for name in DATE_FIELDS}


def sentence(*lengths: Length, committal: date, **kwargs) -> SentenceInput:
    return SentenceInput(sentences=tuple(lengths), committal_date=committal, **kwargs)


# --- French messages -----------------------------------------------------------------------------

FRENCH_WORDS = re.compile(
    r"\b(le|la|les|de|des|du|un|une|et|ou|à|au|aux|en|sur|par|pour|dans|avant|après|moins|plus|"
    r"sans|doit|doivent|être|est|pas|entier|entière|champ|inconnue?|attendue?|valeur|durée|"
    r"peines?|nombre|jours?|mois|ans|années?|objet|tableau|réductions?|période|sûreté|"
    r"inexistante?|invalide|nulle?|supérieure?|obligatoire|manquante?|écrou|détention|"
    r"libération|moitié|tiers|fin|début|aménagement)\b",
    re.IGNORECASE,
)
ENGLISH_WORDS = re.compile(
    r"\b(must|should|expected|invalid|unknown|field|integer|required|missing|not|the|is)\b",
    re.IGNORECASE,
)


def assert_french(text: str) -> None:
    assert FRENCH_WORDS.search(text), f"not French: {text!r}"
    assert not ENGLISH_WORDS.search(text), f"English words in: {text!r}"


# --- Worked examples -----------------------------------------------------------------------------

EXAMPLE_A = sentence(Length(years=3), committal=date(2025, 1, 10), pretrial_detention_days=122)
EXAMPLE_B = sentence(Length(months=18), committal=date(2025, 1, 10))


def texts_of(result, name: str) -> str:
    return " ".join(e.text for e in result.explanations if e.field == name)


def test_example_a():
    result = compute(EXAMPLE_A)
    assert result.start_date == date(2024, 9, 10)
    assert result.end_date == date(2027, 9, 10)
    assert (result.end_date - result.start_date).days == 1095  # N
    assert result.release_date == date(2027, 9, 10)  # a Friday
    assert result.lc_eligibility_date == date(2024, 9, 10) + 548 * DAY == date(2026, 3, 12)
    assert result.lsc_review_date == date(2024, 9, 10) + 730 * DAY == date(2026, 9, 10)
    assert result.lsc_information_date == date(2026, 8, 10)
    assert result.lsc_plein_droit_date is None  # 3 years > 2
    assert result.lsc_plein_droit_information_date is None
    # LC₀ − 1 year = 2025-03-12, earlier than E − 2 years = 2025-09-10.
    assert result.jap_adjustment_date == date(2025, 3, 12)


def test_example_a_explanations_show_the_arithmetic():
    result = compute(EXAMPLE_A)
    lc = texts_of(result, "lc_eligibility_date")
    assert "10/09/2024 + 548 jours" in lc
    assert "1095 jours" in lc
    assert "12/03/2026" in lc
    assert "15 ans" in lc  # the cap of CPP 729, not reached
    assert "10/09/2039" in lc
    review = texts_of(result, "lsc_review_date")
    assert "10/09/2024 + 730 jours" in review
    assert "10/09/2026" in review
    assert "10/08/2026" in texts_of(result, "lsc_information_date")
    jap = texts_of(result, "jap_adjustment_date")
    assert "10/09/2027 − 2 ans = 10/09/2025" in jap
    assert "12/03/2026 − 1 an = 12/03/2025" in jap
    assert "Retenu : 12/03/2025" in jap
    # What is not modelled is said.
    assert "terrorisme" in jap
    assert "723-1" in jap
    assert "730-2" in jap


def test_example_a_with_90_days_of_reductions():
    result = compute(dataclasses.replace(EXAMPLE_A, reductions_granted_days=90))
    assert result.start_date == date(2024, 9, 10)
    assert result.end_date == date(2027, 6, 12)
    assert (result.end_date - result.start_date).days == 1005
    assert result.release_date == date(2027, 6, 12)  # a Saturday: not moved
    assert result.lc_eligibility_date == date(2026, 1, 26)
    assert result.lsc_review_date == date(2024, 9, 10) + 670 * DAY == date(2026, 7, 12)
    assert result.lsc_information_date == date(2026, 6, 12)
    assert result.lsc_plein_droit_date is None
    assert result.lsc_plein_droit_information_date is None
    # H − 1 year = 2025-01-26 (after the committal), earlier than E − 2 years = 2025-06-12.
    assert result.jap_adjustment_date == date(2025, 1, 26)
    lc = texts_of(result, "lc_eligibility_date")
    assert "10/09/2024 + 503 jours" in lc
    assert "1005 jours" in lc


def test_example_b():
    result = compute(EXAMPLE_B)
    assert result.start_date == date(2025, 1, 10)
    assert result.end_date == date(2026, 7, 10)
    assert (result.end_date - result.start_date).days == 546  # N
    assert result.release_date == date(2026, 7, 10)  # a Friday
    assert result.lc_eligibility_date == date(2025, 1, 10) + 273 * DAY == date(2025, 10, 10)
    assert result.lsc_review_date == date(2025, 1, 10) + 364 * DAY == date(2026, 1, 9)
    assert result.lsc_information_date == date(2025, 12, 9)
    assert result.lsc_plein_droit_date == date(2026, 4, 10)
    assert result.lsc_plein_droit_information_date == date(2026, 3, 10)
    # E − 2 years = 2024-07-10 and H − 1 year = 2024-10-10, both before the committal: moved
    # forward to it.
    assert result.jap_adjustment_date == date(2025, 1, 10)
    jap = texts_of(result, "jap_adjustment_date")
    assert "10/07/2026 − 2 ans = 10/07/2024" in jap
    assert "10/10/2025 − 1 an = 10/10/2024" in jap
    assert "Retenu : 10/01/2025" in jap
    assert "10/01/2025 + 273 jours" in texts_of(result, "lc_eligibility_date")
    assert "10/01/2025 + 364 jours" in texts_of(result, "lsc_review_date")
    assert "10/07/2026 − 3 mois = 10/04/2026" in texts_of(result, "lsc_plein_droit_date")


def test_withdrawn_reductions_are_added_back():
    result = compute(
        dataclasses.replace(EXAMPLE_A, reductions_granted_days=120, reductions_withdrawn_days=30)
    )
    assert result.end_date == date(2027, 6, 12)
    assert result.lc_eligibility_date == date(2026, 1, 26)


def test_net_reductions_never_below_zero():
    result = compute(
        dataclasses.replace(EXAMPLE_A, reductions_granted_days=10, reductions_withdrawn_days=40)
    )
    assert dates_of(result) == dates_of(compute(EXAMPLE_A))


# --- Counting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("committal", "end"),
    [
        (date(2025, 2, 1), date(2025, 3, 3)),  # calendar would give 2025-03-01
        (date(2025, 1, 31), date(2025, 3, 2)),  # calendar would give 2025-02-28
        (date(2025, 1, 1), date(2025, 1, 31)),  # calendar would give 2025-02-01
    ],
)
def test_exactly_one_month_counts_30_days(committal, end):
    result = compute(sentence(Length(months=1), committal=committal))
    assert result.end_date == end == committal + 30 * DAY


def test_one_month_split_as_one_month_and_zero_days_still_counts_30_days():
    result = compute(sentence(Length(months=1), Length(days=0), committal=date(2025, 2, 1)))
    assert result.end_date == date(2025, 3, 3)


def test_one_month_and_one_day_is_counted_on_the_calendar_with_clamping():
    # 2025-01-31 + 1 month = 2025-02-28 (clamped), + 1 day = 2025-03-01.
    result = compute(sentence(Length(months=1, days=1), committal=date(2025, 1, 31)))
    assert result.end_date == date(2025, 3, 1)


@pytest.mark.parametrize(
    ("length", "committal", "end"),
    [
        (Length(months=2), date(2025, 1, 31), date(2025, 3, 31)),
        (Length(months=1, days=0, years=1), date(2025, 1, 31), date(2026, 2, 28)),
        (Length(years=1), date(2024, 2, 29), date(2025, 2, 28)),
        (Length(months=2), date(2025, 12, 31), date(2026, 2, 28)),
        (Length(days=45), date(2025, 1, 31), date(2025, 3, 17)),
        (Length(months=14, days=3), date(2025, 12, 31), date(2027, 3, 3)),
    ],
)
def test_calendar_month_clamping(length, committal, end):
    assert compute(sentence(length, committal=committal)).end_date == end


def test_consecutive_sentences_are_summed_months_then_days():
    # Σ = 26 months and 10 days: 2025-01-31 + 26 months = 2027-03-31, + 10 days.
    result = compute(
        sentence(Length(years=1, months=6), Length(months=8, days=10), committal=date(2025, 1, 31))
    )
    assert result.end_date == date(2027, 4, 10)


def test_two_sentences_of_one_month_are_two_calendar_months():
    # Not 30 + 30 days, and not month after month (2025-02-28 then 2025-03-28).
    result = compute(sentence(Length(months=1), Length(months=1), committal=date(2025, 1, 31)))
    assert result.end_date == date(2025, 3, 31)


def test_days_of_several_sentences_are_added_after_the_months():
    # Σ = 1 month and 35 days (not "exactly one month"): 2025-01-31 → 2025-02-28 → 2025-04-04.
    result = compute(
        sentence(Length(months=1, days=10), Length(days=25), committal=date(2025, 1, 31))
    )
    assert result.end_date == date(2025, 4, 4)


def test_several_sentences_make_one_total_for_the_thresholds():
    # 18 months + 8 months = 26 months > 2 years: no LSC de plein droit, LSC review (≤ 5 years).
    result = compute(sentence(Length(months=18), Length(months=8), committal=date(2025, 1, 10)))
    assert result.end_date == date(2027, 3, 10)
    assert result.lsc_plein_droit_date is None
    assert result.lsc_review_date is not None
    # 3 years + 2 years 1 day > 5 years: no LSC review.
    result = compute(
        sentence(Length(years=3), Length(years=2, days=1), committal=date(2025, 1, 10))
    )
    assert result.lsc_review_date is None
    assert result.lsc_information_date is None


@pytest.mark.parametrize(
    ("lengths", "review", "plein_droit"),
    [
        ((Length(years=5),), True, False),
        ((Length(years=5, days=1),), False, False),
        ((Length(years=4, months=12),), True, False),
        ((Length(years=2),), True, True),
        ((Length(years=1), Length(months=12)), True, True),
        ((Length(years=2, days=1),), True, False),
    ],
)
def test_thresholds_on_the_pronounced_total(lengths, review, plein_droit):
    # Reductions do not change which regime applies: the pronounced total does.
    data = sentence(*lengths, committal=date(2025, 1, 10), reductions_granted_days=100)
    result = compute(data)
    assert (result.lsc_review_date is not None) is review
    assert (result.lsc_information_date is not None) is review
    assert (result.lsc_plein_droit_date is not None) is plein_droit
    assert (result.lsc_plein_droit_information_date is not None) is plein_droit


@pytest.mark.parametrize(
    ("committal", "plein_droit"),
    [
        # 2025-01-31 + 23 months = 2026-12-31, + 31 days = 2027-01-31 = S + 2 years.
        (date(2025, 1, 31), True),
        # 2025-03-01 + 23 months = 2027-02-01, + 31 days = 2027-03-04 > 2027-03-01.
        (date(2025, 3, 1), False),
    ],
)
def test_the_two_year_threshold_compares_dates(committal, plein_droit):
    result = compute(sentence(Length(years=1, months=11, days=31), committal=committal))
    assert (result.lsc_plein_droit_date is not None) is plein_droit


def test_exclusions():
    result = compute(dataclasses.replace(EXAMPLE_B, lsc_excluded=True))
    assert result.lsc_review_date is None
    assert result.lsc_information_date is None
    assert result.lsc_plein_droit_date == date(2026, 4, 10)
    assert result.lc_eligibility_date == date(2025, 10, 10)

    result = compute(dataclasses.replace(EXAMPLE_B, lsc_plein_droit_excluded=True))
    assert result.lsc_plein_droit_date is None
    assert result.lsc_plein_droit_information_date is None
    assert result.lsc_review_date == date(2026, 1, 9)


# --- Safety period, 70 years, remand -------------------------------------------------------------


def test_safety_period_moves_lc_later():
    # 10 years from 2025-01-10: half-point 2030-01-10; safety period 6 years → 2031-01-10.
    data = sentence(Length(years=10), committal=date(2025, 1, 10))
    assert compute(data).lc_eligibility_date == date(2030, 1, 10)
    result = compute(dataclasses.replace(data, safety_period=Length(years=6)))
    assert result.lc_eligibility_date == date(2031, 1, 10)
    # H − 1 year = 2029-01-10 (E − 2 years = 2033-01-10), moved to the safety period's end.
    assert result.jap_adjustment_date == date(2031, 1, 10)
    assert result.end_date == date(2035, 1, 10)


def test_safety_period_moves_every_eligibility_date_later():
    # 3 years from 2025-01-10 (E = 2028-01-10); safety period 2 years 6 months → 2027-07-10.
    result = compute(
        sentence(
            Length(years=3),
            committal=date(2025, 1, 10),
            safety_period=Length(years=2, months=6),
        )
    )
    assert result.lc_eligibility_date == date(2027, 7, 10)  # instead of 2026-07-12
    assert result.lsc_review_date == date(2027, 7, 10)  # instead of 2027-01-10
    assert result.lsc_information_date == date(2027, 6, 10)
    assert result.jap_adjustment_date == date(2027, 7, 10)  # instead of 2025-07-12


def test_safety_period_is_counted_from_the_start_months_then_days():
    # S = 2024-09-10 (122 days of remand); 1 year 5 months 25 days → 2026-03-07, before the
    # half-point (2026-03-12): no change; 1 year 6 months 5 days → 2026-03-15.
    result = compute(
        dataclasses.replace(EXAMPLE_A, safety_period=Length(years=1, months=5, days=25))
    )
    assert result.lc_eligibility_date == date(2026, 3, 12)
    result = compute(
        dataclasses.replace(EXAMPLE_A, safety_period=Length(years=1, months=6, days=5))
    )
    assert result.lc_eligibility_date == date(2026, 3, 15)
    # 3 months from 2025-01-30 (E = 2025-04-30); 1 month 1 day: 2025-02-28 (clamped) + 1 day,
    # not 2025-01-31 + 1 month. LSC de plein droit (E − 3 months) and JAP (E − 2 years) move to it.
    result = compute(
        sentence(
            Length(months=3), committal=date(2025, 1, 30), safety_period=Length(months=1, days=1)
        )
    )
    assert result.lsc_plein_droit_date == date(2025, 3, 1)
    assert result.jap_adjustment_date == date(2025, 3, 1)


def test_safety_period_equal_to_the_sentence_with_reductions_gives_the_end():
    result = compute(
        sentence(
            Length(years=1),
            committal=date(2025, 1, 10),
            safety_period=Length(years=1),
            reductions_granted_days=30,
        )
    )
    assert result.end_date == date(2025, 12, 11)
    assert result.lc_eligibility_date == date(2025, 12, 11)
    assert result.jap_adjustment_date == date(2025, 12, 11)


@pytest.mark.parametrize(
    ("birth", "lc"),
    [
        (date(1955, 6, 15), date(2025, 6, 15)),  # 70 on 2025-06-15, before 2026-03-12
        (date(1956, 2, 29), date(2026, 2, 28)),  # 70 on 2026-02-28 (clamped)
        (date(1956, 3, 12), date(2026, 3, 12)),  # 70 on the half-point itself
        (date(1957, 1, 1), date(2026, 3, 12)),  # 70 after the half-point: no change
        (date(1950, 1, 1), date(2025, 1, 10)),  # already 70: from the committal date
        (None, date(2026, 3, 12)),
    ],
)
def test_the_seventy_year_rule(birth, lc):
    result = compute(dataclasses.replace(EXAMPLE_A, birth_date=birth))
    assert result.lc_eligibility_date == lc
    # Only LC is concerned: the adjustment counts from the half-point H (2026-03-12 − 1 year),
    # without the 70-year substitution.
    assert result.lsc_review_date == date(2026, 9, 10)
    assert result.jap_adjustment_date == date(2025, 3, 12)


def test_the_seventy_year_explanation_names_its_conditions():
    result = compute(dataclasses.replace(EXAMPLE_A, birth_date=date(1955, 6, 15)))
    lc = texts_of(result, "lc_eligibility_date")
    assert "70 ans le 15/06/2025" in lc
    assert "réinsertion" in lc
    assert "risque grave" in lc


def test_the_seventy_year_rule_does_not_override_the_safety_period():
    result = compute(
        dataclasses.replace(EXAMPLE_A, birth_date=date(1955, 6, 15), safety_period=Length(years=1))
    )
    assert result.lc_eligibility_date == date(2025, 9, 10)


@pytest.mark.parametrize(
    ("months", "committal", "remand", "start", "end"),
    [
        # 4 months; 150 days of remand before a committal on 2025-06-02: S = 2025-01-03,
        # E = 2025-05-03 (a Saturday), before the committal.
        (4, date(2025, 6, 2), 150, date(2025, 1, 3), date(2025, 5, 3)),
        # 1 month (30 days); 60 days of remand before a committal on Sunday 2025-06-08 (Whit
        # Sunday): S = 2025-04-09, E = 2025-05-09. Release at once, on the committal date even
        # though it is a Sunday.
        (1, date(2025, 6, 8), 60, date(2025, 4, 9), date(2025, 5, 9)),
    ],
)
def test_remand_covering_the_whole_sentence_means_release_at_once(
    months, committal, remand, start, end
):
    result = compute(
        sentence(Length(months=months), committal=committal, pretrial_detention_days=remand)
    )
    assert result.start_date == start
    assert result.end_date == end
    assert result.release_date == committal
    for name in BOUNDED_FIELDS:
        assert getattr(result, name) == committal, name
    for name in (*BOUNDED_FIELDS, "release_date"):
        assert "due aussitôt" in texts_of(result, name) or "couvre la peine" in texts_of(
            result, name
        ), name


def test_remand_ending_on_the_committal_date_is_not_before_it():
    # 3 months; 92 days of remand: S = 2025-03-03, E = 2025-06-03 = the committal date (a
    # Tuesday): not "before the committal", so the dates are bounded by E, which is the same day.
    result = compute(
        sentence(Length(months=3), committal=date(2025, 6, 3), pretrial_detention_days=92)
    )
    assert result.start_date == date(2025, 3, 3)
    assert result.end_date == date(2025, 6, 3)
    assert result.release_date == date(2025, 6, 3)
    for name in BOUNDED_FIELDS:
        assert getattr(result, name) == date(2025, 6, 3), name


def test_dates_before_the_committal_are_moved_to_it():
    # 2 months from 2025-03-10: E = 2025-05-10; E − 3 months and E − 2 years are before the
    # committal date.
    result = compute(sentence(Length(months=2), committal=date(2025, 3, 10)))
    assert result.end_date == date(2025, 5, 10)
    assert result.lc_eligibility_date == date(2025, 4, 10)
    assert result.lsc_review_date == date(2025, 4, 20)
    # 2 months ≤ 6 months: informed at committal (not 2025-03-20).
    assert result.lsc_information_date == date(2025, 3, 10)
    assert result.lsc_plein_droit_date == date(2025, 3, 10)
    assert result.lsc_plein_droit_information_date == date(2025, 3, 10)
    assert result.jap_adjustment_date == date(2025, 3, 10)


# --- The caps of CPP 729 and the JAP adjustment -----------------------------------------------

# 36 years (30 + 6) from 2025-01-10, no remand: E = 2061-01-10, N = 36 × 365 + 9 leap days =
# 13149, half-point S + 6575 days = 2043-01-11 (S + 18 years is S + 6574 days).
LONG = sentence(Length(years=30), Length(years=6), committal=date(2025, 1, 10))


def test_the_half_point_is_capped_at_15_years():
    result = compute(LONG)
    assert result.start_date == date(2025, 1, 10)
    assert result.end_date == date(2061, 1, 10)
    assert (result.end_date - result.start_date).days == 13149
    assert result.lc_eligibility_date == date(2040, 1, 10)  # S + 15 years, not 2043-01-11
    # H − 1 year = 2039-01-10, earlier than E − 2 years = 2059-01-10.
    assert result.jap_adjustment_date == date(2039, 1, 10)
    assert result.lsc_review_date is None
    assert result.lsc_plein_droit_date is None
    assert result.release_date == date(2061, 1, 10)  # a Monday
    lc = texts_of(result, "lc_eligibility_date")
    assert "10/01/2025 + 6575 jours" in lc
    assert "11/01/2043" in lc
    assert "10/01/2025 + 15 ans = 10/01/2040" in lc
    assert "10/01/2040 − 1 an = 10/01/2039" in texts_of(result, "jap_adjustment_date")


def test_a_legal_recidivist_is_capped_at_20_years():
    # Under the 20-year cap (2045-01-10), the half-point itself.
    result = compute(dataclasses.replace(LONG, legal_recidivist=True))
    assert result.lc_eligibility_date == date(2043, 1, 11)
    assert result.jap_adjustment_date == date(2042, 1, 11)
    lc = texts_of(result, "lc_eligibility_date")
    assert "10/01/2025 + 20 ans = 10/01/2045" in lc
    assert "récidive légale" in lc
    # 50 years (30 + 20): the half-point (about S + 25 years) is capped at S + 20 years, or at
    # S + 15 years without recidivism.
    fifty = sentence(Length(years=30), Length(years=20), committal=date(2025, 1, 10))
    result = compute(dataclasses.replace(fifty, legal_recidivist=True))
    assert result.end_date == date(2075, 1, 10)
    assert result.lc_eligibility_date == date(2045, 1, 10)
    assert result.jap_adjustment_date == date(2044, 1, 10)
    result = compute(fifty)
    assert result.lc_eligibility_date == date(2040, 1, 10)
    assert result.jap_adjustment_date == date(2039, 1, 10)


def test_the_cap_counts_from_the_start_on_the_calendar():
    # 45 years (30 + 15); 366 days of remand before a committal on 2025-03-01: S = 2024-02-29.
    # E = 2069-02-28 (clamped); the half-point 2046-08-30 is after both caps.
    data = sentence(
        Length(years=30),
        Length(years=15),
        committal=date(2025, 3, 1),
        pretrial_detention_days=366,
    )
    result = compute(data)
    assert result.start_date == date(2024, 2, 29)
    assert result.end_date == date(2069, 2, 28)
    assert result.lc_eligibility_date == date(2039, 2, 28)  # 2024-02-29 + 15 years, clamped
    assert result.jap_adjustment_date == date(2038, 2, 28)
    result = compute(dataclasses.replace(data, legal_recidivist=True))
    assert result.lc_eligibility_date == date(2044, 2, 29)  # 2044 is a leap year
    assert result.jap_adjustment_date == date(2043, 2, 28)  # 2044-02-29 − 1 year, clamped


@pytest.mark.parametrize(
    ("birth", "recidivist", "lc", "jap"),
    [
        # 70 on 2042-06-01, after the capped half-point 2040-01-10: no change.
        (date(1972, 6, 1), False, date(2040, 1, 10), date(2039, 1, 10)),
        # 70 on 2042-06-01, before the recidivist's half-point 2043-01-11: the birthday wins;
        # the adjustment still counts from H (2043-01-11 − 1 year).
        (date(1972, 6, 1), True, date(2042, 6, 1), date(2042, 1, 11)),
        # 70 on 2038-05-05, before the capped half-point 2040-01-10.
        (date(1968, 5, 5), False, date(2038, 5, 5), date(2039, 1, 10)),
    ],
)
def test_the_seventy_year_rule_replaces_the_capped_half_point(birth, recidivist, lc, jap):
    result = compute(dataclasses.replace(LONG, birth_date=birth, legal_recidivist=recidivist))
    assert result.lc_eligibility_date == lc
    assert result.jap_adjustment_date == jap


def test_a_safety_period_beyond_the_cap_holds_lc_and_the_adjustment():
    # Safety period of 18 years from S = 2025-01-10: 2043-01-10, after the cap 2040-01-10.
    result = compute(dataclasses.replace(LONG, safety_period=Length(years=18)))
    assert result.lc_eligibility_date == date(2043, 1, 10)
    assert result.jap_adjustment_date == date(2043, 1, 10)


def test_the_adjustment_as_a_probationary_step_before_parole():
    # 4 years from 2025-01-10: E = 2029-01-10, N = 1461, H = S + 731 = 2027-01-11.
    # H − 1 year = 2026-01-11, earlier than E − 2 years = 2027-01-10.
    result = compute(sentence(Length(years=4), committal=date(2025, 1, 10)))
    assert result.end_date == date(2029, 1, 10)
    assert result.lc_eligibility_date == date(2027, 1, 11)
    assert result.jap_adjustment_date == date(2026, 1, 11)


# --- Release day ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "release"),
    [
        (date(2026, 12, 25), date(2026, 12, 24)),  # Christmas, a Friday
        (date(2027, 1, 1), date(2026, 12, 31)),  # New Year's Day, a Friday
        (date(2026, 1, 1), date(2025, 12, 31)),  # New Year's Day, a Thursday
        (date(2026, 3, 15), date(2026, 3, 14)),  # a Sunday
        (date(2026, 4, 6), date(2026, 4, 4)),  # Easter Monday: back over the Sunday
        (date(2025, 7, 14), date(2025, 7, 12)),  # 14 July on a Monday
        (date(2026, 5, 14), date(2026, 5, 13)),  # Ascension Thursday
        (date(2026, 5, 25), date(2026, 5, 23)),  # Whit Monday
        # Whit Monday stayed a public holiday in 2005-2007 (journée de solidarité or not).
        (date(2006, 6, 5), date(2006, 6, 3)),
        (date(2026, 5, 1), date(2026, 4, 30)),
        (date(2026, 5, 8), date(2026, 5, 7)),
        (date(2026, 8, 15), date(2026, 8, 14)),  # 15 August on a Saturday
        (date(2025, 8, 15), date(2025, 8, 14)),  # 15 August, a Friday
        (date(2025, 11, 11), date(2025, 11, 10)),
        (date(2026, 11, 1), date(2026, 10, 31)),  # All Saints' Day on a Sunday
        (date(2026, 3, 14), date(2026, 3, 14)),  # a Saturday: not moved
        (date(2026, 4, 3), date(2026, 4, 3)),  # Good Friday: Alsace-Moselle only
        (date(2026, 12, 26), date(2026, 12, 26)),  # 26 December: Alsace-Moselle only
        (date(2026, 3, 16), date(2026, 3, 16)),  # an ordinary Monday
    ],
)
def test_release_date_moved_back_from_sundays_and_public_holidays(end, release):
    result = compute(sentence(Length(days=100), committal=end - 100 * DAY))
    assert result.end_date == end
    assert result.release_date == release


def test_release_date_does_not_move_the_other_dates():
    # E on Christmas 2026 (1 year from 2025-12-25).
    result = compute(sentence(Length(years=1), committal=date(2025, 12, 25)))
    assert result.end_date == date(2026, 12, 25)
    assert result.release_date == date(2026, 12, 24)
    assert result.lsc_plein_droit_date == date(2026, 9, 25)


# --- Information dates ---------------------------------------------------------------------------


def test_information_dates_for_a_sentence_of_six_months_or_less():
    # 6 months from 2025-03-10: E = 2025-09-10, N = 184.
    result = compute(sentence(Length(months=6), committal=date(2025, 3, 10)))
    assert result.end_date == date(2025, 9, 10)
    assert result.lc_eligibility_date == date(2025, 6, 10)
    assert result.lsc_review_date == date(2025, 7, 11)
    assert result.lsc_plein_droit_date == date(2025, 6, 10)
    # Both informed at committal (not 2025-06-11 and 2025-05-10).
    assert result.lsc_information_date == date(2025, 3, 10)
    assert result.lsc_plein_droit_information_date == date(2025, 3, 10)
    assert "6 mois" in texts_of(result, "lsc_information_date")
    assert "6 mois" in texts_of(result, "lsc_plein_droit_information_date")


def test_information_dates_for_a_short_sentence_with_remand():
    # 5 months, 20 days of remand: S = 2025-02-18, E = 2025-07-18; committal 2025-03-10.
    result = compute(
        sentence(Length(months=5), committal=date(2025, 3, 10), pretrial_detention_days=20)
    )
    assert result.end_date == date(2025, 7, 18)
    # N = 150: LSC review S + 100 = 2025-05-29, informed at committal (not 2025-04-29).
    assert result.lsc_review_date == date(2025, 5, 29)
    assert result.lsc_information_date == date(2025, 3, 10)
    assert result.lsc_plein_droit_date == date(2025, 4, 18)
    assert result.lsc_plein_droit_information_date == date(2025, 3, 10)


def test_information_dates_for_a_sentence_just_over_six_months():
    # 7 months from 2025-01-10: E = 2025-08-10; LSC de plein droit 2025-05-10, told 2025-04-10.
    result = compute(sentence(Length(months=7), committal=date(2025, 1, 10)))
    assert result.lsc_plein_droit_date == date(2025, 5, 10)
    assert result.lsc_plein_droit_information_date == date(2025, 4, 10)
    # 6 months and 1 day: not "six months or less". N = 182, LSC review S + 122 = 2025-05-12.
    result = compute(sentence(Length(months=6, days=1), committal=date(2025, 1, 10)))
    assert result.end_date == date(2025, 7, 11)
    assert result.lsc_review_date == date(2025, 5, 12)
    assert result.lsc_information_date == date(2025, 4, 12)
    assert result.lsc_plein_droit_date == date(2025, 4, 11)
    assert result.lsc_plein_droit_information_date == date(2025, 3, 11)


def test_information_date_never_before_the_committal_date():
    # 7 months, 130 days of remand before a committal on 2025-05-21: S = 2025-01-11,
    # E = 2025-08-11, N = 212; LSC review S + 142 = 2025-06-02, a month before is 2025-05-02,
    # before the committal: told at committal. LC (S + 106 = 2025-04-27) and the LSC de plein
    # droit (2025-05-11) are moved to the committal, and so is its information (2025-04-21).
    result = compute(
        sentence(Length(months=7), committal=date(2025, 5, 21), pretrial_detention_days=130)
    )
    assert result.start_date == date(2025, 1, 11)
    assert result.end_date == date(2025, 8, 11)
    assert result.lc_eligibility_date == date(2025, 5, 21)
    assert result.lsc_review_date == date(2025, 6, 2)
    assert result.lsc_information_date == date(2025, 5, 21)
    assert result.lsc_plein_droit_date == date(2025, 5, 21)
    assert result.lsc_plein_droit_information_date == date(2025, 5, 21)
    # 3 months with 40 days of remand (S = 2025-01-02, committal 2025-02-11): LSC review
    # 2025-03-03; 3 months ≤ 6 months, told at committal anyway.
    result = compute(
        sentence(Length(months=3), committal=date(2025, 2, 11), pretrial_detention_days=40)
    )
    assert result.lsc_review_date == date(2025, 3, 3)
    assert result.lsc_information_date == date(2025, 2, 11)
    # 7 months, 120 days of remand: LSC de plein droit on the committal date itself.
    result = compute(
        sentence(Length(months=7), committal=date(2025, 5, 10), pretrial_detention_days=120)
    )
    # S = 2025-01-10, E = 2025-08-10, LSC de plein droit 2025-05-10 = committal.
    assert result.lsc_plein_droit_date == date(2025, 5, 10)
    assert result.lsc_plein_droit_information_date == date(2025, 5, 10)


# --- Explanations --------------------------------------------------------------------------------

RULE = re.compile(r"\b(CPP|CP|D\.?)\s*\d")
MAIN_ARTICLE = {
    "start_date": "716",
    "release_date": "716-3",
    "lc_eligibility_date": "729",
    "lsc_review_date": "720",
    "lsc_plein_droit_date": "720",
    "jap_adjustment_date": "723",
}


def check_explanations(result) -> None:
    assert result.explanations
    for explanation in result.explanations:
        assert explanation.text.strip()
        assert_french(explanation.text)
    for name in DATE_FIELDS:
        if getattr(result, name) is None:
            continue
        own = [e for e in result.explanations if e.field == name]
        assert own, f"no explanation for {name}"
        assert any(RULE.search(e.rule) for e in own), (name, own)
        if name in MAIN_ARTICLE:
            assert any(MAIN_ARTICLE[name] in e.rule for e in own), (name, own)


@pytest.mark.parametrize(
    "data",
    [
        EXAMPLE_A,
        EXAMPLE_B,
        dataclasses.replace(EXAMPLE_A, reductions_granted_days=90, birth_date=date(1955, 6, 15)),
        dataclasses.replace(EXAMPLE_B, safety_period=Length(months=10)),
        sentence(Length(months=4), committal=date(2025, 6, 2), pretrial_detention_days=150),
        sentence(Length(years=1), committal=date(2025, 12, 25)),
    ],
)
def test_explanations(data):
    check_explanations(compute(data))


def test_explanations_show_the_rule_of_each_date():
    result = compute(EXAMPLE_A)
    lc = [e for e in result.explanations if e.field == "lc_eligibility_date"]
    assert any("CPP 729" in e.rule for e in lc)
    # The arithmetic is shown: some number appears in the text.
    assert all(re.search(r"\d", e.text) for e in lc)


# --- Properties ----------------------------------------------------------------------------------

lengths = st.one_of(
    st.builds(
        Length,
        years=st.just(0),
        months=st.integers(0, 6),
        days=st.integers(0, 60),
    ),
    st.builds(
        Length,
        years=st.integers(0, 3),
        months=st.integers(0, 11),
        days=st.integers(0, 31),
    ),
    st.builds(Length, years=st.integers(0, 12), months=st.integers(0, 11)),
    # Long sentences, where the caps of CPP 729 (15 and 20 years) are reached.
    st.builds(Length, years=st.integers(10, 30), months=st.integers(0, 11)),
    st.sampled_from([Length(months=1), Length(years=2), Length(years=5), Length(months=6)]),
)


@st.composite
def valid_inputs(draw, sentence_lengths=lengths, max_remand: int = 6000) -> SentenceInput:
    sentences = tuple(
        draw(
            st.lists(sentence_lengths, min_size=1, max_size=3).filter(
                lambda items: any(s.years or s.months or s.days for s in items)
            )
        )
    )
    committal = draw(st.dates(date(2015, 1, 1), date(2045, 12, 31)))
    pretrial = draw(
        st.one_of(st.just(0), st.integers(0, min(400, max_remand)), st.integers(0, max_remand))
    )
    data = SentenceInput(
        sentences=sentences, committal_date=committal, pretrial_detention_days=pretrial
    )
    start, gross = start_of(data), gross_end(data)
    gross_days = (gross - start).days
    withdrawn = draw(st.one_of(st.just(0), st.integers(0, 120)))
    granted = draw(st.one_of(st.just(0), st.integers(0, gross_days - 1 + withdrawn)))

    safety = None
    if draw(st.booleans()) and total_months_days(data) != (1, 0):
        months, days = total_months_days(data)
        candidate = Length(
            years=draw(st.integers(0, months // 12)),
            months=draw(st.integers(0, 11)),
            days=draw(st.integers(0, max(days, 0))),
        )
        if any((candidate.years, candidate.months, candidate.days)) and (
            add_length(start, candidate) <= gross
        ):
            safety = candidate
    birth = draw(st.one_of(st.none(), st.dates(date(1940, 1, 1), date(2005, 12, 31))))
    return dataclasses.replace(
        data,
        reductions_granted_days=granted,
        reductions_withdrawn_days=withdrawn,
        safety_period=safety,
        birth_date=birth,
        lsc_excluded=draw(st.booleans()),
        lsc_plein_droit_excluded=draw(st.booleans()),
        legal_recidivist=draw(st.booleans()),
    )


@st.composite
def covered_inputs(draw) -> SentenceInput:
    """Valid inputs whose remand alone covers the sentence (E before the committal date)."""
    data = draw(valid_inputs(sentence_lengths=lengths.filter(lambda s: s.years <= 3)))
    months, days = total_months_days(data)
    # More remand than the longest the pronounced total can last (31 days a month), plus some.
    remand = 31 * months + days + draw(st.integers(1, 400))
    covered = dataclasses.replace(data, pretrial_detention_days=remand, safety_period=None)
    gross_days = (gross_end(covered) - start_of(covered)).days
    granted = min(
        covered.reductions_granted_days, gross_days - 1 + covered.reductions_withdrawn_days
    )
    return dataclasses.replace(covered, reductions_granted_days=granted)


short_lengths = st.builds(
    Length, years=st.just(0), months=st.integers(0, 6), days=st.integers(0, 60)
)


def as_json_input(data: SentenceInput) -> dict:
    def length(value: Length) -> dict:
        return {"years": value.years, "months": value.months, "days": value.days}

    return {
        "sentences": [length(s) for s in data.sentences],
        "committal_date": data.committal_date.isoformat(),
        "pretrial_detention_days": data.pretrial_detention_days,
        "reductions_granted_days": data.reductions_granted_days,
        "reductions_withdrawn_days": data.reductions_withdrawn_days,
        "safety_period": None if data.safety_period is None else length(data.safety_period),
        "birth_date": None if data.birth_date is None else data.birth_date.isoformat(),
        "lsc_excluded": data.lsc_excluded,
        "lsc_plein_droit_excluded": data.lsc_plein_droit_excluded,
        "legal_recidivist": data.legal_recidivist,
    }


def check_order(data, result) -> None:
    """start ≤ LC ≤ LSC review ≤ end, LSC de plein droit ≤ end, each information date ≤ its
    date. When the remand covers the sentence, every date is the committal date, after the end:
    only the ordering up to the LSC review and the information dates hold then."""
    assert result.start_date < result.end_date
    covered = result.end_date < data.committal_date
    last = data.committal_date if covered else result.end_date
    assert result.start_date <= result.lc_eligibility_date <= last
    if result.lsc_review_date is not None:
        assert result.lc_eligibility_date <= result.lsc_review_date <= last
        assert result.lsc_information_date <= result.lsc_review_date
    else:
        assert result.lsc_information_date is None
    if result.lsc_plein_droit_date is not None:
        assert result.lsc_plein_droit_date <= last
        assert result.lsc_plein_droit_information_date <= result.lsc_plein_droit_date
    else:
        assert result.lsc_plein_droit_information_date is None
    assert result.jap_adjustment_date <= last
    assert result.release_date <= last


def check_committal_and_safety_bounds(data, result) -> None:
    committal = data.committal_date
    assert result.start_date == committal - data.pretrial_detention_days * DAY
    if result.end_date >= committal:
        for name in BOUNDED_FIELDS:
            value = getattr(result, name)
            assert value is None or committal <= value <= result.end_date, name
    else:  # the remand covers the sentence: release is due at once, on the committal date
        for name in (*BOUNDED_FIELDS, "release_date"):
            value = getattr(result, name)
            assert value is None or value == committal, name
        return
    if data.safety_period is not None:
        safety_end = min(add_length(result.start_date, data.safety_period), result.end_date)
        for name in ("lc_eligibility_date", "lsc_review_date", "lsc_plein_droit_date"):
            value = getattr(result, name)
            assert value is None or value >= safety_end, name
        assert result.jap_adjustment_date >= safety_end


def check_release(data, result) -> None:
    if result.end_date < data.committal_date:
        assert result.release_date == data.committal_date
        return
    assert result.release_date <= result.end_date
    assert not is_non_working(result.release_date)
    day = result.release_date + DAY
    while day <= result.end_date:
        assert is_non_working(day), day
        day += DAY


@settings(max_examples=200)
@given(valid_inputs(), st.data())
def test_more_reductions_never_move_a_date_later(data, draws):
    start, gross = start_of(data), gross_end(data)
    room = (gross - start).days - 1 + data.reductions_withdrawn_days
    room -= data.reductions_granted_days
    assume(room >= 1)
    more = dataclasses.replace(
        data,
        reductions_granted_days=data.reductions_granted_days + draws.draw(st.integers(1, room)),
    )
    before, after = dates_of(compute(data)), dates_of(compute(more))
    assert after["start_date"] == before["start_date"]
    assert after["end_date"] <= before["end_date"]
    newly_covered = covered_by_remand(more) and not covered_by_remand(data)
    for name in DATE_FIELDS:
        assert (after[name] is None) == (before[name] is None), name
        if after[name] is None:
            continue
        if name == "release_date" and newly_covered:
            # Release due at once, on the committal date; the day before could be a release
            # moved back from a Sunday or public holiday at the committal.
            assert after[name] == data.committal_date
        else:
            assert after[name] <= before[name], name


@settings(max_examples=300)
@given(valid_inputs())
def test_dates_follow_the_convention_step_by_step(data):
    assert dates_of(compute(data)) == reference(data)


@settings(max_examples=300)
@given(valid_inputs())
def test_invariants_of_every_valid_input(data):
    """Ordered dates, none before the committal date (but the start) or the safety period,
    release on the last working day up to the end, every date explained."""
    result = compute(data)
    check_order(data, result)
    check_committal_and_safety_bounds(data, result)
    check_release(data, result)
    check_explanations(result)


@settings(max_examples=300)
@given(valid_inputs())
def test_lc_never_after_the_cap_of_15_or_20_years(data):
    """LC ≤ S + 15 years (S + 20 years for a legal recidivist), unless the committal date or the
    safety period's end holds it later (rule 11)."""
    result = compute(data)
    assume(not covered_by_remand(data))
    cap = add_months(result.start_date, 12 * (20 if data.legal_recidivist else 15))
    floor = min(floor_of(data), result.end_date)
    assert result.lc_eligibility_date <= max(cap, floor)
    assert result.lc_eligibility_date <= max(capped_half_point(data), floor)
    if data.birth_date is not None:
        assert result.lc_eligibility_date <= max(add_months(data.birth_date, 840), floor)


@settings(max_examples=300)
@given(valid_inputs())
def test_legal_recidivism_never_brings_lc_or_the_adjustment_earlier(data):
    """The 20-year cap is later than the 15-year one; both give the same dates while the
    half-point is before S + 15 years."""
    plain = compute(dataclasses.replace(data, legal_recidivist=False))
    recidivist = compute(dataclasses.replace(data, legal_recidivist=True))
    assert recidivist.lc_eligibility_date >= plain.lc_eligibility_date
    assert recidivist.jap_adjustment_date >= plain.jap_adjustment_date
    start, end = plain.start_date, plain.end_date
    if start + math.ceil((end - start).days / 2) * DAY <= add_months(start, 180):
        assert dates_of(recidivist) == dates_of(plain)


@settings(max_examples=300)
@given(valid_inputs())
def test_adjustment_never_after_h_minus_one_year_nor_e_minus_two_years(data):
    """Rule 10: the earlier of E − 2 years and H − 1 year (H the capped half-point, without the
    70-year rule), unless rule 11 holds it at the committal date or the safety period's end."""
    result = compute(data)
    assume(not covered_by_remand(data))
    floor = min(floor_of(data), result.end_date)
    jap = result.jap_adjustment_date
    by_end = add_months(result.end_date, -24)
    by_parole = add_months(capped_half_point(data), -12)
    if jap != floor:
        assert jap <= by_end
        assert jap <= by_parole
        assert jap in (by_end, by_parole)
    assert jap == max(min(by_end, by_parole), floor)


@settings(max_examples=200)
@given(covered_inputs())
def test_remand_covering_the_sentence_puts_every_date_at_the_committal(data):
    result = compute(data)
    assert result.end_date < data.committal_date
    assert result.start_date == data.committal_date - data.pretrial_detention_days * DAY
    for name in (*BOUNDED_FIELDS, "release_date"):
        value = getattr(result, name)
        assert value is None or value == data.committal_date, name
    assert result.lc_eligibility_date == data.committal_date
    assert result.jap_adjustment_date == data.committal_date
    check_explanations(result)


@settings(max_examples=200)
@given(valid_inputs(sentence_lengths=short_lengths, max_remand=400))
def test_information_at_committal_for_six_months_or_less(data):
    assume(gross_end(data) <= add_months(start_of(data), 6))
    result = compute(data)
    committal = data.committal_date
    for info, announced in (
        ("lsc_information_date", "lsc_review_date"),
        ("lsc_plein_droit_information_date", "lsc_plein_droit_date"),
    ):
        day = getattr(result, announced)
        if day is None:
            assert getattr(result, info) is None
        else:
            assert getattr(result, info) == min(committal, day), info
            # Every announced date is at or after the committal (rule 11), so it is the
            # committal date itself.
            assert getattr(result, info) == committal, info


@settings(max_examples=200)
@given(valid_inputs(sentence_lengths=short_lengths, max_remand=400))
def test_information_one_month_before_beyond_six_months(data):
    assume(gross_end(data) > add_months(start_of(data), 6))
    assume(not covered_by_remand(data))
    result = compute(data)
    committal = data.committal_date
    for info, announced in (
        ("lsc_information_date", "lsc_review_date"),
        ("lsc_plein_droit_information_date", "lsc_plein_droit_date"),
    ):
        day = getattr(result, announced)
        if day is not None:
            expected = min(max(add_months(day, -1), committal), day)
            assert getattr(result, info) == expected, info


@settings(max_examples=200)
@given(valid_inputs())
def test_parse_accepts_valid_input_and_to_json_follows_the_contract(data):
    assert parse(as_json_input(data)) == data
    result = compute(data)
    output = to_json(result)
    assert set(output) == OUTPUT_KEYS
    for name in DATE_FIELDS:
        value = getattr(result, name)
        assert output[name] == (None if value is None else value.isoformat()), name
    assert output["explanations"] == [
        {"field": e.field, "rule": e.rule, "text": e.text} for e in result.explanations
    ]


# --- parse() -------------------------------------------------------------------------------------

BASE = {"sentences": [{"years": 1}], "committal_date": "2025-01-10"}
MISSING = object()


def with_(**changes) -> dict:
    obj = {**BASE}
    for key, value in changes.items():
        if value is MISSING:
            obj.pop(key, None)
        else:
            obj[key] = value
    return obj


def test_parse_minimal_input_takes_the_defaults():
    assert parse(BASE) == SentenceInput(
        sentences=(Length(years=1),), committal_date=date(2025, 1, 10)
    )


def test_parse_full_input():
    obj = {
        "sentences": [{"years": 1, "months": 2, "days": 3}, {"months": 6}, {"days": 10}],
        "committal_date": "2025-01-10",
        "pretrial_detention_days": 12,
        "reductions_granted_days": 30,
        "reductions_withdrawn_days": 5,
        "safety_period": {"months": 8},
        "birth_date": "1960-02-29",
        "lsc_excluded": True,
        "lsc_plein_droit_excluded": False,
        "legal_recidivist": True,
    }
    assert parse(obj) == SentenceInput(
        sentences=(Length(1, 2, 3), Length(months=6), Length(days=10)),
        committal_date=date(2025, 1, 10),
        pretrial_detention_days=12,
        reductions_granted_days=30,
        reductions_withdrawn_days=5,
        safety_period=Length(months=8),
        birth_date=date(1960, 2, 29),
        lsc_excluded=True,
        lsc_plein_droit_excluded=False,
        legal_recidivist=True,
    )


def test_parse_null_means_the_default():
    obj = with_(
        pretrial_detention_days=None,
        reductions_granted_days=None,
        reductions_withdrawn_days=None,
        safety_period=None,
        birth_date=None,
        lsc_excluded=None,
        lsc_plein_droit_excluded=None,
        legal_recidivist=None,
    )
    assert parse(obj) == parse(BASE)
    assert parse(obj).legal_recidivist is False
    assert parse(with_(legal_recidivist=False)) == parse(BASE)


@pytest.mark.parametrize(
    "obj",
    [
        with_(reductions_granted_days=10, reductions_withdrawn_days=50),  # net 0
        with_(sentences=[{"months": 1}], reductions_granted_days=29),  # E = S + 1 day
        with_(safety_period={"years": 1}),  # as long as the sentence
        with_(safety_period={"months": 12}),
        with_(sentences=[{"years": 0, "months": 0, "days": 1}]),
        with_(pretrial_detention_days=5000),  # remand longer than the sentence
    ],
)
def test_parse_accepts_edge_values(obj):
    assert isinstance(parse(obj), SentenceInput)


BAD_INPUTS = [
    # Required fields.
    (with_(sentences=MISSING), "sentences"),
    (with_(sentences=None), "sentences"),
    (with_(committal_date=MISSING), "committal_date"),
    (with_(committal_date=None), "committal_date"),
    # Sentences.
    (with_(sentences=[]), "sentences"),
    (with_(sentences={"years": 1}), "sentences"),
    (with_(sentences=[1]), "sentences"),
    (with_(sentences=["1 an"]), "sentences"),
    (with_(sentences=[{"years": True}]), "sentences"),
    (with_(sentences=[{"years": 1.0}]), "sentences"),
    (with_(sentences=[{"months": "6"}]), "sentences"),
    (with_(sentences=[{"days": None, "years": None}]), "sentences"),
    (with_(sentences=[{"years": -1}]), "sentences"),
    (with_(sentences=[{"years": 1, "weeks": 2}]), "sentences"),
    # A sentence of zero total length.
    (with_(sentences=[{}]), "sentences"),
    (with_(sentences=[{"years": 0, "months": 0, "days": 0}]), "sentences"),
    (with_(sentences=[{"days": 0}, {"months": 0}]), "sentences"),
    # Integers: JSON integers, not booleans, floats or strings; ≥ 0.
    (with_(pretrial_detention_days=True), "pretrial_detention_days"),
    (with_(pretrial_detention_days=False), "pretrial_detention_days"),
    (with_(pretrial_detention_days=3.0), "pretrial_detention_days"),
    (with_(pretrial_detention_days=1.5), "pretrial_detention_days"),
    (with_(pretrial_detention_days="3"), "pretrial_detention_days"),
    (with_(pretrial_detention_days=-1), "pretrial_detention_days"),
    (with_(pretrial_detention_days=[3]), "pretrial_detention_days"),
    (with_(reductions_granted_days=True), "reductions_granted_days"),
    (with_(reductions_granted_days="10"), "reductions_granted_days"),
    (with_(reductions_granted_days=-5), "reductions_granted_days"),
    (with_(reductions_withdrawn_days=2.0), "reductions_withdrawn_days"),
    (with_(reductions_withdrawn_days=-1), "reductions_withdrawn_days"),
    # Dates: exactly YYYY-MM-DD, and existing.
    (with_(committal_date="2025-1-10"), "committal_date"),
    (with_(committal_date="2025-01-1"), "committal_date"),
    (with_(committal_date="2025-02-30"), "committal_date"),
    (with_(committal_date="2025-02-29"), "committal_date"),
    (with_(committal_date="2025-13-01"), "committal_date"),
    (with_(committal_date="2025-00-10"), "committal_date"),
    (with_(committal_date="0000-01-10"), "committal_date"),
    (with_(committal_date="10/01/2025"), "committal_date"),
    (with_(committal_date="20250110"), "committal_date"),
    (with_(committal_date="2025-W02-5"), "committal_date"),
    (with_(committal_date="2025-010"), "committal_date"),
    (with_(committal_date="2025-01-10T00:00:00"), "committal_date"),
    (with_(committal_date="2025-01-10 "), "committal_date"),
    (with_(committal_date=" 2025-01-10"), "committal_date"),
    (with_(committal_date="2025-01-10\n"), "committal_date"),
    (with_(committal_date="２０２５-01-10"), "committal_date"),
    (with_(committal_date="+2025-01-10"), "committal_date"),
    (with_(committal_date=""), "committal_date"),
    (with_(committal_date=20250110), "committal_date"),
    (with_(committal_date=["2025-01-10"]), "committal_date"),
    (with_(birth_date="1960-02-30"), "birth_date"),
    (with_(birth_date="1961-02-29"), "birth_date"),
    (with_(birth_date="1960/01/01"), "birth_date"),
    (with_(birth_date="19600101"), "birth_date"),
    (with_(birth_date=True), "birth_date"),
    (with_(birth_date=19600101), "birth_date"),
    # Safety period.
    (with_(safety_period=5), "safety_period"),
    (with_(safety_period="2 ans"), "safety_period"),
    (with_(safety_period=[]), "safety_period"),
    (with_(safety_period={"years": "1"}), "safety_period"),
    (with_(safety_period={"months": 1.0}), "safety_period"),
    (with_(safety_period={"months": True}), "safety_period"),
    (with_(safety_period={"months": -1}), "safety_period"),
    (with_(safety_period={"weeks": 1}), "safety_period"),
    # Longer than the pronounced sentence.
    (with_(safety_period={"years": 2}), "safety_period"),
    (with_(safety_period={"years": 1, "days": 1}), "safety_period"),
    (with_(safety_period={"months": 13}), "safety_period"),
    # Booleans: JSON booleans.
    (with_(lsc_excluded=1), "lsc_excluded"),
    (with_(lsc_excluded=0), "lsc_excluded"),
    (with_(lsc_excluded="true"), "lsc_excluded"),
    (with_(lsc_plein_droit_excluded="false"), "lsc_plein_droit_excluded"),
    (with_(lsc_plein_droit_excluded=0), "lsc_plein_droit_excluded"),
    (with_(legal_recidivist=1), "legal_recidivist"),
    (with_(legal_recidivist="true"), "legal_recidivist"),
    (with_(legal_recidivist=[True]), "legal_recidivist"),
    # Unknown keys.
    (with_(foo=1), "foo"),
    (with_(pretrial_days=10), "pretrial_days"),
    (with_(Committal_date="2025-01-10"), "Committal_date"),
]


@pytest.mark.parametrize(("obj", "field"), BAD_INPUTS)
def test_parse_refuses_bad_input(obj, field):
    with pytest.raises(InputError) as caught:
        parse(obj)
    error = caught.value
    assert isinstance(error, ValueError)
    assert field in error.field
    assert field in str(error)
    assert_french(str(error))


@pytest.mark.parametrize(
    "obj",
    [
        # 1 month = 30 days; 30 days of reductions: E = S.
        with_(sentences=[{"months": 1}], reductions_granted_days=30),
        with_(sentences=[{"months": 1}], reductions_granted_days=31),
        with_(sentences=[{"days": 10}], reductions_granted_days=40, reductions_withdrawn_days=30),
        # 1 year from 2025-01-10 is 365 days.
        with_(reductions_granted_days=365),
        with_(reductions_granted_days=1000, reductions_withdrawn_days=10),
    ],
)
def test_parse_refuses_reductions_reaching_the_sentence(obj):
    with pytest.raises(InputError) as caught:
        parse(obj)
    error = caught.value
    assert "reductions" in error.field
    assert "reductions" in str(error)
    assert_french(str(error))


def test_input_error_names_the_sentence_in_error():
    with pytest.raises(InputError) as caught:
        parse(with_(sentences=[{"years": 1}, {"months": "6"}]))
    assert "sentences" in caught.value.field
    assert "1" in caught.value.field or "1" in str(caught.value)


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        # Values whose dates fall outside the calendar (years 1 to 9999) are bad input too:
        # an InputError naming the field, never an OverflowError or a bare ValueError.
        (with_(sentences=[{"years": 100000}]), "sentences"),
        (with_(sentences=[{"days": 10**9}]), "sentences"),
        (with_(pretrial_detention_days=1_000_000), "pretrial_detention_days"),
        (with_(pretrial_detention_days=10**10), "pretrial_detention_days"),
        (with_(reductions_granted_days=10**10), "reductions"),
        (with_(safety_period={"years": 100000}), "safety_period"),
        (with_(committal_date="0001-01-01", pretrial_detention_days=1), "pretrial_detention_days"),
    ],
    ids=[
        "years-100000",
        "days-1e9",
        "remand-1e6",
        "remand-1e10",
        "reductions-1e10",
        "safety-years-100000",
        "start-before-year-1",
    ],
)
def test_parse_refuses_values_outside_the_calendar(obj, field):
    with pytest.raises(InputError) as caught:
        parse(obj)
    assert field in caught.value.field
    assert_french(str(caught.value))


@pytest.mark.parametrize(
    "obj",
    [
        with_(committal_date="9999-06-01"),  # the end would be in year 10000
        with_(committal_date="9998-12-01"),  # the end (9999-12-01) exists
        with_(birth_date="9990-01-01"),  # the 70th birthday does not exist
    ],
    ids=["end-in-year-10000", "end-9999-12-01", "birthday-in-year-10060"],
)
def test_dates_near_the_end_of_the_calendar_never_crash(obj):
    try:
        data = parse(obj)
    except InputError as error:
        assert_french(str(error))
        return
    result = compute(data)
    check_order(data, result)


def test_a_safety_period_as_long_as_a_one_month_sentence_is_accepted():
    # One month from 2025-03-01 counts 30 days (E0 = 2025-03-31); a safety period of one month
    # is as long, not longer (even though March has 31 days).
    data = sentence(Length(months=1), committal=date(2025, 3, 1), safety_period=Length(months=1))
    result = check(data)
    assert result.end_date == date(2025, 3, 31)
    assert result.lc_eligibility_date == date(2025, 3, 31)  # moved back to the end
    with pytest.raises(InputError) as refused:
        check(dataclasses.replace(data, safety_period=Length(months=1, days=1)))
    assert refused.value.field == "safety_period"


def test_the_safety_period_names_its_legal_basis_in_the_rules_it_bounds():
    result = compute(dataclasses.replace(EXAMPLE_A, safety_period=Length(years=2)))
    rules_of = {e.field: e.rule for e in result.explanations}
    for name in ("lc_eligibility_date", "lsc_review_date", "jap_adjustment_date"):
        assert "CP 132-23" in rules_of[name], (name, rules_of[name])
    plain = {e.field: e.rule for e in compute(EXAMPLE_A).explanations}
    assert "CP 132-23" not in plain["lc_eligibility_date"]
