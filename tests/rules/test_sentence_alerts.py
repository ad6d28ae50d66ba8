"""The eligibility alerts (pure): each appears its number of months ahead, stays a while once
passed, and never announces a date after the release."""

from datetime import date

from probatio.sentences import rules

TODAY = date(2026, 11, 25)
MONTHS = rules.AlertMonths(lc=6, lsc=4, information=2, lsc_plein_droit=4)


def dates(**values):
    base = dict.fromkeys(rules.COMPUTED_FIELDS)
    base["release_date"] = date(2028, 1, 1)
    base.update(values)
    return base


def codes(found):
    return [(a.code, a.due) for a in found]


def test_each_alert_appears_its_months_ahead_and_not_before():
    lc = date(2027, 5, 25)  # exactly 6 months ahead
    assert codes(rules.alerts(dates(lc_eligibility_date=lc), today=TODAY, months=MONTHS)) == [
        ("lc", lc)
    ]
    later = date(2027, 5, 26)
    assert rules.alerts(dates(lc_eligibility_date=later), today=TODAY, months=MONTHS) == []
    review = date(2027, 3, 25)
    found = rules.alerts(dates(lsc_review_date=review), today=TODAY, months=MONTHS)
    assert codes(found) == [("lsc_review", review)]
    assert rules.alerts(dates(lsc_review_date=date(2027, 3, 26)), today=TODAY, months=MONTHS) == []


def test_the_labels_say_what_to_do():
    found = rules.alerts(
        dates(
            lc_eligibility_date=date(2027, 1, 10),
            lsc_information_date=date(2026, 12, 20),
            lsc_plein_droit_date=date(2027, 2, 1),
            lsc_plein_droit_information_date=date(2027, 1, 1),
        ),
        today=TODAY,
        months=MONTHS,
    )
    labels = [a.label for a in found]
    assert "LC possible à partir du 10/01/2027" in labels
    assert "Informer la personne avant le 20/12/2026 (la libération sous contrainte)" in labels
    assert "Informer la personne avant le 01/01/2027 (la LSC de plein droit)" in labels
    assert "LSC de plein droit le 01/02/2027 — hébergement à sécuriser" in labels


def test_a_passed_date_stays_thirty_days_as_urgent_then_goes():
    since = rules.alerts(dates(lc_eligibility_date=date(2026, 11, 1)), today=TODAY, months=MONTHS)
    assert [(a.label, a.urgent) for a in since] == [("LC possible depuis le 01/11/2026", True)]
    assert (
        rules.alerts(dates(lc_eligibility_date=date(2026, 10, 25)), today=TODAY, months=MONTHS)
        == []
    )


def test_nothing_is_announced_after_the_release():
    found = rules.alerts(
        dates(release_date=date(2026, 12, 1), lc_eligibility_date=date(2026, 12, 15)),
        today=TODAY,
        months=MONTHS,
    )
    assert found == []


def test_urgency_is_fifteen_days():
    soon = rules.alerts(dates(lc_eligibility_date=date(2026, 12, 10)), today=TODAY, months=MONTHS)
    later = rules.alerts(dates(lc_eligibility_date=date(2026, 12, 11)), today=TODAY, months=MONTHS)
    assert soon[0].urgent and not later[0].urgent


def test_official_and_estimated_differences():
    computed = {"end_date": date(2027, 9, 10), "lsc_review_date": None}
    same = rules.difference("fin_peine", date(2027, 9, 10), computed)
    assert not same.differs and same.text == "identique à l'estimation"
    later = rules.difference("fin_peine", date(2027, 9, 12), computed)
    assert later.differs and later.days == 2 and later.text == "2 jours après l'estimation"
    none = rules.difference("lsc", date(2027, 1, 1), computed)
    assert none.differs and none.computed is None
