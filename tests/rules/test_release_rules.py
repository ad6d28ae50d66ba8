"""The expected release date (official, else LSC de plein droit, else the end) and the housing
flag, as pure functions."""

from datetime import date

from probatio.reintegration import rules


def row(**values):
    base = {
        "release_date": date(2027, 6, 10),
        "estimated_release_date": date(2027, 6, 10),
        "lsc_plein_droit_date": None,
        "official_fields": set(),
    }
    base.update(values)
    return base


def test_the_official_release_date_wins():
    dates = row(
        release_date=date(2027, 6, 8),
        lsc_plein_droit_date=date(2027, 3, 10),
        official_fields={"release_date"},
    )
    assert rules.expected_release(dates) == (date(2027, 6, 8), "official")


def test_an_official_date_equal_to_the_estimate_is_still_official():
    dates = row(official_fields={"release_date"})
    assert rules.expected_release(dates) == (date(2027, 6, 10), "official")


def test_then_the_lsc_de_plein_droit_then_the_end():
    assert rules.expected_release(row(lsc_plein_droit_date=date(2027, 3, 10))) == (
        date(2027, 3, 10),
        "lsc_plein_droit",
    )
    assert rules.expected_release(row()) == (date(2027, 6, 10), "end")
    assert rules.expected_release(row(release_date=None)) == (None, "")


def test_housing_is_at_risk_within_a_month_unless_secured():
    today = date(2026, 11, 25)
    assert rules.housing_at_risk(date(2026, 12, 25), rules.ITEM_TO_DO, today)
    assert rules.housing_at_risk(date(2026, 12, 25), None, today)  # no plan yet
    assert not rules.housing_at_risk(date(2026, 12, 26), rules.ITEM_TO_DO, today)
    assert not rules.housing_at_risk(date(2026, 12, 1), rules.ITEM_DONE, today)
    assert not rules.housing_at_risk(date(2026, 12, 1), rules.ITEM_NOT_APPLICABLE, today)
    assert not rules.housing_at_risk(None, None, today)


def test_a_past_lsc_de_plein_droit_date_gives_way_to_the_end_of_the_sentence():
    # Still in prison after the LSC de plein droit date (not granted): the end is expected.
    dates = row(lsc_plein_droit_date=date(2027, 3, 10))
    assert rules.expected_release(dates, date(2027, 3, 10)) == (
        date(2027, 3, 10),
        "lsc_plein_droit",
    )
    assert rules.expected_release(dates, date(2027, 3, 11)) == (date(2027, 6, 10), "end")
