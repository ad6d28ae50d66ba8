"""Pure rules of community work (TIG): the bounds of an order, its deadline, placement
schedules, the pace check, placement matching. No database, no clock: ``today`` is an
argument. Codes, never labels, drive the rules."""

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from probatio.core.dates import add_months
from probatio.core.text import fold, number_fr

# CP 131-8: 20 to 400 hours, within a period set by the court of at most 18 months.
MIN_HOURS = 20
MAX_HOURS = 400
MAX_PERIOD_MONTHS = 18
# A TIG with no placement this many months after the decision is an alert.
NO_PLACEMENT_ALERT_MONTHS = 2
# The deadline is announced this many days ahead in the échéancier.
DEADLINE_NOTICE_DAYS = 60

WEEKDAYS = {
    0: "lundi",
    1: "mardi",
    2: "mercredi",
    3: "jeudi",
    4: "vendredi",
    5: "samedi",
    6: "dimanche",
}

LEGAL_FORMS = {
    "public_body": "Personne morale de droit public (collectivité, établissement public)",
    "association": "Association habilitée",
    "public_service": "Personne morale de droit privé chargée d'une mission de service public",
}

SESSION_KINDS = {
    "work": "Séance effectuée",
    "absence_excused": "Absence justifiée",
    "absence_unexcused": "Absence non justifiée",
    "incident": "Incident signalé par la structure",
}
WORK = "work"
ABSENCES = frozenset({"absence_excused", "absence_unexcused"})
# A day is worked or missed, not both (an incident may happen on a day of work).
PRESENCE = ABSENCES | {WORK}

ASSIGNMENT_STATUSES = {
    "active": "En cours",
    "ended": "Terminée",
    "cancelled": "Annulée",
}
ACTIVE = "active"


# --- The order: bounds and deadline -----------------------------------------------------------


POSTCODE_MESSAGE = "Le code postal compte cinq chiffres (par exemple 80000)."


def is_postcode(text: str) -> bool:
    """Five digits: the matching reads the département from it."""
    return len(text) == 5 and text.isdigit()


def order_errors(hours: int | None, period_months: int | None) -> dict[str, str]:
    """What is wrong with the hours ordered and the period (French messages by field)."""
    errors = {}
    if hours is None:
        errors["hours_ordered"] = "Indiquez le nombre d'heures prononcé."
    elif not MIN_HOURS <= hours <= MAX_HOURS:
        errors["hours_ordered"] = (
            f"Un TIG compte de {MIN_HOURS} à {MAX_HOURS} heures (CP 131-8) : {hours} h n'est pas "
            "possible."
        )
    if period_months is None:
        errors["period_months"] = "Indiquez le délai d'exécution fixé par la juridiction."
    elif not 1 <= period_months <= MAX_PERIOD_MONTHS:
        errors["period_months"] = (
            f"Le délai d'exécution d'un TIG est d'un mois à {MAX_PERIOD_MONTHS} mois (CP 131-22) : "
            f"{period_months} mois n'est pas possible."
        )
    return errors


def _overlap(start: date, end: date, lo: date, hi: date) -> int:
    """Days of [start, end] inside [lo, hi], both inclusive."""
    first, last = max(start, lo), min(end, hi)
    return max(0, (last - first).days + 1)


def merged(periods) -> list[tuple[date, date]]:
    """Periods joined where they overlap or touch, so that no day counts twice (a custody
    during a house arrest)."""
    result: list[tuple[date, date]] = []
    for start, end in sorted(periods):
        if result and start <= result[-1][1] + timedelta(days=1):
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


@dataclass(frozen=True)
class Deadline:
    day: date
    base: date  # counted_from + the period, before suspensions
    suspended_days: int  # custody, remand, house arrest inside the period
    extra_days: int  # a suspension decided by the judge


def deadline(
    counted_from: date,
    period_months: int,
    suspensions: list[tuple[date, date]] = (),
    extra_days: int = 0,
) -> Deadline:
    """The last day to complete the TIG: the day it is counted from (the decision became
    enforceable) plus the period (calendar months, clamped at month ends), extended by the days
    spent in custody, on remand or under house arrest inside it, and by a suspension the judge
    decided. An extension may bring more suspended days inside the period: it is extended
    again until stable. ``suspensions`` are (first day, last day) periods."""
    base = add_months(counted_from, period_months)
    day = base + timedelta(days=extra_days)
    periods = merged(suspensions)
    while True:
        suspended = sum(_overlap(s, e, counted_from, day) for s, e in periods)
        extended = base + timedelta(days=extra_days + suspended)
        if extended == day:
            return Deadline(day, base, suspended, extra_days)
        day = extended


def no_placement_alert_day(counted_from: date) -> date:
    """The day a TIG still without placement becomes an alert: two months after the decision
    became enforceable."""
    return add_months(counted_from, NO_PLACEMENT_ALERT_MONTHS)


# --- Schedules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    day: int  # 0 = Monday
    start: time
    end: time

    @property
    def hours(self) -> Decimal:
        minutes = (self.end.hour * 60 + self.end.minute) - (
            self.start.hour * 60 + self.start.minute
        )
        return Decimal(minutes) / Decimal(60)


def parse_slots(raw: list[dict]) -> list[Slot]:
    """Slots stored as ``{"day": 0, "start": "09:00", "end": "12:00"}``."""
    return [
        Slot(int(s["day"]), time.fromisoformat(s["start"]), time.fromisoformat(s["end"]))
        for s in raw
    ]


def slots_error(slots: list[Slot]) -> str | None:
    """Why a weekly schedule is not valid (French), or None."""
    if not slots:
        return "Indiquez au moins un créneau (jour, heure de début, heure de fin)."
    for slot in slots:
        if slot.day not in WEEKDAYS:
            return "Jour de la semaine inconnu."
        if slot.end <= slot.start:
            return f"Le créneau du {WEEKDAYS[slot.day]} doit finir après son début."
    ordered = sorted(slots, key=lambda s: (s.day, s.start))
    for first, second in zip(ordered, ordered[1:], strict=False):
        if first.day == second.day and second.start < first.end:
            return f"Deux créneaux du {WEEKDAYS[first.day]} se chevauchent."
    return None


def weekly_hours(slots: list[Slot]) -> Decimal:
    return sum((s.hours for s in slots), Decimal(0))


def schedule_text(slots: list[Slot]) -> str:
    return ", ".join(
        f"{WEEKDAYS[s.day]} {s.start:%H:%M}–{s.end:%H:%M}"
        for s in sorted(slots, key=lambda s: (s.day, s.start))
    )


# --- Progress and pace --------------------------------------------------------------------------

COMPLETED = "completed"
ON_PACE = "on_pace"
LATE = "late"
NO_PLACEMENT = "no_placement"
OVERDUE = "overdue"

PACE_LABELS = {
    COMPLETED: "Heures effectuées",
    ON_PACE: "Dans les temps",
    LATE: "En retard sur le rythme",
    NO_PLACEMENT: "Sans poste",
    OVERDUE: "Délai dépassé",
}


@dataclass(frozen=True)
class Pace:
    status: str
    remaining: Decimal
    weeks_left: Decimal  # from today to the deadline, both included, in weeks
    needed_per_week: Decimal | None  # None when nothing remains or the deadline passed
    offered_per_week: Decimal

    @property
    def label(self) -> str:
        return PACE_LABELS[self.status]

    @property
    def at_risk(self) -> bool:
        return self.status in (LATE, NO_PLACEMENT, OVERDUE)


def pace(
    *,
    hours_ordered: int,
    hours_done: Decimal,
    today: date,
    deadline_day: date,
    offered_per_week: Decimal,
) -> Pace:
    """Can the TIG be finished in time at its current pace? The hours still to do divided by
    the weeks left before the deadline (today and the deadline included), compared with the
    hours per week the current placement's schedule offers (none without placement)."""
    remaining = max(Decimal(0), Decimal(hours_ordered) - hours_done)
    days_left = (deadline_day - today).days + 1
    weeks_left = max(Decimal(0), Decimal(days_left) / Decimal(7))
    if remaining == 0:
        return Pace(COMPLETED, remaining, weeks_left, None, offered_per_week)
    if days_left <= 0:
        return Pace(OVERDUE, remaining, Decimal(0), None, offered_per_week)
    needed = (remaining / weeks_left).quantize(Decimal("0.1"))
    if offered_per_week <= 0:
        return Pace(NO_PLACEMENT, remaining, weeks_left, needed, offered_per_week)
    status = LATE if remaining / weeks_left > offered_per_week else ON_PACE
    return Pace(status, remaining, weeks_left, needed, offered_per_week)


def hours_error(hours: Decimal | None, *, remaining: Decimal, kind: str) -> str | None:
    """Why the hours of a session are refused (French), or None: a work session has some hours,
    in quarters of an hour, at most 10 a day, and never more than those still to do; an absence
    or an incident has none."""
    if kind != WORK:
        return "Une absence ou un incident ne compte pas d'heures." if hours else None
    if hours is None or hours <= 0:
        return "Indiquez les heures effectuées."
    if hours > 10:
        return "Une séance compte 10 heures au plus."
    if (hours * 4) % 1:
        return "Les heures se comptent par quarts d'heure (par exemple 3,5 ou 2,25)."
    if hours > remaining:
        return (
            f"Ces heures dépassent celles qui restent à effectuer ({hours_text(remaining)}) : "
            "vérifiez la feuille d'heures."
        )
    return None


def hours_text(value: Decimal | int) -> str:
    """``Decimal("3.50")`` → "3,5 h"."""
    return f"{number_fr(value)} h"


# --- Matching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A placement as the matching sees it."""

    placement_id: int
    postcode: str
    department: str
    days: frozenset[int]  # the weekdays of its schedule
    skills: frozenset[str]  # required skills, folded words
    public_transport: bool
    free_places: int
    available_on: date  # today when a place is free, else the first end of an assignment


@dataclass(frozen=True)
class Wishes:
    """What the person can do: where they live, the days they are free, their skills, whether
    they need public transport."""

    postcode: str
    department: str
    days: frozenset[int]
    skills: frozenset[str]
    needs_public_transport: bool


def skill_set(text: str) -> frozenset[str]:
    """Skills written separated by commas, folded (accents and case ignored)."""
    return frozenset(fold(part).strip() for part in (text or "").split(",") if part.strip())


def compatible(candidate: Candidate, wishes: Wishes) -> list[str]:
    """Why a placement does not suit the person (French reasons), empty when it does. Area:
    same département (``department`` of both, computed by the caller). Schedule: at least one day in common (any day when none is given).
    Skills: every skill the placement requires. Transport: served by public transport when the
    person needs it."""
    reasons = []
    if wishes.department and candidate.department != wishes.department:
        reasons.append("hors du département de la personne")
    if wishes.days and not candidate.days & wishes.days:
        reasons.append("aucun jour commun avec les disponibilités")
    missing = candidate.skills - wishes.skills
    if missing:
        reasons.append("compétence requise : " + ", ".join(sorted(missing)))
    if wishes.needs_public_transport and not candidate.public_transport:
        reasons.append("non desservi par les transports en commun")
    return reasons


def rank(candidates: list[Candidate], wishes: Wishes) -> list[Candidate]:
    """The placements that suit the person, soonest available first (a free place today before
    a place that frees later), then the same postcode before the rest of the département, then
    the most days in common."""
    suitable = [c for c in candidates if not compatible(c, wishes)]
    return sorted(
        suitable,
        key=lambda c: (
            c.available_on,
            c.postcode != wishes.postcode,
            -len(c.days & wishes.days),
            c.placement_id,
        ),
    )


_DAY_NAMES = {fold(name): number for number, name in WEEKDAYS.items()}
_SLOT = re.compile(r"^(\S+)\s+(\d{1,2})(?:[:h](\d{2})?)?\s*(?:-|–|à)\s*(\d{1,2})(?:[:h](\d{2})?)?$")


def parse_schedule_text(text: str) -> tuple[list[Slot], str | None]:
    """A weekly schedule typed as ``lundi 9:00-12:00 ; mercredi 14h-17h`` (one slot per line
    or separated by semicolons): the slots, or an error in French naming the part not
    understood."""
    slots = []
    for part in re.split(r"[;\n]", text or ""):
        part = " ".join(part.split())
        if not part:
            continue
        found = _SLOT.match(part.lower())
        day = _DAY_NAMES.get(fold(found.group(1))) if found else None
        if found is None or day is None:
            return [], (
                f"Créneau « {part} » non compris : écrivez par exemple « lundi 9:00-12:00 ; "
                "mercredi 14:00-17:00 »."
            )
        h1, m1, h2, m2 = (int(g) if g else 0 for g in found.groups()[1:])
        try:
            slots.append(Slot(day, time(h1, m1), time(h2, m2)))
        except ValueError:
            return [], f"Heure impossible dans « {part} »."
    error = slots_error(slots)
    return (slots, None) if error is None else ([], error)


def schedule_input_text(slots: list[Slot]) -> str:
    """The text a form shows for stored slots (what ``parse_schedule_text`` reads back)."""
    return " ; ".join(
        f"{WEEKDAYS[s.day]} {s.start:%H:%M}-{s.end:%H:%M}"
        for s in sorted(slots, key=lambda s: (s.day, s.start))
    )
