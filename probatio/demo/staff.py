"""The demo's closed day and staff absences, written by the service's manager through the
services (journaled), once the rest of the demo is built:

- the first community antenne closes for a day (« Fermeture exceptionnelle »), the first
  working day at least ten days ahead: it shows in the agenda of the coming weeks;
- the second CPIP of that antenne is on leave all of next week (Monday to Friday);
- a CPIP of the second antenne is in training two days the week after.

Built last, so that the random draws of everything before stay as they were. What the demo
had booked there is then moved by the manager, as a service would do it: each appointment a
week later (or two…), with its reason, through ``agenda.services.appointment_move`` — which
refuses a closed day or an absent member of staff, so nothing is left on them.
"""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from probatio.access.roles import Role
from probatio.accounts import services as staff_services
from probatio.accounts.models import Membership
from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda_services
from probatio.agenda.models import Appointment
from probatio.core.workdays import public_holidays
from probatio.demo.gates import gate
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


def _planned(first: date, last: date, **where):
    return Appointment.objects.filter(
        status=Appointment.Status.PLANNED,
        starts_at__gte=agenda_rules.at_paris(first, time(0, 0)),
        starts_at__lt=agenda_rules.at_paris(last + timedelta(days=1), time(0, 0)),
        **where,
    ).select_related("person")


def _move_later(manager: Membership, appointments, *, reason: str, now: datetime) -> None:
    """Each appointment a week later, or two, or three (the first the services accept)."""
    for appointment in list(appointments):
        for weeks in (1, 2, 3, 4):
            try:
                agenda_services.appointment_move(
                    gated=gate(manager, appointment.person),
                    appointment=appointment,
                    starts_at=appointment.starts_at + timedelta(weeks=weeks),
                    ends_at=appointment.ends_at + timedelta(weeks=weeks),
                    reason=reason,
                    confirmed=True,
                    now=now,
                )
            except ValidationError:
                continue
            break


def build_staff_calendar(*, service, staff: dict[Role, list[Membership]], today: date, **_) -> None:
    managers = staff.get(Role.MANAGER, [])
    cpips = staff.get(Role.CPIP, [])
    if not managers or len(cpips) < 2:
        return
    manager = managers[0]
    now = max(timezone.now(), agenda_rules.at_paris(today, time(8, 0)))
    site = cpips[0].site or Site.objects.filter(service=service).order_by("pk").first()
    if site is not None:
        day = closed_day_for(today, alsace_moselle=service.alsace_moselle)
        site_services.closed_day_create(
            membership=manager,
            data={"site": site, "start_date": day, "end_date": day, "reason": CLOSED_REASON},
        )
        _move_later(
            manager,
            _planned(day, day, site=site),
            reason=f"{site.name} fermée ce jour-là ({CLOSED_REASON.lower()})",
            now=now,
        )
    monday = next_monday(today)
    away = [(cpips[1], "leave", monday, monday + timedelta(days=4))]
    elsewhere = next(
        (
            m
            for m in cpips
            if m.site_id and m.site_id != cpips[0].site_id and m.site.kind == Site.Kind.COMMUNITY
        ),
        None,
    )
    if elsewhere is not None:
        tuesday = monday + timedelta(days=8)
        away.append((elsewhere, "training", tuesday, tuesday + timedelta(days=1)))
    for member, kind, first, last in away:
        absence = staff_services.staff_absence_create(
            membership=manager,
            target=member,
            data={"kind": kind, "start_date": first, "end_date": last},
        )
        _move_later(
            manager,
            _planned(first, last, staff=member.user),
            reason=f"Absence de {member.user.get_full_name()} ({absence.get_kind_display().lower()})",
            now=now,
        )
