"""When reminders go, and what they say (pure rules)."""

from datetime import UTC, datetime, timedelta

import pytest

from probatio.messaging import rules

DEFAULT = [{"days_before": 2, "time": "10:00"}, {"days_before": 0, "time": "08:00"}]


def test_reminders_across_the_autumn_clock_change():
    """09:00 on Monday 27 October 2025, the day after the clock change: 10:00 on Saturday 25
    October (summer time, 08:00 UTC) and 08:00 on the Monday (winter time, 07:00 UTC)."""
    starts = datetime(2025, 10, 27, 8, 0, tzinfo=UTC)  # 09:00 CET
    times = rules.reminder_times(starts, DEFAULT, now=datetime(2025, 10, 1, tzinfo=UTC))
    assert times == [
        datetime(2025, 10, 25, 8, 0, tzinfo=UTC),
        datetime(2025, 10, 27, 7, 0, tzinfo=UTC),
    ]


def test_reminders_across_the_spring_clock_change():
    # 09:00 on Monday 31 March 2025 (summer time since Sunday 30).
    starts = datetime(2025, 3, 31, 7, 0, tzinfo=UTC)
    times = rules.reminder_times(starts, DEFAULT, now=datetime(2025, 3, 1, tzinfo=UTC))
    assert times == [
        datetime(2025, 3, 29, 9, 0, tzinfo=UTC),  # 10:00 CET
        datetime(2025, 3, 31, 6, 0, tzinfo=UTC),  # 08:00 CEST
    ]


def test_past_reminders_and_reminders_after_the_start_are_dropped():
    starts = datetime(2025, 11, 14, 6, 30, tzinfo=UTC)  # 07:30 Paris: before 08:00 the same day
    now = datetime(2025, 11, 12, 12, 0, tzinfo=UTC)  # after 10:00 two days before
    assert rules.reminder_times(starts, DEFAULT, now=now) == []


def test_duplicates_are_merged():
    starts = datetime(2025, 11, 14, 13, 0, tzinfo=UTC)
    twice = DEFAULT + [{"days_before": 2, "time": "10:00"}]
    assert len(rules.reminder_times(starts, twice, now=datetime(2025, 11, 1, tzinfo=UTC))) == 2


def test_retry_delays_grow_then_stop():
    delays = [rules.retry_delay(n) for n in range(1, rules.MAX_ATTEMPTS + 1)]
    assert delays[:-1] == sorted(delays[:-1])
    assert delays[0] == timedelta(minutes=1)
    assert delays[-1] is None


def test_when_text_states_the_date_and_the_time_in_paris():
    assert rules.when_text(datetime(2025, 10, 27, 8, 0, tzinfo=UTC)) == (
        "lundi 27 octobre 2025 à 09h00"
    )
    assert rules.when_text(datetime(2025, 6, 1, 12, 5, tzinfo=UTC)).startswith("dimanche 1er juin")


def test_every_message_states_date_time_and_place():
    for purpose in ("reminder", "cancelled", "moved"):
        subject, text = rules.compose(
            purpose=purpose,
            service_name="SPIP de la Somme",
            service_phone="03 22 00 00 00",
            when="lundi 27 octobre 2025 à 09h00",
            place="SPIP, Antenne d'Amiens",
            address="1 rue de la Paix, 80000 Amiens",
        )
        assert "lundi 27 octobre 2025 à 09h00" in text
        assert "Antenne d'Amiens" in text and "80000 Amiens" in text
        assert "03 22 00 00 00" in text
        assert subject


@pytest.mark.parametrize(
    ("open_committal", "active_measures", "held"),
    [
        (False, [], False),  # free
        (False, ["SURSIS_PROBATOIRE"], False),
        (True, [], True),  # in a cell
        (True, ["EMPRISONNEMENT", "SURSIS_PROBATOIRE", "LC"], True),  # a parole being revoked
        (True, ["SEMI_LIBERTE"], False),  # under écrou, living outside a cell
        (True, ["PLACEMENT_EXTERIEUR"], False),
        (True, ["DDSE_AMENAGEMENT"], False),
        (True, ["EMPRISONNEMENT", "DDSE_AMENAGEMENT"], False),
        (True, ["DDSE"], True),  # home detention as a sentence of its own: not under écrou
    ],
)
def test_held_in_cell(open_committal, active_measures, held):
    assert (
        rules.held_in_cell(open_committal=open_committal, active_measures=active_measures) is held
    )
