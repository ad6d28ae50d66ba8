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
    "tig_host": "Structure d'accueil TIG",
    "other": "Autre",
}
# The kind of the TIG host organisations (their placements and supervisors: community_work).
TIG_HOST = "tig_host"

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

# The pathway each item of the plan belongs to: the referrals made for a need of that pathway
# are shown beside the item, and move it on.
RELEASE_ITEM_PATHWAYS = {
    "identity_documents": "rights",
    "health_insurance": "rights",
    "housing": "housing",
    "income": "finances",
    "employment_training": "employment",
    "care_continuity": "health",
    "bank_account": "finances",
}


def joined_comment(current: str, added: str, limit: int = 300) -> str:
    """An item's comment with a line added by the application (a referral, the release
    appointment): staff's own words come first and are never cut; what does not fit is left
    out (the journal and the referral keep it)."""
    if not current:
        return added[:limit]
    together = f"{current} — {added}"
    return together if len(together) <= limit else current


def release_item_after(item_status: str, referral_status: str) -> str:
    """What a referral of the item's pathway does to a release-plan item: once the partner
    took it up (accepted, in progress or completed), an item still to do is in progress. Only
    staff mark an item done (a place accepted is not yet a place on the release day)."""
    if item_status == ITEM_TO_DO and referral_status in (ACCEPTED, IN_PROGRESS, COMPLETED):
        return ITEM_IN_PROGRESS
    return item_status


# Release within this many days without housing secured: flagged to managers.
HOUSING_FLAG_DAYS = 31

RELEASE_SOURCES = {
    "official": "date de libération communiquée par le greffe",
    "lsc_plein_droit": "libération sous contrainte de plein droit (estimée ou du greffe)",
    "end": "fin de peine estimée",
}


def expected_release(dates: dict, today: date | None = None):
    """The expected release date of a person in prison and where it comes from, from a row
    of ``sentences.selectors.stored_dates`` (official dates laid over the estimates): the
    registry's release date when known, otherwise the LSC de plein droit date when it applies,
    otherwise the estimated release at the end of the sentence. ``(None, "")`` when nothing is
    known. Given ``today``, a LSC de plein droit date already past is not expected any more
    (the person is still in prison: it was not granted, for want of housing for instance), and
    the end of the sentence is."""
    if dates.get("release_date") and "release_date" in dates.get("official_fields", ()):
        return dates["release_date"], "official"
    plein_droit = dates.get("lsc_plein_droit_date")
    if plein_droit and (today is None or plein_droit >= today):
        return plein_droit, "lsc_plein_droit"
    if dates.get("release_date"):
        return dates["release_date"], "end"
    return None, ""


def housing_at_risk(release, housing_status: str | None, today) -> bool:
    """Release less than a month away and housing not secured."""
    if release is None:
        return False
    secured = housing_status in (ITEM_DONE, ITEM_NOT_APPLICABLE)
    return not secured and (release - today).days < HOUSING_FLAG_DAYS


# --- Support in prison: the arrival interview's screening ---------------------------------------
# Each screened domain has its answers; some answers call for a need on a pathway. The
# interview records facts, never medical content (addiction: declared or not, care or not).

NOT_DISCUSSED = "not_discussed"

SCREENING = {
    "destitution": (
        "Indigence",
        {
            "no": "Pas de difficulté de ressources",
            "at_risk": "Ressources faibles, à surveiller",
            "yes": "Sans ressources (indigence à examiner)",
            NOT_DISCUSSED: "Non abordé",
        },
    ),
    "literacy": (
        "Lecture et écriture",
        {
            "no_difficulty": "Pas de difficulté",
            "difficulties": "Difficultés de lecture ou d'écriture",
            "cannot_read": "Ne lit pas, n'écrit pas le français",
            NOT_DISCUSSED: "Non abordé",
        },
    ),
    "addiction": (
        "Addictions",
        {
            "none": "Aucune addiction déclarée",
            "declared_no_care": "Addiction déclarée, sans suivi",
            "care_in_place": "Addiction déclarée, suivi en place",
            NOT_DISCUSSED: "Non abordé",
        },
    ),
    "family_ties": (
        "Liens familiaux",
        {
            "maintained": "Liens maintenus",
            "weakened": "Liens fragilisés",
            "broken": "Liens rompus, reprise souhaitée",
            "none_wished": "Pas de lien souhaité",
            NOT_DISCUSSED: "Non abordé",
        },
    ),
    "identity_documents": (
        "Papiers d'identité",
        {
            "valid": "Pièce d'identité valide",
            "expired": "Pièce d'identité expirée",
            "none": "Aucune pièce d'identité",
            NOT_DISCUSSED: "Non abordé",
        },
    ),
}

# The answers that call for a need, with the pathway and the need's details.
SCREENING_NEEDS = {
    ("destitution", "yes"): ("finances", "Sans ressources à l'arrivée en détention."),
    ("destitution", "at_risk"): ("finances", "Ressources faibles à l'arrivée en détention."),
    ("literacy", "difficulties"): ("education", "Difficultés de lecture ou d'écriture."),
    ("literacy", "cannot_read"): ("education", "Ne lit pas, n'écrit pas le français."),
    ("addiction", "declared_no_care"): ("health", "Addiction déclarée, sans suivi."),
    ("family_ties", "weakened"): ("family", "Liens familiaux fragilisés."),
    ("family_ties", "broken"): ("family", "Liens familiaux rompus, reprise souhaitée."),
    ("identity_documents", "expired"): ("rights", "Pièce d'identité expirée."),
    ("identity_documents", "none"): ("rights", "Aucune pièce d'identité."),
}


def screening_error(domain: str, answer: str | None) -> str | None:
    """Why ``answer`` is not an answer of ``domain`` (French), or None."""
    if domain not in SCREENING:
        return "Domaine de repérage inconnu."
    if answer not in SCREENING[domain][1]:
        return "Choisissez une réponse."
    return None


def arrival_needs(answers: dict[str, str]) -> list[tuple[str, str]]:
    """The needs the screening calls for: (pathway, details), one per pathway, in the order of
    the screening (the first answer of a pathway wins)."""
    needs: dict[str, str] = {}
    for domain in SCREENING:
        found = SCREENING_NEEDS.get((domain, answers.get(domain)))
        if found and found[0] not in needs:
            needs[found[0]] = found[1]
    return list(needs.items())


def arrival_interview_due(committal_date: date, delay_days: int) -> date:
    """The day the arrival interview is due: the committal plus the service's delay."""
    return committal_date + timedelta(days=delay_days)


# Committals older than this are not chased for a missing arrival interview (files taken over
# or imported long after the arrival).
ARRIVAL_LOOKBACK_DAYS = 90

# --- Destitution (indigence) --------------------------------------------------------------------

AID_KINDS = {
    "cash": "Aide financière (numéraire)",
    "clothing": "Vêtements",
    "hygiene": "Kit d'hygiène",
    "correspondence": "Correspondance (timbres, enveloppes)",
    "phone": "Crédit de téléphone",
    "television": "Location de télévision",
    "other": "Autre aide",
}


def aid_error(kind: str, amount, item: str) -> dict[str, str]:
    """What is wrong with an aid (French messages by field): a known kind, an amount not
    negative, and something given (an amount for cash, an amount or an item otherwise)."""
    errors = {}
    if kind not in AID_KINDS:
        errors["kind"] = "Choisissez le type d'aide."
    if amount is not None and amount < 0:
        errors["amount"] = "Le montant ne peut pas être négatif."
    elif kind == "cash" and not amount:
        errors["amount"] = "Indiquez le montant de l'aide financière."
    elif kind in AID_KINDS and kind != "cash" and not amount and not item.strip():
        errors["item"] = "Indiquez ce qui a été remis, ou son montant."
    return errors


# --- Family ties --------------------------------------------------------------------------------

RELATIONSHIPS = {
    "partner": "Conjoint·e, concubin·e, partenaire",
    "child": "Enfant",
    "parent": "Parent",
    "sibling": "Frère ou sœur",
    "grandparent": "Grand-parent",
    "other_family": "Autre membre de la famille",
    "friend": "Proche (ami·e)",
    "other": "Autre",
}

# How a tie is kept: visits (parloirs), phone, mail; each none, wished or in place.
CONTACT_MODES = {"visits": "Parloirs", "phone_calls": "Téléphone", "mail": "Courrier"}
CONTACT_STATES = {"none": "Non", "wished": "Souhaité", "in_place": "En place"}

FAMILY_STEPS = {
    "visit_permit_requested": "Permis de visite demandé",
    "visit_permit_granted": "Permis de visite délivré",
    "visit_permit_refused": "Permis de visite refusé",
    "phone_authorised": "Numéro de téléphone autorisé",
    "family_visit_unit": "Demande d'unité de vie familiale ou de parloir familial",
    "family_mediation": "Médiation familiale",
    "family_information": "Information de la famille (avec l'accord de la personne)",
    "other": "Autre démarche",
}
