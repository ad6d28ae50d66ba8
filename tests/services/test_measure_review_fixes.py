from datetime import date

import pytest
from django.core.exceptions import ValidationError

from probatio.measures import services
from probatio.measures.models import Measure
from tests.factories import gate, make_decision, make_measure


@pytest.mark.django_db
def test_editing_a_measure_keeps_its_judge_and_cpip_when_left_empty(cpip, judge, person):
    measure = make_measure(cpip, person, judge=judge.user)
    services.measure_update(
        gated=gate(cpip, measure.person),
        measure=measure,
        data={"assigning_judge": None, "assigned_cpip": None, "duration_months": 30},
    )
    measure.refresh_from_db()
    assert measure.duration_months == 30
    assert measure.assigning_judge == judge.user
    assert measure.assigned_cpip == cpip.user


@pytest.mark.django_db
def test_community_work_deadline_counts_from_the_enforceable_date(cpip, person):
    decision = make_decision(
        cpip, person, date=date(2025, 1, 6), enforceable_date=date(2025, 1, 20)
    )
    tig = make_measure(
        cpip,
        person,
        code="TIG",
        decision=decision,
        start_date=date(2025, 9, 1),
        hours=120,
        duration_months=18,
        today=date(2025, 9, 1),
    )
    assert tig.end_date == date(2026, 7, 20)
    assert tig.status == "active"


@pytest.mark.django_db
def test_a_measure_entered_after_its_end_is_ended_and_cannot_be_active(cpip, person):
    decision = make_decision(cpip, person, date=date(2021, 1, 6), enforceable_date=None)
    measure = make_measure(
        cpip, person, decision=decision, start_date=date(2021, 1, 15), duration_months=12
    )
    assert measure.status == "ended"
    with pytest.raises(ValidationError) as error:
        services.measure_update(
            gated=gate(cpip, measure.person), measure=measure, data={"status": "active"}
        )
    assert "ne peut plus être « en cours »" in error.value.message_dict["status"][0]
    assert Measure.objects.get(pk=measure.pk).status == "ended"
