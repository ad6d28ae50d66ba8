"""Pure rules of reintegration: the kinds of partners, the reintegration pathways, the states of
a need and of a referral (orientation) with their allowed moves. No database, no clock. Codes,
never labels, drive the rules."""

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
