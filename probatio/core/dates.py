import calendar
from datetime import date


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
