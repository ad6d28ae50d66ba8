"""Retention's pure rules: when a thing is due (calendar months, clamped to the month's end),
what a closed file is, the batches, and the default rules fitting what each kind allows."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from probatio.retention import rules
from probatio.retention.models import ALLOWED, DURATION_MESSAGE


def test_the_cutoff_is_calendar_months_before_clamped_to_the_months_end():
    assert rules.cutoff(date(2026, 12, 7), 60) == date(2021, 12, 7)
    assert rules.cutoff(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert rules.due_on(date(2021, 6, 30), 60) == date(2026, 6, 30)


def test_due_on_the_day_the_duration_ends_not_before():
    ended = date(2021, 12, 7)
    assert rules.is_due(ended, 60, date(2026, 12, 7))
    assert not rules.is_due(ended, 60, date(2026, 12, 6))
    assert not rules.is_due(None, 60, date(2030, 1, 1))


def test_the_time_bound_starts_the_cutoff_day_in_paris():
    bound = rules.cutoff_time(date(2026, 12, 7), 36)
    assert bound == datetime(2023, 12, 7, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.mark.parametrize("months", [0, -1, -60, None])
def test_a_zero_or_negative_duration_is_refused_in_french(months):
    assert rules.duration_error(months) == DURATION_MESSAGE
    assert "au moins 1 mois" in DURATION_MESSAGE
    if months is not None:
        with pytest.raises(ValueError, match="au moins 1 mois"):
            rules.cutoff(date(2026, 1, 1), months)


def test_a_file_is_closed_when_nothing_is_open_to_come_or_in_custody():
    closed = {"measure_statuses": ["ended", "revoked"], "in_custody": False}
    assert rules.file_is_closed(**closed, appointments_to_come=0)
    assert not rules.file_is_closed(**closed, appointments_to_come=1)
    assert not rules.file_is_closed(
        measure_statuses=["ended"], in_custody=True, appointments_to_come=0
    )
    for status in ("pending", "active", "suspended"):
        assert not rules.file_is_closed(
            measure_statuses=["ended", status], in_custody=False, appointments_to_come=0
        )
    # No measure at all (pre-sentence work only): never closed by this rule.
    assert not rules.file_is_closed(measure_statuses=[], in_custody=False, appointments_to_come=0)


def test_batches_are_whole_and_in_order():
    assert list(rules.batches(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(rules.batches([], 2)) == []


def test_the_default_rules_fit_their_kind_and_cite_a_source():
    kinds = set()
    for code, kind, label, months, counts_from, action, source in rules.DEFAULT_RULES:
        allowed_start, allowed_actions = ALLOWED[kind]
        assert counts_from == allowed_start and action in allowed_actions, code
        assert rules.duration_error(months) is None and label and len(source) > 40
        kinds.add(kind)
    assert kinds == set(ALLOWED)
    by_kind = {kind: months for _, kind, _, months, *_ in rules.DEFAULT_RULES}
    assert by_kind["files"] == 60  # APPI: five years after the end of the measure
    assert 6 <= by_kind["journal"] <= 36  # the CNIL: six months to three years
