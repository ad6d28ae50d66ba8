"""The legal deadline of the first SPIP interview, row by row (no database)."""

from datetime import date

import pytest

from probatio.measures.first_interview import (
    DECISION,
    RELEASE,
    RULES,
    SERVICE_DEFAULT,
    START,
    first_interview_deadline,
    follows_release,
)

DECISION_DATE = date(2025, 10, 6)  # Monday
START_DATE = date(2025, 10, 10)


def deadline(code, *, release=None, default=45, decided=DECISION_DATE, start=START_DATE, **flags):
    return first_interview_deadline(
        code,
        decision_date=decided,
        start_date=start,
        release_date=release,
        default_days=default,
        **flags,
    )


def test_every_row_has_a_code_label_basis_event_and_delay():
    assert len({rule.code for rule in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.label and rule.basis
        assert rule.runs_from in (DECISION, RELEASE, START)
        assert sum(1 for d in (rule.days, rule.months, rule.jours_ouvrables) if d) == 1


def test_the_result_is_the_due_date_and_the_rule():
    due, rule = deadline("SURSIS_PROBATOIRE")
    assert due == date(2025, 11, 20)
    assert (rule.code, rule.basis, rule.runs_from) == ("free_sentenced", "CPP 474", DECISION)


def test_free_person_sentenced_45_days_from_the_decision():
    result = deadline("SURSIS_PROBATOIRE")
    assert result.due == date(2025, 11, 20)  # 6 October + 45 days, not from the start
    assert result.basis == "CPP 474"
    assert result.delay == "45 jours"


def test_short_firm_sentence_summoned_at_the_hearing_45_days():
    result = deadline("AMENAGEMENT_723_15")
    assert result.due == date(2025, 11, 20)
    assert result.basis == "CPP 474"


def test_case_referred_later_by_the_prosecutor_30_days():
    result = deadline("AMENAGEMENT_723_15", referred_by_prosecutor=True)
    assert result.due == date(2025, 11, 5)
    assert result.basis == "CPP 723-15"


def test_partly_suspended_sentence_one_month_after_the_release():
    # Released 9 October, the day before the probation starts.
    result = deadline("SURSIS_PROBATOIRE", release=date(2025, 10, 9))
    assert result.due == date(2025, 11, 9)
    assert result.rule.code == "after_release"
    assert "741-1" in result.basis and "R. 621-2" in result.basis


def test_partly_suspended_sentence_8_days_when_follow_up_is_reinforced():
    result = deadline("SURSIS_PROBATOIRE", release=date(2025, 10, 9), reinforced_follow_up=True)
    assert result.due == date(2025, 10, 17)
    assert result.rule.code == "after_release_strict"
    assert "R. 621-1" in result.basis


def test_one_month_after_a_month_end_release_is_clamped():
    result = deadline("SURSIS_PROBATOIRE", release=date(2025, 1, 31), start=date(2025, 1, 31))
    assert result.due == date(2025, 2, 28)


def test_a_release_of_long_ago_is_not_the_one_the_measure_follows():
    assert not follows_release(START_DATE, date(2024, 1, 15))
    assert follows_release(START_DATE, date(2025, 7, 1))
    result = deadline("SURSIS_PROBATOIRE", release=date(2024, 1, 15))
    assert result.rule.code == "free_sentenced"


def test_reinforced_probation_15_days_or_8_with_provisional_execution():
    assert deadline("SURSIS_PROBATOIRE_RENFORCE").due == date(2025, 10, 21)
    provisional = deadline("SURSIS_PROBATOIRE_RENFORCE", provisional=True)
    assert provisional.due == date(2025, 10, 14)
    assert "741-2" in provisional.basis


def test_socio_judicial_follow_up_8_days_after_the_release():
    result = deadline("SSJ", release=date(2025, 10, 8))
    assert result.due == date(2025, 10, 16)
    assert result.basis == "CPP 763-7-1"


def test_release_based_rules_count_from_the_start_without_a_release():
    assert deadline("SSJ").due == date(2025, 10, 18)  # 10 October + 8 days
    # Friday 10 + 5 jours ouvrables (Saturdays count): 11, 13, 14, 15, 16.
    assert deadline("LSC").due == date(2025, 10, 16)


def test_release_under_constraint_5_jours_ouvrables_across_a_holiday():
    # Released Friday 7 November 2025: Saturday 8, Monday 10, Wednesday 12 (the 11th is a
    # holiday, Sunday 9 does not count), 13, 14 (D. 147-17-5: jours ouvrables).
    result = deadline("LSC", release=date(2025, 11, 7), start=date(2025, 11, 7))
    assert result.due == date(2025, 11, 14)
    assert result.delay == "5 jours ouvrables"
    assert result.basis == "D. 147-17-5"
    plein_droit = deadline("LSC_PLEIN_DROIT", release=date(2025, 11, 7), start=date(2025, 11, 7))
    assert plein_droit.due == date(2025, 11, 14)


@pytest.mark.parametrize(
    "facts",
    [{"ssj_incurred": True}, {"ssj_on_record": True}, {"reinforced_follow_up": True}],
)
def test_probation_after_release_is_8_days_when_a_fact_of_the_judgment_says_so(facts):
    """CPP 741-1; C. pénit. R. 621-1, R. 621-2: 8 days if the offence allows socio-judicial
    follow-up, if the record shows such a conviction, or if follow-up is reinforced."""
    released = date(2025, 10, 8)
    strict = first_interview_deadline(
        "SURSIS_PROBATOIRE", decision_date=date(2025, 6, 2), start_date=released,
        release_date=released, default_days=45, **facts,
    )  # fmt: skip
    assert strict.due == date(2025, 10, 16)
    plain = first_interview_deadline(
        "SURSIS_PROBATOIRE", decision_date=date(2025, 6, 2), start_date=released,
        release_date=released, default_days=45,
    )  # fmt: skip
    assert plain.due == date(2025, 11, 8)  # one month


def test_other_measures_use_the_service_default_from_the_start():
    result = deadline("TIG", default=30)
    assert result.due == date(2025, 11, 9)  # 10 October + 30 days
    assert result.rule.code == SERVICE_DEFAULT
    assert result.rule.runs_from == START
    assert result.basis == "paramètre du service"
    assert deadline("DDSE_AMENAGEMENT").due == date(2025, 11, 24)  # default 45 days


@pytest.mark.parametrize("code", ["EMPRISONNEMENT", "ENQUETE"])
def test_no_first_interview_in_the_community(code):
    assert deadline(code) is None


@pytest.mark.parametrize(
    "code", ["SURSIS_PROBATOIRE", "SSJ", "LSC", "TIG", "SEMI_LIBERTE", "AMENAGEMENT_723_15"]
)
def test_every_deadline_comes_with_its_basis_and_delay(code):
    result = deadline(code, release=date(2025, 10, 9))
    assert result.basis and result.delay and result.label
