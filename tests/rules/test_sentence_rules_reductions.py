"""Reduction caps and withdrawals (pure, no database), worked by hand from the law.

CPP 721, 721-1-1, 721-1-2 (loi 2021-1729), for persons committed since 1 January 2023: the JAP
grants reductions, after the CAP, of at most 6 months per year of imprisonment and 14 days per
month for a period under one year; terrorism (721-1-1): 3 months / 7 days; violence against
holders of public authority (721-1-2): a crime 3 months / 7 days, a délit 4 months / 9 days. A
reduction may be withdrawn for misconduct within one year of its grant. Persons committed before
2023 and held continuously keep the earlier regime: 3 months the first year, 2 months the
following years, 7 days per month.

The convention: the months of a cap are calendar months counted from the sentence's start
(committal − remand), like every other date; each sentence's cap is worked with its own rate and
the caps are summed.
"""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probatio.sentences.rules import (
    AUTHORITY,
    CRIME,
    DELIT,
    ORDINARY,
    REDUCTIONS_REFORM,
    TERRORISM,
    SentenceLength,
    reduction_cap_days,
    withdrawable_days,
)

# Worked example A of the convention: committed 2025-01-10 after 122 days of remand.
START = date(2024, 9, 10)
COMMITTAL = date(2025, 1, 10)
OLD = date(2022, 6, 1)  # committed (and started) before the reform, held continuously since


def cap(*sentences, start=START, committal=COMMITTAL):
    return reduction_cap_days(list(sentences), start=start, committal_date=committal)


def test_the_reform_applies_from_1_january_2023():
    assert date(2023, 1, 1) == REDUCTIONS_REFORM


@pytest.mark.parametrize(
    ("sentence", "days"),
    [
        # 3 years → 18 months → 2024-09-10..2026-03-10.
        (SentenceLength(years=3), 546),
        # 1 year → 6 months → 2024-09-10..2025-03-10.
        (SentenceLength(years=1), 181),
        # 2 years → 12 months → 2024-09-10..2025-09-10.
        (SentenceLength(years=2), 365),
        # Under a year: 14 days per month.
        (SentenceLength(months=8), 8 * 14),
        (SentenceLength(months=1), 14),
        (SentenceLength(months=11), 11 * 14),
        # 1 year and 6 months: 6 months for the year, then 6 × 14 days.
        (SentenceLength(years=1, months=6), 181 + 84),
        # Months beyond 12 count as years: 30 months = 2 years and 6 months.
        (SentenceLength(months=30), 365 + 84),
    ],
)
def test_ordinary_caps_since_2023(sentence, days):
    """CPP 721: 6 months per year, 14 days per month under a year."""
    assert cap(sentence) == days


@pytest.mark.parametrize(
    ("sentence", "days"),
    [
        # 3 years → 9 months → 2024-09-10..2025-06-10.
        (SentenceLength(years=3, category=TERRORISM), 273),
        # 1 year → 3 months → 2024-09-10..2024-12-10.
        (SentenceLength(years=1, category=TERRORISM), 91),
        (SentenceLength(months=8, category=TERRORISM), 8 * 7),
        (SentenceLength(years=1, months=2, category=TERRORISM), 91 + 14),
    ],
)
def test_terrorism_caps(sentence, days):
    """CPP 721-1-1: 3 months per year, 7 days per month."""
    assert cap(sentence) == days


@pytest.mark.parametrize(
    ("sentence", "days"),
    [
        # A crime: 3 months per year, 7 days per month. 2 years → 6 months → 2025-03-10.
        (SentenceLength(years=2, category=AUTHORITY, qualification=CRIME), 181),
        (SentenceLength(months=5, category=AUTHORITY, qualification=CRIME), 5 * 7),
        # A délit: 4 months per year, 9 days per month. 2 years → 8 months → 2025-05-10.
        (SentenceLength(years=2, category=AUTHORITY, qualification=DELIT), 242),
        (SentenceLength(months=6, category=AUTHORITY, qualification=DELIT), 6 * 9),
        (SentenceLength(years=1, months=3, category=AUTHORITY, qualification=DELIT), 122 + 27),
    ],
)
def test_public_authority_caps(sentence, days):
    """CPP 721-1-2: violence against holders of public authority."""
    assert cap(sentence) == days


@pytest.mark.parametrize(
    ("sentence", "days"),
    [
        # 1 year → 3 months → 2022-06-01..2022-09-01.
        (SentenceLength(years=1), 92),
        # 3 years → 3 + 2 + 2 = 7 months → 2022-06-01..2023-01-01.
        (SentenceLength(years=3), 214),
        # 2 years and 4 months → 5 months (→ 2022-11-01), then 4 × 7 days.
        (SentenceLength(years=2, months=4), 153 + 28),
        # Under a year: 7 days per month.
        (SentenceLength(months=8), 56),
    ],
)
def test_caps_of_the_regime_before_2023(sentence, days):
    """Committed before 2023 and held continuously: 3 months the first year, 2 months the
    following years, 7 days per month."""
    assert cap(sentence, start=OLD, committal=OLD) == days


def test_the_committal_date_chooses_the_regime():
    """The regime depends on the committal, not on the start moved back by the remand."""
    three_years = SentenceLength(years=3)
    start = date(2022, 12, 1)
    before = cap(three_years, start=start, committal=date(2022, 12, 31))
    since = cap(three_years, start=start, committal=date(2023, 1, 1))
    assert before == (date(2023, 7, 1) - start).days  # 7 months
    assert since == (date(2024, 6, 1) - start).days  # 18 months


def test_months_are_calendar_months_from_the_start():
    # 31 August + 6 months = 28 February (the day clamped to the month's end).
    assert cap(SentenceLength(years=1), start=date(2024, 8, 31)) == 181
    # A leap year: 2024-01-01 + 12 months = 2025-01-01.
    assert cap(SentenceLength(years=2), start=date(2024, 1, 1), committal=date(2024, 1, 1)) == 366
    assert cap(SentenceLength(years=2), start=date(2025, 1, 1), committal=date(2025, 1, 1)) == 365


def test_mixed_categories_sum_their_own_caps():
    ordinary = SentenceLength(years=1)  # 6 months → 181
    terrorism = SentenceLength(years=1, category=TERRORISM)  # 3 months → 91
    authority = SentenceLength(months=6, category=AUTHORITY, qualification=DELIT)  # 54
    assert cap(ordinary, terrorism) == 181 + 91
    assert cap(ordinary, terrorism, authority) == 181 + 91 + 54
    assert cap(terrorism, ordinary) == cap(ordinary, terrorism)
    assert cap() == 0


def test_days_of_a_sentence_under_a_month_give_no_whole_month():
    """14 days per *month*: a sentence of 20 days has no whole month."""
    assert cap(SentenceLength(days=20)) == 0
    assert cap(SentenceLength(months=2, days=20)) == 28


def test_before_2023_a_longer_sentence_never_has_a_smaller_cap():
    """The former CPP 721 capped the 7 days per month at two months for sentences over a year:
    1 year 11 months from 2022-06-01 = 3 months (92 days) + min(77 days, 2 months = 61 days)."""
    shorter = cap(SentenceLength(years=1, months=11), start=OLD, committal=OLD)
    longer = cap(SentenceLength(years=2), start=OLD, committal=OLD)
    assert shorter == 92 + 61
    assert shorter <= longer


# --- Properties ---------------------------------------------------------------------------------

categories = st.sampled_from(
    [(ORDINARY, DELIT), (ORDINARY, CRIME), (TERRORISM, DELIT), (TERRORISM, CRIME),
     (AUTHORITY, DELIT), (AUTHORITY, CRIME)]
)  # fmt: skip
lengths = st.tuples(
    st.integers(0, 30), st.integers(0, 40), st.integers(0, 60)
)  # years, months, days
starts = st.dates(date(2023, 1, 1), date(2040, 12, 31))


def sentence(length, category):
    years, months, days = length
    return SentenceLength(years, months, days, category[0], category[1])


@settings(max_examples=300, deadline=None)
@given(length=lengths, more=lengths, category=categories, start=starts)
def test_a_cap_never_decreases_when_a_sentence_lengthens(length, more, category, start):
    """Since 2023 (CPP 721, 721-1-1, 721-1-2): a longer sentence never has a smaller cap."""
    longer = tuple(x + y for x, y in zip(length, more, strict=True))
    shorter_cap = cap(sentence(length, category), start=start, committal=start)
    longer_cap = cap(sentence(longer, category), start=start, committal=start)
    assert shorter_cap <= longer_cap


@settings(max_examples=300, deadline=None)
@given(length=lengths, start=starts, qualification=st.sampled_from([CRIME, DELIT]))
def test_special_caps_never_exceed_the_ordinary_cap(length, start, qualification):
    """Terrorism (721-1-1) and violence against holders of public authority (721-1-2) have
    lower rates than the ordinary one (721), for the same sentence."""
    ordinary = cap(sentence(length, (ORDINARY, qualification)), start=start, committal=start)
    terrorism = cap(sentence(length, (TERRORISM, qualification)), start=start, committal=start)
    authority = cap(sentence(length, (AUTHORITY, qualification)), start=start, committal=start)
    crime = cap(sentence(length, (AUTHORITY, CRIME)), start=start, committal=start)
    delit = cap(sentence(length, (AUTHORITY, DELIT)), start=start, committal=start)
    assert terrorism <= ordinary
    assert authority <= ordinary
    assert crime <= delit


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(st.tuples(lengths, categories), min_size=1, max_size=4),
    start=starts,
)
def test_the_cap_of_several_sentences_is_the_sum_of_their_caps(parts, start):
    sentences = [sentence(length, category) for length, category in parts]
    total = cap(*sentences, start=start, committal=start)
    assert total == sum(cap(s, start=start, committal=start) for s in sentences)


# --- Withdrawals: within one year of the grant (CPP 721) ---------------------------------------

GRANTED, WITHDRAWN = "granted", "withdrawn"


def test_nothing_to_withdraw_without_reductions():
    assert withdrawable_days([], on=date(2025, 1, 1)) == 0


def test_a_grant_can_be_withdrawn_within_the_year():
    reductions = [(GRANTED, date(2024, 3, 1), 60)]
    assert withdrawable_days(reductions, on=date(2024, 3, 1)) == 60
    assert withdrawable_days(reductions, on=date(2024, 12, 1)) == 60
    assert withdrawable_days(reductions, on=date(2025, 2, 28)) == 60


def test_a_grant_more_than_a_year_old_cannot_be_withdrawn():
    reductions = [(GRANTED, date(2024, 3, 1), 60)]
    assert withdrawable_days(reductions, on=date(2025, 3, 2)) == 0
    assert withdrawable_days(reductions, on=date(2026, 1, 1)) == 0


def test_only_the_grants_of_the_last_year_can_be_withdrawn():
    reductions = [(GRANTED, date(2023, 6, 1), 90), (GRANTED, date(2024, 6, 1), 30)]
    assert withdrawable_days(reductions, on=date(2024, 3, 1)) == 90
    assert withdrawable_days(reductions, on=date(2025, 1, 15)) == 30
    assert withdrawable_days(reductions, on=date(2025, 6, 2)) == 0


def test_a_grant_is_not_withdrawn_twice():
    reductions = [(GRANTED, date(2024, 6, 1), 30), (WITHDRAWN, date(2024, 9, 1), 10)]
    assert withdrawable_days(reductions, on=date(2025, 1, 15)) == 20
    reductions.append((WITHDRAWN, date(2024, 12, 1), 20))
    assert withdrawable_days(reductions, on=date(2025, 1, 15)) == 0


def test_grants_of_the_year_add_up():
    reductions = [(GRANTED, date(2024, 3, 1), 30), (GRANTED, date(2024, 9, 1), 45)]
    assert withdrawable_days(reductions, on=date(2025, 1, 15)) == 75
    assert withdrawable_days(reductions, on=date(2025, 4, 1)) == 45


events = st.lists(
    st.tuples(
        st.sampled_from([GRANTED, GRANTED, WITHDRAWN]),
        st.dates(date(2023, 1, 1), date(2027, 12, 31)),
        st.integers(1, 120),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(reductions=events, on=st.dates(date(2023, 1, 1), date(2028, 12, 31)))
def test_a_withdrawal_takes_back_only_recent_reductions_still_standing(reductions, on):
    found = withdrawable_days(reductions, on=on)
    granted = sum(n for kind, _, n in reductions if kind == GRANTED)
    withdrawn = sum(n for kind, _, n in reductions if kind == WITHDRAWN)
    recent = sum(
        n
        for kind, day, n in reductions
        if kind == GRANTED and on - timedelta(days=366) <= day <= on
    )
    assert 0 <= found <= max(0, granted - withdrawn)
    assert found <= recent
