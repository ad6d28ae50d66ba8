"""Workload, capacity, the suggested CPIP and the spreading of files: pure functions over
plain values (no database, no clock). See docs/allocation.md.

- A CPIP's **points**: each open measure of the persons they follow weighs by its kind and the
  person's setting (in custody or not), each report they have to write (a draft, or one sent
  back) weighs ``REPORT_DUE``.
- The person's **follow-up intensity** (the level in force, docs/assessments.md) multiplies
  the points of their measures by the level's coefficient (``LEVEL_REINFORCED``…, 1 without
  a level or without a coefficient in the scale).
- Their **capacity**: ``FULL_TIME`` points × working time × (1 − the reductions running that
  day, at most 100 %).
- **Workload %** = points ÷ capacity; above 100 % the CPIP is flagged.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from probatio.accounts.rules import is_long_absence

FULL_TIME = "FULL_TIME"
REPORT_DUE = "REPORT_DUE"
ANY_MEASURE = "ANY_MEASURE"
ANY = "any"
SETTINGS = ("community", "custody")
# The coefficient of a follow-up intensity (``assessments.rules.Level`` codes): a subject of
# the scale per level, ``LEVEL_REINFORCED``, ``LEVEL_STANDARD``, ``LEVEL_LIGHT``.
LEVEL_PREFIX = "LEVEL_"
LEVELS = ("reinforced", "standard", "light")

# Bounds of what a service may set (reference data out of range is refused).
WEIGHT_BOUNDS = (Decimal("0"), Decimal("20"))
FULL_TIME_BOUNDS = (Decimal("10"), Decimal("200"))
LEVEL_BOUNDS = (Decimal("0.1"), Decimal("5"))
WORKING_TIME_BOUNDS = (10, 100)
OVERLOAD_PERCENT = 100


@dataclass(frozen=True)
class Weight:
    subject: str
    setting: str  # "community", "custody" or "any"
    points: Decimal
    valid_from: date
    service_id: int | None = None  # None: the national default


def weights_on(rows: Iterable[Weight], *, service_id: int, on: date) -> dict[tuple, Decimal]:
    """The weights in force on ``on`` for the service: for each (subject, setting), the
    service's latest row from before that day if it has one, else the national one."""
    best: dict[tuple, tuple[int, date, Decimal]] = {}
    for row in rows:
        if row.valid_from > on or row.service_id not in (None, service_id):
            continue
        rank = 1 if row.service_id is not None else 0
        key = (row.subject, row.setting)
        current = best.get(key)
        if current is None or (rank, row.valid_from) > current[:2]:
            best[key] = (rank, row.valid_from, row.points)
    return {key: value[2] for key, value in best.items()}


def measure_points(weights: dict[tuple, Decimal], code: str, setting: str) -> Decimal:
    """One open measure of kind ``code`` for a person in ``setting``."""
    for key in ((code, setting), (code, ANY), (ANY_MEASURE, setting), (ANY_MEASURE, ANY)):
        if key in weights:
            return weights[key]
    return Decimal("1")


def level_subject(level: str) -> str:
    return f"{LEVEL_PREFIX}{level.upper()}"


def is_level_subject(subject: str) -> bool:
    return subject.startswith(LEVEL_PREFIX)


def level_factor(weights: dict[tuple, Decimal], level: str | None) -> Decimal:
    """The coefficient of a person's level in force: 1 without a level (or a level the scale
    does not weigh)."""
    if not level:
        return Decimal("1")
    return weights.get((level_subject(level), ANY), Decimal("1"))


def points(
    weights: dict[tuple, Decimal],
    *,
    measures: Iterable[tuple],
    reports_due: int = 0,
) -> Decimal:
    """``measures``: (measure type code, setting, how many), or (…, the persons' level in
    force: its coefficient multiplies them)."""
    total = Decimal("0")
    for code, setting, count, *level in measures:
        factor = level_factor(weights, level[0] if level else None)
        total += measure_points(weights, code, setting) * factor * count
    return total + weights.get((REPORT_DUE, ANY), Decimal("0")) * reports_due


@dataclass(frozen=True)
class Reduction:
    share: int  # percent of the time
    start: date
    end: date | None = None
    reason: str = ""

    def runs_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def capacity(
    *, full_time: Decimal, working_time: int, reductions: Iterable[Reduction], on: date
) -> Decimal:
    """The points a CPIP can hold on ``on``."""
    reduced = min(100, sum(r.share for r in reductions if r.runs_on(on)))
    value = full_time * Decimal(working_time) / 100 * Decimal(100 - reduced) / 100
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def load_percent(points_held: Decimal, capacity_points: Decimal) -> int | None:
    """Points ÷ capacity in percent, rounded; ``None`` when the CPIP has no capacity at all
    (a full reduction: unavailable)."""
    if capacity_points <= 0:
        return None
    return int((points_held * 100 / capacity_points).quantize(Decimal("1"), ROUND_HALF_UP))


def is_overloaded(percent: int | None) -> bool:
    return percent is not None and percent > OVERLOAD_PERCENT


@dataclass
class Candidate:
    """A CPIP who may receive files, as the allocation sees them."""

    user_id: int
    name: str
    points: Decimal
    capacity: Decimal
    site_kind: str = ""  # "community", "prison", "head_office" or "" (no antenne)
    site_id: int | None = None
    establishment_id: int | None = None  # the prison of a prison antenne
    added: Decimal = field(default=Decimal("0"))  # points given during a spread
    absent_until: date | None = None  # the last day of an absence running today

    @property
    def percent(self) -> int | None:
        return load_percent(self.points + self.added, self.capacity)


def fits(candidate: Candidate, *, in_custody: bool, establishment_id: int | None = None) -> bool:
    """Who fits a file: a CPIP with some capacity, of the prison team for a person in custody
    (of their prison when it has an antenne), of a community or head-office antenne
    otherwise. A CPIP without an antenne fits any file."""
    if candidate.capacity <= 0:
        return False
    if not candidate.site_kind:
        return True
    if in_custody:
        if candidate.site_kind != "prison":
            return False
        return establishment_id is None or candidate.establishment_id in (None, establishment_id)
    return candidate.site_kind != "prison"


def _order(candidate: Candidate) -> tuple:
    load = (candidate.points + candidate.added) / candidate.capacity
    return (load, candidate.points + candidate.added, candidate.name, candidate.user_id)


def available(candidate: Candidate, *, today: date | None) -> bool:
    """A CPIP the allocation may suggest: some capacity, and not away for a long time
    (``accounts.rules.is_long_absence``: absent today for at least a week counting today). A
    short absence (a day of training) does not stop a suggestion; the page shows it."""
    if candidate.capacity <= 0:
        return False
    return today is None or not is_long_absence(candidate.absent_until, today)


def suggest(
    candidates: Iterable[Candidate],
    *,
    in_custody: bool,
    establishment_id: int | None = None,
    today: date | None = None,
) -> Candidate | None:
    """The lowest workload among those who fit the file (for a person in custody whose prison
    has no CPIP of its own, the lowest of the whole prison team; then anyone available).
    Never a CPIP away for a long time on ``today`` (``available``)."""
    pool = [c for c in candidates if available(c, today=today)]
    for test in (
        lambda c: fits(c, in_custody=in_custody, establishment_id=establishment_id),
        lambda c: fits(c, in_custody=in_custody),
        lambda c: True,
    ):
        fitting = [c for c in pool if test(c)]
        if fitting:
            return min(fitting, key=_order)
    return None


def spread(files: Iterable[tuple[int, Decimal]], targets: list[Candidate]) -> dict[int, int]:
    """Give each file (person id, its points) to the target whose workload is lowest once it
    has it, heaviest files first: the loads end as even as the files allow. Targets without
    capacity receive nothing; without any target, nothing is given."""
    available = [t for t in targets if t.capacity > 0]
    result: dict[int, int] = {}
    if not available:
        return result
    for person_id, weight in sorted(files, key=lambda f: (-f[1], f[0])):
        chosen = min(
            available,
            key=lambda t: ((t.points + t.added + weight) / t.capacity, t.name, t.user_id),
        )
        chosen.added += weight
        result[person_id] = chosen.user_id
    return result


# --- The antenne a manager's tables show ------------------------------------------------------

# Above this many CPIPs, the tables of loads (service view, week, capacities) open on the
# manager's own antenne: a département of 180 CPIPs is run antenne by antenne, and a table of
# every CPIP is read by no one. At or below it, they open on the whole service.
TEAM_VIEW_FROM = 40
ALL_SITES = "toutes"
NO_SITE = "sans"


def team_key(site_id: int | None) -> str:
    """The value that names an antenne in a page's address (``NO_SITE``: CPIPs without one)."""
    return str(site_id) if site_id else NO_SITE


def default_team(cpips: int, own_site_id: int | None, keys: list[str]) -> str:
    """The antenne a manager's tables open on (``keys``: the antennes where CPIPs work,
    largest first): the whole service when it is small or has one antenne; otherwise the
    manager's own antenne when CPIPs work there, else the largest."""
    if cpips <= TEAM_VIEW_FROM or len(keys) < 2:
        return ALL_SITES
    own = team_key(own_site_id) if own_site_id else None
    return own if own in keys else keys[0]
