"""The legal deadline of the first SPIP interview, row by row."""

from datetime import date

import pytest

from probatio.measures.first_interview import first_interview_deadline

DECISION = date(2025, 10, 6)
START = date(2025, 10, 10)


def deadline(code, *, release=None, default=45, **flags):
    return first_interview_deadline(
        code,
        decision_date=DECISION,
        start_date=START,
        release_date=release,
        default_days=default,
        **flags,
    )


def test_free_person_sentenced_45_days_from_the_decision():
    result = deadline("SURSIS_PROBATOIRE")
    assert result.due == date(2025, 11, 20)
    assert result.basis == "CPP 474"


def test_after_release_one_month_or_8_days():
    release = date(2025, 10, 31)
    assert deadline("SURSIS_PROBATOIRE", release=release).due == date(2025, 11, 30)
    strict = deadline("SURSIS_PROBATOIRE", release=release, reinforced_follow_up=True)
    assert strict.due == date(2025, 11, 8)
    assert "741-1" in strict.basis


def test_month_end_release_clamps():
    assert deadline("SURSIS_PROBATOIRE", release=date(2025, 1, 31)).due == date(2025, 2, 28)


def test_reinforced_probation_15_days_or_8_with_provisional_execution():
    assert deadline("SURSIS_PROBATOIRE_RENFORCE").due == date(2025, 10, 21)
    assert deadline("SURSIS_PROBATOIRE_RENFORCE", provisional=True).due == date(2025, 10, 14)


def test_socio_judicial_follow_up_8_days_after_release():
    assert deadline("SSJ", release=date(2025, 10, 20)).due == date(2025, 10, 28)


def test_release_under_constraint_5_working_days_across_a_holiday():
    # Released Friday 7 November 2025: Monday 10, Wednesday 12 (11 is a holiday), 13, 14, 17.
    result = deadline("LSC", release=date(2025, 11, 7))
    assert result.due == date(2025, 11, 17)
    assert result.delay == "5 jours ouvrables"
    assert deadline("LSC_PLEIN_DROIT", release=date(2025, 11, 7)).due == date(2025, 11, 17)


def test_adjustment_referred_by_the_prosecutor_30_days():
    assert deadline("DDSE_AMENAGEMENT").due == date(2025, 11, 5)


def test_other_measures_use_the_service_default_from_the_start():
    result = deadline("TIG", default=30)
    assert result.due == date(2025, 11, 9)
    assert result.basis == "paramètre du service"


def test_no_first_interview_for_imprisonment():
    assert deadline("EMPRISONNEMENT") is None


@pytest.mark.parametrize("code", ["SURSIS_PROBATOIRE", "SSJ", "LSC", "TIG", "SEMI_LIBERTE"])
def test_every_deadline_comes_with_its_basis_and_delay(code):
    result = deadline(code, release=date(2025, 10, 9))
    assert result.basis and result.delay and result.label
