"""The registry's dates laid over the estimates (``sentences.selectors._overlay``): a pure
function over one row, no database."""

from datetime import date

from probatio.sentences import rules
from probatio.sentences.selectors import _overlay

COMMITTAL = date(2025, 2, 11)


def row(**dates) -> dict:
    values = {name: None for name in rules.COMPUTED_FIELDS}
    values.update(dates)
    return {
        "custody__committal_date": COMMITTAL,
        **values,
        **{f"official_{kind}": None for kind in rules.OFFICIAL_TO_COMPUTED},
    }


def test_an_official_lsc_date_moves_an_information_date_clamped_to_the_committal():
    # The estimated review (2025-03-03) is less than a month after the committal: its
    # information was clamped to the committal. The registry's review on 2025-06-01 moves it.
    data = row(lsc_review_date=date(2025, 3, 3), lsc_information_date=COMMITTAL)
    data["official_lsc"] = date(2025, 6, 1)
    result = _overlay(data)
    assert result["lsc_review_date"] == date(2025, 6, 1)
    assert result["lsc_information_date"] == date(2025, 5, 1)
    assert result["estimated_lsc_review_date"] == date(2025, 3, 3)


def test_a_short_sentences_information_at_committal_stays_there():
    # 6 months or less: the LSC de plein droit information is due at the committal by rule,
    # although one month before the estimated date (2025-05-11) falls later.
    data = row(lsc_plein_droit_date=date(2025, 5, 11), lsc_plein_droit_information_date=COMMITTAL)
    data["official_lsc_plein_droit"] = date(2025, 5, 20)
    result = _overlay(data)
    assert result["lsc_plein_droit_date"] == date(2025, 5, 20)
    assert result["lsc_plein_droit_information_date"] == COMMITTAL


def test_an_official_plein_droit_date_moves_its_information_otherwise():
    data = row(
        lsc_plein_droit_date=date(2025, 12, 1),
        lsc_plein_droit_information_date=date(2025, 11, 1),
    )
    data["official_lsc_plein_droit"] = date(2026, 1, 15)
    result = _overlay(data)
    assert result["lsc_plein_droit_information_date"] == date(2025, 12, 15)
    assert result["official_fields"] == {"lsc_plein_droit_date"}
