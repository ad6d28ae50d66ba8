"""The échéancier in the browser: grouped by day then by person, a table per day with its
caption, the « Qui » column for the manager only; axe-core finds no serious violation."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from probatio.agenda import services as agenda_services
from tests.browser.pages import Probatio
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ServiceFactory,
    SiteFactory,
    gate,
    make_decision,
    make_measure,
    make_person,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def caseload():
    service = ServiceFactory(name="SPIP du Calvados", department_code="914")
    site = SiteFactory(
        service=service,
        name="Antenne de Caen",
        opening_hours={str(d): [["00:00", "23:59"]] for d in range(1, 8)},
    )
    cpip = MembershipFactory(service=service, role="cpip", site=site,
                             user__username="camille.cpip", user__first_name="Camille",
                             user__last_name="Conseil")  # fmt: skip
    MembershipFactory(service=service, role="manager", site=site, user__username="dominique.dpip")
    today = timezone.localdate()
    for n, (surname, first) in enumerate((("Ménard", "Éloïse"), ("Lefèvre", "Noé"))):
        person = make_person(cpip, surname=surname, first_names=first)
        decided = today - timedelta(days=10 + n)
        decision = make_decision(cpip, person, date=decided, enforceable_date=decided)
        make_measure(cpip, person, decision=decision)
        for hour in (9, 14):  # two appointments the same day: one row, two lines
            starts = timezone.make_aware(
                datetime.combine(today + timedelta(days=2 + n), time(hour + n))
            )
            agenda_services.appointment_book(
                gated=gate(cpip, person),
                data={"kind": "follow_up", "starts_at": starts,
                      "ends_at": starts + timedelta(minutes=45), "place_kind": "site",
                      "site": site},
                staff=[cpip.user],
                confirmed=True,
            )  # fmt: skip
    return cpip


def test_the_schedule_reads_by_day_and_person(page, axe_source, caseload, screenshots):
    app = Probatio(page, axe_source)
    app.sign_in("camille.cpip", PASSWORD)
    app.visit("/echeancier/?horizon=60")  # axe-core runs on the page
    page.screenshot(path=screenshots / "echeancier-cpip.png", full_page=True)
    days = page.locator('[data-testid="schedule-day"]')
    assert days.count() >= 3  # two days of appointments, the first interviews' days
    rows = page.locator('[data-testid="schedule-day"] tbody th[scope="row"]')
    assert rows.count() >= 3
    assert page.get_by_role("columnheader", name="Qui").count() == 0
    menard = page.locator("tr", has=page.get_by_role("link", name="MÉNARD Éloïse"))
    assert menard.first.locator("li").count() >= 2  # two appointments, one line each

    manager_page = page.context.browser.new_context(base_url=page.url.split("/ech")[0])
    other = manager_page.new_page()
    manager = Probatio(other, axe_source)
    manager.sign_in("dominique.dpip", PASSWORD, landing=r"/service/$")
    manager.visit("/echeancier/?horizon=60")
    other.screenshot(path=screenshots / "echeancier-encadrement.png", full_page=True)
    assert other.get_by_role("columnheader", name="Qui").count() >= 1
    assert other.get_by_role("cell", name="Camille Conseil").count() >= 1
    manager_page.close()
