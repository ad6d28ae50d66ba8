"""The figures of the activity page, as data: their code, title, group (one page each), what
they count in one sentence (docs/figures.md says it in full) and what their chart draws.

Pure: no database. ``SENSITIVE`` names what no figure may break down by; each figure lists
its breakdowns (``by``), and a test checks that none is sensitive.
"""

from dataclasses import dataclass

from probatio.figures.charts import Series

# What no figure is broken down by (health, origin, religion, sexual life): the fields and
# catalogue entries that would say it.
SENSITIVE = frozenset(
    {
        "health",
        "addiction",
        "care",
        "nationality",
        "birth_country",
        "birth_place",
        "languages",
        "interpreter_needed",
        "religion",
        "sexual_life",
    }
)


@dataclass(frozen=True)
class Definition:
    code: str
    title: str
    group: str
    summary: str  # one sentence under the title
    by: tuple[str, ...]  # the breakdowns: what a row or a column is
    series: tuple[Series, ...]  # what the chart draws
    unit: str = ""
    row_header: str = ""  # what each row is (the first column's heading)


SUIVI, DECISIONS, EXECUTION = "suivi", "decisions", "execution"
GROUPS = {
    SUIVI: "Suivi et mesures",
    DECISIONS: "Rapports et décisions",
    EXECUTION: "Exécution et charge de travail",
}
GROUP_URLS = {
    SUIVI: "figures:index",
    DECISIONS: "figures:decisions",
    EXECUTION: "figures:execution",
}

DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "followed",
        "Personnes suivies à une date, par milieu et type de mesure",
        SUIVI,
        "Personnes ayant une mesure en cours le dernier jour de la période (ou aujourd'hui si "
        "elle n'est pas finie) ; une personne compte une fois par type de mesure et par milieu.",
        ("measure_type", "setting"),
        (Series("community", "Milieu ouvert"), Series("custody", "Milieu fermé")),
        row_header="Type de mesure",
    ),
    Definition(
        "measures_flow",
        "Mesures ouvertes et closes sur la période, par type",
        SUIVI,
        "Mesures dont la date de début tombe dans la période (hors mesures non avenues), et "
        "mesures terminées ou révoquées dont la date de fin tombe dans la période.",
        ("measure_type",),
        (Series("opened", "Ouvertes"), Series("closed", "Closes")),
        row_header="Type de mesure",
    ),
    Definition(
        "first_interview",
        "Délai entre le jugement et le premier entretien",
        SUIVI,
        "Mesures commencées dans la période qui appellent un premier entretien : délai médian "
        "entre la décision et le premier entretien honoré, et part des premiers entretiens "
        "tenus dans le délai légal (règles de l'échéancier).",
        ("first_interview_rule",),
        (Series("share", "Part dans le délai (%)"),),
        unit="%",
        row_header="Délai applicable",
    ),
    Definition(
        "intensity",
        "Intensité du suivi et respect des contacts",
        SUIVI,
        "Personnes suivies au dernier jour de la période (ou aujourd'hui), par niveau "
        "d'intensité en vigueur : celles qui ont eu les entretiens et visites que leur niveau "
        "demande sur la période, celles en dessous, et les évaluations à réexaminer.",
        ("intensity_level",),
        (Series("compliant", "Contacts conformes"), Series("below", "En dessous du niveau")),
        row_header="Niveau d'intensité",
    ),
    Definition(
        "caseload",
        "Portefeuille et charge de travail par CPIP",
        EXECUTION,
        "Dossiers suivis, mesures en cours et rapports à rédiger de chaque CPIP, avec la "
        "charge pondérée par le barème du service, au jour indiqué.",
        ("cpip",),
        (Series("persons", "Personnes suivies"),),
        row_header="CPIP",
    ),
    Definition(
        "reports",
        "Rapports transmis au magistrat, délais et réponses",
        DECISIONS,
        "Rapports transmis pendant la période, par type : transmis avant l'échéance, retard "
        "médian par rapport à l'échéance, réponses reçues et délai médian de réponse.",
        ("report_kind",),
        (Series("sent", "Transmis"), Series("answered", "Réponses reçues")),
        row_header="Type de rapport",
    ),
    Definition(
        "grants",
        "Libérations conditionnelles, libérations sous contrainte et aménagements",
        DECISIONS,
        "Réponses des magistrats datées de la période aux avis sur une libération "
        "conditionnelle, une libération sous contrainte ou un aménagement de peine.",
        ("matter", "answer"),
        (Series("granted", "Accordées"), Series("refused", "Refusées")),
        row_header="Objet de l'avis",
    ),
    Definition(
        "incidents",
        "Manquements",
        DECISIONS,
        "Manquements dont les faits datent de la période, par nature : constatés (dont "
        "signalés au magistrat par un rapport) et écartés.",
        ("incident_kind",),
        (Series("recorded", "Constatés"),),
        row_header="Nature du manquement",
    ),
    Definition(
        "tig_hours",
        "Heures de travail d'intérêt général effectuées",
        EXECUTION,
        "Heures des séances de TIG effectuées, par mois, avec les personnes qui les ont faites "
        "et les absences non justifiées.",
        ("month",),
        (Series("hours", "Heures effectuées"),),
        unit="h",
        row_header="Mois",
    ),
    Definition(
        "programmes",
        "Programmes et travail de groupe",
        EXECUTION,
        "Par programme : orientations, inscriptions, fins de programme, abandons et exclusions "
        "de la période ; séances tenues (une présence au moins relevée), taux de présence et "
        "absences non excusées.",
        ("programme",),
        (Series("enrolled", "Inscriptions"), Series("unexcused", "Absences non excusées")),
        row_header="Programme",
    ),
    Definition(
        "releases",
        "Sorties de détention avec et sans hébergement",
        EXECUTION,
        "Levées d'écrou de la période, par nature de sortie, selon l'hébergement enregistré "
        "le jour de la sortie.",
        ("release_kind", "housing"),
        (Series("housed", "Avec hébergement"), Series("homeless", "Sans domicile")),
        row_header="Nature de la sortie",
    ),
    Definition(
        "proofs",
        "Justificatifs périodiques reçus à temps",
        EXECUTION,
        "Justificatifs mensuels et trimestriels reçus pendant la période : acceptés, dont "
        "reçus avant l'échéance (fin de la période couverte plus le délai de grâce du service).",
        ("proof_frequency",),
        (Series("accepted", "Acceptés"), Series("on_time", "À temps")),
        row_header="Fréquence des justificatifs",
    ),
)
BY_CODE = {d.code: d for d in DEFINITIONS}


def of_group(group: str) -> list[Definition]:
    return [d for d in DEFINITIONS if d.group == group]
