"""The transfers' pure rules: when a request left unanswered is accepted, and which reminders
are due. No database and no clock: ``today`` is an argument."""

from datetime import date, timedelta


def auto_accept_on(proposed_on: date, delay_days: int) -> date:
    """The day the receiving service's system actor accepts a request still unanswered."""
    return proposed_on + timedelta(days=delay_days)


def is_overdue(*, today: date, accept_on: date) -> bool:
    return today >= accept_on


def reminders_due(
    *, today: date, accept_on: date, reminder_days: list[int], sent: list[int]
) -> list[int]:
    """The reminders (days before the acceptance) due today and not yet sent: one e-mail
    covers them all (a request proposed four days before its acceptance gets one reminder,
    not two). None on or after the day of the acceptance itself."""
    days_left = (accept_on - today).days
    if days_left <= 0:
        return []
    return sorted(
        (days for days in reminder_days if days_left <= days and days not in sent), reverse=True
    )


def may_receive(*, from_sandbox: bool, to_sandbox: bool) -> bool:
    """A file goes only to a service of the same kind: a real service's to a real service,
    a training service's (fictitious data) to a training service."""
    return from_sandbox == to_sandbox
