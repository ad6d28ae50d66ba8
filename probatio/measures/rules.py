"""Pure rules on measures: duration bounds and end dates. No database, no clock."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from probatio.core.dates import add_months, format_fr

RECIDIVISM_NONE, RECIDIVISM_LEGAL, RECIDIVISM_REPEAT = "none", "legal", "repeat"


@dataclass(frozen=True)
class Bounds:
    duration_kind: str  # "period", "hours" or "none"
    valid_from: date
    valid_to: date | None = None
    min_months: int | None = None
    min_days: int | None = None
    max_months: int | None = None
    max_days: int | None = None
    max_months_recidivist: int | None = None
    max_months_repeat: int | None = None
    min_hours: int | None = None
    max_hours: int | None = None
    text: str = ""

    @classmethod
    def from_rule(cls, rule) -> "Bounds":
        return cls(**{f: getattr(rule, f) for f in cls.__dataclass_fields__})


def rule_in_force(rules: Iterable[Bounds], on: date) -> Bounds | None:
    candidates = [
        r for r in rules if r.valid_from <= on and (r.valid_to is None or on <= r.valid_to)
    ]
    return max(candidates, key=lambda r: r.valid_from, default=None)


def end_date(start: date, months: int | None, days: int | None) -> date:
    """The day the measure expires: start + months (calendar) + days."""
    return add_months(start, months or 0) + timedelta(days=days or 0)


def _describe(months: int | None, days: int | None) -> str:
    parts = []
    if months:
        parts.append(f"{months} mois")
    if days:
        parts.append(f"{days} jour{'s' if days > 1 else ''}")
    return " et ".join(parts) or "0 jour"


def validate_duration(
    bounds: Bounds,
    *,
    start: date,
    months: int | None,
    days: int | None,
    hours: int | None,
    recidivism: str = RECIDIVISM_NONE,
) -> dict[str, str]:
    """Errors by form field, in French, each naming the legal rule. Empty when valid."""
    errors: dict[str, str] = {}
    rule = f" Règle : {bounds.text}" if bounds.text else ""
    if bounds.duration_kind == "none":
        if months or days or hours:
            errors["duration_months"] = "Cette mesure n'a pas de durée prononcée."
        return errors
    if bounds.duration_kind == "hours":
        if hours is None:
            errors["hours"] = "Indiquez le nombre d'heures prononcé."
        elif (
            bounds.min_hours is not None
            and hours < bounds.min_hours
            or (bounds.max_hours is not None and hours > bounds.max_hours)
        ):
            errors["hours"] = (
                f"{hours} heures : le nombre d'heures doit être compris entre "
                f"{bounds.min_hours} et {bounds.max_hours}.{rule}"
            )
    elif hours:
        errors["hours"] = "Cette mesure ne se compte pas en heures."
    if not months and not days:
        label = "le délai d'exécution" if bounds.duration_kind == "hours" else "la durée"
        errors["duration_months"] = f"Indiquez {label} (en mois et/ou en jours)."
        return errors
    end = end_date(start, months, days)
    if bounds.min_months is not None or bounds.min_days is not None:
        minimum = end_date(start, bounds.min_months, bounds.min_days)
        if end < minimum:
            errors["duration_months"] = (
                f"Une durée de {_describe(months, days)} est inférieure au minimum de "
                f"{_describe(bounds.min_months, bounds.min_days)}.{rule}"
            )
    max_months = bounds.max_months
    if recidivism == RECIDIVISM_LEGAL and bounds.max_months_recidivist:
        max_months = bounds.max_months_recidivist
    elif recidivism == RECIDIVISM_REPEAT and (
        bounds.max_months_repeat or bounds.max_months_recidivist
    ):
        max_months = bounds.max_months_repeat or bounds.max_months_recidivist
    if max_months is not None or bounds.max_days is not None:
        maximum = end_date(
            start, max_months, bounds.max_days if max_months == bounds.max_months else None
        )
        if end > maximum:
            shown = _describe(
                max_months, bounds.max_days if max_months == bounds.max_months else None
            )
            extra = ""
            if recidivism == RECIDIVISM_NONE and bounds.max_months_recidivist:
                extra = " (plus long seulement si la récidive légale est retenue)"
            errors["duration_months"] = (
                f"Une durée de {_describe(months, days)} dépasse le maximum de {shown}"
                f"{extra}.{rule}"
            )
    return errors


FUTURE_DECISION = "La date de la décision ne peut pas être future."
ENFORCEABLE_BEFORE_DECISION = (
    "La date de caractère exécutoire ne peut pas précéder la date de la décision."
)


def validate_decision_dates(
    *, decided: date | None, enforceable: date | None, today: date
) -> dict[str, str]:
    """Every error of a decision's dates at once, keyed by field (the form shows them all in
    one submit; the service refuses with all of them)."""
    errors = {}
    if decided and decided > today:
        errors["date"] = FUTURE_DECISION
    if decided and enforceable and enforceable < decided:
        errors["enforceable_date"] = ENFORCEABLE_BEFORE_DECISION
    return errors


def validate_dates(*, decision_date: date, start: date) -> dict[str, str]:
    errors = {}
    if start < decision_date:
        errors["start_date"] = (
            f"La mesure ne peut pas commencer avant la décision du {format_fr(decision_date)}."
        )
    return errors


def period_start(
    duration_kind: str, *, start: date, decision_date: date, enforceable_date: date | None
) -> date:
    """Where the duration is counted from. Community work (hours within a period) runs from
    the day the decision became enforceable (or its date when that is unknown), whatever the
    day the placement starts; every other measure runs from its start."""
    if duration_kind == "hours":
        return enforceable_date or decision_date
    return start


def initial_status(*, start: date, end: date | None, today: date) -> str:
    if start > today:
        return "pending"
    if end is not None and end < today:
        return "ended"
    return "active"


def validate_status(*, status: str, start: date, end: date | None, today: date) -> dict[str, str]:
    """A status must agree with the dates (errors by form field, in French)."""
    if status == "pending":
        if start <= today:
            return {
                "status": f"La mesure a commencé le {format_fr(start)} : elle ne peut "
                "pas être « à venir »."
            }
    elif start > today and status != "void":
        # A measure that never started may only be void (« non avenue »: a grant overtaken).
        return {
            "status": f"La mesure commence le {format_fr(start)} : son statut ne peut "
            "être que « à venir » ou « non avenue »."
        }
    elif status == "active" and end is not None and end < today:
        return {
            "status": f"La mesure a pris fin le {format_fr(end)} : elle ne peut plus "
            "être « en cours » (terminée, révoquée ou non avenue)."
        }
    return {}


def end_if_released_on(end: date | None, suspended_since: date | None, on: date) -> date | None:
    """A measure whose period a committal suspended: its end if the person were released on
    ``on`` — pushed by the days held so far (« au plus tôt le … »); fixed at the release."""
    if end is None or suspended_since is None:
        return end
    return end + timedelta(days=max(0, (on - suspended_since).days))
