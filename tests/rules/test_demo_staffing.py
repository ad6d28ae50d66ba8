"""The demo at any size (no database): its staff grows with the persons followed, a full
agenda leaves an appointment out instead of failing, and the demo judge's parole always keeps
to the legal bounds."""

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from probatio.access.roles import Role
from probatio.core.dates import add_months
from probatio.demo.reports import answer_day
from probatio.demo.sentences import parole_end
from probatio.demo.slots import at_most, first_free_slot
from probatio.demo.staffing import (
    BASE_STAFF,
    JUDGE_DEMO_SHARE,
    cpips_for,
    first_cpip_share,
    judge_index,
    staff_plan,
)
from probatio.reports import answers

# --- The staff plan. ---


@pytest.mark.parametrize("persons", [1, 40, 100, 600, 650])
def test_the_default_sizes_keep_the_staff_of_the_default_demo(persons):
    assert staff_plan(persons) == {role: list(sites) for role, sites in BASE_STAFF.items()}


def test_a_service_of_6000_persons_has_about_65_persons_per_cpip():
    plan = staff_plan(6000)
    assert len(plan[Role.CPIP]) == 92  # 6000 / 65 = 92.3
    assert cpips_for(6000) == 92
    # The other roles in the proportions of the default service (two for ten CPIPs…).
    counts = {role: len(sites) for role, sites in plan.items()}
    assert counts == {
        Role.CPIP: 92,
        Role.MANAGER: 18,
        Role.SECRETARIAT: 18,
        Role.PSYCHOLOGIST: 9,
        Role.SOCIAL_WORKER: 9,
        Role.MONITORING: 18,
        Role.JUDGE: 18,
    }
    # The default service's members first, in the same order; each antenne keeps its share.
    assert plan[Role.CPIP][:10] == list(BASE_STAFF[Role.CPIP])
    sites = Counter(plan[Role.CPIP])
    assert sites["a"] / 92 == pytest.approx(0.5, abs=0.03)
    assert sites["b"] / 92 == pytest.approx(0.3, abs=0.03)
    assert sites["prison"] / 92 == pytest.approx(0.2, abs=0.03)
    assert set(plan[Role.JUDGE]) == {None}
    assert set(plan[Role.SOCIAL_WORKER]) == {"prison"}


@pytest.mark.parametrize("persons", [700, 1000, 2000, 6000, 12000])
def test_a_cpip_follows_about_65_persons_at_any_size(persons):
    cpips = len(staff_plan(persons)[Role.CPIP])
    assert 60 <= persons / cpips <= 70
    for role, sites in staff_plan(persons).items():
        assert len(sites) >= len(BASE_STAFF[role])


def test_the_first_cpip_gets_a_tenth_by_default_and_one_share_in_a_large_service():
    assert first_cpip_share(599, 10) == 60  # as before: a tenth of the files
    assert first_cpip_share(5999, 92) == 65
    assert first_cpip_share(3, 10) == 1


def test_two_judges_share_the_persons_as_before_and_more_judges_all_get_some():
    rng = random.Random(7)
    draws = [rng.random() for _ in range(20000)]
    assert [judge_index(d, 2) for d in draws] == [0 if d < JUDGE_DEMO_SHARE else 1 for d in draws]
    counts = Counter(judge_index(d, 18) for d in draws)
    assert set(counts) == set(range(18))
    assert counts[0] / len(draws) == pytest.approx(JUDGE_DEMO_SHARE * 2 / 18, abs=0.01)
    assert judge_index(0.999999, 18) == 17
    assert judge_index(0.5, 1) == 0


# --- A free slot, or none. ---

MONDAY = date(2026, 3, 2)
SLOTS = [time(9, 0), time(10, 30), time(14, 0)]
DAYS = [MONDAY + timedelta(days=n) for n in range(5)]


def test_a_full_agenda_gives_no_slot_instead_of_failing():
    def pick(free):
        raise AssertionError("never asked to choose among no slot")

    assert first_free_slot(DAYS, lambda day: [], pick) is None
    assert first_free_slot([], lambda day: SLOTS, pick) is None
    # The old way failed here: random.choice([]) on the first, full, day.
    with pytest.raises(IndexError):
        random.Random(1).choice([])


def test_the_first_day_with_a_free_slot_is_taken_and_its_slot_picked():
    full = {DAYS[0], DAYS[1]}
    found = first_free_slot(DAYS, lambda day: [] if day in full else SLOTS, random.Random(3).choice)
    assert found is not None and found[0] == DAYS[2] and found[1] in SLOTS
    # The wished day when it has room: the same draw as a plain choice among its slots.
    assert first_free_slot(DAYS, lambda day: SLOTS, random.Random(5).choice) == (
        DAYS[0],
        random.Random(5).choice(SLOTS),
    )


def test_a_slot_at_a_position_falls_back_on_the_last_free_one():
    assert at_most(2)(SLOTS) == time(14, 0)
    assert at_most(2)(SLOTS[:1]) == time(9, 0)
    assert at_most(0)(SLOTS) == time(9, 0)


# --- The parole the demo judge grants. ---


def _errors(effective_on: date, sentence_end: date, end_on: date) -> dict:
    today = effective_on - timedelta(days=21)
    facts = answers.Facts(
        matter=answers.PAROLE,
        today=today,
        measure_type="EMPRISONNEMENT",
        measure_open=True,
        held=True,
        sentence_end=sentence_end,
    )
    data = answers.Input(
        code=answers.GRANTED, answered_on=today, effective_on=effective_on, end_on=end_on
    )
    return answers.check(facts, data)


@pytest.mark.parametrize("seed", range(40))
def test_the_demo_parole_never_lasts_more_than_ten_years(seed):
    rng = random.Random(seed)
    for _ in range(50):
        effective_on = date(2026, 1, 1) + timedelta(days=rng.randint(0, 800))
        # Sentences ending from a few weeks to twenty-five years after the parole's start.
        sentence_end = effective_on + timedelta(days=rng.randint(1, 25 * 366))
        end = parole_end(effective_on, sentence_end)
        if sentence_end > add_months(effective_on, 120):
            assert end is None  # no parole fits: the demo picks another person
            continue
        assert end is not None
        assert sentence_end <= end <= add_months(sentence_end, 12)
        assert end <= add_months(effective_on, 120)
        assert _errors(effective_on, sentence_end, end) == {}


def test_the_old_end_of_the_demo_parole_broke_the_ten_years_rule():
    effective_on = date(2026, 5, 4)
    sentence_end = add_months(effective_on, 118)  # nine years and ten months left
    old = add_months(sentence_end, 6)
    assert "dix ans" in _errors(effective_on, sentence_end, old)["end_on"]
    new = parole_end(effective_on, sentence_end)
    assert new == add_months(effective_on, 120)
    assert _errors(effective_on, sentence_end, new) == {}
    assert parole_end(effective_on, effective_on) is None


# --- A build that goes past midnight. ---


def test_the_judge_answers_on_the_day_of_the_transmission_when_the_build_passed_midnight():
    today = date(2026, 12, 6)
    paris = ZoneInfo("Europe/Paris")
    before = datetime(2026, 12, 6, 23, 50, tzinfo=paris)
    after = datetime(2026, 12, 7, 0, 10, tzinfo=paris)
    assert answer_day(today, before) == today
    assert answer_day(today, after) == date(2026, 12, 7)
    assert answer_day(today, None) == today
