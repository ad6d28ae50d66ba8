"""The group the programme incident tests share: a four-session programme facilitated by the
CPIP, meeting on Tuesdays at 14:00 from 7 October 2025, seen on Wednesday 15 October (``NOW``:
its first session held, the others to come)."""

from datetime import UTC, date, datetime

from tests.factories import SiteFactory, make_group, make_programme

NOW = datetime(2025, 10, 15, 8, 0, tzinfo=UTC)


def tuesday_group(manager, cpip, service):
    programme = make_programme(manager, name="Stage de responsabilisation", session_count=4)
    return make_group(
        manager,
        programme,
        site=SiteFactory(service=service),
        start_date=date(2025, 10, 7),
        facilitators=[cpip.user],
    )
