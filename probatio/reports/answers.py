"""The judge's answers by matter: which answers fit which report, with their legal basis, and
the checks of an answer's input. Pure: no database, no clock (``today`` is given).

A report's *matter* is what the judge is asked to decide: an opinion says which measure it is
about (parole, release under constraint, semi-liberty…, reductions, the adjustment of a sentence
not yet served), an incident report asks for a response to a breach, a progress or end-of-measure
report is acknowledged, a reinforced probation's 3-month report has the judge set the
obligations, a rapid social enquiry goes to the court, which records its own decision.

Which decisions a judge can take depends on the matter (CPP 712-4 to 712-7) and, for a breach,
on the measure (a probation is extended or revoked, a semi-liberty withdrawn, the prison term
set in advance for community work enforced…). ``allowed`` answers that question; ``check``
says, in French and naming the rule, why an answer's input cannot be recorded. The services
(``transitions.services``) apply what an answer changes.

Items marked [à vérifier] in docs/judge-answers.md are data to be confirmed, not constants.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from probatio.core.dates import add_months, format_fr
from probatio.core.text import agree, count

# --- Matters ---------------------------------------------------------------------------------

PAROLE = "parole"
LSC = "lsc"
LSC_PLEIN_DROIT = "lsc_plein_droit"
SEMI_LIBERTY = "semi_liberty"
OUTSIDE_PLACEMENT = "outside_placement"
HOME_DETENTION = "home_detention"
REDUCTIONS = "reductions"
ADJUSTMENT_723_15 = "adjustment_723_15"
INCIDENT = "incident"
REINFORCED_ASSESSMENT = "reinforced_assessment"
FOLLOW_UP = "follow_up"
END_OF_MEASURE = "end_of_measure"
PRE_SENTENCE = "pre_sentence"

# Who answers: the sentence-enforcement judge (JAP; for parole, the TAP in the cases of CPP
# 730), or the trial court (a rapid social enquiry).
JAP, COURT = "jap", "court"


@dataclass(frozen=True)
class Matter:
    code: str
    label: str  # « Avis sur la libération conditionnelle »
    short: str  # « Libération conditionnelle »: the noun an answer's label starts with
    basis: str
    decided_by: str = JAP
    # The measure a grant opens (catalogue code); for a 723-15 adjustment, LSC and parole's
    # probationary step, the form chosen decides.
    grants: str = ""
    feminine: bool = True  # « accordée » / « accordé »


MATTERS: dict[str, Matter] = {
    m.code: m
    for m in (
        Matter(PAROLE, "Avis sur une libération conditionnelle", "Libération conditionnelle",
               "CPP 729 à 733, 712-6, 712-7", grants="LC"),
        Matter(LSC, "Avis sur la libération sous contrainte (examen aux deux tiers)",
               "Libération sous contrainte", "CPP 720 I ; D. 147-17 et s.", grants="LSC"),
        Matter(LSC_PLEIN_DROIT, "Avis sur la libération sous contrainte de plein droit",
               "Libération sous contrainte de plein droit", "CPP 720 II–III ; D. 147-20 à 147-24",
               grants="LSC_PLEIN_DROIT"),
        Matter(SEMI_LIBERTY, "Avis sur une semi-liberté", "Semi-liberté", "CPP 723-1, 712-6",
               grants="SEMI_LIBERTE"),
        Matter(OUTSIDE_PLACEMENT, "Avis sur un placement à l'extérieur", "Placement à l'extérieur",
               "CPP 723-1, 712-6", grants="PLACEMENT_EXTERIEUR", feminine=False),
        Matter(HOME_DETENTION, "Avis sur une détention à domicile sous surveillance électronique",
               "Détention à domicile sous surveillance électronique", "CPP 723-7, 712-6",
               grants="DDSE_AMENAGEMENT"),
        Matter(REDUCTIONS, "Avis sur des réductions de peine", "Réductions de peine",
               "CPP 721, 721-1-1, 721-1-2, 712-5"),
        Matter(ADJUSTMENT_723_15, "Avis sur l'aménagement d'une peine non exécutée (723-15)",
               "Aménagement de peine", "CPP 723-15 et s.", feminine=False),
        Matter(INCIDENT, "Rapport d'incident", "Réponse au manquement", "CPP 712-4, 712-8"),
        Matter(REINFORCED_ASSESSMENT, "Rapport d'évaluation à 3 mois d'un sursis probatoire renforcé",
               "Obligations", "CPP 741-2 ; D. 546-3"),
        Matter(FOLLOW_UP, "Rapport d'évaluation ou de situation", "Suivi", "CPP 712-4"),
        Matter(END_OF_MEASURE, "Rapport de fin de mesure", "Fin de mesure", "CPP 712-4"),
        Matter(PRE_SENTENCE, "Enquête sociale rapide", "Décision du tribunal", "CPP 41",
               decided_by=COURT),
    )
}  # fmt: skip

# The matters an opinion may be about, in the order offered when it is started.
OPINION_MATTERS = (
    PAROLE,
    LSC,
    LSC_PLEIN_DROIT,
    SEMI_LIBERTY,
    OUTSIDE_PLACEMENT,
    HOME_DETENTION,
    REDUCTIONS,
    ADJUSTMENT_723_15,
)
MATTER_LABELS = {code: m.label for code, m in MATTERS.items()}


def matter_of(kind: str, *, opinion_matter: str = "", measure_type: str | None = None) -> str:
    """The matter of a report of ``kind`` (a code of ``reports.rules.KIND_LABELS``): an opinion
    carries its own; the others follow from the kind (and, for an assessment, from whether the
    measure is a reinforced probation, whose 3-month report has the judge set the obligations).
    Returns "" for an opinion without a known matter."""
    if kind == "opinion":
        return opinion_matter if opinion_matter in OPINION_MATTERS else ""
    if kind == "evaluation" and measure_type == "SURSIS_PROBATOIRE_RENFORCE":
        return REINFORCED_ASSESSMENT
    return {
        "incident": INCIDENT,
        "evaluation": FOLLOW_UP,
        "situation": FOLLOW_UP,
        "end_of_measure": END_OF_MEASURE,
        "esr": PRE_SENTENCE,
    }.get(kind, "")


# --- Urgency of an incident report -------------------------------------------------------------

URGENCY_NORMAL, URGENCY_HIGH, URGENCY_IMMEDIATE = "normal", "high", "immediate"
URGENCY_LABELS = {
    URGENCY_IMMEDIATE: "Immédiate (danger pour une victime ou un tiers)",
    URGENCY_HIGH: "Élevée",
    URGENCY_NORMAL: "Ordinaire",
}
# Sorting: the most urgent first.
URGENCY_RANK = {URGENCY_IMMEDIATE: 0, URGENCY_HIGH: 1, URGENCY_NORMAL: 2, "": 3}


# --- Measures, by what a judge may do with them (catalogue codes) ------------------------------

PROBATIONS = frozenset({"SURSIS_PROBATOIRE", "SURSIS_PROBATOIRE_RENFORCE"})
PAROLES = frozenset({"LC"})
# Ways of serving a prison sentence outside a cell, by the JAP: withdrawn on a breach. A
# release under constraint is carried out as one of them (or as parole).
ADJUSTMENTS = frozenset(
    {"SEMI_LIBERTE", "PLACEMENT_EXTERIEUR", "DDSE_AMENAGEMENT", "LSC", "LSC_PLEIN_DROIT"}
)
# Sentences of their own whose prison term or fine the court set in advance.
SENTENCES_WITH_TERM = frozenset({"TIG", "DDSE"})
POST_RELEASE = frozenset({"SSJ", "SURVEILLANCE_JUDICIAIRE"})
# Measures whose obligations the judge may change (CPP 712-8, 739, 763-3…).
WITH_OBLIGATIONS = (
    PROBATIONS
    | PAROLES
    | ADJUSTMENTS
    | POST_RELEASE
    | frozenset({"AJOURNEMENT_PROBATION", "DDSE", "INTERDICTION_SEJOUR"})
)
# Measures the JAP supervises in the community (warrants, CPP 712-17).
SUPERVISED = (
    PROBATIONS
    | PAROLES
    | ADJUSTMENTS
    | POST_RELEASE
    | frozenset({"AJOURNEMENT_PROBATION", "TIG", "DDSE", "INTERDICTION_SEJOUR"})
)
# Provisional incarceration (CPP 712-19).
PROVISIONAL_DETENTION_ON = PROBATIONS | PAROLES | ADJUSTMENTS | POST_RELEASE | frozenset({"DDSE"})
# Suspension by the judge: a community-work period (CP 131-22), an adjustment or a parole
# (CPP 712-18).
SUSPENSION_ON = frozenset({"TIG"}) | ADJUSTMENTS | PAROLES

# What a grant of each form opens (a release under constraint keeps its own measure).
FORM_MEASURES = {
    "LC": "LC",
    "DDSE": "DDSE_AMENAGEMENT",
    "PE": "PLACEMENT_EXTERIEUR",
    "SL": "SEMI_LIBERTE",
}
FORM_LABELS = {
    "LC": "Libération conditionnelle",
    "DDSE": "Détention à domicile sous surveillance électronique",
    "PE": "Placement à l'extérieur",
    "SL": "Semi-liberté",
}
# A parole's probationary step (CPP 723-1, 723-7: at most one year).
STEP_FORMS = ("SL", "PE", "DDSE")


# --- Answers -----------------------------------------------------------------------------------

GRANTED = "granted"
REFUSED = "refused"
ADJOURNED = "adjourned"
MODIFIED = "modified"
IMPOSSIBLE = "impossible"
REDUCTIONS_WITHDRAWN = "reductions_withdrawn"
ACKNOWLEDGED = "acknowledged"
OBLIGATIONS_SET = "obligations_set"
COURT_DECISION = "court_decision"
REMINDER = "reminder"
WARNING = "warning"
MODIFY_OBLIGATIONS = "modify_obligations"
EXTEND = "extend"
SUSPENSION = "suspension"
WARRANT_APPEAR = "warrant_appear"
WARRANT = "warrant"  # arrest warrant (the code of earlier records, kept)
PROVISIONAL_DETENTION = "provisional_detention"
REVOCATION_PARTIAL = "revocation_partial"
REVOCATION_FULL = "revocation_full"
WITHDRAWAL = "withdrawal"
ENFORCE_TERM = "enforce_term"
NO_ACTION = "no_action"  # earlier records only: no longer offered

# What an answer changes (the transition service applies it).
E_TIMELINE = "timeline"  # the decision and the timeline only
E_GRANT = "grant"  # opens the measure granted (and ends a 723-15 referral)
E_OBLIGATIONS = "obligations"  # obligations added or lifted on the report's measure
E_EXTEND = "extend"  # the probation period grows
E_SUSPEND = "suspend"  # the measure is suspended
E_FLAG = "flag"  # the person is flagged (warrant to appear)
E_SUSPEND_FLAG = "suspend_flag"  # suspended and flagged (arrest warrant, incarceration)
E_PARTIAL = "partial"  # a sentence to serve is added; the measure goes on
E_END_REVOKED = "end_revoked"  # the measure ends as revoked (a term to serve may follow)
E_REDUCE = "reduce"  # reductions granted
E_WITHDRAW_REDUCTIONS = "withdraw_reductions"
E_CLOSE_REFERRAL = "close_referral"  # a 723-15 refusal ends the referral


@dataclass(frozen=True)
class Answer:
    code: str
    label: str
    basis: str
    effect: str
    # Measures it applies to (catalogue codes); None: any measure, or none at all.
    measures: frozenset | None = None
    needs_measure: bool = False  # the report must concern an open measure


def _answer(code, label, basis, effect, measures=None, needs_measure=None) -> Answer:
    return Answer(code, label, basis, effect, measures,
                  measures is not None if needs_measure is None else needs_measure)  # fmt: skip


# The answers to a breach (and to a progress or end-of-measure report), by measure.
BREACH_ANSWERS: dict[str, Answer] = {
    a.code: a
    for a in (
        _answer(REMINDER, "Rappel des obligations", "CPP 712-4", E_TIMELINE),
        _answer(WARNING, "Avertissement", "CPP 712-4", E_TIMELINE),
        _answer(MODIFY_OBLIGATIONS, "Modification des obligations", "CPP 712-8, 739",
                E_OBLIGATIONS, WITH_OBLIGATIONS),
        _answer(EXTEND, "Prolongation du délai de probation", "CPP 742, 743 ; CP 132-42",
                E_EXTEND, PROBATIONS),
        _answer(SUSPENSION, "Suspension de la mesure", "CP 131-22 (TIG) ; CPP 712-18",
                E_SUSPEND, SUSPENSION_ON),
        _answer(WARRANT_APPEAR, "Mandat d'amener", "CPP 712-17", E_FLAG, SUPERVISED),
        _answer(WARRANT, "Mandat d'arrêt", "CPP 712-17", E_SUSPEND_FLAG, SUPERVISED),
        _answer(PROVISIONAL_DETENTION, "Incarcération provisoire", "CPP 712-19",
                E_SUSPEND_FLAG, PROVISIONAL_DETENTION_ON),
        _answer(REVOCATION_PARTIAL, "Révocation partielle",
                "CP 132-47 à 132-52, CPP 742 (sursis probatoire) ; CPP 733 (libération "
                "conditionnelle)", E_PARTIAL, PROBATIONS | PAROLES),
        _answer(REVOCATION_FULL, "Révocation totale",
                "CP 132-47 à 132-52, CPP 742 (sursis probatoire) ; CPP 733 (libération "
                "conditionnelle)", E_END_REVOKED, PROBATIONS | PAROLES),
        _answer(WITHDRAWAL, "Retrait de la mesure", "CPP 712-6, 723-2, 723-13", E_END_REVOKED,
                ADJUSTMENTS),
        _answer(ENFORCE_TERM, "Mise à exécution de l'emprisonnement fixé par la juridiction",
                "CP 131-9 (TIG) ; CP 131-4-1 (DDSE)", E_END_REVOKED, SENTENCES_WITH_TERM),
    )
}  # fmt: skip

ACKNOWLEDGE = _answer(ACKNOWLEDGED, "Pris acte", "CPP 712-4", E_TIMELINE)
SET_OBLIGATIONS = _answer(
    OBLIGATIONS_SET,
    "Obligations fixées par le juge",
    "CPP 741-2 ; D. 546-3",
    E_OBLIGATIONS,
    frozenset({"SURSIS_PROBATOIRE_RENFORCE"}),
)
COURT_ANSWER = _answer(COURT_DECISION, "Décision du tribunal", "CPP 41, 464-2", E_TIMELINE)


def _grants(matter: Matter) -> dict[str, Answer]:
    """The answers to an opinion on a measure to grant: granted, modified (on the measure in
    force), refused, adjourned."""
    ending = "e" if matter.feminine else ""
    return {
        GRANTED: _answer(GRANTED, f"{matter.short} accordé{ending}", matter.basis, E_GRANT),
        MODIFIED: _answer(MODIFIED, f"{matter.short} modifié{ending}", matter.basis,
                          E_OBLIGATIONS, frozenset({matter.grants})),
        REFUSED: _answer(REFUSED, f"{matter.short} refusé{ending}", matter.basis, E_TIMELINE),
        ADJOURNED: _answer(ADJOURNED, f"{matter.short} : décision ajournée", matter.basis,
                           E_TIMELINE),
    }  # fmt: skip


def _opinion_answers() -> dict[str, dict[str, Answer]]:
    m = MATTERS
    parole = _grants(m[PAROLE])
    adjustment = _grants(m[ADJUSTMENT_723_15])
    return {
        # Parole: granted by judgment (obligations, licence length, a probationary step),
        # refused or adjourned.
        PAROLE: {k: parole[k] for k in (GRANTED, REFUSED, ADJOURNED)},
        # LSC: a grant chooses its form; a refusal only by a specially reasoned order finding
        # that no measure can be carried out.
        LSC: {
            GRANTED: _answer(GRANTED, "Libération sous contrainte accordée", "CPP 720 I",
                             E_GRANT),
            REFUSED: _answer(REFUSED, "Libération sous contrainte refusée (ordonnance "
                             "spécialement motivée)", "CPP 720 I, al. 3", E_TIMELINE),
        },
        # LSC de plein droit: the form and the date, or material impossibility (no housing).
        LSC_PLEIN_DROIT: {
            GRANTED: _answer(GRANTED, "Libération sous contrainte de plein droit : modalité "
                             "et date fixées", "CPP 720 II", E_GRANT),
            IMPOSSIBLE: _answer(IMPOSSIBLE, "Impossibilité matérielle : absence "
                                "d'hébergement", "CPP 720 III", E_TIMELINE),
        },
        SEMI_LIBERTY: _grants(m[SEMI_LIBERTY]),
        OUTSIDE_PLACEMENT: _grants(m[OUTSIDE_PLACEMENT]),
        HOME_DETENTION: _grants(m[HOME_DETENTION]),
        REDUCTIONS: {
            GRANTED: _answer(GRANTED, "Réductions de peine accordées",
                             "CPP 721, 721-1-1, 721-1-2", E_REDUCE),
            REFUSED: _answer(REFUSED, "Pas de réduction de peine", "CPP 721", E_TIMELINE),
            REDUCTIONS_WITHDRAWN: _answer(REDUCTIONS_WITHDRAWN, "Retrait de réductions de "
                                          "peine", "CPP 721, al. 3", E_WITHDRAW_REDUCTIONS),
        },
        ADJUSTMENT_723_15: {
            GRANTED: adjustment[GRANTED],
            REFUSED: _answer(REFUSED, "Aménagement refusé", "CPP 723-15-2", E_CLOSE_REFERRAL),
            ADJOURNED: adjustment[ADJOURNED],
        },
    }  # fmt: skip


OPINION_ANSWERS = _opinion_answers()

# Every label an answer may have had, for display (earlier records included).
LEGACY_LABELS = {
    NO_ACTION: "Classement (pas de suite)",
    WARRANT: "Mandat (d'amener ou d'arrêt)",
    REVOCATION_PARTIAL: "Révocation partielle",
}
ANSWER_CODES = sorted(
    {code for table in OPINION_ANSWERS.values() for code in table}
    | set(BREACH_ANSWERS)
    | {ACKNOWLEDGED, OBLIGATIONS_SET, COURT_DECISION, NO_ACTION}
)
# A generic label per code (for the model's choices; pages use ``answer_for(...).label``).
CODE_LABELS = {
    GRANTED: "Accordé",
    REFUSED: "Refusé",
    ADJOURNED: "Ajourné",
    MODIFIED: "Modifié",
    IMPOSSIBLE: "Impossibilité matérielle",
    REDUCTIONS_WITHDRAWN: "Retrait de réductions de peine",
    ACKNOWLEDGED: ACKNOWLEDGE.label,
    OBLIGATIONS_SET: SET_OBLIGATIONS.label,
    COURT_DECISION: COURT_ANSWER.label,
    NO_ACTION: LEGACY_LABELS[NO_ACTION],
    **{code: a.label for code, a in BREACH_ANSWERS.items()},
}


def table_for(matter: str) -> dict[str, Answer]:
    """Every answer of a matter, whatever the measure (before the measure is looked at)."""
    if matter in OPINION_ANSWERS:
        return OPINION_ANSWERS[matter]
    if matter == INCIDENT:
        return BREACH_ANSWERS
    if matter in (FOLLOW_UP, END_OF_MEASURE):
        return {ACKNOWLEDGED: ACKNOWLEDGE, **BREACH_ANSWERS}
    if matter == REINFORCED_ASSESSMENT:
        return {OBLIGATIONS_SET: SET_OBLIGATIONS}
    if matter == PRE_SENTENCE:
        return {COURT_DECISION: COURT_ANSWER}
    return {}


def _fits(answer: Answer, measure_type: str | None) -> bool:
    if answer.measures is None:
        return True
    return measure_type is not None and measure_type in answer.measures


def allowed(matter: str, measure_type: str | None = None) -> list[Answer]:
    """The answers a judge may give on a report of ``matter`` about a measure of
    ``measure_type`` (None: the report names no measure), in the order offered."""
    return [a for a in table_for(matter).values() if _fits(a, measure_type)]


def answer_for(matter: str, code: str) -> Answer | None:
    return table_for(matter).get(code)


def label_of(matter: str, code: str) -> str:
    """The French label of an answer given on a report of ``matter`` (earlier records too)."""
    answer = answer_for(matter, code)
    if answer is not None:
        return answer.label
    return CODE_LABELS.get(code, code)


# --- Parole: who decides -------------------------------------------------------------------------

TAP_MIN_SENTENCE_MONTHS = 120  # more than 10 years pronounced…
TAP_MIN_REMAINING_MONTHS = 36  # …with more than 3 years left to serve


def parole_decided_by(
    *, total_months: int | None, total_days: int = 0, decided_on: date, end: date | None
) -> str:
    """« jap » or « tap »: parole of a sentence over 10 years with more than 3 years left is
    decided by the sentence-enforcement court (CPP 730, 712-7); otherwise by the JAP (712-6)."""
    if total_months is None or end is None:
        return "jap"
    over_ten = total_months > TAP_MIN_SENTENCE_MONTHS or (
        total_months == TAP_MIN_SENTENCE_MONTHS and total_days > 0
    )
    more_than_three_left = end > add_months(decided_on, TAP_MIN_REMAINING_MONTHS)
    return "tap" if over_ten and more_than_three_left else "jap"


# --- Checks of an answer -----------------------------------------------------------------------

PROBATION_TOTAL_MONTHS = 36  # CPP 742, 743: extensions never bring the period past 3 years
HEARING_DAYS = 15  # CPP 712-19: the hearing after a provisional incarceration
PAROLE_MAX_YEARS = 10  # CPP 732 [à vérifier]: the licence lasts at most 10 years…
PAROLE_EXTRA_YEARS = 1  # …and at most one year beyond the unserved part
STEP_MAX_MONTHS = 12  # CPP 723-1, 723-7: a probationary step of at most one year


@dataclass(frozen=True)
class Facts:
    """What the check needs to know about the report, the measure and the person's sentence."""

    matter: str
    today: date
    measure_type: str | None = None  # the report's measure
    measure_open: bool = False
    measure_start: date | None = None
    already_answered: bool = False
    transmitted_on: date | None = None
    # The probation period as it stands (months, days), for an extension.
    period_months: int = 0
    period_days: int = 0
    # The prison side (None when the person has no sentence in progress).
    held: bool = False  # an open committal
    sentence_end: date | None = None  # the one end date (registry's when known)
    safety_end: date | None = None  # end of the safety period, if any
    lsc_refused_beforehand: bool = False  # CPP 720 I (an exclusion recorded)
    lsc_plein_droit_excluded: bool = False  # CPP 720 III
    reductions_cap_days: int | None = None  # CPP 721 caps for the sentences served
    reductions_net_days: int = 0  # granted and not withdrawn
    reductions_withdrawable_days: int = 0  # granted within the year before the decision


@dataclass(frozen=True)
class Input:
    """An answer as typed (every field; only those of the chosen answer are read)."""

    code: str
    answered_on: date | None
    text: str = ""
    reasons: str = ""
    effective_on: date | None = None
    end_on: date | None = None
    modality: str = ""
    step_form: str = ""
    step_end: date | None = None
    extra_months: int | None = None
    reduction_days: int | None = None
    term_years: int = 0
    term_months: int = 0
    term_days: int = 0
    next_review_on: date | None = None
    new_obligations: tuple[str, ...] = ()
    ended_obligations: tuple[int, ...] = ()

    @property
    def has_term(self) -> bool:
        return bool(self.term_years or self.term_months or self.term_days)


GRANTED_MATTERS_NEEDING_SENTENCE = (PAROLE, LSC, LSC_PLEIN_DROIT, REDUCTIONS)
SAFETY_PERIOD_MATTERS = (
    PAROLE,
    LSC,
    LSC_PLEIN_DROIT,
    SEMI_LIBERTY,
    OUTSIDE_PLACEMENT,
    HOME_DETENTION,
)


def _allowed_text(matter: str, measure_type: str | None) -> str:
    labels = [a.label for a in allowed(matter, measure_type)]
    return " ; ".join(labels) if labels else "aucune"


def check(facts: Facts, data: Input) -> dict[str, str]:
    """French errors of an answer, by form field, each naming its rule. Empty when the answer
    may be recorded."""
    matter = MATTERS.get(facts.matter)
    if matter is None:
        return {"code": "Ce rapport ne dit pas sur quoi le juge doit statuer : il ne peut pas "
                "recevoir de réponse."}  # fmt: skip
    if facts.already_answered:
        return {"code": "Ce rapport a déjà reçu une réponse : une nouvelle décision passe par "
                "un nouveau rapport."}  # fmt: skip
    answer = answer_for(facts.matter, data.code)
    if answer is None or not _fits(answer, facts.measure_type):
        chosen = label_of(facts.matter, data.code) if data.code else ""
        if not data.code:
            return {"code": "Choisissez la réponse."}
        about = f" sur une mesure « {facts.measure_type} »" if facts.measure_type else ""
        return {
            "code": f"« {chosen} » ne répond pas à ce rapport ({matter.label.lower()}{about}). "
            f"Réponses possibles ({matter.basis}) : {_allowed_text(facts.matter, facts.measure_type)}."
        }
    errors: dict[str, str] = {}
    if answer.needs_measure and not facts.measure_open:
        errors["code"] = (
            f"« {answer.label} » porte sur une mesure en cours : la mesure du rapport est "
            "terminée ou absente."
        )
    _check_date(facts, data, errors)
    effect = answer.effect
    if effect == E_GRANT:
        _check_grant(facts, data, errors)
    elif facts.matter == LSC and data.code == REFUSED and not data.reasons.strip():
        errors["reasons"] = (
            "Un refus de libération sous contrainte se fait par une ordonnance spécialement "
            "motivée constatant qu'aucune mesure n'est possible (CPP 720 I) : indiquez les motifs."
        )
    elif effect == E_OBLIGATIONS and data.code != OBLIGATIONS_SET:
        if not (data.new_obligations or data.ended_obligations):
            errors["new_obligations"] = "Indiquez les obligations ajoutées ou levées."
    elif effect == E_EXTEND:
        _check_extension(facts, data, errors)
    elif effect in (E_REDUCE, E_WITHDRAW_REDUCTIONS):
        _check_reductions(facts, data, errors, withdraw=effect == E_WITHDRAW_REDUCTIONS)
    elif effect == E_PARTIAL and not data.has_term:
        errors["term_months"] = (
            "Indiquez la part de la peine révoquée, à exécuter (années, mois, jours) : "
            "la révocation partielle ajoute cette peine au dossier (CP 132-48)."
        )
    elif data.code == ENFORCE_TERM and not data.has_term:
        errors["term_months"] = (
            "Indiquez l'emprisonnement à exécuter, tel que fixé par la juridiction "
            "(CP 131-9, 131-4-1)."
        )
    if data.code == COURT_DECISION and not data.text.strip():
        errors["text"] = "Indiquez le dispositif de la décision du tribunal."
    review = data.next_review_on
    if data.code == ADJOURNED and review and data.answered_on and review <= data.answered_on:
        errors["next_review_on"] = "Le nouvel examen suit la décision d'ajournement."
    return errors


def _check_date(facts: Facts, data: Input, errors: dict) -> None:
    day = data.answered_on
    if day is None:
        errors["answered_on"] = "Indiquez la date de la décision."
    elif day > facts.today:
        errors["answered_on"] = "La date de la décision ne peut pas être dans le futur."
    elif facts.transmitted_on and day < facts.transmitted_on:
        errors["answered_on"] = (
            f"La décision ne peut pas précéder la transmission du rapport "
            f"({format_fr(facts.transmitted_on)})."
        )


def _check_grant(facts: Facts, data: Input, errors: dict) -> None:
    matter = facts.matter
    start = data.effective_on
    if start is None:
        errors["effective_on"] = "Indiquez la date à laquelle la mesure accordée prend effet."
    elif data.answered_on and start < data.answered_on:
        errors["effective_on"] = "La mesure accordée ne peut pas prendre effet avant la décision."
    if matter in (LSC, LSC_PLEIN_DROIT, ADJUSTMENT_723_15) and data.modality not in FORM_MEASURES:
        errors["modality"] = (
            "Choisissez la modalité accordée : libération conditionnelle, détention à domicile "
            "sous surveillance électronique, placement à l'extérieur ou semi-liberté"
            + (" (CPP 720)." if matter != ADJUSTMENT_723_15 else " (CPP 723-15).")
        )
    if matter in GRANTED_MATTERS_NEEDING_SENTENCE and facts.sentence_end is None:
        errors["code"] = (
            "Aucune peine d'emprisonnement en cours n'est enregistrée pour cette personne : "
            "enregistrez l'écrou et la peine (onglet « Peine et dates ») avant cette décision."
        )
        return
    if matter == LSC and facts.lsc_refused_beforehand:
        errors["code"] = (
            "La personne a refusé la libération sous contrainte : l'examen aux deux tiers ne "
            "s'applique pas (CPP 720 I)."
        )
    if matter == LSC_PLEIN_DROIT and facts.lsc_plein_droit_excluded:
        errors["code"] = (
            "Un cas d'exclusion de la libération sous contrainte de plein droit est enregistré "
            "(CPP 720 III)."
        )
    if (
        matter in SAFETY_PERIOD_MATTERS
        and facts.safety_end is not None
        and start is not None
        and start < facts.safety_end
    ):
        errors["effective_on"] = (
            f"Période de sûreté en cours jusqu'au {format_fr(facts.safety_end)} : aucune "
            "libération ni aucun aménagement avant cette date (CP 132-23)."
        )
    if start is None or "effective_on" in errors:
        return
    end = data.end_on
    if matter == PAROLE:
        _check_parole(facts, data, errors)
    elif matter in (LSC, LSC_PLEIN_DROIT):
        if end is not None and facts.sentence_end and end != facts.sentence_end:
            errors["end_on"] = (
                f"La libération sous contrainte court jusqu'à la fin de la peine "
                f"({format_fr(facts.sentence_end)}) : laissez la date de fin vide."
            )
        if facts.sentence_end and start >= facts.sentence_end:
            errors["effective_on"] = (
                f"La date d'effet doit précéder la fin de peine ({format_fr(facts.sentence_end)})."
            )
    else:
        if end is None and facts.sentence_end is None:
            errors["end_on"] = "Indiquez la date de fin de la mesure accordée."
        elif end is not None and end <= start:
            errors["end_on"] = "La fin de la mesure suit sa date d'effet."
        elif end is not None and facts.sentence_end and end > facts.sentence_end:
            errors["end_on"] = (
                f"Un aménagement ne dépasse pas la fin de la peine "
                f"({format_fr(facts.sentence_end)})."
            )


def _check_parole(facts: Facts, data: Input, errors: dict) -> None:
    start, end = data.effective_on, data.end_on
    lc_start = start
    if data.step_form:
        if data.step_form not in STEP_FORMS:
            errors["step_form"] = (
                "Choisissez une semi-liberté, un placement à l'extérieur ou une DDSE."
            )
        elif data.step_end is None or data.step_end <= start:
            errors["step_end"] = (
                "Indiquez la fin de la mesure probatoire, après sa date d'effet : la libération "
                "conditionnelle commence ce jour-là."
            )
        elif data.step_end > add_months(start, STEP_MAX_MONTHS):
            errors["step_end"] = (
                "La mesure probatoire à la libération conditionnelle dure au plus un an "
                "(CPP 723-1, 723-7)."
            )
        else:
            lc_start = data.step_end
    if end is None:
        errors["end_on"] = (
            "Indiquez la fin de la libération conditionnelle (fin des mesures d'assistance et "
            "de contrôle)."
        )
        return
    unserved_end = facts.sentence_end
    if unserved_end and lc_start >= unserved_end:
        errors["effective_on"] = (
            f"La libération doit précéder la fin de peine ({format_fr(unserved_end)})."
        )
        return
    if end <= lc_start:
        errors["end_on"] = "La fin de la libération conditionnelle suit son début."
    elif unserved_end and end < unserved_end:
        errors["end_on"] = (
            f"La libération conditionnelle dure au moins la partie de peine non exécutée, "
            f"jusqu'au {format_fr(unserved_end)} (CPP 732)."
        )
    elif unserved_end and end > add_months(unserved_end, 12 * PAROLE_EXTRA_YEARS):
        errors["end_on"] = (
            f"La libération conditionnelle dépasse d'au plus un an la partie de peine non "
            f"exécutée : au plus tard le {format_fr(add_months(unserved_end, 12))} (CPP 732)."
        )
    elif end > add_months(lc_start, 12 * PAROLE_MAX_YEARS):
        errors["end_on"] = "La libération conditionnelle dure au plus dix ans (CPP 732)."


def _check_extension(facts: Facts, data: Input, errors: dict) -> None:
    extra = data.extra_months
    if not extra or extra < 1:
        errors["extra_months"] = "Indiquez la prolongation, en mois."
        return
    total = facts.period_months + extra
    if total > PROBATION_TOTAL_MONTHS or (total == PROBATION_TOTAL_MONTHS and facts.period_days):
        left = max(
            0, PROBATION_TOTAL_MONTHS - facts.period_months - (1 if facts.period_days else 0)
        )
        errors["extra_months"] = (
            f"Une prolongation porterait le délai de probation à {total} mois : le juge ne peut "
            f"le prolonger au-delà de 3 ans au total (CPP 742, 743). Prolongation possible : "
            f"{left} mois au plus."
        )


def _check_reductions(facts: Facts, data: Input, errors: dict, *, withdraw: bool) -> None:
    days = data.reduction_days
    if not days or days < 1:
        errors["reduction_days"] = "Indiquez le nombre de jours."
        return
    if withdraw:
        if days > facts.reductions_withdrawable_days:
            errors["reduction_days"] = (
                f"Un retrait porte sur des réductions accordées depuis moins d'un an et non "
                f"encore retirées : {count(facts.reductions_withdrawable_days, 'jour')} au plus "
                "(CPP 721, al. 3)."
            )
        return
    cap = facts.reductions_cap_days
    if cap is not None and facts.reductions_net_days + days > cap:
        left = max(0, cap - facts.reductions_net_days)
        errors["reduction_days"] = (
            f"Les réductions de peine dépasseraient le plafond de {cap} jours pour les peines "
            f"en cours (CPP 721, 721-1-1, 721-1-2) : {count(facts.reductions_net_days, 'jour')} déjà "
            f"{agree(facts.reductions_net_days, 'accordé')}, {count(left, 'jour')} au plus."
        )


def hearing_due(answered_on: date) -> date:
    """The hearing after a provisional incarceration is held within 15 days (CPP 712-19)."""
    return answered_on + timedelta(days=HEARING_DAYS)
