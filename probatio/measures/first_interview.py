"""The legal deadline of the first SPIP interview, as data and one pure function.

Each rule says from which event the delay runs (the decision, the release from prison, the
measure's start) and how long it is (calendar days, months, or working days). A measure with no
listed rule gets the service's default (``Service.first_interview_default_days``).
Sources: CPP 474, 723-15, 741-1, 741-2, 763-7-1; D. 546-2, D. 546-3, D. 147-17-5; C. pénit.
R. 621-1, R. 621-2 (see docs/deadlines.md; some delays may have been shortened in 2024: to be
confirmed by the service).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from probatio.core.dates import add_months
from probatio.core.workdays import add_working_days

DECISION = "decision"
RELEASE = "release"
START = "start"


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    basis: str
    runs_from: str  # DECISION, RELEASE or START
    days: int = 0
    months: int = 0
    working_days: int = 0

    def delay_text(self) -> str:
        if self.working_days:
            return f"{self.working_days} jours ouvrables"
        if self.months:
            return f"{self.months} mois"
        return f"{self.days} jours"


RULES = {
    "free_sentenced": Rule(
        "free_sentenced",
        "Personne libre condamnée (convocation remise à l'audience)",
        "CPP 474",
        DECISION,
        days=45,
    ),
    "referred_for_adjustment": Rule(
        "referred_for_adjustment",
        "Peine à aménager, dossier transmis par le parquet",
        "CPP 723-15",
        DECISION,
        days=30,
    ),
    "after_release_strict": Rule(
        "after_release_strict",
        "Sursis probatoire après détention (suivi renforcé ou SSJ encouru)",
        "CPP 741-1 ; C. pénit. R. 621-1",
        RELEASE,
        days=8,
    ),
    "after_release": Rule(
        "after_release",
        "Sursis probatoire après détention",
        "CPP 741-1 ; C. pénit. R. 621-2",
        RELEASE,
        months=1,
    ),
    "reinforced_provisional": Rule(
        "reinforced_provisional",
        "Sursis probatoire renforcé avec exécution provisoire",
        "CPP 741-2 ; D. 546-2",
        DECISION,
        days=8,
    ),
    "reinforced": Rule(
        "reinforced",
        "Sursis probatoire renforcé",
        "CPP 741-2 ; D. 546-3",
        DECISION,
        days=15,
    ),
    "ssj_release": Rule(
        "ssj_release", "Suivi socio-judiciaire après détention", "CPP 763-7-1", RELEASE, days=8
    ),
    "lsc": Rule(
        "lsc",
        "Libération sous contrainte",
        "D. 147-17-5",
        RELEASE,
        working_days=5,
    ),
}

# Measures whose first interview follows a release from prison.
RELEASE_CODES = {"SSJ", "LSC", "LSC_PLEIN_DROIT", "LC", "SURVEILLANCE_JUDICIAIRE"}
# Measures not followed in the community by first interview (nothing to book).
NO_FIRST_INTERVIEW = {"EMPRISONNEMENT", "ENQUETE"}


def rule_for(
    code: str, *, after_release: bool, reinforced_follow_up: bool, provisional: bool
) -> Rule | None:
    """The rule for a measure, or None when the service default applies."""
    if code in ("LSC", "LSC_PLEIN_DROIT"):
        return RULES["lsc"]
    if code == "SSJ" and after_release:
        return RULES["ssj_release"]
    if code == "SURSIS_PROBATOIRE_RENFORCE":
        return RULES["reinforced_provisional" if provisional else "reinforced"]
    if code == "SURSIS_PROBATOIRE":
        if after_release:
            return RULES["after_release_strict" if reinforced_follow_up else "after_release"]
        return RULES["free_sentenced"]
    if code in ("DDSE_AMENAGEMENT", "SEMI_LIBERTE", "PLACEMENT_EXTERIEUR") and not after_release:
        return RULES["referred_for_adjustment"]
    return None


@dataclass(frozen=True)
class Deadline:
    due: date
    label: str
    basis: str
    delay: str


def first_interview_deadline(
    code: str,
    *,
    decision_date: date,
    start_date: date,
    release_date: date | None,
    default_days: int,
    reinforced_follow_up: bool = False,
    provisional: bool = False,
) -> Deadline | None:
    """When the first SPIP interview is due for a measure; None when there is none to hold.
    ``release_date``: the release recorded on the person's custody record, when the measure
    follows a release (else the measure's start stands for it)."""
    if code in NO_FIRST_INTERVIEW:
        return None
    rule = rule_for(
        code,
        after_release=release_date is not None,
        reinforced_follow_up=reinforced_follow_up,
        provisional=provisional,
    )
    if rule is None:
        return Deadline(
            due=start_date + timedelta(days=default_days),
            label="Délai fixé par le service",
            basis="paramètre du service",
            delay=f"{default_days} jours",
        )
    origin = {DECISION: decision_date, RELEASE: release_date or start_date, START: start_date}[
        rule.runs_from
    ]
    if rule.working_days:
        due = add_working_days(origin, rule.working_days)
    elif rule.months:
        due = add_months(origin, rule.months)
    else:
        due = origin + timedelta(days=rule.days)
    return Deadline(due=due, label=rule.label, basis=rule.basis, delay=rule.delay_text())
