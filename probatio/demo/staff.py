"""The demo's closed day and staff absences, written by the service's manager through the
services (journaled), before the appointments: the agenda's generator (demo/agenda.py) then
books nothing on the closed day at that antenne, nor with a member of staff away.

- the first community antenne closes for a day, the first working day at least ten days
  ahead (« Fermeture exceptionnelle »): it shows in the agenda of the coming weeks;
- the second CPIP of that antenne is on leave all of next week (Monday to Friday);
- a CPIP of the second antenne is in training two days the week after.
"""

from datetime import date, timedelta

from probatio.access.roles import Role
from probatio.accounts import services as staff_services
from probatio.accounts.models import Membership
from probatio.core.workdays import public_holidays
from probatio.organisation import services as site_services
from probatio.organisation.models import Site

CLOSED_REASON = "Fermeture exceptionnelle"


def closed_day_for(today: date, *, alsace_moselle: bool = False) -> date:
    """The first working day (Monday to Friday, not a public holiday) ten days ahead or
    later."""
    day = today + timedelta(days=10)
    while day.weekday() >= 5 or day in public_holidays(day.year, alsace_moselle=alsace_moselle):
        day += timedelta(days=1)
    return day


def next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def build_staff_calendar(*, service, staff: dict[Role, list[Membership]], today: date) -> None:
    managers = staff.get(Role.MANAGER, [])
    cpips = staff.get(Role.CPIP, [])
    if not managers or len(cpips) < 2:
        return
    manager = managers[0]
    site = cpips[0].site or Site.objects.filter(service=service).order_by("pk").first()
    if site is not None:
        day = closed_day_for(today, alsace_moselle=service.alsace_moselle)
        site_services.closed_day_create(
            membership=manager,
            data={"site": site, "start_date": day, "end_date": day, "reason": CLOSED_REASON},
        )
    monday = next_monday(today)
    staff_services.staff_absence_create(
        membership=manager,
        target=cpips[1],
        data={"kind": "leave", "start_date": monday, "end_date": monday + timedelta(days=4)},
    )
    elsewhere = next((m for m in cpips if m.site_id and m.site_id != cpips[0].site_id), None)
    if elsewhere is not None and elsewhere.site.kind == Site.Kind.COMMUNITY:
        tuesday = monday + timedelta(days=8)
        staff_services.staff_absence_create(
            membership=manager,
            target=elsewhere,
            data={"kind": "training", "start_date": tuesday, "end_date": tuesday + timedelta(1)},
        )
