"""Proof schedules and compliance: the pure rules, without a database."""

from datetime import date

import pytest

from probatio.compliance import rules
from probatio.compliance.rules import ProofFact, Status


def keys(slots):
    return [(s.period_start, s.period_end, s.due) for s in slots]


def test_monthly_periods_are_calendar_months_cut_to_the_obligation():
    slots = rules.schedule("monthly", start=date(2025, 1, 15), end=None, today=date(2025, 3, 2))
    assert keys(slots) == [
        (date(2025, 1, 15), date(2025, 1, 31), date(2025, 2, 10)),
        (date(2025, 2, 1), date(2025, 2, 28), date(2025, 3, 10)),
        (date(2025, 3, 1), date(2025, 3, 31), date(2025, 4, 10)),  # begun: listed, not due
    ]
    assert [s.label for s in slots] == ["janvier 2025", "février 2025", "mars 2025"]


def test_february_of_a_leap_year_ends_on_the_29th():
    [_, february] = rules.schedule(
        "monthly", start=date(2024, 1, 31), end=None, today=date(2024, 2, 1)
    )
    assert february.period_end == date(2024, 2, 29)
    assert february.due == date(2024, 3, 10)


def test_the_grace_is_the_services():
    [slot] = rules.schedule(
        "monthly", start=date(2025, 10, 1), end=None, today=date(2025, 10, 5), grace_days=5
    )
    assert slot.due == date(2025, 11, 5)


def test_the_last_period_stops_at_the_obligations_end():
    slots = rules.schedule(
        "monthly", start=date(2025, 1, 1), end=date(2025, 2, 14), today=date(2025, 6, 1)
    )
    assert keys(slots)[-1] == (date(2025, 2, 1), date(2025, 2, 14), date(2025, 2, 24))
    assert len(slots) == 2


def test_quarters_are_calendar_quarters():
    slots = rules.schedule("quarterly", start=date(2025, 2, 10), end=None, today=date(2025, 7, 1))
    assert keys(slots) == [
        (date(2025, 2, 10), date(2025, 3, 31), date(2025, 4, 10)),
        (date(2025, 4, 1), date(2025, 6, 30), date(2025, 7, 10)),
        (date(2025, 7, 1), date(2025, 9, 30), date(2025, 10, 10)),
    ]
    assert [s.label for s in slots] == [
        "1er trimestre 2025",
        "2e trimestre 2025",
        "3e trimestre 2025",
    ]


def test_a_year_end_period_rolls_into_the_next_year():
    slots = rules.schedule("monthly", start=date(2025, 12, 31), end=None, today=date(2026, 1, 3))
    assert keys(slots) == [
        (date(2025, 12, 31), date(2025, 12, 31), date(2026, 1, 10)),
        (date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 10)),
    ]


def test_once_is_due_thirty_days_after_the_start_or_six_months_for_a_course():
    [plain] = rules.schedule("once", start=date(2025, 1, 31), end=None, today=date(2025, 2, 1))
    assert plain.due == date(2025, 3, 2)
    [course] = rules.schedule(
        "once", start=date(2025, 8, 31), end=None, today=date(2025, 9, 1), course=True
    )
    assert course.due == date(2026, 2, 28)  # 31 August + 6 months, clamped


def test_on_change_expects_a_proof_at_the_start_and_after_each_change():
    slots = rules.schedule(
        "on_change",
        start=date(2025, 3, 1),
        end=None,
        today=date(2025, 9, 1),
        changes=[date(2025, 2, 1), date(2025, 6, 12), date(2025, 6, 12), date(2025, 10, 1)],
    )
    assert keys(slots) == [
        (date(2025, 3, 1), date(2025, 3, 1), date(2025, 3, 31)),
        (date(2025, 6, 12), date(2025, 6, 12), date(2025, 7, 12)),
    ]
    assert slots[1].label == "changement du 12/06/2025"


@pytest.mark.parametrize("frequency", ["none", "per_session"])
def test_no_schedule_without_a_positive_frequency(frequency):
    assert rules.schedule(frequency, start=date(2025, 1, 1), end=None, today=date(2025, 6, 1)) == []


def test_an_obligation_not_started_expects_nothing():
    assert (
        rules.schedule("monthly", start=date(2026, 1, 1), end=None, today=date(2025, 12, 31)) == []
    )


def test_an_obligation_changed_mid_way_splits_the_month_between_its_versions():
    """A decision replaces the obligation on 15 March: the old version's last period ends on
    the 14th, the new one's first starts on the 15th; each is due on its own."""
    old = rules.schedule(
        "monthly", start=date(2025, 1, 1), end=date(2025, 3, 14), today=date(2025, 5, 1)
    )
    new = rules.schedule("quarterly", start=date(2025, 3, 15), end=None, today=date(2025, 5, 1))
    assert keys(old)[-1] == (date(2025, 3, 1), date(2025, 3, 14), date(2025, 3, 24))
    assert keys(new)[0] == (date(2025, 3, 15), date(2025, 3, 31), date(2025, 4, 10))
    assert keys(new)[1][0] == date(2025, 4, 1)


SLOT = rules.Slot(
    key=date(2025, 1, 1),
    period_start=date(2025, 1, 1),
    period_end=date(2025, 1, 31),
    due=date(2025, 2, 10),
    label="janvier 2025",
)


def proof(received, status, key=date(2025, 1, 1)):
    return ProofFact(slot_key=key, received_on=received, status=status)


@pytest.mark.parametrize(
    ("proofs", "today", "expected"),
    [
        ([], date(2025, 2, 10), Status.NOT_DUE),  # due today: not missing yet
        ([], date(2025, 2, 11), Status.MISSING),
        ([proof(date(2025, 2, 10), "accepted")], date(2025, 3, 1), Status.ON_TIME),
        ([proof(date(2025, 2, 11), "accepted")], date(2025, 3, 1), Status.LATE),
        ([proof(date(2025, 2, 1), "refused")], date(2025, 3, 1), Status.MISSING),
        ([proof(date(2025, 2, 1), "refused")], date(2025, 2, 5), Status.NOT_DUE),
        ([proof(date(2025, 2, 1), "received")], date(2025, 3, 1), Status.TO_REVIEW),
        # A refused proof, then an accepted one after the due day: late, not missing.
        (
            [proof(date(2025, 2, 1), "refused"), proof(date(2025, 2, 20), "accepted")],
            date(2025, 3, 1),
            Status.LATE,
        ),
        # A proof for another period does not count for this one.
        ([proof(date(2025, 2, 1), "accepted", key=date(2025, 2, 1))], date(2025, 3, 1),
         Status.MISSING),
    ],
)  # fmt: skip
def test_slot_status(proofs, today, expected):
    assert rules.slot_state(SLOT, proofs, today).status is expected


def test_the_earliest_accepted_proof_decides():
    state = rules.slot_state(
        SLOT,
        [proof(date(2025, 2, 20), "accepted"), proof(date(2025, 2, 5), "accepted")],
        date(2025, 3, 1),
    )
    assert state.status is Status.ON_TIME and state.proof.received_on == date(2025, 2, 5)


def test_counts_over_a_measure():
    slots = rules.schedule("monthly", start=date(2025, 1, 1), end=None, today=date(2025, 4, 20))
    proofs = [
        proof(date(2025, 2, 3), "accepted", key=date(2025, 1, 1)),
        proof(date(2025, 3, 20), "accepted", key=date(2025, 2, 1)),
        proof(date(2025, 4, 2), "refused", key=date(2025, 3, 1)),
    ]
    result = rules.counts(rules.compliance(slots, proofs, date(2025, 4, 20)))
    assert result == {
        Status.ON_TIME: 1,
        Status.LATE: 1,
        Status.TO_REVIEW: 0,
        Status.MISSING: 1,  # March: refused, due 10 April
        Status.NOT_DUE: 1,  # April
    }


@pytest.mark.parametrize("frequency", ["monthly", "quarterly", "once", "on_change"])
@pytest.mark.parametrize("since", [date(2024, 3, 9), date(2025, 1, 1), date(2025, 12, 31)])
def test_since_keeps_exactly_the_slots_due_from_that_day(frequency, since):
    kwargs = {
        "start": date(2024, 1, 31),
        "end": None,
        "today": date(2026, 1, 15),
        "changes": [date(2024, 6, 1), date(2025, 12, 20)],
    }
    everything = rules.schedule(frequency, **kwargs)
    assert rules.schedule(frequency, since=since, **kwargs) == [
        s for s in everything if s.due >= since
    ]


# --- Custody pauses the schedule of a measure it suspends (CP 132-43, 131-22). ---

HELD = [(date(2025, 2, 12), date(2025, 4, 15))]  # committal, release: both days held


def by_key(slots):
    return {s.key: s for s in slots}


def test_a_month_entirely_held_is_not_expected_and_a_partly_held_one_stays():
    slots = by_key(
        rules.schedule(
            "monthly", start=date(2025, 1, 1), end=None, today=date(2025, 6, 20), pauses=HELD
        )
    )
    assert sorted(slots) == [
        date(2025, 1, 1),
        date(2025, 2, 1),  # 1 to 11 February outside
        date(2025, 4, 1),  # 16 to 30 April outside
        date(2025, 5, 1),
        date(2025, 6, 1),
    ]  # March, held from its first day to its last, is not expected
    assert slots[date(2025, 1, 1)].due == date(2025, 2, 10)  # due the day before the committal
    assert slots[date(2025, 1, 1)].label == "janvier 2025"
    # February's due day (10 March) fell in custody: due again the grace after the release.
    assert slots[date(2025, 2, 1)].due == date(2025, 4, 25)
    assert slots[date(2025, 2, 1)].label == "février 2025 (hors détention)"
    assert slots[date(2025, 4, 1)].due == date(2025, 5, 10)
    assert slots[date(2025, 4, 1)].label == "avril 2025 (hors détention)"
    assert not any(s.awaiting_release for s in slots.values())


def test_a_pause_keeps_the_keys_and_periods_of_the_slots_it_keeps():
    """Proofs are registered against a slot's key: custody never invents a new one."""
    kwargs = {"start": date(2025, 1, 15), "end": None, "today": date(2025, 9, 1)}
    for frequency in ("monthly", "quarterly", "once", "on_change"):
        plain = {(s.key, s.period_start) for s in rules.schedule(frequency, **kwargs)}
        paused = rules.schedule(frequency, pauses=HELD, **kwargs)
        assert paused and {(s.key, s.period_start) for s in paused} <= plain


def test_a_quarter_entirely_held_is_not_expected():
    slots = rules.schedule(
        "quarterly",
        start=date(2025, 1, 1),
        end=None,
        today=date(2025, 12, 1),
        pauses=[(date(2025, 3, 20), date(2025, 7, 2))],
    )
    assert [s.key for s in slots] == [date(2025, 1, 1), date(2025, 7, 1), date(2025, 10, 1)]
    assert slots[0].due == date(2025, 7, 12)  # 10 April was held: release + 10 days


def test_two_custody_records_that_touch_are_one_custody():
    """A transfer: released on 31 January from one prison, committed on 1 February to another.
    February and March are held throughout."""
    slots = rules.schedule(
        "monthly",
        start=date(2025, 1, 1),
        end=None,
        today=date(2025, 5, 1),
        pauses=[(date(2025, 2, 1), date(2025, 3, 31)), (date(2025, 1, 20), date(2025, 1, 31))],
    )
    assert [s.key for s in slots] == [date(2025, 1, 1), date(2025, 4, 1), date(2025, 5, 1)]
    assert slots[0].due == date(2025, 4, 10)


def test_while_still_held_a_slot_due_in_custody_waits_and_is_never_missing():
    today = date(2025, 6, 20)
    slots = rules.schedule(
        "monthly", start=date(2025, 1, 1), end=None, today=today, pauses=[(date(2025, 3, 5), None)]
    )
    january, february, march = slots  # April to June: held throughout, not expected
    assert not january.awaiting_release and january.due == date(2025, 2, 10)
    assert february.due == date(2025, 3, 10) and february.awaiting_release
    assert march.label == "mars 2025 (hors détention)" and march.awaiting_release
    states = rules.compliance(slots, [], today)
    assert [s.status for s in states] == [Status.MISSING, Status.NOT_DUE, Status.NOT_DUE]
    # A proof received for a slot waiting for the release is in time, whenever it came.
    late_but_waiting = proof(date(2025, 6, 1), "accepted", key=date(2025, 2, 1))
    assert rules.slot_state(february, [late_but_waiting], today).status is Status.ON_TIME


def test_once_due_during_custody_is_due_again_after_the_release_with_its_whole_delay():
    kwargs = {"end": None, "today": date(2025, 9, 1), "pauses": HELD}
    [plain] = rules.schedule("once", start=date(2025, 1, 20), **kwargs)  # due 19 February
    assert plain.due == date(2025, 5, 15)  # release 15 April + 30 days
    assert not plain.awaiting_release
    [course] = rules.schedule("once", start=date(2024, 10, 1), course=True, **kwargs)
    assert course.due == date(2025, 10, 15)  # due 1 April, held: release + 6 months
    [before] = rules.schedule("once", start=date(2025, 1, 5), **kwargs)
    assert before.due == date(2025, 2, 4)  # due before the committal: unchanged
    [waiting] = rules.schedule(
        "once",
        start=date(2025, 1, 20),
        end=None,
        today=date(2025, 3, 1),
        pauses=[(date(2025, 2, 12), None)],  # still held
    )
    assert waiting.awaiting_release and waiting.due == date(2025, 2, 19)
    assert rules.slot_state(waiting, [], date(2025, 3, 1)).status is Status.NOT_DUE


def test_on_change_due_during_custody_is_due_again_after_the_release():
    slots = rules.schedule(
        "on_change",
        start=date(2024, 12, 1),
        end=None,
        today=date(2025, 9, 1),
        changes=[date(2025, 2, 1), date(2025, 3, 1), date(2025, 6, 1)],
        pauses=HELD,
    )
    assert keys(slots) == [
        (date(2024, 12, 1), date(2024, 12, 1), date(2024, 12, 31)),
        (date(2025, 2, 1), date(2025, 2, 1), date(2025, 5, 15)),  # due 3 March: held
        (date(2025, 3, 1), date(2025, 3, 1), date(2025, 5, 15)),  # recorded while held
        (date(2025, 6, 1), date(2025, 6, 1), date(2025, 7, 1)),
    ]


def test_a_due_day_moved_into_a_second_custody_moves_again():
    pauses = [(date(2025, 3, 1), date(2025, 3, 31)), (date(2025, 4, 5), date(2025, 5, 20))]
    [slot] = rules.schedule(
        "once", start=date(2025, 2, 15), end=None, today=date(2025, 9, 1), pauses=pauses
    )
    assert slot.due == date(2025, 6, 19)  # 17 March → 30 April (held again) → 19 June


@pytest.mark.parametrize("frequency", ["monthly", "quarterly", "once", "on_change"])
@pytest.mark.parametrize("since", [date(2024, 3, 9), date(2025, 1, 1), date(2025, 12, 31)])
@pytest.mark.parametrize(
    "pauses",
    [
        [(date(2024, 2, 10), date(2025, 12, 25))],  # nearly two years, released before since
        [(date(2024, 5, 3), date(2024, 8, 1)), (date(2024, 8, 6), date(2025, 12, 28))],
        [(date(2025, 11, 2), None)],
    ],
)
def test_since_keeps_exactly_the_slots_due_from_that_day_with_pauses(frequency, since, pauses):
    kwargs = {
        "start": date(2024, 1, 31),
        "end": None,
        "today": date(2026, 1, 15),
        "changes": [date(2024, 6, 1), date(2025, 12, 20)],
        "pauses": pauses,
    }
    everything = rules.schedule(frequency, **kwargs)
    assert rules.schedule(frequency, since=since, **kwargs) == [
        s for s in everything if s.due >= since or s.awaiting_release
    ]
