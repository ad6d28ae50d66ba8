"""Pure rules of structured assessment and follow-up intensity (docs/assessments.md).

No database and no clock: grid definitions, answers, dates and reference rows come in as plain
values. The proposal is a *proposal*: the CPIP chooses the level (a different choice needs a
reason) and a change applies once a manager validated it.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from probatio.core.text import agree, count


class Level(StrEnum):
    REINFORCED = "reinforced"
    STANDARD = "standard"
    LIGHT = "light"


LEVEL_LABELS = {
    Level.REINFORCED: "Renforcé",
    Level.STANDARD: "Standard",
    Level.LIGHT: "Allégé",
}
LEVEL_CHOICES = [(level.value, label) for level, label in LEVEL_LABELS.items()]


class Reason(StrEnum):
    """Why an assessment was made."""

    INITIAL = "initial"
    PERIODIC = "periodic"
    INCIDENT = "incident"
    REPORT = "report"


REASON_CHOICES = [
    (Reason.INITIAL.value, "Évaluation initiale"),
    (Reason.PERIODIC.value, "Réexamen périodique"),
    (Reason.INCIDENT.value, "Après un manquement ou un incident"),
    (Reason.REPORT.value, "Avant un rapport au juge"),
]


class SensitiveBasis(StrEnum):
    """Why sensitive items were recorded (decree R. 113-49 model: only for an assessment asked
    by a judge, and when necessary to it)."""

    JUDGE_REQUEST = "judge_request"
    NECESSARY = "necessary"


SENSITIVE_BASIS_CHOICES = [
    (SensitiveBasis.JUDGE_REQUEST.value, "Évaluation demandée par un magistrat"),
    (SensitiveBasis.NECESSARY.value, "Nécessaire à l'évaluation"),
]


# --- The grid ---------------------------------------------------------------------------------


def items(definition: dict) -> Iterator[dict]:
    for domain in definition["domains"]:
        yield from domain["items"]


def item_map(definition: dict) -> dict[str, dict]:
    return {item["code"]: item for item in items(definition)}


def answer_label(item: dict, value) -> str:
    """How an answer reads (French), whatever its type."""
    if value is None or value == "":
        return "—"
    if item["type"] == "choice":
        for option in item["options"]:
            if option["code"] == value:
                return option["label"]
        return str(value)
    if item["type"] == "yes_no":
        return "Oui" if value else "Non"
    return str(value)


def clean_answer(item: dict, raw) -> tuple[object, str]:
    """The stored value of a raw form value, or an error (French). Empty gives ``None``."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None, ""
    kind = item["type"]
    if kind == "choice":
        codes = [o["code"] for o in item["options"]]
        if raw not in codes:
            return None, "Cette réponse ne fait pas partie des choix proposés."
        return raw, ""
    if kind == "yes_no":
        if raw in (True, "yes", "oui", "1", "true"):
            return True, ""
        if raw in (False, "no", "non", "0", "false"):
            return False, ""
        return None, "Répondez par oui ou par non."
    if kind == "number":
        try:
            value = int(str(raw).strip())
        except ValueError:
            return None, "Saisissez un nombre entier."
        if not item["min"] <= value <= item["max"]:
            return None, f"Saisissez un nombre entre {item['min']} et {item['max']}."
        return value, ""
    text = str(raw).strip()
    if len(text) > 2000:
        return None, "2 000 caractères au plus."
    return text, ""


def validate(definition: dict, raw: dict) -> tuple[dict, dict, dict[str, str]]:
    """Split raw answers (item code → form value) into ordinary and sensitive answers, each
    cleaned to its type. Returns (answers, sensitive answers, errors by item code)."""
    answers: dict = {}
    sensitive: dict = {}
    errors: dict[str, str] = {}
    known = item_map(definition)
    for code in raw:
        if code not in known:
            errors[code] = "Cette question ne fait pas partie de la grille."
    for code, item in known.items():
        value, error = clean_answer(item, raw.get(code))
        if error:
            errors[code] = error
        elif value is None:
            if item.get("required"):
                errors[code] = "Cette question est obligatoire."
        elif item.get("sensitive"):
            sensitive[code] = value
        else:
            answers[code] = value
    return answers, sensitive, errors


# --- The proposal ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    level: Level
    score: int
    reasons: tuple[str, ...]  # French, the answers that drove it, heaviest first
    version: str


def _points(item: dict, value) -> int:
    if value is None:
        return 0
    if item["type"] == "choice":
        return next((o["weight"] for o in item["options"] if o["code"] == value), 0)
    if item["type"] == "yes_no":
        return item["weight"] if value is True else 0
    if item["type"] == "number":
        return min(item["weight"] * int(value), item["cap"])
    return 0


def _propose_2026_1(definition: dict, answers: dict) -> Proposal:
    scored = []
    for item in items(definition):
        if item.get("sensitive"):
            continue  # never read, whatever the caller passed
        points = _points(item, answers.get(item["code"]))
        if points:
            scored.append((points, item, answers[item["code"]]))
    score = sum(points for points, *_ in scored)
    thresholds = definition["thresholds"]
    if score >= thresholds["reinforced"]:
        level = Level.REINFORCED
    elif score <= thresholds["light"]:
        level = Level.LIGHT
    else:
        level = Level.STANDARD
    scored.sort(key=lambda row: (-abs(row[0]), row[1]["code"]))
    reasons = tuple(
        f"{item['label']} : {answer_label(item, value)} ({points:+d})"
        for points, item, value in scored[:6]
    )
    return Proposal(level, score, reasons, "2026-1")


PROPOSALS = {"2026-1": _propose_2026_1}


def propose_intensity(version: str, definition: dict, answers: dict) -> Proposal:
    """The level the answers suggest, with the reasons. ``answers`` are the ordinary answers:
    sensitive items are skipped even when present."""
    return PROPOSALS[version](definition, answers)


def needs_reason(proposed: str, chosen: str) -> bool:
    return bool(proposed) and proposed != chosen


# --- Expected contacts -------------------------------------------------------------------------

# Appointment kinds (agenda.Appointment.Kind codes) that count as a follow-up interview, and
# as a home visit.
INTERVIEW_KINDS = frozenset({"first", "follow_up", "prison", "video", "home_visit"})
HOME_VISIT_KINDS = frozenset({"home_visit"})
ANY_MEASURE = "*"


@dataclass(frozen=True)
class ContactRule:
    """How often a level sees a person under a kind of measure: ``interviews`` and
    ``home_visits`` per ``period_days``; the assessment is reviewed every ``review_days``."""

    level: str
    measure_kind: str  # a MeasureType code, or ANY_MEASURE
    period_days: int
    interviews: int
    home_visits: int
    review_days: int

    @property
    def interval_days(self) -> int:
        """Days between two interviews when they are spread evenly."""
        return max(1, self.period_days // max(1, self.interviews))


# Shipped defaults, until a service sets its own (IntensityRule rows); a draft to be set by
# each service [à vérifier].
DEFAULT_RULES: tuple[ContactRule, ...] = (
    ContactRule(Level.REINFORCED, ANY_MEASURE, 30, 2, 0, 90),
    ContactRule(Level.REINFORCED, "SURSIS_PROBATOIRE_RENFORCE", 30, 2, 1, 90),
    ContactRule(Level.REINFORCED, "SSJ", 30, 2, 1, 90),
    ContactRule(Level.STANDARD, ANY_MEASURE, 30, 1, 0, 180),
    ContactRule(Level.STANDARD, "DDSE", 30, 1, 1, 180),
    ContactRule(Level.LIGHT, ANY_MEASURE, 90, 1, 0, 365),
)


def rule_for(
    rules: Iterable[ContactRule], level: str, measure_kinds: Iterable[str]
) -> ContactRule | None:
    """The rule of ``level`` for a person under these measures: the closest follow-up among the
    rules of their measure kinds, else the level's rule for any measure."""
    rules = [r for r in rules if r.level == level]
    kinds = set(measure_kinds)
    specific = [r for r in rules if r.measure_kind in kinds]
    if specific:
        return min(specific, key=lambda r: (r.interval_days, -r.home_visits, r.review_days))
    return next((r for r in rules if r.measure_kind == ANY_MEASURE), None)


@dataclass(frozen=True)
class ContactStatus:
    next_interview_due: date
    interviews_held: int  # in the last period
    home_visits_held: int
    period_start: date
    below_level: bool  # fewer contacts than the level asks over a whole period
    missing: tuple[str, ...]  # French: what is below


def contact_status(
    rule: ContactRule, *, level_since: date, held: Iterable[tuple[date, str]], today: date
) -> ContactStatus:
    """Compare the contacts held (day, appointment kind) with what the level asks.

    The next interview is due one interval after the last interview held since the level
    applies (or after the level applied). Contacts are "below the level" only once the level
    has applied for a whole period, counted over the last period."""
    held = sorted(held)
    interviews = [day for day, kind in held if kind in INTERVIEW_KINDS and day <= today]
    since_level = [day for day in interviews if day >= level_since]
    start = since_level[-1] if since_level else level_since
    next_due = start + timedelta(days=rule.interval_days)
    period_start = today - timedelta(days=rule.period_days)
    in_period = [day for day in interviews if day > period_start]
    visits = [day for day, kind in held if kind in HOME_VISIT_KINDS and period_start < day <= today]
    missing: list[str] = []
    if level_since <= period_start:
        if len(in_period) < rule.interviews:
            missing.append(
                f"{count(len(in_period), 'entretien tenu', 'entretiens tenus')} sur "
                f"{rule.interviews} {agree(rule.interviews, 'attendu')} en {rule.period_days} jours"
            )
        if len(visits) < rule.home_visits:
            missing.append(
                f"{count(len(visits), 'visite à domicile', 'visites à domicile')} sur "
                f"{rule.home_visits} {agree(rule.home_visits, 'attendue')} en {rule.period_days} jours"
            )
    return ContactStatus(
        next_interview_due=next_due,
        interviews_held=len(in_period),
        home_visits_held=len(visits),
        period_start=period_start,
        below_level=bool(missing),
        missing=tuple(missing),
    )


def review_due(assessed_on: date, rule: ContactRule) -> date:
    """The day the latest assessment is to be reviewed."""
    return assessed_on + timedelta(days=rule.review_days)
