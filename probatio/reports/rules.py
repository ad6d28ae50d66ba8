"""Reports to the judge: their templates (sections), their workflow and the effects of the
judge's answer, as data and pure functions. No database, no clock."""

from dataclasses import dataclass
from datetime import date, timedelta

from probatio.core.dates import add_months

# --- Kinds and their sections. ---

EVALUATION = "evaluation"
SITUATION = "situation"
INCIDENT = "incident"
END_OF_MEASURE = "end_of_measure"
OPINION = "opinion"
ESR = "esr"

KIND_LABELS = {
    EVALUATION: "Rapport d'évaluation",
    SITUATION: "Bilan / rapport de situation",
    INCIDENT: "Rapport d'incident",
    END_OF_MEASURE: "Rapport de fin de mesure",
    OPINION: "Avis sur un aménagement ou une libération",
    ESR: "Enquête sociale rapide",
}


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    required: bool = False
    # What the application writes in it when the report is created (``prefill`` module):
    # "identity", "measures", "compliance", "attendance", "situation", "incidents", "partners",
    # "assessment" (the latest structured assessment, never its sensitive items nor the
    # psychologist's section), "programmes" (each referral to a programme with its
    # end-of-programme summary or its attendance so far) or "" (left for the CPIP).
    source: str = ""


S = Section
SECTIONS: dict[str, tuple[Section, ...]] = {
    EVALUATION: (
        S("identity", "Identité et mesure", source="identity"),
        S("measures", "Mesures et obligations", source="measures"),
        S("sources", "Sources (entretiens, documents, partenaires)", source="attendance"),
        S("situation", "Situation : logement, famille, ressources et travail, santé", True,
          "situation"),
        S("assessment", "Évaluation structurée et intensité du suivi", source="assessment"),
        S("offence", "Rapport aux faits et à la victime"),
        S("analysis", "Facteurs de risque et de protection, besoins, motivation", True),
        S("plan", "Plan de suivi : objectifs, actions, partenaires", source="partners"),
        S("proposal", "Intensité de suivi proposée et propositions sur les obligations", True),
    ),
    SITUATION: (
        S("identity", "Identité et mesure", source="identity"),
        S("compliance", "Respect de chaque obligation et justificatifs reçus", True, "compliance"),
        S("attendance", "Présence aux convocations", source="attendance"),
        S("programmes", "Programmes et actions collectives", source="programmes"),
        S("situation", "Évolution de la situation", True, "situation"),
        S("assessment", "Évaluation structurée et intensité du suivi", source="assessment"),
        S("analysis", "Analyse", True),
        S("proposal", "Propositions (aménagements, obligations)", True),
    ),
    INCIDENT: (
        S("identity", "Identité et mesure", source="identity"),
        S("facts", "Faits et dates, obligation concernée", True, "incidents"),
        S("steps", "Démarches engagées (rappels, convocations)", source="attendance"),
        S("explanation", "Explications de la personne"),
        S("analysis", "Analyse du risque", True),
        S("proposal", "Réponse proposée et degré d'urgence", True),
    ),
    END_OF_MEASURE: (
        S("identity", "Identité et mesure", source="identity"),
        S("compliance", "Respect des obligations sur toute la mesure", True, "compliance"),
        S("programmes", "Programmes et actions collectives", source="programmes"),
        S("incidents", "Manquements", source="incidents"),
        S("situation", "Situation en fin de mesure", True, "situation"),
        S("analysis", "Analyse", True),
        S("proposal", "Conclusion", True),
    ),
    OPINION: (
        S("identity", "Identité et situation pénale", source="identity"),
        S("project", "Projet : logement, travail, soins", True, "situation"),
        S("feasibility", "Faisabilité technique"),
        S("victim", "Protection de la victime"),
        S("analysis", "Avis motivé", True),
        S("proposal", "Obligations suggérées", True),
    ),
    ESR: (
        S("identity", "Identité", source="identity"),
        S("situation", "Famille, logement, ressources et travail, santé", True, "situation"),
        S("checks", "Vérifications faites avec l'accord de la personne"),
        S("analysis", "Faisabilité d'un contrôle judiciaire, d'une ARSE ou d'une DDSE", True),
        S("proposal", "Proposition", True),
    ),
}  # fmt: skip


def blank_sections(kind: str) -> list[dict]:
    """The sections of a new report of ``kind``, as stored (JSON): key, title, required, text."""
    return [
        {"key": s.key, "title": s.title, "required": s.required, "text": ""} for s in SECTIONS[kind]
    ]


def missing_required(sections: list[dict]) -> list[str]:
    """Titles of the required sections left empty."""
    return [s["title"] for s in sections if s.get("required") and not (s.get("text") or "").strip()]


# --- Workflow. ---

DRAFT = "draft"
SUBMITTED = "submitted"
RETURNED = "returned"
APPROVED = "approved"
TRANSMITTED = "transmitted"
ANSWERED = "answered"

STATUS_LABELS = {
    DRAFT: "Brouillon",
    SUBMITTED: "Soumis au visa",
    RETURNED: "Renvoyé pour correction",
    APPROVED: "Visé",
    TRANSMITTED: "Transmis au magistrat",
    ANSWERED: "Réponse reçue",
}

EDITABLE = (DRAFT, RETURNED)
FROZEN = (TRANSMITTED, ANSWERED)

# Each step: the statuses it starts from, the one it leads to.
SUBMIT, APPROVE, SEND_BACK, TRANSMIT, ANSWER = (
    "submit",
    "approve",
    "send_back",
    "transmit",
    "answer",
)
STEPS = {
    SUBMIT: ((DRAFT, RETURNED), SUBMITTED),
    APPROVE: ((SUBMITTED,), APPROVED),
    SEND_BACK: ((SUBMITTED, APPROVED), RETURNED),
    TRANSMIT: ((APPROVED,), TRANSMITTED),
    ANSWER: ((TRANSMITTED,), ANSWERED),
}
STEP_ERRORS = {
    SUBMIT: "Seul un brouillon ou un rapport renvoyé peut être soumis au visa.",
    APPROVE: "Seul un rapport soumis au visa peut être visé.",
    SEND_BACK: "Seul un rapport soumis ou visé, non transmis, peut être renvoyé.",
    TRANSMIT: "Seul un rapport visé peut être transmis au magistrat.",
    ANSWER: "Une réponse ne peut être enregistrée que pour un rapport transmis au magistrat.",
}


def next_status(step: str, current: str) -> str | None:
    """The status after ``step``, or None when the step is not allowed from ``current``."""
    sources, target = STEPS[step]
    return target if current in sources else None


# The judge's answers, by matter, and their checks: ``reports/answers.py``.


# --- Legal report deadlines ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReportDeadline:
    kind: str  # the report's kind (a key of KIND_LABELS)
    due: date
    label: str  # French, shown in the échéancier and on the report
    basis: str


# Reports the law or the service times, by what they are about.
REINFORCED_ASSESSMENT_MONTHS = 3  # CPP 741-2; D. 546-3: within 3 months of the judgment
ADJUSTMENT_REPORT_MONTHS = 2  # CPP 723-15-1: within 2 months of the judge's request


def legal_report_deadline(
    measure_type: str,
    *,
    decision_date: date,
    report_requested_on: date | None,
    end: date | None,
    end_report_days: int,
) -> list[ReportDeadline]:
    """The reports a measure calls for, and when: the 3-month assessment of a reinforced
    probation (from the judgment; its notification, when later, is not recorded), the report a
    judge asked on an adjustment (723-15-1, 2 months from the request), the end-of-measure
    report (the service's number of days before the end)."""
    found = []
    if measure_type == "SURSIS_PROBATOIRE_RENFORCE":
        found.append(
            ReportDeadline(
                EVALUATION,
                add_months(decision_date, REINFORCED_ASSESSMENT_MONTHS),
                "Rapport d'évaluation à 3 mois du sursis probatoire renforcé",
                "CPP 741-2 ; D. 546-3",
            )
        )
    if measure_type == "AMENAGEMENT_723_15" and report_requested_on is not None:
        found.append(
            ReportDeadline(
                OPINION,
                add_months(report_requested_on, ADJUSTMENT_REPORT_MONTHS),
                "Rapport au juge sur l'aménagement de la peine (723-15-1)",
                "CPP 723-15-1",
            )
        )
    if end is not None and measure_type not in NO_END_REPORT:
        found.append(
            ReportDeadline(
                END_OF_MEASURE,
                end - timedelta(days=end_report_days),
                "Rapport de fin de mesure",
                "délai fixé par le service",
            )
        )
    return found


# Measures without an end-of-measure report (the prison sentence's end is its release; an
# enquiry or a referral for adjustment end with their own report).
NO_END_REPORT = frozenset({"EMPRISONNEMENT", "ENQUETE", "AMENAGEMENT_723_15", "CJ", "ARSE"})


def cap_opinion_due(session_date: date, cap_opinion_days: int) -> date:
    """The SPIP's opinion for a CAP session is transmitted this many days before it (a service
    setting)."""
    return session_date - timedelta(days=cap_opinion_days)
