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
- a refused proof does not count; a proof not yet due is not missing.
"""

from collections.abc import Iterable
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
) -> list[Slot]:
    """The proofs expected of one obligation, soonest first.

    ``end``: the obligation's end (or its measure's), None while open. ``course``: the
    obligation is a course (a "once" proof then has 6 months). ``changes``: the days a change
    was recorded (new address…), for "on change" obligations; those outside the obligation's
    dates are ignored. ``since``: only the slots due on or after that day (the échéancier
    does not need years of history)."""
    if frequency not in SCHEDULED or start > today:
        return []
    last = min(end, today) if end else today
    grace = timedelta(days=grace_days)
    if frequency in (MONTHLY, QUARTERLY):
        months = 1 if frequency == MONTHLY else 3
        # A period due on or after ``since`` ends at most ``grace`` days before it.
        begin = max(start, since - grace - timedelta(days=31 * months)) if since else start
        slots = []
        for first, cut_start, period_end in _periods(start, last, months, begin):
            cut_end = min(period_end, end) if end else period_end
            slots.append(
                Slot(
                    key=cut_start,
                    period_start=cut_start,
                    period_end=cut_end,
                    due=cut_end + grace,
                    label=_period_label(first, months),
                )
            )
        return [slot for slot in slots if since is None or slot.due >= since]
    if frequency == ONCE:
        due = add_months(start, COURSE_MONTHS) if course else start + timedelta(days=ONCE_DAYS)
        if since and due < since:
            return []
        return [
            Slot(key=start, period_start=start, period_end=max(start, end or due), due=due,
                 label="justificatif unique")
        ]  # fmt: skip
    # ON_CHANGE: at the start, then at each change recorded while the obligation runs.
    days = sorted({start} | {d for d in changes if start < d <= last})
    if since:
        days = [d for d in days if d + timedelta(days=ON_CHANGE_DAYS) >= since]
    return [
        Slot(
            key=day,
            period_start=day,
            period_end=day,
            due=day + timedelta(days=ON_CHANGE_DAYS),
            label="début de l'obligation" if day == start else f"changement du {day:%d/%m/%Y}",
        )
        for day in days
    ]


def slot_state(slot: Slot, proofs: Iterable[ProofFact], today: date) -> SlotState:
    """The status of one slot, from the proofs registered against it."""
    mine = sorted((p for p in proofs if p.slot_key == slot.key), key=lambda p: p.received_on)
    accepted = [p for p in mine if p.status == "accepted"]
    if accepted:
        first = accepted[0]
        status = Status.ON_TIME if first.received_on <= slot.due else Status.LATE
        return SlotState(slot, status, first)
    waiting = [p for p in mine if p.status == "received"]
    if waiting:
        return SlotState(slot, Status.TO_REVIEW, waiting[0])
    return SlotState(slot, Status.MISSING if today > slot.due else Status.NOT_DUE)


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
