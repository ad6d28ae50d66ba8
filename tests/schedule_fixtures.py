"""What the échéancier's tests share (``tests/services/test_due_items.py``,
``tests/views/test_schedule_views.py``, ``tests/views/test_schedule_paging.py``): a clock
stopped on Wednesday 12 November 2025, a site of the service, a sentenced person, an
appointment booked at a site.

``frozen`` (autouse) and ``site`` are fixtures: a test module takes them by naming them at its
top level, which is where pytest looks for a module's fixtures::

    from tests import schedule_fixtures as schedule
    from tests.schedule_fixtures import TODAY, book, sentenced

    frozen = schedule.frozen  # every test of the module runs at NOW
    site = schedule.site
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from probatio.agenda import rules
from probatio.agenda import services as agenda
from tests.factories import SiteFactory, gate, make_decision, make_measure, make_person

NOW = datetime(2025, 11, 12, 9, 0, tzinfo=UTC)  # Wednesday 12 November 2025, 10:00 Paris
TODAY = date(2025, 11, 12)
BOOKED_AT = datetime(2025, 11, 1, tzinfo=UTC)  # when the appointments were booked


@pytest.fixture(autouse=True)
def frozen():
    """The clock stopped at ``NOW`` (autouse in the modules that take it)."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def site(service):
    return SiteFactory(service=service)


def sentenced(membership, surname, decided, *, today=TODAY):
    """A person of ``membership`` with a decision of ``decided`` (enforceable that day) and a
    measure, so a first interview due."""
    person = make_person(membership, surname=surname)
    decision = make_decision(
        membership, person, date=decided, enforceable_date=decided, today=today
    )
    make_measure(membership, person, decision=decision, today=today)
    return person


def book(membership, person, day, hh, mm=0, *, site, staff=None, minutes=45):
    """A follow-up interview at ``site`` on ``day`` at ``hh:mm`` (Paris), held by ``staff``
    (the member by default), booked and confirmed on ``BOOKED_AT``."""
    start = rules.at_paris(day, time(hh, mm))
    return agenda.appointment_book(
        gated=gate(membership, person),
        data={
            "kind": "follow_up",
            "place_kind": "site",
            "site": site,
            "starts_at": start,
            "ends_at": start + timedelta(minutes=minutes),
        },
        staff=staff or [membership.user],
        confirmed=True,
        now=BOOKED_AT,
    )
