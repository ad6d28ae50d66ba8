"""The activity figures' pure rules (docs/figures.md): periods, masking, charts, definitions.
No database: every expected value is written by hand."""

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probatio.figures import charts, definitions, rules
from probatio.figures.rules import COUNT, MEDIAN, PLAIN, SHARE, Column, Figure, Row

TODAY = date(2026, 12, 6)


# --- Periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "start", "end", "label"),
    [
        (rules.MONTH, "2026-11", date(2026, 11, 1), date(2026, 11, 30), "novembre 2026"),
        (rules.MONTH, "2024-2", date(2024, 2, 1), date(2024, 2, 29), "février 2024"),
        (rules.QUARTER, "2026-T3", date(2026, 7, 1), date(2026, 9, 30), "3e trimestre 2026"),
        (rules.QUARTER, "2026T1", date(2026, 1, 1), date(2026, 3, 31), "1e trimestre 2026"),
        (rules.QUARTER, "2025-t4", date(2025, 10, 1), date(2025, 12, 31), "4e trimestre 2025"),
        (rules.YEAR, "2026", date(2026, 1, 1), date(2026, 12, 31), "année 2026"),
    ],
)
def test_a_period_is_read_from_its_value(kind, value, start, end, label):
    period = rules.parse_period(kind, value, today=TODAY)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert rules.parse_period(kind, period.value, today=TODAY) == period


def test_a_custom_period_takes_two_dates():
    period = rules.parse_period(
        rules.CUSTOM, start=date(2026, 3, 15), end=date(2026, 6, 14), today=TODAY
    )
    assert (period.start, period.end) == (date(2026, 3, 15), date(2026, 6, 14))
    assert period.label == "du 15/03/2026 au 14/06/2026"


def test_a_period_ending_before_it_starts_is_refused_in_french():
    with pytest.raises(rules.PeriodError) as refused:
        rules.parse_period(rules.CUSTOM, start=date(2026, 5, 1), end=date(2026, 1, 31), today=TODAY)
    assert refused.value.message == (
        "La période se termine le 31/01/2026, avant son début le 01/05/2026 : indiquez une fin "
        "postérieure au début."
    )
    assert refused.value.field == "au"


@pytest.mark.parametrize(
    ("kind", "value", "start", "field"),
    [
        (rules.MONTH, "2027-01", None, "valeur"),
        (rules.QUARTER, "2027-T1", None, "valeur"),
        (rules.YEAR, "2027", None, "valeur"),
        (rules.CUSTOM, "", date(2026, 12, 7), "du"),
    ],
)
def test_a_period_starting_in_the_future_is_refused(kind, value, start, field):
    with pytest.raises(rules.PeriodError) as refused:
        rules.parse_period(kind, value, start=start, end=date(2027, 2, 1), today=TODAY)
    assert "après aujourd'hui (06/12/2026)" in refused.value.message
    assert "n'a pas encore de chiffres" in refused.value.message
    assert refused.value.field == field


def test_the_current_month_and_a_period_starting_today_are_allowed():
    assert rules.parse_period(rules.MONTH, "2026-12", today=TODAY).closed(TODAY) is False
    period = rules.parse_period(rules.CUSTOM, start=TODAY, end=TODAY, today=TODAY)
    assert period.as_of(TODAY) == TODAY


def test_a_custom_period_spans_at_most_three_years():
    start = date(2023, 1, 1)
    assert rules.parse_period(rules.CUSTOM, start=start, end=date(2025, 12, 31), today=TODAY)
    with pytest.raises(rules.PeriodError) as refused:
        rules.parse_period(rules.CUSTOM, start=start, end=date(2026, 1, 1), today=TODAY)
    assert refused.value.message == (
        "Une période personnalisée couvre au plus 3 ans : du 01/01/2023, elle peut aller "
        "jusqu'au 31/12/2025."
    )
    leap = rules.parse_period(
        rules.CUSTOM, start=date(2024, 2, 29), end=date(2027, 2, 28), today=date(2027, 3, 1)
    )
    assert leap.end == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (rules.MONTH, "2026-13", "Indiquez le mois sous la forme AAAA-MM, par exemple 2026-11."),
        (rules.MONTH, "novembre", "Indiquez le mois sous la forme AAAA-MM, par exemple 2026-11."),
        (rules.QUARTER, "2026-T5", "Indiquez le trimestre sous la forme AAAA-T1 à AAAA-T4"),
        (rules.YEAR, "26", "Indiquez l'année sur quatre chiffres, par exemple 2026."),
        (rules.CUSTOM, "", "Indiquez le début et la fin de la période personnalisée."),
        ("semaine", "", "Choisissez un mois, un trimestre, une année ou une période."),
    ],
)
def test_malformed_periods_are_refused_in_french(kind, value, message):
    with pytest.raises(rules.PeriodError) as refused:
        rules.parse_period(kind, value, today=TODAY)
    assert refused.value.message.startswith(message)


def test_the_default_period_is_the_last_closed_month():
    assert rules.default_period(TODAY) == rules.month_period(2026, 11)
    assert rules.default_period(date(2026, 1, 1)) == rules.month_period(2025, 12)
    assert rules.default_period(TODAY).closed(TODAY)


def test_the_nightly_job_stores_the_last_closed_month_quarter_and_year():
    assert rules.closed_periods(TODAY) == [
        rules.month_period(2026, 11),
        rules.quarter_period(2026, 3),
        rules.year_period(2025),
    ]
    assert rules.closed_periods(date(2026, 2, 10))[1] == rules.quarter_period(2025, 4)
    assert all(p.closed(TODAY) for p in rules.closed_periods(TODAY))


def test_a_period_lists_the_months_it_meets():
    period = rules.parse_period(
        rules.CUSTOM, start=date(2025, 11, 20), end=date(2026, 2, 3), today=TODAY
    )
    assert period.months() == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


# --- Masking ----------------------------------------------------------------------------------


def table(rows: dict, *, columns=("a", "b"), total=True, row_total="", distinct=()) -> Figure:
    """A figure of count columns from ``{label: (values…)}``; the totals' row sums them."""
    cols = [Column(key, key.upper()) for key in columns]
    if row_total:
        cols.append(Column(row_total, "Total"))
    body = []
    for label, values in rows.items():
        cells = dict(zip(columns, values, strict=True))
        if row_total:
            cells[row_total] = sum(values)
        body.append(Row(label, label, cells))
    totals = None
    if total:
        keys = [c.key for c in cols]
        totals = Row("total", "Total", {k: sum(r.values[k] for r in body) for k in keys})
    return Figure(
        "t",
        cols,
        body,
        totals,
        row_total=row_total,
        row_parts=tuple(columns) if row_total else (),
        distinct=distinct,
    )


def texts(masked: rules.Masked) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in masked.all_rows]


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (1, "< 5"), (2, "< 5"), (3, "< 5"), (4, "< 5"), (5, "5"), (6, "6"), (120, "120")],
)
def test_a_count_from_1_to_4_is_shown_below_5_and_zero_is_shown(value, text):
    masked = rules.mask(table({"x": (value, 0)}, total=False))
    cell = masked.rows[0].cells[0]
    assert cell.text == text
    assert cell.masked == (0 < value < 5)
    assert cell.value == (None if 0 < value < 5 else value)


def test_no_total_no_secondary_suppression():
    assert texts(rules.mask(table({"x": (3, 40)}, total=False))) == [["< 5", "40"]]


def test_a_row_with_one_masked_cell_masks_its_next_smallest_cell():
    # 3 + 40 + 12 = 55: the total minus 40 and 12 would give the 3 back.
    masked = rules.mask(
        table({"x": (3, 40, 12)}, columns=("a", "b", "c"), total=False, row_total="t")
    )
    assert texts(masked) == [["< 5", "40", "secret", "55"]]
    assert masked.rows[0].cells[2].reason == "secondary"


def test_a_column_with_one_masked_cell_masks_its_next_smallest_cell():
    masked = rules.mask(table({"x": (3, 6), "y": (20, 7), "z": (9, 8)}))
    assert texts(masked) == [["< 5", "6"], ["20", "7"], ["secret", "8"], ["32", "21"]]


def test_two_masked_cells_in_a_row_need_nothing_more():
    masked = rules.mask(
        table({"x": (3, 2, 40)}, columns=("a", "b", "c"), total=False, row_total="t")
    )
    assert texts(masked) == [["< 5", "< 5", "40", "45"]]


def test_zeros_are_never_masked_as_the_next_smallest_cell():
    masked = rules.mask(
        table({"x": (3, 0, 40)}, columns=("a", "b", "c"), total=False, row_total="t")
    )
    assert texts(masked) == [["< 5", "0", "secret", "43"]]


def test_when_every_other_cell_is_zero_the_total_is_masked():
    # 0 + 6 (masked next to a « < 5 » of its column) + 0 = 6: only the total can hide it.
    masked = rules.mask(
        table({"x": (0, 1, 5), "y": (0, 6, 0)}, columns=("a", "b", "c"), row_total="t")
    )
    assert texts(masked)[1] == ["0", "secret", "0", "secret"]


def test_the_totals_stay_shown():
    masked = rules.mask(table({"x": (3, 40), "y": (10, 11)}, row_total="t"))
    totals = masked.total.cells
    assert [c.text for c in totals] == ["13", "51", "64"]
    assert all(not c.masked for row in masked.rows for c in row.cells[-1:])


def test_secondary_suppression_runs_until_nothing_changes():
    # x: 3 masked → its row masks the 6 (next-smallest of x); the 6 is then the only masked
    # cell of column b → the 7 below it is masked; the 7 is then alone in row y → the 20.
    masked = rules.mask(
        table(
            {"x": (3, 6, 50), "y": (20, 7, 30), "z": (30, 9, 10)},
            columns=("a", "b", "c"),
            row_total="t",
        )
    )
    assert texts(masked) == [
        ["< 5", "secret", "50", "59"],
        ["secret", "secret", "30", "57"],
        ["30", "9", "10", "49"],
        ["53", "22", "90", "165"],
    ]
    # Every row and column holding a masked cell now holds two or more: nothing can be worked
    # out from the totals.
    grid = texts(masked)[:3]
    for row in grid:
        assert sum(t in ("< 5", "secret") for t in row[:3]) != 1
    for col in range(3):
        assert sum(row[col] in ("< 5", "secret") for row in grid) != 1


def test_a_masked_column_total_is_protected_in_the_totals_row():
    # Column a totals 4: masked. The totals' row has a grand total: its next-smallest is masked.
    masked = rules.mask(table({"x": (1, 20), "y": (3, 30)}, row_total="t"))
    assert texts(masked)[-1] == ["< 5", "secret", "54"]


def test_a_total_of_distinct_persons_triggers_nothing():
    masked = rules.mask(table({"x": (3, 6), "y": (20, 7)}, distinct=("a", "b")))
    assert texts(masked) == [["< 5", "6"], ["20", "7"], ["23", "13"]]


def share_figure(done: int, base: int, *, median=12.5) -> Figure:
    return Figure(
        "s",
        [
            Column("base", "Base"),
            Column("done", "Faits"),
            Column("share", "Part (%)", SHARE, base="base", numerator="done"),
            Column("median", "Médiane (jours)", MEDIAN, base="base"),
            Column("capacity", "Capacité", PLAIN),
        ],
        [
            Row(
                "x",
                "X",
                {
                    "base": base,
                    "done": done,
                    "share": 100 * done / base,
                    "median": median,
                    "capacity": 3,
                },
            )
        ],
    )


def test_a_median_or_a_share_on_fewer_than_5_persons_is_not_shown():
    assert texts(rules.mask(share_figure(4, 4))) == [["< 5", "< 5", "n.s.", "n.s.", "3"]]
    assert texts(rules.mask(share_figure(5, 5))) == [["5", "5", "100", "12,5", "3"]]


def test_a_share_is_not_shown_when_its_numerator_is_masked():
    # 3 on time out of 40: 7,5 % × 40 would give the 3 back.
    assert texts(rules.mask(share_figure(3, 40))) == [["40", "< 5", "n.s.", "12,5", "3"]]
    assert texts(rules.mask(share_figure(6, 40))) == [["40", "6", "15", "12,5", "3"]]


def test_plain_values_are_never_masked():
    figure = Figure("p", [Column("c", "Capacité", PLAIN)], [Row("x", "X", {"c": 2})])
    assert texts(rules.mask(figure)) == [["2"]]


def test_empty_values_show_a_dash():
    figure = share_figure(6, 40, median=None)
    assert texts(rules.mask(figure))[0][3] == "—"


@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(0, 12)),
        min_size=1,
        max_size=6,
    )
)
def test_no_masked_cell_can_be_worked_out_from_a_total(values):
    """Whatever the table: every row and column with a shown total holds zero or at least two
    masked cells, and no shown cell is from 1 to 4."""
    rows = {f"r{i}": v for i, v in enumerate(values)}
    masked = rules.mask(table(rows, columns=("a", "b", "c"), row_total="t"))
    grid = [[c.masked for c in row.cells] for row in masked.all_rows]
    for row in masked.all_rows:
        for cell in row.cells:
            assert cell.masked or cell.value == 0 or cell.value >= 5
    for flags in grid:
        if not flags[3]:
            assert sum(flags[:3]) != 1, (values, texts(masked))
    for col in range(4):
        if not grid[-1][col]:
            assert sum(flags[col] for flags in grid[:-1]) != 1, (values, texts(masked))


def test_a_figure_survives_its_json():
    figure = table({"x": (3, 40)}, row_total="t")
    figure.as_of = date(2026, 11, 30)
    assert Figure.from_data(figure.to_data()) == figure


def test_numbers_are_written_french_style():
    assert rules.number_text(12) == "12"
    assert rules.number_text(12.25, rules.HOURS) == "12,25"
    assert rules.number_text(83.333, SHARE) == "83,3"
    assert rules.number_text(None) == "—"


def test_medians():
    assert rules.median([]) is None
    assert rules.median([7]) == 7
    assert rules.median([9, 1, 5]) == 5
    assert rules.median([4, 1, 10, 3]) == 3.5
    assert rules.median_of_middle([3, 4]) == 3.5


# --- Charts -----------------------------------------------------------------------------------


def chart_of(figure, series):
    masked = rules.mask(figure)
    return masked, charts.bar_chart(masked, series, title="Mesures (novembre 2026)", chart_id="g")


def test_a_chart_is_an_accessible_image_with_a_title_and_a_description():
    masked, svg = chart_of(
        table({"Sursis": (12, 30)}, total=False), [charts.Series("a", "Ouvertes")]
    )
    assert re.search(
        r'<svg [^>]*role="img"[^>]*aria-labelledby="g-title" aria-describedby="g-desc"', svg
    )
    assert '<title id="g-title">Mesures (novembre 2026)</title>' in svg
    assert '<desc id="g-desc">Sursis : 12.</desc>' in svg
    # Nothing a strict content-security policy would have to allow.
    assert "style" not in svg and "<script" not in svg and "on" + "click" not in svg


def test_a_chart_never_holds_a_masked_value():
    # 3 is masked « < 5 », 7 is masked « secret » (the next-smallest of its row).
    figure = table(
        {"Sursis": (3, 7, 41), "TIG": (20, 30, 60)},
        columns=("a", "b", "c"),
        total=False,
        row_total="t",
    )
    series = [charts.Series("a", "A"), charts.Series("b", "B"), charts.Series("c", "C")]
    masked, svg = chart_of(figure, series)
    assert texts(masked)[0] == ["< 5", "secret", "41", "51"]
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg)[1]
    assert desc == (
        "Sursis : a masqué (moins de 5), b masqué (secret statistique), c 41 ; "
        "TIG : a 20, b 30, c 60."
    )
    numbers = set(re.findall(r">(\d+)<", svg))
    assert numbers == {"41", "20", "30", "60"}
    # Two bars drawn for Sursis (c) and three for TIG: none for the masked cells.
    assert svg.count("<rect") == 3 + 1 + 3
    assert svg.count(">masqué<") == 2
    # The scale is the largest shown value (60 fills the span), whatever was masked.
    widths = [
        float(w)
        for w in re.findall(
            r'<rect class="probatio-chart__bar[^"]*" x="210" y="\d+" width="([\d.]+)"', svg
        )
    ]
    assert max(widths) == charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH


def test_a_masked_largest_value_does_not_set_the_scale():
    figure = table({"A": (4, 0), "B": (2, 0)}, total=False)
    _, svg = chart_of(figure, [charts.Series("a", "A")])
    assert "<rect" not in svg  # both masked: no bar at all
    assert svg.count(">masqué<") == 2


def test_an_empty_figure_says_so():
    figure = Figure("e", [Column("a", "A")], [])
    _, svg = chart_of(figure, [charts.Series("a", "A")])
    assert "Aucune donnée sur la période." in svg


def test_a_label_is_escaped():
    _, svg = chart_of(table({"<b>&": (12, 0)}, total=False), [charts.Series("a", "A")])
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg


# --- Definitions ------------------------------------------------------------------------------


def test_no_figure_breaks_down_by_a_sensitive_category():
    for definition in definitions.DEFINITIONS:
        assert not set(definition.by) & definitions.SENSITIVE, definition.code
    assert {
        "health",
        "addiction",
        "nationality",
        "religion",
        "sexual_life",
    } <= definitions.SENSITIVE


def test_every_group_holds_figures_and_every_figure_draws_a_column():
    assert {d.group for d in definitions.DEFINITIONS} == set(definitions.GROUPS)
    assert len(definitions.BY_CODE) == len(definitions.DEFINITIONS) == 12
    assert all(d.series and d.row_header for d in definitions.DEFINITIONS)


def test_counts_are_the_masked_kind():
    assert COUNT == "count"
