"""The anomaly view's thresholds in the national generator (PostgreSQL): one service in ten
sets its own, the others keep the defaults; the view's lists run on the generated journal."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from probatio.national.generator import Generator
from probatio.national.plan import Plan, ServicePlan
from probatio.organisation.models import Service
from probatio.oversight import rules, selectors
from probatio.oversight.models import OversightSettings

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_one_service_in_ten_sets_its_own_thresholds_and_the_lists_run():
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
    plan = Plan(scale=0.0001, services=(ServicePlan(9, 20, 10), ServicePlan(10, 20, 10)))
    Generator(plan, seed=7, log=lambda line: None).run()
    ninth, tenth = Service.objects.order_by("pk")
    assert not OversightSettings.objects.filter(service=ninth).exists()
    row = OversightSettings.objects.get(service=tenth)
    assert row.thresholds() != rules.DEFAULTS
    assert rules.threshold_errors({name: getattr(row, name) for name in rules.FIELDS}) == {}
    found = selectors.thresholds_for(tenth.pk)
    assert found.custom and found.thresholds == row.thresholds()
    assert selectors.thresholds_for(ninth.pk).thresholds == rules.DEFAULTS
    # The generated reads fall at any hour: some are out of hours, none of a file never
    # assigned (each file is read by its own CPIP).
    start = timezone.localdate() - timedelta(days=365)
    end = timezone.localdate()
    assert list(selectors.out_of_hours_reads(
        ninth.pk, start, end, thresholds=rules.DEFAULTS, alsace_moselle=False
    ))  # fmt: skip
    assert list(selectors.unusual_reads(ninth.pk, start, end, threshold=0)) == []
