"""The legal holds of the national generator (PostgreSQL): a few closed files per service,
held by one of its managers, the rest of the data unchanged; the retention job's dry-run
leaves them out."""

from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from probatio.accounts.models import Membership
from probatio.national import retention as national_retention
from probatio.national.generator import Generator
from probatio.national.plan import Plan, ServicePlan
from probatio.retention import services
from probatio.retention.models import LegalHold

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SMALL = Plan(scale=0.0001, services=(ServicePlan(1, 20, 40), ServicePlan(2, 10, 20)))


def test_a_few_closed_files_of_each_service_are_held_by_its_manager():
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
    Generator(SMALL, seed=7, log=lambda line: None).run()
    holds = list(LegalHold.objects.select_related("person"))
    by_service = {}
    for hold in holds:
        by_service.setdefault(hold.person.service_id, []).append(hold)
        assert hold.in_force and hold.reason == national_retention.REASON
        assert not hold.person.measures.filter(status="active").exists()
        assert Membership.objects.filter(
            user_id=hold.set_by_id, service_id=hold.person.service_id, role="manager"
        ).exists()
    assert set(by_service) and all(
        1 <= len(v) <= national_retention.PER_SERVICE for v in by_service.values()
    )
    # Ten years on, every closed file is due, but not the held ones.
    report = services.apply(as_of=date.today(), dry_run=True, now=timezone.now())
    due = {pk for r in report.results if r.rule.kind == "files" for pk, _ in r.files}
    assert not due & {hold.person_id for hold in holds}
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
