"""Workload points, capacity, the suggested CPIP and the spreading of files: the pure rules of
``caseloads.rules``, checked against a table written from the issue's text (no database)."""

from datetime import date
from decimal import Decimal as D

import pytest

from probatio.caseloads import rules
from probatio.caseloads.rules import Candidate, Reduction, Weight

TODAY = date(2026, 12, 7)
NATIONAL = [
    Weight("FULL_TIME", "any", D("60"), date(2020, 1, 1)),
    Weight("REPORT_DUE", "any", D("0.5"), date(2020, 1, 1)),
    Weight("ANY_MEASURE", "community", D("1"), date(2020, 1, 1)),
    Weight("SURSIS_PROBATOIRE", "community", D("1"), date(2020, 1, 1)),
    Weight("SURSIS_PROBATOIRE", "custody", D("0.5"), date(2020, 1, 1)),
    Weight("DDSE", "any", D("1.5"), date(2020, 1, 1)),
]


@pytest.mark.parametrize(
    ("extra", "key", "expected"),
    [
        # The national value, when the service has none.
        ([], ("DDSE", "any"), D("1.5")),
        # The service's own value overrides it…
        ([Weight("DDSE", "any", D("2"), date(2026, 1, 1), service_id=7)], ("DDSE", "any"), D("2")),
        # …from its date only.
        (
            [Weight("DDSE", "any", D("2"), date(2027, 1, 1), service_id=7)],
            ("DDSE", "any"),
            D("1.5"),
        ),
        # Another service's value is not ours.
        (
            [Weight("DDSE", "any", D("3"), date(2026, 1, 1), service_id=8)],
            ("DDSE", "any"),
            D("1.5"),
        ),
        # A later national value replaces the earlier one from its date.
        ([Weight("DDSE", "any", D("1.8"), date(2026, 6, 1))], ("DDSE", "any"), D("1.8")),
        # The service's value still wins over a later national one.
        (
            [
                Weight("DDSE", "any", D("2"), date(2025, 1, 1), service_id=7),
                Weight("DDSE", "any", D("1.8"), date(2026, 6, 1)),
            ],
            ("DDSE", "any"),
            D("2"),
        ),
    ],
)
def test_the_weights_in_force(extra, key, expected):
    assert rules.weights_on(NATIONAL + extra, service_id=7, on=TODAY)[key] == expected


@pytest.mark.parametrize(
    ("code", "setting", "expected"),
    [
        ("SURSIS_PROBATOIRE", "community", D("1")),
        ("SURSIS_PROBATOIRE", "custody", D("0.5")),  # suspended in custody: half
        ("DDSE", "community", D("1.5")),  # one value for any setting
        ("DDSE", "custody", D("1.5")),
        ("LC", "community", D("1")),  # no weight of its own: any measure's
        ("LC", "custody", D("1")),  # nothing at all for that setting: one point
    ],
)
def test_one_measure_weighs_by_its_kind_and_setting(code, setting, expected):
    weights = rules.weights_on(NATIONAL, service_id=7, on=TODAY)
    assert rules.measure_points(weights, code, setting) == expected


def test_points_add_measures_and_reports_due():
    weights = rules.weights_on(NATIONAL, service_id=7, on=TODAY)
    held = [
        ("SURSIS_PROBATOIRE", "community", 40),
        ("SURSIS_PROBATOIRE", "custody", 4),
        ("DDSE", "any", 6),
    ]
    # 40 × 1 + 4 × 0.5 + 6 × 1.5 + 3 reports × 0.5
    assert rules.points(weights, measures=held, reports_due=3) == D("52.5")
    assert rules.points(weights, measures=[], reports_due=0) == D("0")


LEVELS = [
    Weight("LEVEL_REINFORCED", "any", D("1.5"), date(2020, 1, 1)),
    Weight("LEVEL_STANDARD", "any", D("1"), date(2020, 1, 1)),
    Weight("LEVEL_LIGHT", "any", D("0.7"), date(2020, 1, 1)),
]


def test_points_without_levels_are_the_measures_alone():
    weights = rules.weights_on(NATIONAL + LEVELS, service_id=7, on=TODAY)
    plain = [("SURSIS_PROBATOIRE", "community", 2), ("DDSE", "any", 1)]
    without = [(*m, None) for m in plain]
    assert rules.points(weights, measures=plain) == D("3.5")
    assert rules.points(weights, measures=without) == D("3.5")
    # A scale without coefficients: a level weighs nothing more.
    bare = rules.weights_on(NATIONAL, service_id=7, on=TODAY)
    assert rules.points(bare, measures=[(*m, "reinforced") for m in plain]) == D("3.5")


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("reinforced", D("5.25")),  # (2 × 1 + 1.5) × 1.5
        ("standard", D("3.5")),
        ("light", D("2.45")),  # (2 × 1 + 1.5) × 0.7
        ("", D("3.5")),
        ("unknown", D("3.5")),
    ],
)
def test_the_level_multiplies_the_persons_measures(level, expected):
    weights = rules.weights_on(NATIONAL + LEVELS, service_id=7, on=TODAY)
    held = [("SURSIS_PROBATOIRE", "community", 2, level), ("DDSE", "any", 1, level)]
    assert rules.points(weights, measures=held) == expected


def test_a_services_coefficient_overrides_the_national_one():
    own = Weight("LEVEL_REINFORCED", "any", D("2"), date(2026, 1, 1), service_id=7)
    weights = rules.weights_on(NATIONAL + LEVELS + [own], service_id=7, on=TODAY)
    assert rules.level_factor(weights, "reinforced") == D("2")
    assert rules.level_factor(weights, "light") == D("0.7")
    assert rules.level_factor(weights, None) == D("1")
    mixed = [("SURSIS_PROBATOIRE", "community", 1, "reinforced"), ("DDSE", "any", 1, "light")]
    assert rules.points(weights, measures=mixed, reports_due=1) == D("3.55")  # 2 + 1.05 + 0.5


@pytest.mark.parametrize(
    ("working_time", "reductions", "expected"),
    [
        (100, [], D("60.0")),
        (80, [], D("48.0")),  # part-time 80 %
        (50, [], D("30.0")),
        (100, [Reduction(20, date(2026, 9, 1))], D("48.0")),  # union duty 20 %, open-ended
        (80, [Reduction(20, date(2026, 9, 1))], D("38.4")),  # both
        # Two reductions add up…
        (
            100,
            [Reduction(20, date(2026, 9, 1)), Reduction(30, date(2026, 12, 1), date(2026, 12, 31))],
            D("30.0"),
        ),
        # …never beyond the whole time: a long leave leaves no capacity.
        (100, [Reduction(100, date(2026, 11, 1)), Reduction(20, date(2026, 9, 1))], D("0.0")),
        # A reduction not running today changes nothing (ended, or still to come).
        (100, [Reduction(50, date(2026, 1, 1), date(2026, 12, 6))], D("60.0")),
        (100, [Reduction(50, date(2026, 12, 8))], D("60.0")),
        # Its first and last days count.
        (100, [Reduction(50, TODAY, TODAY)], D("30.0")),
    ],
)
def test_capacity(working_time, reductions, expected):
    assert (
        rules.capacity(
            full_time=D("60"), working_time=working_time, reductions=reductions, on=TODAY
        )
        == expected
    )


@pytest.mark.parametrize(
    ("points", "capacity", "percent", "overloaded"),
    [
        (D("60"), D("60"), 100, False),  # full, not over
        (D("60.5"), D("60"), 101, True),  # above 100 %: flagged
        (D("30"), D("48"), 63, False),  # 62.5 rounds half up
        (D("0"), D("60"), 0, False),
        (D("10"), D("0"), None, False),  # no capacity: unavailable, not "overloaded"
    ],
)
def test_workload_percent(points, capacity, percent, overloaded):
    assert rules.load_percent(points, capacity) == percent
    assert rules.is_overloaded(percent) is overloaded


def _candidates():
    return [
        Candidate(1, "Alice Ouvert", D("55"), D("60"), site_kind="community"),  # 92 %
        Candidate(2, "Bruno Ouvert", D("30"), D("48"), site_kind="community"),  # 63 % (80 %)
        Candidate(3, "Chloé Absente", D("0"), D("0"), site_kind="community"),  # long leave
        Candidate(4, "Denis Prison", D("50"), D("60"), site_kind="prison", establishment_id=10),
        Candidate(5, "Emma Prison", D("20"), D("60"), site_kind="prison", establishment_id=11),
        Candidate(6, "Farid Siège", D("50"), D("60"), site_kind="head_office"),  # 83 %
    ]


@pytest.mark.parametrize(
    ("in_custody", "establishment_id", "expected"),
    [
        # In the community: the lowest load among community and head-office CPIPs (not the
        # one on leave, whose load is 0 but who has no capacity).
        (False, None, 2),
        # In custody: the prison team, the CPIP of the person's prison first…
        (True, 10, 4),
        # …the lowest of the team when that prison has no CPIP of its own.
        (True, 12, 5),
        (True, None, 5),
    ],
)
def test_the_suggestion_is_the_lowest_load_among_those_who_fit(
    in_custody, establishment_id, expected
):
    chosen = rules.suggest(_candidates(), in_custody=in_custody, establishment_id=establishment_id)
    assert chosen.user_id == expected


def test_without_a_prison_team_the_suggestion_falls_back_to_anyone_available():
    community_only = [c for c in _candidates() if c.site_kind != "prison"]
    assert rules.suggest(community_only, in_custody=True).user_id == 2
    assert rules.suggest([_candidates()[2]], in_custody=False) is None  # nobody available


def test_ties_go_to_the_fewer_points_then_the_name():
    a = Candidate(1, "Zoé", D("30"), D("60"))
    b = Candidate(2, "Anna", D("15"), D("30"))  # same 50 %, fewer points
    c = Candidate(3, "Anne", D("15"), D("30"))
    assert rules.suggest([a, b, c], in_custody=False).user_id == 2  # "Anna" < "Anne"


def test_spreading_evens_the_loads_heaviest_files_first():
    targets = [
        Candidate(1, "Alice", D("50"), D("60")),  # 83 %
        Candidate(2, "Bruno", D("20"), D("48")),  # 42 %, part-time
    ]
    files = [(10, D("1")), (11, D("1.5")), (12, D("1")), (13, D("0.5")), (14, D("1"))] * 1
    files += [(20 + i, D("1")) for i in range(20)]
    given = rules.spread(files, targets)
    assert set(given) == {pk for pk, _ in files}  # every file given, once
    loads = {t.user_id: t.percent for t in targets}
    assert abs(loads[1] - loads[2]) <= 3  # as even as the files allow
    # The heaviest file went first, to the lowest load.
    assert given[11] == 2


def test_spreading_skips_targets_without_capacity_and_gives_nothing_without_any():
    on_leave = Candidate(3, "Chloé", D("0"), D("0"))
    present = Candidate(4, "Denis", D("10"), D("60"))
    assert set(rules.spread([(1, D("1")), (2, D("1"))], [on_leave, present]).values()) == {4}
    assert rules.spread([(1, D("1"))], [Candidate(3, "Chloé", D("0"), D("0"))]) == {}
