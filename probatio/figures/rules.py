"""The activity figures' pure rules: periods, the figures' shape, and what may be shown.

No database and no clock (``today`` is an argument): tested without a database
(``tests/rules/test_figures_rules.py``). docs/figures.md explains each rule.

**Periods.** ``parse_period`` reads a month (``2026-11``), a quarter (``2026-T3``), a year
(``2026``) or two dates, and refuses in French a period that ends before it starts, starts in
the future or spans more than ``MAX_YEARS`` years.

**Masking** (statistical secrecy). ``mask`` turns a computed ``Figure`` into the cells a page,
a chart or an export shows:

- a count of 1 to 4 is shown « < 5 »; 0 is shown (it discloses no one);
- secondary suppression: when exactly one cell of a row (or a column) is masked and that
  row's (column's) total is shown, the total minus the other cells would give it back: **the
  next-smallest cell** of that row (column) is masked too (« secret »), repeated until nothing
  changes (that cell may be the only masked one of its column). Totals stay shown: they are
  the figures a manager reports; only when every other cell is zero is the total masked. A total of distinct persons (``Figure.distinct``) is not the
  sum of its column, so it gives nothing back and triggers nothing;
- a median, a share, hours or points computed on fewer than 5 persons (their ``base``) are
  not shown (« n.s. »): with so few persons a median is one person's delay, and a share
  gives a masked count back; a share is not shown either when its numerator is masked.
"""

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from probatio.assessments.rules import ContactRule
from probatio.core.dates import format_fr

# Bumped whenever what a figure counts changes (docs/figures.md): snapshots of another version
# are recomputed.
DEFINITIONS_VERSION = 1

MIN_COUNT = 5
SMALL = "< 5"
SECRET = "secret"
NOT_SIGNIFICANT = "n.s."
EMPTY = "—"

# A custom period spans at most this many years (longer ones would not be comparable, and
# would cost the database a full scan of the service's history).
MAX_YEARS = 3


# --- Periods ----------------------------------------------------------------------------------

MONTH, QUARTER, YEAR, CUSTOM = "mois", "trimestre", "annee", "personnalisee"
KIND_LABELS = {
    MONTH: "Mois",
    QUARTER: "Trimestre",
    YEAR: "Année",
    CUSTOM: "Période personnalisée",
}
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


class PeriodError(ValueError):
    """A period refused, with its French message (and the field it concerns)."""

    def __init__(self, message: str, field: str = "valeur"):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @property
    def value(self) -> str:
        """The period as typed back in the form (``2026-11``, ``2026-T3``, ``2026``)."""
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == QUARTER:
            return f"{self.start.year}-T{(self.start.month - 1) // 3 + 1}"
        if self.kind == YEAR:
            return str(self.start.year)
        return ""

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return f"{MONTHS_FR[self.start.month - 1]} {self.start.year}"
        if self.kind == QUARTER:
            return f"{(self.start.month - 1) // 3 + 1}e trimestre {self.start.year}"
        if self.kind == YEAR:
            return f"année {self.start.year}"
        return f"du {format_fr(self.start)} au {format_fr(self.end)}"

    def closed(self, today: date) -> bool:
        """Over before today: its figures no longer change (they may be stored)."""
        return self.end < today

    def as_of(self, today: date) -> date:
        """The day a figure « on a date » is read: the period's last day, or today while the
        period runs."""
        return min(self.end, today)

    def months(self) -> list[date]:
        """The first day of each calendar month the period meets."""
        first = self.start.replace(day=1)
        result = []
        while first <= self.end:
            result.append(first)
            first = _next_month(first)
        return result


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(MONTH, date(year, month, 1), date(year, month, last))


def quarter_period(year: int, quarter: int) -> Period:
    first_month = 3 * (quarter - 1) + 1
    last = month_period(year, first_month + 2).end
    return Period(QUARTER, date(year, first_month, 1), last)


def year_period(year: int) -> Period:
    return Period(YEAR, date(year, 1, 1), date(year, 12, 31))


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Tt]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(
    kind: str,
    value: str = "",
    *,
    start: date | None = None,
    end: date | None = None,
    today: date,
    max_years: int = MAX_YEARS,
) -> Period:
    """The period asked for, or ``PeriodError`` with a French message."""
    value = (value or "").strip()
    if kind == MONTH:
        found = _MONTH.match(value)
        if not found or not 1 <= int(found[2]) <= 12:
            raise PeriodError("Indiquez le mois sous la forme AAAA-MM, par exemple 2026-11.")
        period = month_period(int(found[1]), int(found[2]))
    elif kind == QUARTER:
        found = _QUARTER.match(value)
        if not found:
            raise PeriodError(
                "Indiquez le trimestre sous la forme AAAA-T1 à AAAA-T4, par exemple 2026-T3."
            )
        period = quarter_period(int(found[1]), int(found[2]))
    elif kind == YEAR:
        found = _YEAR.match(value)
        if not found:
            raise PeriodError("Indiquez l'année sur quatre chiffres, par exemple 2026.")
        period = year_period(int(found[1]))
    elif kind == CUSTOM:
        if start is None or end is None:
            raise PeriodError(
                "Indiquez le début et la fin de la période personnalisée.",
                field="du" if start is None else "au",
            )
        if end < start:
            raise PeriodError(
                f"La période se termine le {format_fr(end)}, avant son début le "
                f"{format_fr(start)} : indiquez une fin postérieure au début.",
                field="au",
            )
        if end > _years_after(start, max_years):
            raise PeriodError(
                f"Une période personnalisée couvre au plus {max_years} ans : du "
                f"{format_fr(start)}, elle peut aller jusqu'au "
                f"{format_fr(_years_after(start, max_years))}.",
                field="au",
            )
        period = Period(CUSTOM, start, end)
    else:
        raise PeriodError("Choisissez un mois, un trimestre, une année ou une période.", "type")
    if period.start > today:
        raise PeriodError(
            f"La période commence le {format_fr(period.start)}, après aujourd'hui "
            f"({format_fr(today)}) : elle n'a pas encore de chiffres.",
            field="du" if kind == CUSTOM else "valeur",
        )
    return period


def _years_after(start: date, years: int) -> date:
    """The last day of a span of ``years`` years from ``start``."""
    try:
        later = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        later = date(start.year + years, 3, 1)
    return later - timedelta(days=1)


def default_period(today: date) -> Period:
    """The last closed month: complete (comparable from one month to the next) and, once the
    nightly job has run, stored, so the page opens at once."""
    last = today.replace(day=1) - timedelta(days=1)
    return month_period(last.year, last.month)


def closed_periods(today: date) -> list[Period]:
    """The periods the nightly job stores: the last closed month, quarter and year."""
    month = default_period(today)
    quarter_index = (today.month - 1) // 3  # the current quarter, 0-based
    if quarter_index == 0:
        quarter = quarter_period(today.year - 1, 4)
    else:
        quarter = quarter_period(today.year, quarter_index)
    return [month, quarter, year_period(today.year - 1)]


# --- Figures ----------------------------------------------------------------------------------

COUNT = "count"  # persons or measures: masked below 5
PLAIN = "plain"  # not about persons (a CPIP's capacity): never masked
HOURS = "hours"  # hours of work, shown when done by 5 persons or more
MEDIAN = "median"  # a median in days
SHARE = "share"  # a percentage
POINTS = "points"  # workload points
PERCENT = "percent"  # a workload percentage

DERIVED = (HOURS, MEDIAN, SHARE, POINTS, PERCENT)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT
    # Derived values: the count column of the same row they are computed on (its persons)…
    base: str = ""
    # …and, for a share, the count it is the share of.
    numerator: str = ""


@dataclass
class Row:
    key: str
    label: str
    values: dict = field(default_factory=dict)


@dataclass
class Figure:
    """A figure as computed (before masking): JSON-ready through ``to_data``/``from_data``."""

    code: str
    columns: list[Column]
    rows: list[Row]
    total: Row | None = None  # the totals' row (each count column: the total of its column)
    # The column holding each row's total, and the columns it totals.
    row_total: str = ""
    row_parts: tuple[str, ...] = ()
    as_of: date | None = None  # a figure « on a date »: that day
    # Count columns whose total is of distinct persons, not the sum of the column (a person
    # counted in several rows): a masked cell cannot be worked out from it.
    distinct: tuple[str, ...] = ()

    def to_data(self) -> dict:
        return {
            "code": self.code,
            "columns": [[c.key, c.label, c.kind, c.base, c.numerator] for c in self.columns],
            "rows": [[r.key, r.label, _plain(r.values)] for r in self.rows],
            "total": [self.total.key, self.total.label, _plain(self.total.values)]
            if self.total
            else None,
            "row_total": self.row_total,
            "row_parts": list(self.row_parts),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "distinct": list(self.distinct),
        }

    @classmethod
    def from_data(cls, data: dict) -> "Figure":
        return cls(
            code=data["code"],
            columns=[Column(*c) for c in data["columns"]],
            rows=[Row(k, label, dict(v)) for k, label, v in data["rows"]],
            total=Row(data["total"][0], data["total"][1], dict(data["total"][2]))
            if data.get("total")
            else None,
            row_total=data.get("row_total", ""),
            row_parts=tuple(data.get("row_parts", ())),
            as_of=date.fromisoformat(data["as_of"]) if data.get("as_of") else None,
            distinct=tuple(data.get("distinct", ())),
        )


def _plain(values: dict) -> dict:
    """JSON values: Decimals as floats (amounts of hours and points, never money)."""
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in values.items()}


# --- Masking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str  # what the page, the chart's description and the export show
    value: float | int | None = None  # the number shown; None when masked or empty
    masked: bool = False
    reason: str = ""  # "small", "secondary", "base" (too few persons), "" when shown


@dataclass
class MaskedRow:
    key: str
    label: str
    cells: list[Cell]
    is_total: bool = False


@dataclass
class Masked:
    code: str
    columns: list[Column]
    rows: list[MaskedRow]
    total: MaskedRow | None
    as_of: date | None = None

    @property
    def all_rows(self) -> list[MaskedRow]:
        return self.rows + ([self.total] if self.total else [])

    def column_index(self, key: str) -> int:
        return [c.key for c in self.columns].index(key)

    def has_shown_value(self) -> bool:
        """At least one cell shows a number other than zero (the demo's check)."""
        return any(cell.value not in (None, 0) for row in self.all_rows for cell in row.cells)

    @property
    def reasons(self) -> set[str]:
        return {cell.reason for row in self.all_rows for cell in row.cells if cell.reason}


def number_text(value, kind: str = COUNT) -> str:
    """A number as the page and the CSV write it: no thousands separator, a decimal comma,
    at most one decimal (two for hours)."""
    if value is None:
        return EMPTY
    if kind == COUNT or kind == PLAIN and float(value).is_integer():
        return str(int(value))
    places = 2 if kind == HOURS else 1
    text = f"{float(value):.{places}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _rounded(value, kind: str):
    if value is None:
        return None
    if kind == COUNT:
        return int(value)
    places = 2 if kind == HOURS else 1
    rounded = round(float(value), places)
    return int(rounded) if rounded.is_integer() else rounded


def mask(figure: Figure) -> Masked:
    """The cells of ``figure`` as they may be shown (see the module's docstring)."""
    columns = figure.columns
    lines = figure.rows + ([figure.total] if figure.total else [])
    counts = [c.key for c in columns if c.kind == COUNT]
    # 1. Primary: counts of 1 to 4.
    masked: dict[tuple[int, str], str] = {}
    for i, row in enumerate(lines):
        for key in counts:
            value = row.values.get(key)
            if value is not None and 0 < value < MIN_COUNT:
                masked[(i, key)] = "small"
    # 2. Secondary: a row (or a column) with a shown total and exactly one masked cell also
    # masks its smallest other cell that is neither masked nor zero (the total when there is
    # none), until nothing changes.
    groups: list[tuple[list[tuple[int, str]], tuple[int, str]]] = []
    if figure.row_total and figure.row_parts:
        for i in range(len(lines)):
            groups.append(([(i, k) for k in figure.row_parts], (i, figure.row_total)))
    if figure.total is not None:
        last = len(lines) - 1
        for key in counts:
            if key not in figure.distinct:
                groups.append(([(i, key) for i in range(last)], (last, key)))
    changed = True
    while changed:
        changed = False
        for parts, total in groups:
            if total in masked or not lines[total[0]].values.get(total[1]):
                continue
            if sum(1 for part in parts if part in masked) != 1:
                continue
            others = [
                (lines[i].values[key], i, key)
                for i, key in parts
                if (i, key) not in masked and lines[i].values.get(key)
            ]
            # No other cell to mask (the others are zeros): the total itself.
            _, i, key = min(others) if others else (0, *total)
            masked[(i, key)] = "secondary"
            changed = True
    # 3. Cells, derived values last (they depend on their base's cell).
    result: list[MaskedRow] = []
    for i, row in enumerate(lines):
        cells: list[Cell] = []
        for column in columns:
            value = row.values.get(column.key)
            reason = masked.get((i, column.key), "")
            if column.kind in DERIVED and value is not None:
                base = row.values.get(column.base) if column.base else None
                hidden = (
                    column.base and (base is None or base < MIN_COUNT or (i, column.base) in masked)
                ) or (column.numerator and (i, column.numerator) in masked)
                if hidden:
                    reason = "base"
            if reason == "small":
                cells.append(Cell(SMALL, None, True, reason))
            elif reason == "secondary":
                cells.append(Cell(SECRET, None, True, reason))
            elif reason == "base":
                cells.append(Cell(NOT_SIGNIFICANT, None, True, reason))
            elif value is None:
                cells.append(Cell(EMPTY))
            else:
                cells.append(Cell(number_text(value, column.kind), _rounded(value, column.kind)))
        result.append(MaskedRow(row.key, row.label, cells, is_total=row is figure.total))
    total = result.pop() if figure.total is not None else None
    return Masked(figure.code, list(columns), result, total, figure.as_of)


# --- Medians ----------------------------------------------------------------------------------


def median_of_middle(values: Iterable) -> float | None:
    """The median from the one or two middle values a query returned (``selectors.medians``:
    the rows at positions ⌈n/2⌉ and ⌊n/2⌋+1 of the ordered values)."""
    values = [float(v) for v in values if v is not None]
    if not values:
        return None
    return sum(values) / len(values)


def median(values: Iterable) -> float | None:
    """The median of plain values (the reference the SQL median is tested against)."""
    ordered = sorted(float(v) for v in values)
    n = len(ordered)
    if not n:
        return None
    return median_of_middle(ordered[(n - 1) // 2 : n // 2 + 1])


# --- Compliance of contacts (the follow-up intensity) -----------------------------------------

COMPLIANT, BELOW, RECENT = "compliant", "below", "recent"


def contact_window(
    rule: ContactRule, *, level_since: date, start: date, end: date
) -> tuple[date, date] | None:
    """The days over which a person's contacts are compared with their level's rule, for the
    figures of the period ``start``–``end`` (``end``: the day the figure is read).

    The échéancier's window (``assessments.rules.contact_status`` on ``end``: the rule's last
    whole period) when the figures' period is not longer; the whole period when it is; never
    before the level applied. None when, on ``end``, the level has not applied for a whole
    period of its rule: ``contact_status`` does not call it below the level either."""
    period_start = end - timedelta(days=rule.period_days)  # excluded, as in contact_status
    if level_since > period_start:
        return None
    first = max(min(start, period_start + timedelta(days=1)), level_since)
    return first, end


def window_bases(rules_in_force: Iterable[ContactRule], *, start: date, end: date) -> set[date]:
    """The first days a window may start on, one per length of period among the rules (the
    level's start moves it later, never earlier): what the contacts are counted from."""
    return {min(start, end - timedelta(days=rule.period_days - 1)) for rule in rules_in_force}


def contact_compliance(rule: ContactRule, *, window_days: int, interviews: int, visits: int) -> str:
    """``COMPLIANT`` when the interviews (home visits included, as in ``contact_status``) and
    the home visits held over a window of ``window_days`` days reach what the level asks over
    as many days (whole interviews: ``interviews × days ÷ period``, rounded down), else
    ``BELOW``. Over exactly one period of the rule, this is ``contact_status``'s judgement."""
    expected_interviews = rule.interviews * window_days // rule.period_days
    expected_visits = rule.home_visits * window_days // rule.period_days
    if interviews >= expected_interviews and visits >= expected_visits:
        return COMPLIANT
    return BELOW
