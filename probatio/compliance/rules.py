"""Proof schedules and compliance, as pure functions (no database, no clock).

An obligation with a positive proof frequency expects documents: its **schedule** is a list of
slots (the period a proof covers and the day it is due), derived from the frequency, the
obligation's dates and, for "on change" obligations, the days a change was recorded. Each slot
then gets a **status** from the proofs received for it and today's date.

Conventions (docs/compliance.md):
- monthly and quarterly periods are calendar months and quarters, cut to the obligation's
  dates; a period is due at its end plus the service's grace (10 days by default);
- a "once" proof is due 30 days after the obligation starts, or 6 months for a course
  (``STAGE_*``: the delay the law gives to complete it);
- an "on change" proof is due 30 days after the start, then 30 days after each change;
- only periods already begun by today are listed (a future period is not expected yet);
- a refused proof does not count; a proof not yet due is not missing;
- custody **pauses** the schedule of a measure suspended by it (the caller passes them): a
  period lying entirely within a custody period is not expected; a slot whose due day falls
  during custody is due again after the release, with its whole delay counted from the release
  day (the grace for a period, 30 days or 6 months for "once", 30 days for "on change"); while
  the person is still held it waits (``awaiting_release``: not due, never missing). A period
  partly held stays expected, for the days outside (its label says so).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from probatio.core.dates import add_months

MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip

ONCE_DAYS = 30
COURSE_MONTHS = 6
ON_CHANGE_DAYS = 30
DEFAULT_GRACE_DAYS = 10

# Frequencies (the codes of ``Obligation.ProofFrequency``).
NONE = "none"
ONCE = "once"
MONTHLY = "monthly"
QUARTERLY = "quarterly"
ON_CHANGE = "on_change"
PER_SESSION = "per_session"  # community work: hours per session, not a proof schedule
SCHEDULED = (ONCE, MONTHLY, QUARTERLY, ON_CHANGE)

# Care obligations: the SPIP records that care is followed (an attendance certificate), never
# what it is about (medical secrecy). Their proofs carry no remark.
HEALTH_CODES = frozenset({"SOINS", "PRISE_EN_CHARGE"})


@dataclass(frozen=True)
class Slot:
    """One expected proof. ``key`` (the period's first day) identifies it within its
    obligation: a proof is registered against it."""

    key: date
    period_start: date
    period_end: date
    due: date
    label: str  # French: "octobre 2025", "4e trimestre 2025", "justificatif unique"…
    # Its due day fell during a custody that is still open: due again after the release (the
    # day is not known yet; ``due`` keeps the day it had), never missing meanwhile.
    awaiting_release: bool = False


class Status(StrEnum):
    ON_TIME = "on_time"  # accepted, received on or before the due day
    LATE = "late"  # accepted, received after the due day
    TO_REVIEW = "to_review"  # received, neither accepted nor refused yet
    MISSING = "missing"  # due day passed, no accepted proof (refused ones do not count)
    NOT_DUE = "not_due"  # no accepted proof yet, but not due yet


STATUS_LABELS = {
    Status.ON_TIME: "à l'heure",
    Status.LATE: "en retard",
    Status.TO_REVIEW: "à examiner",
    Status.MISSING: "manquant",
    Status.NOT_DUE: "à venir",
}


@dataclass(frozen=True)
class ProofFact:
    """What the rule needs of a proof."""

    slot_key: date
    received_on: date
    status: str  # "received", "accepted" or "refused"


@dataclass(frozen=True)
class SlotState:
    slot: Slot
    status: Status
    proof: ProofFact | None = None  # the proof that decided it (accepted, or the one to review)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def _month_end(day: date) -> date:
    return add_months(day.replace(day=1), 1) - timedelta(days=1)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _periods(
    start: date, last: date, months: int, begin: date
) -> Iterable[tuple[date, date, date]]:
    """(calendar period's first day, cut start, period's last day) of each period meeting
    [start, last], from the one holding ``begin`` (≥ ``start``) on."""
    first = begin.replace(day=1) if months == 1 else _quarter_start(begin)
    while first <= last:
        following = add_months(first, months)
        yield first, max(first, start), following - timedelta(days=1)
        first = following


# A custody period that pauses a schedule: (committal day, release day), both held; the release
# is None while the person is still held.
Pause = tuple[date, date | None]
_OPEN = date.max  # the end of a custody still open, once merged


def _merged(pauses: Iterable[Pause]) -> list[tuple[date, date]]:
    """Custody periods sorted and joined where they overlap or touch (an open one ends on
    ``_OPEN``), so that a transfer between two records is one custody."""
    result: list[tuple[date, date]] = []
    for first, last in sorted((s, e or _OPEN) for s, e in pauses):
        if result and (result[-1][1] == _OPEN or first <= result[-1][1] + timedelta(days=1)):
            result[-1] = (result[-1][0], max(result[-1][1], last))
        else:
            result.append((first, last))
    return result


def _after_release(
    due: date, again: Callable[[date], date], pauses: list[tuple[date, date]]
) -> tuple[date, bool]:
    """(due day, awaiting release) of a slot once custody is taken into account: a due day
    falling during custody is due again ``again(release day)``; still held, it waits."""
    day = due
    for first, last in pauses:  # sorted and disjoint: a moved day meets only later ones
        if first <= day <= last:
            if last == _OPEN:
                return due, True
            day = again(last)
    return day, False


def _period_label(first: date, months: int) -> str:
    if months == 1:
        return f"{MONTHS[first.month - 1]} {first.year}"
    quarter = (first.month - 1) // 3 + 1
    return f"{'1er' if quarter == 1 else f'{quarter}e'} trimestre {first.year}"


def schedule(
    frequency: str,
    *,
    start: date,
    end: date | None,
    today: date,
    grace_days: int = DEFAULT_GRACE_DAYS,
    course: bool = False,
    changes: Iterable[date] = (),
    since: date | None = None,
    pauses: Iterable[Pause] = (),
) -> list[Slot]:
    """The proofs expected of one obligation, soonest first.

    ``end``: the obligation's end (or its measure's), None while open. ``course``: the
    obligation is a course (a "once" proof then has 6 months). ``changes``: the days a change
    was recorded (new address…), for "on change" obligations; those outside the obligation's
    dates are ignored. ``since``: only the slots due on or after that day, or awaiting a
    release (the échéancier does not need years of history). ``pauses``: the custody periods
    that suspend the obligation's measure (module docstring); a slot keeps its key whatever
    the pauses, so that proofs registered against it stay attached."""
    if frequency not in SCHEDULED or start > today:
        return []
    last = min(end, today) if end else today
    grace = timedelta(days=grace_days)
    held = _merged(pauses)

    def kept(slot: Slot) -> bool:
        return since is None or slot.due >= since or slot.awaiting_release

    if frequency in (MONTHLY, QUARTERLY):
        months = 1 if frequency == MONTHLY else 3
        # A period due on or after ``since`` ends at most ``grace`` days before it, or its due
        # day falls in a custody ending after that (or still open), or in one whose release
        # moves it into such a custody: latest first, so that the chain is followed.
        begin = start
        if since:
            earliest = since - grace
            for first, release in reversed(held):
                if release >= earliest:
                    earliest = min(earliest, first - grace)
            begin = max(start, earliest - timedelta(days=31 * months))
        slots = []
        for first, cut_start, period_end in _periods(start, last, months, begin):
            cut_end = min(period_end, end) if end else period_end
            if any(s <= cut_start and cut_end <= e for s, e in held):
                continue  # entirely held: nothing to prove
            partly = any(s <= cut_end and cut_start <= e for s, e in held)
            due, awaiting = _after_release(cut_end + grace, lambda d: d + grace, held)
            label = _period_label(first, months)
            slots.append(
                Slot(
                    key=cut_start,
                    period_start=cut_start,
                    period_end=cut_end,
                    due=due,
                    label=f"{label} (hors détention)" if partly else label,
                    awaiting_release=awaiting,
                )
            )
        return [slot for slot in slots if kept(slot)]
    if frequency == ONCE:

        def once_due(day: date) -> date:
            return add_months(day, COURSE_MONTHS) if course else day + timedelta(days=ONCE_DAYS)

        due, awaiting = _after_release(once_due(start), once_due, held)
        slot = Slot(
            key=start,
            period_start=start,
            period_end=max(start, end or due),
            due=due,
            label="justificatif unique",
            awaiting_release=awaiting,
        )
        return [slot] if kept(slot) else []
    # ON_CHANGE: at the start, then at each change recorded while the obligation runs.
    delay = timedelta(days=ON_CHANGE_DAYS)
    days = sorted({start} | {d for d in changes if start < d <= last})
    slots = []
    for day in days:
        due, awaiting = _after_release(day + delay, lambda d: d + delay, held)
        slots.append(
            Slot(
                key=day,
                period_start=day,
                period_end=day,
                due=due,
                label="début de l'obligation" if day == start else f"changement du {day:%d/%m/%Y}",
                awaiting_release=awaiting,
            )
        )
    return [slot for slot in slots if kept(slot)]


def slot_state(slot: Slot, proofs: Iterable[ProofFact], today: date) -> SlotState:
    """The status of one slot, from the proofs registered against it."""
    mine = sorted((p for p in proofs if p.slot_key == slot.key), key=lambda p: p.received_on)
    accepted = [p for p in mine if p.status == "accepted"]
    if accepted:
        first = accepted[0]
        # Awaiting a release, the slot has no due day yet: whatever came is in time.
        in_time = slot.awaiting_release or first.received_on <= slot.due
        return SlotState(slot, Status.ON_TIME if in_time else Status.LATE, first)
    waiting = [p for p in mine if p.status == "received"]
    if waiting:
        return SlotState(slot, Status.TO_REVIEW, waiting[0])
    missing = today > slot.due and not slot.awaiting_release
    return SlotState(slot, Status.MISSING if missing else Status.NOT_DUE)


def compliance(slots: Iterable[Slot], proofs: Iterable[ProofFact], today: date) -> list[SlotState]:
    """Every slot with its status (the proofs of one obligation)."""
    proofs = list(proofs)
    return [slot_state(slot, proofs, today) for slot in slots]


def counts(states: Iterable[SlotState]) -> dict[Status, int]:
    """How many slots in each status (every status present, zero or not)."""
    result = dict.fromkeys(Status, 0)
    for state in states:
        result[state.status] += 1
    return result


def is_course(obligation_type_code: str) -> bool:
    return obligation_type_code.startswith("STAGE_")
