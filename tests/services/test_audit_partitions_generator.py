"""The national generator writes years of journal history with ``COPY``: its rows land in
their monthly partitions, none in the default one, and the chains verify (PostgreSQL)."""

import pytest
from django.db import connection

from probatio.audit import partitions
from probatio.audit.models import AuditChainHead
from probatio.audit.services import verify_chain
from probatio.national.generator import Generator
from probatio.national.plan import Plan, ServicePlan

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_generated_history_lands_in_monthly_partitions():
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
    plan = Plan(scale=0.0001, services=(ServicePlan(1, 6, 12),))
    Generator(plan, seed=3, log=lambda line: None).run()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text, count(*) FROM {partitions.TABLE} "
            "GROUP BY 1 ORDER BY 1"
        )
        rows = dict(cursor.fetchall())
    assert rows.get(partitions.DEFAULT_PARTITION, 0) == 0
    assert len(rows) > 12  # years of history, month by month
    assert all(name.startswith(f"{partitions.TABLE}_p") for name in rows)
    for chain in AuditChainHead.objects.values_list("chain", flat=True):
        count, problems = verify_chain(chain)
        assert problems == []
        assert count > 0
