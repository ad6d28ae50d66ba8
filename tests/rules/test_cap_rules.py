"""The CAP rules (pure): the yearly reduction examinations (anniversaries of the start, 29
February included), the window's edges, the LSC review and the information due, LC
eligibility reached before or within the window, and the opinion state of every report step."""

from datetime import date

import pytest

from probatio.reports import rules as report_rules
from probatio.sentences import rules

SESSION = date(2025, 9, 15)
HORIZON_END = date(2025, 12, 15)


def dates(**values):
    base = dict.fromkeys(rules.COMPUTED_FIELDS)
    base.update(start_date=date(2020, 1, 1), end_date=date(2030, 1, 1))
    base.update(values)
    return base


def items(**values):
    found = rules.cap_items(dates(**values), session=SESSION, horizon_end=HORIZON_END)
    return [(i.code, i.due) for i in found]


# --- Anniversaries ------------------------------------------------------------------------


def test_each_anniversary_in_the_window_but_never_the_start_itself():
    start = date(2023, 10, 1)
    assert rules.anniversaries(start, date(2023, 1, 1), date(2026, 12, 31)) == [
        date(2024, 10, 1),
        date(2025, 10, 1),
        date(2026, 10, 1),
    ]
    assert rules.anniversaries(start, date(2023, 9, 1), date(2024, 9, 30)) == []


def test_the_window_edges_are_included():
    start = date(2021, 3, 10)
    assert rules.anniversaries(start, date(2025, 3, 10), date(2025, 3, 10)) == [date(2025, 3, 10)]
    assert rules.anniversaries(start, date(2025, 3, 11), date(2026, 3, 9)) == []
    assert rules.anniversaries(start, date(2024, 3, 11), date(2025, 3, 10)) == [date(2025, 3, 10)]


def test_a_start_on_29_february_falls_on_28_february_except_in_leap_years():
    start = date(2024, 2, 29)
    assert rules.anniversaries(start, date(2024, 1, 1), date(2028, 12, 31)) == [
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]
    # A window starting on 28 February of a common year catches it; one starting on 1 March
    # does not.
    assert rules.anniversaries(start, date(2025, 2, 28), date(2025, 3, 31)) == [date(2025, 2, 28)]
    assert rules.anniversaries(start, date(2025, 3, 1), date(2026, 2, 27)) == []


def test_a_start_long_before_the_window():
    assert rules.anniversaries(date(1999, 12, 31), date(2025, 1, 1), date(2026, 1, 1)) == [
        date(2025, 12, 31)
    ]


# --- CAP items ----------------------------------------------------------------------------


def test_nothing_without_a_sentence():
    assert (
        rules.cap_items(
            dict.fromkeys(rules.COMPUTED_FIELDS), session=SESSION, horizon_end=HORIZON_END
        )
        == []
    )


def test_the_yearly_reduction_examination_inside_the_window_only():
    assert items(start_date=date(2024, 10, 1)) == [("reduction", date(2025, 10, 1))]
    assert items(start_date=date(2024, 9, 15)) == [("reduction", date(2025, 9, 15))]  # session
    assert items(start_date=date(2024, 12, 15)) == [("reduction", date(2025, 12, 15))]  # end
    assert items(start_date=date(2024, 9, 14)) == []  # the day before the session
    assert items(start_date=date(2024, 12, 16)) == []  # the day after the horizon
    found = rules.cap_items(
        dates(start_date=date(2024, 10, 1)), session=SESSION, horizon_end=HORIZON_END
    )
    assert found[0].label == "Examen annuel des réductions (01/10/2025)"


def test_no_reduction_examination_on_or_after_the_end_of_the_sentence():
    assert items(start_date=date(2024, 10, 1), end_date=date(2025, 10, 1)) == []
    assert items(start_date=date(2024, 10, 1), end_date=date(2025, 10, 2)) == [
        ("reduction", date(2025, 10, 1))
    ]


def test_the_lsc_review_in_the_window():
    assert items(lsc_review_date=date(2025, 11, 3)) == [("lsc_review", date(2025, 11, 3))]
    assert items(lsc_review_date=SESSION) == [("lsc_review", SESSION)]
    assert items(lsc_review_date=HORIZON_END) == [("lsc_review", HORIZON_END)]
    assert items(lsc_review_date=date(2025, 12, 16)) == []
    assert items(lsc_review_date=date(2025, 9, 14)) == []
    found = rules.cap_items(
        dates(lsc_review_date=date(2025, 11, 3)), session=SESSION, horizon_end=HORIZON_END
    )
    assert found[0].label == "Examen de la LSC le 03/11/2025"


def test_information_due_in_the_window_for_both_kinds_of_lsc():
    found = rules.cap_items(
        dates(
            lsc_information_date=date(2025, 10, 3),
            lsc_plein_droit_information_date=date(2025, 12, 15),
        ),
        session=SESSION,
        horizon_end=HORIZON_END,
    )
    assert [(i.code, i.due, i.label) for i in found] == [
        ("information", date(2025, 10, 3), "Information (LSC) avant le 03/10/2025"),
        (
            "information",
            date(2025, 12, 15),
            "Information (LSC de plein droit) avant le 15/12/2025",
        ),
    ]
    assert items(lsc_information_date=date(2025, 9, 14)) == []
    assert items(lsc_plein_droit_information_date=date(2025, 12, 16)) == []


def test_lc_reached_before_the_session_is_examined_with_since():
    found = rules.cap_items(
        dates(lc_eligibility_date=date(2024, 6, 1)), session=SESSION, horizon_end=HORIZON_END
    )
    assert [(i.code, i.due, i.label) for i in found] == [
        ("lc", date(2024, 6, 1), "LC possible depuis le 01/06/2024")
    ]
    assert items(lc_eligibility_date=SESSION) == [("lc", SESSION)]


def test_lc_reached_within_the_window_but_not_after_it():
    found = rules.cap_items(
        dates(lc_eligibility_date=date(2025, 12, 15)), session=SESSION, horizon_end=HORIZON_END
    )
    assert [(i.code, i.label) for i in found] == [("lc", "LC possible à partir du 15/12/2025")]
    assert items(lc_eligibility_date=date(2025, 12, 16)) == []


def test_lc_on_the_end_date_is_no_lc():
    assert items(lc_eligibility_date=date(2025, 10, 1), end_date=date(2025, 10, 1)) == []


def test_items_come_in_date_order_the_yearly_examination_first_on_the_same_day():
    assert items(
        start_date=date(2024, 11, 20),
        end_date=date(2026, 11, 20),
        lc_eligibility_date=date(2025, 11, 20),
        lsc_review_date=date(2026, 3, 22),
        lsc_information_date=date(2025, 10, 5),
    ) == [
        ("information", date(2025, 10, 5)),
        ("reduction", date(2025, 11, 20)),
        ("lc", date(2025, 11, 20)),
    ]


# --- Opinion states -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (None, rules.OPINION_NOT_STARTED),
        (report_rules.DRAFT, rules.OPINION_DRAFT),
        (report_rules.RETURNED, rules.OPINION_DRAFT),
        (report_rules.SUBMITTED, rules.OPINION_VISA),
        (report_rules.APPROVED, rules.OPINION_VISA),
        (report_rules.TRANSMITTED, rules.OPINION_TRANSMITTED),
        (report_rules.ANSWERED, rules.OPINION_TRANSMITTED),
    ],
)
def test_opinion_state_of_each_report_step(status, state):
    assert rules.opinion_state(status) == state


def test_every_report_step_has_an_opinion_state_with_a_label():
    for status in report_rules.STATUS_LABELS:
        assert rules.opinion_state(status) in rules.OPINION_LABELS
    assert rules.OPINION_LABELS[rules.OPINION_NOT_STARTED] == "Non commencé"


def test_an_unknown_report_step_is_an_error():
    with pytest.raises(ValueError, match="withdrawn"):
        rules.opinion_state("withdrawn")
