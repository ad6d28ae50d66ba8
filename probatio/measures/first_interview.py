"""The legal deadline of the first SPIP interview, as data and one pure function.

Each rule of ``RULES`` is one row of the table in docs/deadlines.md: a code, the French label
shown to users, the legal basis, the event the delay runs from (the decision, the release from
prison, the measure's start) and the delay (calendar days, calendar months or French working
days). A measure that no row covers gets the service's default
(``Service.first_interview_default_days``), counted from the measure's start.

Sources: CPP 474, 723-15, 741-1, 741-2, 763-7-1; D. 546-2, D. 546-3, D. 147-17-5; C. pénit.
R. 621-1, R. 621-2. Some delays may have been shortened by the 2024 wording: to be confirmed with
the service (docs/deadlines.md); the values below are those of the table.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from probatio.core.dates import add_months
from probatio.core.workdays import add_jours_ouvrables

# The event a delay runs from.
DECISION = "decision"
RELEASE = "release"
START = "start"

RUNS_FROM_LABELS = {
    DECISION: "la décision",
    RELEASE: "la levée d'écrou",
    START: "le début de la mesure",
}

# A release from prison this many days (or less) before the measure's start is the release the
# measure follows; an older one belongs to an earlier sentence.
RELEASE_LINK_DAYS = 120

# Measures with no first interview in the community to book.
NO_FIRST_INTERVIEW = frozenset({"EMPRISONNEMENT", "ENQUETE"})

SERVICE_DEFAULT = "service_default"


@dataclass(frozen=True)
class Rule:
    code: str
    label: str  # French, shown in the échéancier
    basis: str  # legal basis, shown with the label
    runs_from: str  # DECISION, RELEASE or START
    days: int = 0
    months: int = 0
    jours_ouvrables: int = 0  # Sundays and public holidays out, Saturdays in

    def delay_text(self) -> str:
        """The delay in French: "45 jours", "1 mois", "5 jours ouvrables"."""
        if self.jours_ouvrables:
            return f"{self.jours_ouvrables} jours ouvrables"
        if self.months:
            return f"{self.months} mois"
        return f"{self.days} jours"

    def due_from(self, origin: date, *, alsace_moselle: bool = False) -> date:
        if self.jours_ouvrables:
            return add_jours_ouvrables(origin, self.jours_ouvrables, alsace_moselle=alsace_moselle)
        if self.months:
            return add_months(origin, self.months)
        return origin + timedelta(days=self.days)


RULES: tuple[Rule, ...] = (
    Rule(
        "free_sentenced",
        "Personne libre condamnée, convocation remise à l'audience",
        "CPP 474",
        DECISION,
        days=45,
    ),
    Rule(
        "referred_for_adjustment",
        "Peine à aménager, dossier transmis par le parquet",
        "CPP 723-15",
        DECISION,
        days=30,
    ),
    Rule(
        "after_release_strict",
        "Sursis probatoire après détention (suivi renforcé, SSJ encouru ou antécédent)",
        "CPP 741-1 ; C. pénit. R. 621-1, R. 621-2",
        RELEASE,
        days=8,
    ),
    Rule(
        "after_release",
        "Sursis probatoire après détention",
        "CPP 741-1 ; C. pénit. R. 621-1, R. 621-2",
        RELEASE,
        months=1,
    ),
    Rule(
        "reinforced_provisional",
        "Sursis probatoire renforcé avec exécution provisoire",
        "CPP 741-2 ; D. 546-2, D. 546-3",
        DECISION,
        days=8,
    ),
    Rule(
        "reinforced",
        "Sursis probatoire renforcé",
        "CPP 741-2 ; D. 546-2, D. 546-3",
        DECISION,
        days=15,
    ),
    Rule(
        "ssj_release",
        "Suivi socio-judiciaire après détention",
        "CPP 763-7-1",
        RELEASE,
        days=8,
    ),
    Rule(
        "lsc",
        "Libération sous contrainte",
        "D. 147-17-5",
        RELEASE,
        jours_ouvrables=5,
    ),
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def service_default_rule(default_days: int) -> Rule:
    """The row for every other measure: the service's own delay, from the measure's start."""
    return Rule(
        SERVICE_DEFAULT,
        "Délai fixé par le service",
        "paramètre du service",
        START,
        days=default_days,
    )


class Deadline(NamedTuple):
    """``(due, rule)``; ``label``, ``basis`` and ``delay`` read through to the rule."""

    due: date
    rule: Rule

    @property
    def label(self) -> str:
        return self.rule.label

    @property
    def basis(self) -> str:
        return self.rule.basis

    @property
    def delay(self) -> str:
        return self.rule.delay_text()


def follows_release(start_date: date, release_date: date | None) -> bool:
    """Whether the measure follows this release (a recent one, not a release of years ago)."""
    return release_date is not None and release_date >= start_date - timedelta(
        days=RELEASE_LINK_DAYS
    )


def rule_for(
    measure_type_code: str,
    *,
    after_release: bool,
    referred_by_prosecutor: bool = False,
    reinforced_follow_up: bool = False,
    provisional: bool = False,
    ssj_incurred: bool = False,
    ssj_on_record: bool = False,
) -> Rule | None:
    """The row of the table for a measure, or None when the service's default applies.

    The 8-day cases depend on facts recorded with the decision (``provisional``: provisional
    execution ordered; ``ssj_incurred``: the offence allows socio-judicial follow-up;
    ``ssj_on_record``: the record shows such a conviction) and with the measure
    (``reinforced_follow_up``)."""
    code = measure_type_code
    if code in ("LSC", "LSC_PLEIN_DROIT"):
        return BY_CODE["lsc"]
    if code == "SSJ":
        return BY_CODE["ssj_release"]
    if code == "SURSIS_PROBATOIRE_RENFORCE":
        if after_release:
            # After prison, reinforced follow-up: 8 days from the release (CPP 741-1).
            return BY_CODE["after_release_strict"]
        return BY_CODE["reinforced_provisional" if provisional else "reinforced"]
    if code == "SURSIS_PROBATOIRE":
        if after_release:
            strict = reinforced_follow_up or ssj_incurred or ssj_on_record
            return BY_CODE["after_release_strict" if strict else "after_release"]
        return BY_CODE["free_sentenced"]
    if code == "AMENAGEMENT_723_15":
        # A short firm sentence: referred later by the prosecutor (723-15), or the summons was
        # handed at the hearing (474).
        return BY_CODE["referred_for_adjustment" if referred_by_prosecutor else "free_sentenced"]
    return None


def first_interview_deadline(
    measure_type_code: str,
    *,
    decision_date: date,
    start_date: date,
    release_date: date | None,
    default_days: int,
    referred_by_prosecutor: bool = False,
    reinforced_follow_up: bool = False,
    provisional: bool = False,
    ssj_incurred: bool = False,
    ssj_on_record: bool = False,
    alsace_moselle: bool = False,
) -> Deadline | None:
    """When the first SPIP interview is due for a measure, and by which rule; None when there
    is no first interview to hold (imprisonment, pre-sentence inquiry).

    ``release_date``: the release recorded on the person's most recent closed custody record
    on or before the measure's start, if any. A rule that runs from the release counts from it
    when the measure follows it (``follows_release``), else from the measure's start, which
    then stands for the release. ``referred_by_prosecutor``: the decision is the prosecutor's
    referral (723-15). ``reinforced_follow_up``, ``provisional``, ``ssj_incurred`` and
    ``ssj_on_record``: facts of the judgment and the measure that shorten the delay to 8 days
    (``rule_for``). ``alsace_moselle``: the service counts the local public holidays."""
    if measure_type_code in NO_FIRST_INTERVIEW:
        return None
    after_release = follows_release(start_date, release_date)
    rule = rule_for(
        measure_type_code,
        after_release=after_release,
        referred_by_prosecutor=referred_by_prosecutor,
        reinforced_follow_up=reinforced_follow_up,
        provisional=provisional,
        ssj_incurred=ssj_incurred,
        ssj_on_record=ssj_on_record,
    ) or service_default_rule(default_days)
    origin = {
        DECISION: decision_date,
        RELEASE: release_date if after_release and release_date else start_date,
        START: start_date,
    }[rule.runs_from]
    return Deadline(due=rule.due_from(origin, alsace_moselle=alsace_moselle), rule=rule)
