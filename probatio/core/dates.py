import calendar
from datetime import date, datetime, time

from django.utils import timezone


def add_months(day: date, months: int) -> date:
    """Calendar months, keeping the day of the month and clamping to the month's last day
    (2025-01-31 + 1 month = 2025-02-28), like dateutil's relativedelta."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def format_fr(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def on_day(day: date, hour: int = 12) -> datetime:
    """An aware datetime (Europe/Paris) on ``day``: when a dated fact enters the timeline."""
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def months_and_days(start: date, end: date) -> tuple[int, int]:
    """The duration from ``start`` to ``end`` as calendar months then days, such that
    ``add_months(start, months) + days == end`` (the way durations are stored on a measure)."""
    if end < start:
        raise ValueError("end before start")
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return months, (end - add_months(start, months)).days
