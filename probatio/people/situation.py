"""Catalogue of situation statuses per domain: codes stored, French labels shown.

Health and addiction hold facts only (care followed or not), never clinical content.
"""

STATUSES: dict[str, list[tuple[str, str]]] = {
    "housing": [
        ("own_home", "Logement personnel (propriétaire ou locataire)"),
        ("hosted_family", "Hébergé·e par la famille ou des proches"),
        ("shelter", "Hébergement d'urgence ou d'insertion (CHRS, 115)"),
        ("social_housing", "Logement social ou foyer"),
        ("homeless", "Sans domicile"),
        ("in_custody", "Détenu·e"),
        ("unknown", "Non renseigné"),
    ],
    "employment": [
        ("employed_permanent", "Emploi stable (CDI, fonctionnaire)"),
        ("employed_temporary", "Emploi précaire (CDD, intérim)"),
        ("training", "En formation"),
        ("job_seeker", "Demandeur·se d'emploi inscrit·e"),
        ("not_registered", "Sans emploi, non inscrit·e"),
        ("retired", "Retraité·e"),
        ("disability", "Invalidité"),
        ("prison_work", "Travail en détention"),
        ("unknown", "Non renseigné"),
    ],
    "resources": [
        ("salary", "Salaire"),
        ("benefits", "Minima sociaux (RSA, AAH…)"),
        ("unemployment", "Allocations chômage"),
        ("pension", "Pension de retraite"),
        ("none", "Aucune ressource"),
        ("indigent", "Indigence (détention)"),
        ("unknown", "Non renseigné"),
    ],
    "family": [
        ("single", "Célibataire"),
        ("couple", "En couple"),
        ("separated", "Séparé·e ou divorcé·e"),
        ("widowed", "Veuf·ve"),
        ("single_parent", "Parent isolé"),
        ("unknown", "Non renseigné"),
    ],
    "health": [
        ("care_followed", "Suivi de soins en cours (attesté)"),
        ("care_to_organise", "Orientation vers le soin à organiser"),
        ("no_known_need", "Aucun besoin signalé"),
        ("unknown", "Non renseigné"),
    ],
    "addiction": [
        ("care_followed", "Suivi en addictologie en cours (CSAPA…)"),
        ("orientation_needed", "Orientation à proposer"),
        ("no_known_need", "Aucun besoin signalé"),
        ("unknown", "Non renseigné"),
    ],
    "literacy": [
        ("reads_writes", "Lit et écrit le français"),
        ("difficulties", "Difficultés de lecture ou d'écriture"),
        ("illiterate", "Illettrisme repéré"),
        ("fle", "Ne lit pas le français (FLE)"),
        ("unknown", "Non renseigné"),
    ],
    "id_documents": [
        ("valid_id", "Pièce d'identité valide"),
        ("residence_permit", "Titre de séjour valide"),
        ("expired", "Pièce expirée"),
        ("none", "Aucune pièce"),
        ("in_progress", "Démarches en cours"),
        ("unknown", "Non renseigné"),
    ],
}

_LABELS = {(domain, code): label for domain, items in STATUSES.items() for code, label in items}


def status_label(domain: str, code: str) -> str:
    return _LABELS.get((domain, code), code)


def is_valid_status(domain: str, code: str) -> bool:
    return (domain, code) in _LABELS
