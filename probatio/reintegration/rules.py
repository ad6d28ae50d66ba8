"""Pure rules of reintegration: the kinds of partners, the reintegration pathways, the states of
a need and of a referral (orientation) with their allowed moves. No database, no clock. Codes,
never labels, drive the rules."""

from datetime import date, timedelta

PARTNER_KINDS = {
    "housing": "Hébergement et logement",
    "emergency_housing": "Hébergement d'urgence (SIAO / 115)",
    "health": "Santé",
    "addiction": "Addictologie (CSAPA)",
    "mental_health": "Santé mentale",
    "employment": "Emploi (France Travail, mission locale)",
    "training": "Formation",
    "literacy": "Lutte contre l'illettrisme",
    "social_rights": "Accès aux droits (CPAM, CAF)",
    "victim_support": "Aide aux victimes",
    "culture_sport": "Culture et sport",
    "socio_judicial": "Association socio-judiciaire",
    "other": "Autre",
}

# The reintegration pathways a need belongs to (and a partner's services are tagged with).
PATHWAYS = {
    "housing": "Logement et hébergement",
    "employment": "Emploi et formation",
    "health": "Santé et addictions",
    "finances": "Ressources et prestations",
    "rights": "Papiers d'identité et accès aux droits",
    "family": "Famille et relations",
    "education": "Savoirs de base et illettrisme",
}

# --- Needs ------------------------------------------------------------------------------------

NEED_IDENTIFIED = "identified"
NEED_IN_PROGRESS = "in_progress"
NEED_MET = "met"
NEED_REFUSED = "refused"

NEED_STATUSES = {
    NEED_IDENTIFIED: "Identifié",
    NEED_IN_PROGRESS: "En cours",
    NEED_MET: "Satisfait",
    NEED_REFUSED: "Refusé par la personne",
}
OPEN_NEED_STATUSES = (NEED_IDENTIFIED, NEED_IN_PROGRESS)

# --- Referrals (orientations) --------------------------------------------------------------------

PROPOSED = "proposed"
SENT = "sent"
ACCEPTED = "accepted"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
REFUSED = "refused"
ABANDONED = "abandoned"

REFERRAL_STATUSES = {
    PROPOSED: "Proposée",
    SENT: "Envoyée",
    ACCEPTED: "Acceptée",
    IN_PROGRESS: "En cours",
    COMPLETED: "Terminée",
    REFUSED: "Refusée",
    ABANDONED: "Abandonnée",
}

# Allowed moves: from each status, the statuses it may go to.
REFERRAL_MOVES = {
    PROPOSED: (SENT, ABANDONED),
    SENT: (ACCEPTED, REFUSED, ABANDONED),
    ACCEPTED: (IN_PROGRESS, COMPLETED, ABANDONED),
    IN_PROGRESS: (COMPLETED, ABANDONED),
    COMPLETED: (),
    REFUSED: (),
    ABANDONED: (),
}
CLOSED_REFERRAL_STATUSES = (COMPLETED, REFUSED, ABANDONED)
# A referral waiting for the partner's answer (the échéancier reminds after a delay).
AWAITING_ANSWER = (SENT,)


def can_move(current: str, target: str) -> bool:
    return target in REFERRAL_MOVES.get(current, ())


def move_error(current: str, target: str) -> str | None:
    """Why a referral may not go from ``current`` to ``target`` (French), or None."""
    if target not in REFERRAL_STATUSES:
        return "Statut d'orientation inconnu."
    if current in CLOSED_REFERRAL_STATUSES:
        return (
            f"L'orientation est close ({REFERRAL_STATUSES[current].lower()}) : elle ne change plus."
        )
    if not can_move(current, target):
        return (
            f"Une orientation « {REFERRAL_STATUSES[current].lower()} » ne peut pas passer à "
            f"« {REFERRAL_STATUSES[target].lower()} »."
        )
    return None


def need_status_after(referral_status: str, need_status: str) -> str:
    """What a referral's new status does to its need: work starts (in progress) once the
    referral is sent; a completed referral meets the need. Refusals leave the need as it was."""
    if need_status in (NEED_MET, NEED_REFUSED):
        return need_status
    if referral_status == COMPLETED:
        return NEED_MET
    if referral_status in (SENT, ACCEPTED, IN_PROGRESS):
        return NEED_IN_PROGRESS
    return need_status


# The partner's answer (outcome) is entered once the partner has taken up the referral, or
# turned it down.
OUTCOME_STATUSES = (ACCEPTED, IN_PROGRESS, COMPLETED, REFUSED)


def outcome_error(status: str) -> str | None:
    """Why the partner's answer may not be entered on a referral in ``status`` (French)."""
    if status in OUTCOME_STATUSES:
        return None
    return (
        "Le retour du partenaire se saisit une fois l'orientation acceptée, en cours, "
        "terminée ou refusée."
    )


def reminder_due(status: str, status_on: date, delay_days: int) -> date | None:
    """The day a referral still waiting for the partner's answer is to be chased up (the day
    of its last step plus the service's delay), or None when it waits for nothing."""
    if status not in AWAITING_ANSWER:
        return None
    return status_on + timedelta(days=delay_days)


# --- Release preparation ------------------------------------------------------------------------

RELEASE_ITEMS = {
    "identity_documents": "Papiers d'identité",
    "health_insurance": "Assurance maladie (CPAM, complémentaire)",
    "housing": "Hébergement ou logement à la sortie",
    "income": "Ressources (RSA, ARE, AAH…)",
    "employment_training": "Emploi ou formation",
    "care_continuity": "Continuité des soins",
    "bank_account": "Compte bancaire",
    "transport": "Transport le jour de la sortie",
    "community_appointment": "Rendez-vous au SPIP (milieu ouvert) après la sortie",
}
HOUSING_ITEM = "housing"

ITEM_TO_DO = "to_do"
ITEM_IN_PROGRESS = "in_progress"
ITEM_DONE = "done"
ITEM_NOT_APPLICABLE = "not_applicable"
ITEM_STATUSES = {
    ITEM_TO_DO: "À faire",
    ITEM_IN_PROGRESS: "En cours",
    ITEM_DONE: "Fait",
    ITEM_NOT_APPLICABLE: "Sans objet",
}
OPEN_ITEM_STATUSES = (ITEM_TO_DO, ITEM_IN_PROGRESS)

# Release within this many days without housing secured: flagged to managers.
HOUSING_FLAG_DAYS = 31

RELEASE_SOURCES = {
    "official": "date de libération communiquée par le greffe",
    "lsc_plein_droit": "libération sous contrainte de plein droit (estimée ou du greffe)",
    "end": "fin de peine estimée",
}


def expected_release(dates: dict):
    """The expected release date of a person in prison and where it comes from, from a row
    of ``sentences.selectors.stored_dates`` (official dates laid over the estimates): the
    registry's release date when known, otherwise the LSC de plein droit date when it applies,
    otherwise the estimated release at the end of the sentence. ``(None, "")`` when nothing is
    known."""
    if dates.get("release_date") and "release_date" in dates.get("official_fields", ()):
        return dates["release_date"], "official"
    if dates.get("lsc_plein_droit_date"):
        return dates["lsc_plein_droit_date"], "lsc_plein_droit"
    if dates.get("release_date"):
        return dates["release_date"], "end"
    return None, ""


def housing_at_risk(release, housing_status: str | None, today) -> bool:
    """Release less than a month away and housing not secured."""
    if release is None:
        return False
    secured = housing_status in (ITEM_DONE, ITEM_NOT_APPLICABLE)
    return not secured and (release - today).days < HOUSING_FLAG_DAYS
