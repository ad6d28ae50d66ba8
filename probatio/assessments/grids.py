"""The assessment grids, as versioned reference data (docs/assessments.md).

A grid version is a list of domains, each a list of items with their answer type and help
text. ``sync`` writes the versions below into ``GridVersion`` rows (a data migration, and
``manage.py sync_catalogue`` after an update); a version once written never changes: a new
grid is a new version, and past assessments keep theirs (their rows point at it and their
answers are read against its definition).

The first version is a **draft** drafted from the risk–need–responsivity literature, to be
validated by the service before use as a reference ([à vérifier]): the weights only drive a
*proposal* the CPIP is free to follow or not (``rules.propose_intensity``).

Item fields:
- ``type``: ``choice`` (one of ``options``), ``yes_no``, ``number`` (``min``..``max``), ``text``;
- ``weight`` (choice options, ``yes_no``'s yes, a number's per-unit weight up to ``cap``):
  points towards a closer follow-up (risk and needs) or, negative, a lighter one (protective
  factors). Items without weight never count;
- ``sensitive``: health, substance use, sexual life, origin, religion, opinions: recorded only
  with a reason, flagged, kept out of lists, figures and exports, and never read by the proposal;
- ``required``: the CPIP must answer it (sensitive and free-text items never are).
"""

import json
from dataclasses import asdict, dataclass, field
from datetime import date


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    weight: int = 0


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    type: str  # choice | yes_no | number | text
    help: str = ""
    options: tuple[Option, ...] = ()
    weight: int = 0  # yes_no: points of a "yes"; number: points per unit (up to cap)
    cap: int = 0  # number: the most points it may give
    min: int = 0
    max: int = 0
    sensitive: bool = False
    required: bool = True


@dataclass(frozen=True)
class Domain:
    code: str
    label: str
    items: tuple[Item, ...]
    help: str = ""


@dataclass(frozen=True)
class Grid:
    code: str
    label: str
    effective_from: date
    proposal_version: str
    domains: tuple[Domain, ...]
    draft: bool = True
    notes: str = ""
    thresholds: dict = field(default_factory=dict)

    def definition(self) -> dict:
        """The JSON stored with the version (what past assessments are read against)."""
        return json.loads(
            json.dumps(
                {"domains": [asdict(d) for d in self.domains], "thresholds": self.thresholds}
            )
        )


def _choice(code, label, options, help="", required=True, sensitive=False) -> Item:
    return Item(
        code,
        label,
        "choice",
        help=help,
        options=tuple(Option(*o) for o in options),
        required=required and not sensitive,
        sensitive=sensitive,
    )


def _yes(code, label, weight=0, help="", sensitive=False, required=True) -> Item:
    return Item(
        code,
        label,
        "yes_no",
        help=help,
        weight=weight,
        sensitive=sensitive,
        required=required and not sensitive,
    )


def _text(code, label, help="", sensitive=False) -> Item:
    return Item(code, label, "text", help=help, sensitive=sensitive, required=False)


RNR_2026 = Grid(
    code="RNR-2026-1",
    label="Grille d'évaluation structurée (risque, besoins, réceptivité) — version 1",
    effective_from=date(2026, 1, 1),
    proposal_version="2026-1",
    notes=(
        "Première version rédigée d'après la littérature risque–besoins–réceptivité et le "
        "référentiel des pratiques opérationnelles ; à valider par le service [à vérifier]."
    ),
    # score >= reinforced: « renforcé »; score <= light: « allégé »; else « standard ».
    thresholds={"reinforced": 9, "light": 2},
    domains=(
        Domain(
            "housing",
            "Situation : logement",
            (
                _choice(
                    "housing_status",
                    "Logement actuel",
                    [
                        ("own", "Logement personnel stable (propriétaire ou locataire)", 0),
                        ("hosted", "Hébergé·e par un proche", 1),
                        ("institution", "Hébergement d'insertion ou d'urgence (CHRS, 115…)", 1),
                        ("none", "Sans domicile stable", 2),
                    ],
                    help="Situation au jour de l'évaluation, vérifiée si possible (bail, attestation).",
                ),
                _yes(
                    "housing_moves",
                    "Plus de deux changements d'adresse dans l'année",
                    1,
                    help="L'instabilité du logement complique le suivi et le contrôle.",
                ),
            ),
        ),
        Domain(
            "work",
            "Situation : travail et formation",
            (
                _choice(
                    "work_status",
                    "Activité",
                    [
                        ("work", "Emploi (CDI, CDD, intérim régulier)", 0),
                        ("training", "Formation ou dispositif d'insertion", 0),
                        (
                            "seeking",
                            "Recherche d'emploi active (France Travail, mission locale)",
                            1,
                        ),
                        ("none", "Sans activité ni démarche", 2),
                        ("unable", "Dans l'incapacité de travailler (retraite, invalidité)", 0),
                    ],
                ),
                _yes("no_qualification", "Sans diplôme ni qualification", 1),
            ),
        ),
        Domain(
            "resources",
            "Situation : ressources",
            (
                _choice(
                    "resources_level",
                    "Ressources",
                    [
                        ("regular", "Ressources régulières suffisantes", 0),
                        ("benefits", "Minima sociaux ou allocations", 0),
                        ("insufficient", "Ressources insuffisantes ou irrégulières", 1),
                        ("none", "Aucune ressource", 2),
                    ],
                ),
                _yes("debts", "Dettes importantes ou surendettement", 1),
            ),
        ),
        Domain(
            "family",
            "Situation : famille et relations",
            (
                _choice(
                    "family_support",
                    "Soutien de l'entourage",
                    [
                        ("strong", "Entourage soutenant et présent", -1),
                        ("some", "Soutien ponctuel", 0),
                        ("conflict", "Relations conflictuelles", 1),
                        ("isolated", "Isolement", 1),
                    ],
                ),
                _yes(
                    "domestic_violence",
                    "Violences au sein du couple ou de la famille (faits ou signalements)",
                    2,
                    help="Faits jugés, signalements ou éléments du dossier : à préciser dans la synthèse.",
                ),
                _yes("dependent_children", "Enfants à charge", 0, required=False),
            ),
        ),
        Domain(
            "leisure",
            "Situation : loisirs",
            (
                _choice(
                    "leisure",
                    "Occupation du temps libre",
                    [
                        ("structured", "Activités structurées (sport, association…)", -1),
                        ("some", "Quelques activités", 0),
                        ("none", "Aucune activité, temps non structuré", 1),
                    ],
                ),
            ),
        ),
        Domain(
            "history",
            "Antécédents judiciaires",
            (
                Item(
                    "prior_convictions",
                    "Nombre de condamnations antérieures (casier)",
                    "number",
                    help="Mentions du bulletin n° 1 hors la présente affaire.",
                    weight=1,
                    cap=3,
                    min=0,
                    max=99,
                ),
                _yes("first_conviction_minor", "Première condamnation avant 18 ans", 1),
                _yes("violent_history", "Antécédents de violences contre les personnes", 2),
                _yes(
                    "breach_history",
                    "Mesures antérieures non respectées (révocation, manquements)",
                    2,
                ),
                _yes("offence_during_measure", "Infraction commise pendant une mesure en cours", 1),
            ),
        ),
        Domain(
            "attitudes",
            "Attitudes et fréquentations",
            (
                _choice(
                    "offence_stance",
                    "Rapport aux faits",
                    [
                        ("recognises", "Reconnaît les faits et leurs conséquences", 0),
                        ("minimises", "Minimise ou justifie les faits", 1),
                        ("denies", "Nie les faits", 1),
                    ],
                ),
                _choice(
                    "victim_stance",
                    "Positionnement vis-à-vis de la victime",
                    [
                        ("empathy", "Prise en compte de la victime, indemnisation engagée", 0),
                        ("indifferent", "Indifférence", 1),
                        ("hostile", "Hostilité ou reproches", 2),
                        ("none", "Sans victime identifiée", 0),
                    ],
                ),
                _yes("antisocial_associates", "Fréquentations en lien avec la délinquance", 2),
            ),
        ),
        Domain(
            "protective",
            "Facteurs de protection",
            (
                _yes("protective_bond", "Lien affectif stable et soutenant", -1),
                _yes("protective_project", "Projet d'insertion concret et engagé", -1),
                _yes(
                    "protective_compliance",
                    "Respect des obligations depuis le début de la mesure",
                    -1,
                ),
            ),
        ),
        Domain(
            "needs",
            "Besoins par axe d'insertion",
            (
                _yes("need_housing", "Besoin : logement ou hébergement", 0, required=False),
                _yes("need_work", "Besoin : emploi ou formation", 0, required=False),
                _yes(
                    "need_rights",
                    "Besoin : accès aux droits (papiers, CPAM, CAF, banque)",
                    0,
                    required=False,
                ),
                _yes("need_care", "Besoin : orientation vers le soin", 0, required=False),
                _yes(
                    "need_family",
                    "Besoin : maintien ou reprise des liens familiaux",
                    0,
                    required=False,
                ),
                _yes("need_destitution", "Besoin : aide d'urgence (indigence)", 0, required=False),
                _text("needs_detail", "Précisions sur les besoins"),
            ),
        ),
        Domain(
            "responsivity",
            "Réceptivité",
            (
                _choice(
                    "language",
                    "Compréhension du français",
                    [
                        ("fluent", "Bonne", 0),
                        ("partial", "Partielle", 0),
                        ("interpreter", "Interprète nécessaire", 0),
                    ],
                    help="Adapter les entretiens et les courriers ; ne modifie pas la proposition.",
                ),
                _choice(
                    "literacy",
                    "Lecture et écriture",
                    [
                        ("ok", "Sans difficulté", 0),
                        ("difficult", "Difficultés (repérage de l'illettrisme)", 0),
                        ("unable", "Ne lit pas ou n'écrit pas", 0),
                    ],
                ),
                _text(
                    "constraints", "Contraintes (horaires de travail, transport, garde d'enfants)"
                ),
                _choice(
                    "motivation",
                    "Motivation au changement",
                    [
                        ("engaged", "Engagée", -1),
                        ("ambivalent", "Ambivalente", 0),
                        ("low", "Faible ou absente", 1),
                    ],
                ),
            ),
        ),
        Domain(
            "sensitive",
            "Éléments sensibles (uniquement si l'évaluation est demandée par un juge ou "
            "nécessaire à celle-ci)",
            (
                _text(
                    "health",
                    "Santé physique ou psychique",
                    help="Uniquement ce qui est nécessaire au suivi ; jamais de diagnostic.",
                    sensitive=True,
                ),
                _choice(
                    "substance_use",
                    "Consommation de produits (alcool, stupéfiants)",
                    [
                        ("none", "Aucune connue", 0),
                        ("occasional", "Occasionnelle", 0),
                        ("problematic", "Problématique, en lien avec les faits", 0),
                        ("in_care", "Suivie en soins (CSAPA…)", 0),
                    ],
                    sensitive=True,
                ),
                _text("sexual_life", "Vie sexuelle (si en lien avec les faits)", sensitive=True),
                _text(
                    "origin_religion_opinions",
                    "Origine, religion, opinions (si nécessaire)",
                    sensitive=True,
                ),
            ),
        ),
    ),
)

GRIDS: tuple[Grid, ...] = (RNR_2026,)


def sync(apps=None) -> None:
    """Write each grid version that is not stored yet. A stored version never changes: a
    definition that differs from the stored one is an error (make a new version)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    GridVersion = apps.get_model("assessments", "GridVersion")
    for grid in GRIDS:
        stored = GridVersion.objects.filter(code=grid.code).first()
        definition = grid.definition()
        if stored is None:
            GridVersion.objects.create(
                code=grid.code,
                label=grid.label,
                effective_from=grid.effective_from,
                proposal_version=grid.proposal_version,
                draft=grid.draft,
                notes=grid.notes,
                definition=definition,
            )
        elif stored.definition != definition:
            raise ValueError(
                f"La grille {grid.code} est déjà enregistrée avec un autre contenu : "
                "créez une nouvelle version."
            )
