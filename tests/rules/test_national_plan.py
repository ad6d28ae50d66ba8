"""The national plan's numbers (no database)."""

import pytest

from probatio.national.plan import PlanError, plan_for, statistics_are_due


def test_scale_one_is_the_country():
    plan = plan_for(1)
    assert len(plan.services) == 100
    assert plan.active == 300_000
    assert plan.closed == 3_000_000
    assert plan.events == 30_000_000
    assert plan.services[0].active == 12_000  # the largest département
    assert 6_000 <= plan.staff <= 7_500  # about 7,000 staff accounts nationwide
    assert plan.services[0].cpips == 185  # 12,000 / 65, rounded up


def test_smaller_scales_keep_at_least_two_services_and_add_up():
    for scale in (0.1, 0.01, 0.001):
        plan = plan_for(scale)
        assert len(plan.services) >= 2
        assert plan.active == max(len(plan.services) * 20, round(300_000 * scale))
        assert all(service.active >= 10 for service in plan.services)


@pytest.mark.parametrize("scale", [0, -1, 3])
def test_a_scale_of_zero_negative_or_too_large_is_refused(scale):
    with pytest.raises(PlanError):
        plan_for(scale)


def test_every_service_of_the_full_plan_has_its_own_departement():
    from probatio.national.plan import DEPARTMENTS, department_code

    plan = plan_for(1)
    codes = [department_code(service.number) for service in plan.services]
    assert len(set(codes)) == len(codes) == 100
    assert len(DEPARTMENTS) == 101 and department_code(20) == "2A" and department_code(101) == "976"
    with pytest.raises(PlanError):
        department_code(102)


def test_statistics_are_refreshed_after_the_first_service_then_each_time_the_rows_double():
    assert not statistics_are_due(0, 0)
    assert statistics_are_due(1_000, 0)  # the first service
    assert not statistics_are_due(1_999, 1_000)
    assert statistics_are_due(2_000, 1_000)
    refreshed, analyzed_at = [], 0
    for written in range(10_000, 1_000_001, 10_000):  # a process's total after each service
        if statistics_are_due(written, analyzed_at):
            refreshed.append(written)
            analyzed_at = written
    assert refreshed == [10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000]
