"""Duration rules of measures, against the real catalogue data (no database)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probatio.core.dates import add_months, format_fr
from probatio.measures.catalogue import MEASURE_RULES
from probatio.measures.rules import (
    Bounds,
    end_date,
    initial_status,
    period_start,
    rule_in_force,
    validate_dates,
    validate_duration,
    validate_status,
)


def catalogue_bounds(code: str) -> list[Bounds]:
    """The catalogue's rules for ``code``, as ``Bounds`` (the way ``sync`` stores them)."""
    result = []
    for valid_from, kind, minimum, maximum, max_rec, max_rep, hours, text in MEASURE_RULES[code]:
        result.append(
            Bounds(
                duration_kind=kind,
                valid_from=valid_from,
                min_months=minimum[0] if minimum else None,
                min_days=minimum[1] if minimum else None,
                max_months=maximum[0] if maximum else None,
                max_days=maximum[1] if maximum else None,
                max_months_recidivist=max_rec,
                max_months_repeat=max_rep,
                min_hours=hours[0] if hours else None,
                max_hours=hours[1] if hours else None,
                text=text,
            )
        )
    return result


def bounds_on(code: str, on: date = date(2025, 6, 1)) -> Bounds:
    found = rule_in_force(catalogue_bounds(code), on)
    assert found is not None, f"no rule in force for {code} on {on}"
    return found


SURSIS = bounds_on("SURSIS_PROBATOIRE")
TIG = bounds_on("TIG")
DDSE = bounds_on("DDSE")
START = date(2025, 3, 10)


def check(bounds, *, months=None, days=None, hours=None, recidivism="none", start=START):
    return validate_duration(
        bounds, start=start, months=months, days=days, hours=hours, recidivism=recidivism
    )


# --- calendar arithmetic -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 1, 10), 24, date(2027, 1, 10)),
        (date(2025, 11, 15), 2, date(2026, 1, 15)),
        (date(2025, 12, 15), 0, date(2025, 12, 15)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
    ],
)
def test_add_months_keeps_the_day_and_clamps_to_the_end_of_month(day, months, expected):
    assert add_months(day, months) == expected


def test_format_fr():
    assert format_fr(date(2025, 2, 3)) == "03/02/2025"
    assert format_fr(None) == ""


@pytest.mark.parametrize(
    ("start", "months", "days", "expected"),
    [
        (date(2025, 1, 10), 24, None, date(2027, 1, 10)),
        (date(2025, 1, 31), 1, 3, date(2025, 3, 3)),
        (date(2025, 1, 1), None, 15, date(2025, 1, 16)),
        (date(2025, 1, 1), 0, 0, date(2025, 1, 1)),
        (date(2024, 12, 20), 6, 20, date(2025, 7, 10)),
    ],
)
def test_end_date(start, months, days, expected):
    assert end_date(start, months, days) == expected


# --- catalogue bounds ------------------------------------------------------------------------


def test_sursis_probatoire_bounds_are_those_of_the_penal_code():
    assert (
        SURSIS.duration_kind,
        SURSIS.min_months,
        SURSIS.max_months,
        SURSIS.max_months_recidivist,
        SURSIS.max_months_repeat,
    ) == ("period", 12, 36, 60, 84)
    assert SURSIS.valid_from == date(2020, 3, 24)


@pytest.mark.parametrize("months", [12, 24, 36])
def test_sursis_within_12_to_36_months_is_valid(months):
    assert check(SURSIS, months=months) == {}


def test_sursis_of_11_months_is_refused_below_the_minimum():
    errors = check(SURSIS, months=11)
    assert list(errors) == ["duration_months"]
    assert "inférieure au minimum de 12 mois" in errors["duration_months"]
    assert "CP 132-42" in errors["duration_months"]


def test_sursis_of_12_months_minus_a_day_is_refused():
    errors = check(SURSIS, months=11, days=27)
    assert "minimum" in errors["duration_months"]


def test_sursis_of_48_months_without_recidivism_is_refused_with_the_rule():
    errors = check(SURSIS, months=48)
    assert list(errors) == ["duration_months"]
    message = errors["duration_months"]
    assert "48 mois" in message
    assert "dépasse le maximum de 36 mois" in message
    assert "récidive légale" in message
    assert "Règle : Délai de probation de 12 à 36 mois" in message
    assert "(CP 132-42)" in message


def test_sursis_of_36_months_and_a_day_is_refused():
    assert "maximum" in check(SURSIS, months=36, days=1)["duration_months"]


@pytest.mark.parametrize(
    ("recidivism", "months", "valid"),
    [
        ("legal", 48, True),
        ("legal", 60, True),
        ("legal", 61, False),
        ("legal", 84, False),
        ("repeat", 60, True),
        ("repeat", 84, True),
        ("repeat", 85, False),
        ("none", 37, False),
    ],
)
def test_recidivism_widens_the_maximum(recidivism, months, valid):
    errors = check(SURSIS, months=months, recidivism=recidivism)
    assert (errors == {}) is valid, errors


def test_recidivism_message_names_the_widened_maximum():
    assert "maximum de 60 mois" in check(SURSIS, months=61, recidivism="legal")["duration_months"]
    assert "maximum de 84 mois" in check(SURSIS, months=85, recidivism="repeat")["duration_months"]


def test_recidivism_does_not_lower_the_minimum():
    assert "minimum" in check(SURSIS, months=6, recidivism="repeat")["duration_months"]


def test_sursis_without_any_duration_is_refused():
    errors = check(SURSIS)
    assert errors == {"duration_months": "Indiquez la durée (en mois et/ou en jours)."}


def test_sursis_is_not_counted_in_hours():
    errors = check(SURSIS, months=24, hours=100)
    assert errors == {"hours": "Cette mesure ne se compte pas en heures."}


# TIG: 20 to 400 hours, within a period of at most 18 months.


def test_tig_bounds():
    assert (TIG.duration_kind, TIG.min_hours, TIG.max_hours, TIG.max_months) == (
        "hours",
        20,
        400,
        18,
    )


@pytest.mark.parametrize("hours", [20, 105, 400])
def test_tig_hours_within_bounds(hours):
    assert check(TIG, hours=hours, months=18) == {}


@pytest.mark.parametrize("hours", [0, 19, 401])
def test_tig_hours_out_of_bounds(hours):
    errors = check(TIG, hours=hours, months=12)
    assert list(errors) == ["hours"]
    assert errors["hours"].startswith(
        f"{hours} heures : le nombre d'heures doit être compris entre 20 et 400."
    )
    assert "CP 131-8" in errors["hours"]


def test_tig_period_of_19_months_is_refused():
    errors = check(TIG, hours=100, months=19)
    assert list(errors) == ["duration_months"]
    assert "dépasse le maximum de 18 mois" in errors["duration_months"]


def test_tig_without_hours_is_refused():
    errors = check(TIG, hours=None, months=12)
    assert errors == {"hours": "Indiquez le nombre d'heures prononcé."}


def test_tig_without_period_is_refused():
    errors = check(TIG, hours=100)
    assert errors == {"duration_months": "Indiquez le délai d'exécution (en mois et/ou en jours)."}


# DDSE: 15 days to 6 months.


@pytest.mark.parametrize(
    ("months", "days", "valid"),
    [
        (None, 14, False),
        (None, 15, True),
        (1, None, True),
        (6, None, True),
        (5, 30, True),
        (6, 1, False),
        (7, None, False),
    ],
)
def test_ddse_from_15_days_to_6_months(months, days, valid):
    errors = check(DDSE, months=months, days=days)
    assert (errors == {}) is valid, errors


def test_ddse_messages_describe_the_durations():
    assert check(DDSE, days=14)["duration_months"].startswith(
        "Une durée de 14 jours est inférieure au minimum de 15 jours."
    )
    assert check(DDSE, months=6, days=1)["duration_months"].startswith(
        "Une durée de 6 mois et 1 jour dépasse le maximum de 6 mois."
    )


# Measures without a pronounced duration.


@pytest.mark.parametrize("code", ["CJ", "ENQUETE", "AMENAGEMENT_723_15"])
def test_kind_none_refuses_any_duration(code):
    bounds = bounds_on(code)
    assert bounds.duration_kind == "none"
    assert check(bounds) == {}
    assert check(bounds, months=6) == {
        "duration_months": "Cette mesure n'a pas de durée prononcée."
    }
    assert check(bounds, days=10) != {}
    assert check(bounds, hours=10) != {}


def test_ssj_has_no_maximum_in_the_catalogue():
    assert check(bounds_on("SSJ"), months=360) == {}


def test_stage_at_most_6_months():
    stage = bounds_on("STAGE")
    assert check(stage, months=6) == {}
    assert "maximum de 6 mois" in check(stage, months=7)["duration_months"]


# --- rules in force ------------------------------------------------------------------------

OLD = Bounds(
    duration_kind="period", valid_from=date(2000, 1, 1), valid_to=date(2019, 12, 31), max_months=24
)
NEW = Bounds(duration_kind="period", valid_from=date(2020, 1, 1), max_months=36)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(1999, 12, 31), None),
        (date(2000, 1, 1), OLD),
        (date(2019, 12, 31), OLD),
        (date(2020, 1, 1), NEW),
        (date(2030, 6, 1), NEW),
    ],
)
def test_rule_in_force_picks_the_rule_of_the_date(on, expected):
    assert rule_in_force([NEW, OLD], on) == expected


def test_rule_in_force_prefers_the_latest_overlapping_rule():
    later = Bounds(duration_kind="period", valid_from=date(2024, 1, 1), max_months=12)
    assert rule_in_force([NEW, later], date(2024, 6, 1)) == later
    assert rule_in_force([NEW, later], date(2023, 6, 1)) == NEW


def test_sursis_probatoire_did_not_exist_before_the_2020_reform():
    assert rule_in_force(catalogue_bounds("SURSIS_PROBATOIRE"), date(2020, 3, 23)) is None
    assert rule_in_force(catalogue_bounds("SURSIS_PROBATOIRE"), date(2020, 3, 24)) == SURSIS


def test_lsc_plein_droit_applies_from_2023():
    assert rule_in_force(catalogue_bounds("LSC_PLEIN_DROIT"), date(2022, 12, 31)) is None
    assert rule_in_force(catalogue_bounds("LSC_PLEIN_DROIT"), date(2023, 1, 1)) is not None


def test_every_catalogue_rule_is_well_formed():
    for code in MEASURE_RULES:
        for bounds in catalogue_bounds(code):
            assert bounds.duration_kind in {"period", "hours", "none"}, code
            if bounds.min_months is not None and bounds.max_months is not None:
                assert bounds.min_months <= bounds.max_months, code
            if bounds.max_months_recidivist is not None:
                assert bounds.max_months_recidivist > bounds.max_months, code
            if bounds.duration_kind == "hours":
                assert bounds.min_hours is not None and bounds.max_hours is not None, code


# --- dates and status ----------------------------------------------------------------------


def test_a_measure_cannot_start_before_its_decision():
    assert validate_dates(decision_date=date(2025, 1, 6), start=date(2025, 1, 6)) == {}
    errors = validate_dates(decision_date=date(2025, 1, 6), start=date(2025, 1, 5))
    assert errors == {
        "start_date": "La mesure ne peut pas commencer avant la décision du 06/01/2025."
    }


def test_initial_status():
    today = date(2025, 5, 1)
    assert initial_status(start=today, end=None, today=today) == "active"
    assert initial_status(start=today - timedelta(days=1), end=today, today=today) == "active"
    assert initial_status(start=today + timedelta(days=1), end=None, today=today) == "pending"
    # Entered after its end: already over.
    assert initial_status(start=date(2021, 1, 15), end=date(2022, 1, 15), today=today) == "ended"


@pytest.mark.parametrize(
    ("status", "start", "end", "field_error"),
    [
        ("pending", date(2025, 6, 1), None, False),
        ("pending", date(2025, 5, 1), None, True),  # started today
        ("active", date(2025, 6, 1), None, True),  # not started
        ("ended", date(2099, 1, 1), None, True),
        ("active", date(2024, 1, 1), date(2025, 4, 30), True),  # over yesterday
        ("active", date(2024, 1, 1), date(2025, 5, 1), False),
        ("ended", date(2024, 1, 1), date(2025, 4, 30), False),
        ("revoked", date(2024, 1, 1), date(2026, 1, 1), False),
        ("suspended", date(2024, 1, 1), None, False),
    ],
)
def test_status_must_agree_with_the_dates(status, start, end, field_error):
    errors = validate_status(status=status, start=start, end=end, today=date(2025, 5, 1))
    assert bool(errors) is field_error
    if field_error:
        assert set(errors) == {"status"}


def test_community_work_runs_from_the_enforceable_date():
    assert period_start(
        "hours",
        start=date(2025, 9, 1),
        decision_date=date(2025, 1, 6),
        enforceable_date=date(2025, 1, 20),
    ) == date(2025, 1, 20)
    assert period_start(
        "hours", start=date(2025, 9, 1), decision_date=date(2025, 1, 6), enforceable_date=None
    ) == date(2025, 1, 6)
    assert period_start(
        "period",
        start=date(2025, 9, 1),
        decision_date=date(2025, 1, 6),
        enforceable_date=date(2025, 1, 20),
    ) == date(2025, 9, 1)


# --- properties ----------------------------------------------------------------------------

starts = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


@given(start=starts, months=st.integers(min_value=12, max_value=36))
def test_any_sursis_of_12_to_36_months_is_valid(start, months):
    assert check(SURSIS, months=months, start=start) == {}


@given(start=starts, months=st.integers(min_value=37, max_value=200))
def test_any_sursis_over_36_months_is_refused_without_recidivism(start, months):
    assert "duration_months" in check(SURSIS, months=months, start=start)


@given(
    start=starts,
    months=st.integers(min_value=0, max_value=600),
    days=st.integers(min_value=0, max_value=400),
)
def test_end_date_is_never_before_the_start(start, months, days):
    assert end_date(start, months, 0) >= start
    assert end_date(start, months, days) >= end_date(start, months, 0)


@given(day=starts, months=st.integers(min_value=-600, max_value=600))
def test_add_months_lands_on_the_right_month_and_never_on_a_later_day(day, months):
    result = add_months(day, months)
    assert result.day <= day.day
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    if result.day < day.day:  # clamped: only to the last day of that month
        assert (result + timedelta(days=1)).month != result.month
