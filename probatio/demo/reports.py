"""The demo's reports to the judge.

Reports at every step of the loop, written through the services (each step journaled, in the
report's history and in the person's chronology), for persons of the first CPIP's caseload
(``cpip.demo``) on a measure assigned to the first judge (``juge.demo``), so that the judge
reads the transmitted ones; other persons of the service when the caseload is too small:

- two drafts: one due within two weeks, one overdue (an alert in the échéancier);
- one submitted to the visa, one sent back with the manager's comment, one approved (visé)
  waiting for transmission;
- three transmitted and waiting for the judge's answer: an incident report on a recorded
  incident of the person, an evaluation that went once through the visa loop (sent back,
  reworked, approved), and a situation report being corrected (its new version, a draft,
  puts right a proof wrongly said to be missing);
- three answered: a warning (recorded by the judge), a reminder of the obligations received on
  paper (recorded by the secretariat), and a modification of the obligations (care added, one
  obligation lifted; a probation period extended within its legal bound when no measure lends
  itself to it).

The transmissions and answers happen on the day the demo is built: ``report_transmit`` dates a
transmission by the clock, and an answer may not precede its transmission.

The sections prefilled from the file stay as prefilled; the CPIP's sections (analysis,
proposal…) get plausible French text, drawn from several variants and fitted to the person
(sex, housing, work, obligations).
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.agenda.models import Appointment
from probatio.compliance import services as compliance_services
from probatio.compliance.models import Incident, Proof
from probatio.measures import rules as measure_rules
from probatio.measures.models import Measure, MeasureRule, Obligation
from probatio.people.models import Person
from probatio.people.selectors import current_situation, person_get_for
from probatio.reports import answers, rules, services
from probatio.reports.models import Report
from probatio.reports.selectors import GatedReport, report_get_for
from probatio.transitions import services as transition_services

# At most this many reports on one person before turning to the rest of the service.
PER_PERSON = 3

# Measures a report is written on, best first; the others are left aside.
MEASURE_PREFERENCE = [
    "SURSIS_PROBATOIRE",
    "SURSIS_PROBATOIRE_RENFORCE",
    "SSJ",
    "LC",
    "SURVEILLANCE_JUDICIAIRE",
    "DDSE",
    "DDSE_AMENAGEMENT",
    "TIG",
    "AJOURNEMENT_PROBATION",
    "LSC",
    "SEMI_LIBERTE",
    "PLACEMENT_EXTERIEUR",
    "ARSE",
    "CJ",
    "INTERDICTION_SEJOUR",
    "LSC_PLEIN_DROIT",
    "AMENAGEMENT_723_15",
    "STAGE",
]

# Obligations a judge may lift when adding care, with the reason (a participle clause).
LIFTABLE = {
    "PAYER_TRESOR": "les sommes dues au Trésor public ayant été intégralement acquittées "
    "(quittance versée au dossier)",
    "INDEMNISER_VICTIME": "la partie civile ayant été intégralement indemnisée (reçu du dernier "
    "versement versé au dossier)",
    "STAGE_SECURITE_ROUTIERE": "le stage ayant été accompli (attestation versée au dossier)",
    "STAGE_CITOYENNETE": "le stage ayant été accompli (attestation versée au dossier)",
    "STAGE_VIOLENCES_COUPLE": "le stage ayant été accompli (attestation versée au dossier)",
    "STAGE_ACHAT_ACTES_SEXUELS": "le stage ayant été accompli (attestation versée au dossier)",
}
CARE = "SOINS"

MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip

# Final step of each report.
DRAFT, SUBMITTED, RETURNED, APPROVED = rules.DRAFT, rules.SUBMITTED, rules.RETURNED, rules.APPROVED
TRANSMITTED, ANSWERED, CORRECTED = rules.TRANSMITTED, rules.ANSWERED, "corrected"


@dataclass
class ReportsReport:
    reports: int = 0
    answers: int = 0
    measures_changed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass
class Slot:
    """One report of the demo: its kind, its tone, the step it stops at, and the answer."""

    kind: str
    tone: str  # "good", "mixed", "poor", "care", "extend"
    target: str
    answer: str = ""
    answered_by: Role | None = None
    due_in: int | None = None  # days from today
    started_ago: int = 0  # days: the draft was begun then (prefilled as of that day)
    history: bool = False  # sent back once, corrected, submitted again before the visa
    partial: tuple[str, ...] = ()  # sections the author has not written yet
    urgency: str = ""  # an incident report's


@dataclass
class Candidate:
    """A person, the measure a report is written on, and who writes it."""

    person: object
    measure: Measure
    author: Membership
    fallback: bool  # not in the demo CPIP's caseload
    troubled: bool  # the file shows difficulties (no-show, incident, refused proof)
    order: int
    uses: int = 0


# --- Text. ---

HOUSING = {
    "own_home": "{Il} occupe un logement personnel",
    "hosted_family": "{Il} est hébergé{e} par un proche",
    "shelter": "{Il} est hébergé{e} en structure d'insertion (CHRS)",
    "social_housing": "{Il} vit en logement social",
    "homeless": "{Il} est sans hébergement stable (domiciliation au CCAS)",
    "in_custody": "{Il} est actuellement détenu{e}",
}
EMPLOYMENT = {
    "employed_permanent": " et travaille en CDI",
    "employed_temporary": " et enchaîne des missions d'intérim",
    "training": " et suit une formation qualifiante",
    "job_seeker": " et recherche un emploi (inscription à France Travail à jour)",
    "not_registered": " ; {il} n'a pas d'activité et n'est pas inscrit{e} à France Travail",
    "retired": " et est à la retraite",
    "disability": " et perçoit une pension d'invalidité",
    "prison_work": " et travaille en détention",
}
STABLE_HOUSING = {"own_home", "social_housing"}
PRECARIOUS_HOUSING = {"shelter", "homeless"}
STABLE_WORK = {"employed_permanent", "employed_temporary", "training", "retired", "disability"}

SITUATION_STABLE = [
    "Cette situation, stable depuis plusieurs mois, constitue un point d'appui pour la suite "
    "de la mesure.",
    "Ces éléments de stabilité sont de réels facteurs de protection ; {name} y est attaché{e} et "
    "dit ne pas vouloir les mettre en péril.",
]
SITUATION_FRAGILE = [
    "Cette situation reste précaire et appelle une attention particulière : une orientation "
    "vers les partenaires de l'insertion (SIAO, mission locale, France Travail) a été proposée.",
    "La précarité de la situation pèse sur le suivi : les démarches d'insertion engagées avec "
    "l'aide du service doivent être poursuivies en priorité.",
]
SITUATION_BETWEEN = [
    "La situation est correcte sans être encore consolidée ; les démarches en cours sont "
    "reprises à chaque entretien.",
    "Cette situation ne pose pas de difficulté immédiate, mais reste à stabiliser dans la durée.",
]

ADHERENCE = {
    "good": [
        "Depuis le début de la mesure ({measure}), le {start}, {name} s'est présenté{e} à toutes "
        "les convocations du service et a remis ses justificatifs dans les délais. Les entretiens "
        "sont investis : {il} y aborde ses démarches avec sincérité et sollicite le service de "
        "{soi} lorsqu'une difficulté se présente.",
        "Le suivi se déroule de manière satisfaisante. {name} honore ses rendez-vous, prévient en "
        "cas d'empêchement et produit spontanément les pièces demandées. Aucun manquement n'a été "
        "relevé depuis le début de la mesure ({measure}).",
        "{name} fait preuve d'une réelle adhésion à la mesure ({measure}) : présence régulière, "
        "justificatifs produits à chaque échéance, échanges de qualité. {Il} a pris contact avec "
        "les partenaires qui lui ont été indiqués sans qu'une relance soit nécessaire.",
    ],
    "mixed": [
        "Le suivi est investi mais irrégulier. {name} se présente à la plupart des convocations ; "
        "deux rendez-vous ont toutefois été reportés à sa demande au dernier moment, et plusieurs "
        "justificatifs n'ont été remis qu'après une relance écrite.",
        "{name} adhère au principe du suivi mais peine à s'organiser : les justificatifs arrivent "
        "par à-coups, souvent incomplets, et un courrier de rappel a dû lui être adressé le mois "
        "dernier. {Il} reconnaît ces retards, qu'{il} attribue à ses horaires de travail et à des "
        "difficultés de transport.",
        "Les obligations sont respectées sur le fond mais avec un manque de rigueur persistant : "
        "retards aux rendez-vous, pièces produites hors délai, difficultés à joindre {name} par "
        "téléphone. Un recadrage a été fait lors du dernier entretien ; la situation s'est "
        "légèrement améliorée depuis.",
    ],
    "poor": [
        "Le suivi est marqué par un net désinvestissement ces derniers mois. {name} a manqué des "
        "convocations sans justification, n'a pas répondu aux appels du service et n'a pas "
        "produit les justificatifs attendus malgré un courrier de rappel.",
        "Après un début de mesure correct, {name} s'est progressivement éloigné{e} du suivi : "
        "absences répétées, justificatifs non produits, explications changeantes. Les démarches "
        "engagées lors de l'évaluation initiale n'ont pas été poursuivies.",
        "{name} ne respecte plus le cadre de la mesure : absences non excusées, obligations "
        "particulières ({obligations}) non justifiées depuis plusieurs échéances. Reçu{e} en "
        "entretien de recadrage, {il} minimise ces manquements et ne propose aucune solution.",
    ],
    "care": [
        "Le suivi se déroule sans manquement formel : {name} se présente aux convocations et "
        "produit ses justificatifs. En revanche, {il} a évoqué au fil des derniers entretiens une "
        "consommation d'alcool en nette augmentation depuis plusieurs mois, avec des "
        "répercussions sur son sommeil et sur son travail.",
        "{name} respecte le cadre de la mesure, mais les entretiens récents mettent en évidence "
        "une fragilité qui n'avait pas été repérée lors de l'évaluation initiale : consommation "
        "quotidienne de cannabis, isolement, difficultés à tenir un rythme régulier. {Il} exprime "
        "une demande d'aide et dit être prêt{e} à s'engager dans un suivi.",
    ],
    "extend": [
        "Le suivi se déroule correctement : {name} se présente aux convocations et produit ses "
        "justificatifs. L'indemnisation de la partie civile, engagée tardivement en raison d'une "
        "longue période sans ressources, ne pourra toutefois pas être menée à son terme avant "
        "l'échéance de la mesure, le {end}.",
    ],
}
CONCLUSION = {
    "good": [
        "Au regard de ces éléments, le pronostic est favorable et le risque de réitération "
        "apparaît faible à ce stade.",
        "L'évolution est positive ; le cadre de la mesure semble avoir joué pleinement son rôle.",
    ],
    "mixed": [
        "La situation ne justifie pas une saisine aux fins de sanction, mais un rappel clair du "
        "cadre paraît nécessaire pour éviter une dégradation.",
        "Ces difficultés d'organisation ne traduisent pas un refus du suivi ; elles appellent "
        "néanmoins un rappel des obligations.",
    ],
    "poor": [
        "Ce désinvestissement fait craindre une rupture du suivi : le service n'est plus en "
        "mesure de s'assurer du respect des obligations.",
        "Malgré les relances et un entretien de recadrage, aucune amélioration n'a été constatée ; "
        "l'intervention du magistrat paraît désormais nécessaire.",
    ],
    "care": [
        "Le SPIP n'a pas compétence pour évaluer la nature des soins nécessaires ; il constate "
        "seulement que la situation appelle une orientation vers une structure spécialisée, que "
        "{name} accepte.",
    ],
    "extend": [
        "{name} a versé régulièrement les mensualités convenues depuis six mois ; le solde reste "
        "toutefois important au regard de ses ressources actuelles.",
    ],
}
SITUATION_PROPOSAL = {
    "good": [
        "Poursuite de la mesure dans les conditions actuelles, sans modification des obligations. "
        "Le rythme des entretiens sera allégé (un entretien toutes les six semaines) tant que les "
        "justificatifs continueront d'être produits régulièrement.",
        "Le SPIP ne sollicite aucune modification. Un nouveau bilan sera adressé au magistrat "
        "dans six mois, ou sans délai en cas d'incident.",
    ],
    "mixed": [
        "Il est proposé qu'un rappel des obligations soit adressé à {name} par le magistrat, en "
        "insistant sur la production des justificatifs à chaque échéance. Le suivi sera maintenu "
        "à un entretien mensuel.",
        "Rappel des obligations par courrier du juge de l'application des peines. En l'absence "
        "d'amélioration dans les trois mois, le service saisira à nouveau le magistrat.",
    ],
    "poor": [
        "Il est sollicité la convocation de {name} devant le juge de l'application des peines aux "
        "fins d'avertissement solennel. Le service informera le magistrat sans délai de tout "
        "nouveau manquement.",
        "Le SPIP propose un avertissement par le magistrat, assorti d'un suivi renforcé (un "
        "entretien tous les quinze jours) pendant trois mois. À défaut de reprise du suivi, une "
        "saisine aux fins de révocation pourrait être envisagée.",
    ],
    "care": [
        "Il est proposé de modifier les obligations : ajout d'une obligation de soins (suivi en "
        "addictologie auprès du CSAPA de secteur), que {name} accepte, et levée de l'obligation "
        "« {lifted} », {reason}.",
    ],
    "extend": [
        "Il est proposé de prolonger le délai de probation de {extra} mois afin de permettre à "
        "{name} d'achever l'indemnisation de la partie civile, selon l'échéancier en cours.",
    ],
}

OFFENCE = {
    "good": [
        "{name} reconnaît les faits sans réserve et en mesure la gravité. {Il} évoque "
        "spontanément les conséquences pour la victime et relie son passage à l'acte à une "
        "période de grande fragilité, qu'{il} dit avoir dépassée. Le travail sur les faits sera "
        "poursuivi en entretien.",
        "Les faits sont reconnus. {name} exprime des regrets qui paraissent sincères et comprend "
        "le sens de la mesure. La place de la victime est abordée avec pudeur, mais sans déni.",
    ],
    "mixed": [
        "{name} reconnaît la matérialité des faits mais en minimise la portée, mettant en avant "
        "le contexte plutôt que sa propre responsabilité. La place de la victime n'est abordée "
        "que sur sollicitation : ce positionnement constitue un axe de travail prioritaire.",
        "Le discours sur les faits reste ambivalent : {name} admet ce qui lui est reproché tout "
        "en estimant la peine disproportionnée. {Il} peine encore à envisager le point de vue de "
        "la victime.",
    ],
}
RISKS = [
    "Les facteurs de risque identifiés tiennent principalement à une consommation d'alcool "
    "ancienne, que {name} reconnaît en partie, et à un isolement relationnel depuis sa "
    "séparation.",
    "Les facteurs de risque tiennent à des fréquentations liées aux faits, à l'absence de projet "
    "professionnel construit et à des difficultés financières (dettes de loyer).",
    "Le principal facteur de risque relevé est une gestion impulsive des conflits, associée à une "
    "tendance à minimiser les difficultés ; aucun manquement à une mesure antérieure n'est en "
    "revanche signalé.",
]
MOTIVATION = {
    "good": [
        "{Il} se montre motivé{e} et volontaire : plusieurs démarches ont été engagées (prise de "
        "contact avec les partenaires, rendez-vous fixés) dès les premières semaines du suivi.",
        "La motivation paraît réelle : {name} comprend ce qui est attendu et a déjà produit "
        "l'ensemble des pièces demandées lors du premier entretien.",
    ],
    "mixed": [
        "La motivation apparaît surtout liée à la crainte de la sanction ; l'adhésion au suivi "
        "devra être consolidée dans les prochains mois.",
        "{name} se dit prêt{e} à respecter ses obligations mais en a une compréhension encore "
        "approximative ; un travail d'explication a été fait et sera repris.",
    ],
}
EVALUATION_PROPOSAL = {
    "good": [
        "Suivi de droit commun : un entretien mensuel pendant les six premiers mois, puis un "
        "rythme adapté à l'évolution. Les obligations prononcées paraissent adaptées ; aucune "
        "modification n'est proposée à ce stade.",
        "Intensité de suivi proposée : standard (un entretien par mois). Aucune proposition sur "
        "les obligations, qui correspondent aux besoins repérés.",
    ],
    "mixed": [
        "Suivi renforcé pendant trois mois (un entretien tous les quinze jours), puis "
        "réévaluation. Les obligations prononcées ne nécessitent pas de modification.",
        "Il est proposé un suivi soutenu (entretiens bimensuels) jusqu'à la stabilisation de la "
        "situation, avec un point d'étape adressé au magistrat dans quatre mois.",
    ],
}

INCIDENT_EXPLANATION = {
    Incident.Kind.MISSED_APPOINTMENT: "Reçu{e} en entretien de recadrage, {name} explique ses "
    "absences par un changement d'horaires de travail dont {il} n'a pas pensé à informer le "
    "service. {Il} reconnaît ne pas avoir répondu aux appels et s'engage à prévenir désormais de "
    "tout empêchement.",
    Incident.Kind.MISSING_PROOF: "{name} indique avoir égaré le document et en avoir demandé un "
    "duplicata, sans pouvoir en justifier à ce jour.",
    Incident.Kind.NEW_OFFENCE: "{name} reconnaît les faits, qu'{il} relie à une période de "
    "difficultés personnelles ; {il} dit en mesurer les conséquences sur la mesure en cours.",
    Incident.Kind.VICTIM_REPORT: "{name} conteste avoir cherché à joindre la victime et soutient "
    "que les messages ont été envoyés par un tiers depuis son téléphone.",
}
INCIDENT_ANALYSIS = {
    Incident.Kind.MISSED_APPOINTMENT: "Ce manquement n'est pas isolé : il s'ajoute à des retards "
    "dans la production des justificatifs et traduit un relâchement du suivi depuis plusieurs "
    "semaines.",
    Incident.Kind.MISSING_PROOF: "Le justificatif manquant porte sur une obligation centrale de "
    "la mesure ; son absence empêche le service de s'assurer qu'elle est respectée.",
    Incident.Kind.NEW_OFFENCE: "La commission d'une nouvelle infraction pendant le délai "
    "de probation est un signal préoccupant, d'autant que les faits sont de même nature que ceux "
    "qui ont fondé la condamnation.",
    Incident.Kind.VICTIM_REPORT: "Le signalement de la victime, s'il était confirmé, "
    "caractériserait une violation de l'interdiction de contact, obligation centrale de la "
    "mesure. La victime a été orientée vers l'association d'aide aux victimes du ressort.",
}
INCIDENT_PROPOSAL = {
    Incident.Kind.MISSED_APPOINTMENT: "Convocation devant le juge de l'application des peines "
    "aux fins de rappel des obligations. Degré d'urgence : modéré — pas de risque immédiat "
    "identifié, mais un recadrage rapide est nécessaire.",
    Incident.Kind.MISSING_PROOF: "Rappel des obligations par le magistrat, avec production du "
    "justificatif sous quinze jours. Degré d'urgence : faible.",
    Incident.Kind.NEW_OFFENCE: "Information du magistrat sans délai ; convocation aux fins "
    "d'audition et d'avertissement, puis, selon les suites pénales, saisine aux fins de "
    "révocation. Degré d'urgence : élevé.",
    Incident.Kind.VICTIM_REPORT: "Convocation en urgence aux fins d'audition ; le service "
    "s'interroge sur l'opportunité d'une incarcération provisoire si les faits étaient "
    "confirmés. Degré d'urgence : élevé, compte tenu de la protection de la victime.",
}
INCIDENT_BALANCE = [
    "{name} conserve par ailleurs des éléments de stabilité qui plaident pour le maintien de la "
    "mesure, à condition que le cadre soit fermement rappelé.",
    "Le service relève que {name} est revenu{e} vers lui après l'incident ; cette démarche doit "
    "être prise en compte, sans minimiser la gravité du manquement.",
]

END_ANALYSIS = [
    "Au terme de la mesure ({measure}), prévu le {end}, le bilan est positif : {name} a respecté "
    "l'ensemble de ses obligations, malgré quelques retards dans la production des "
    "justificatifs en début de suivi. {Il} a su s'appuyer sur l'accompagnement proposé pour "
    "stabiliser sa situation.",
    "Le travail mené en entretien a permis une réelle évolution du rapport aux faits : {name} en "
    "parle aujourd'hui sans minimisation et a pris la mesure de leurs conséquences pour la "
    "victime.",
    "Aucun manquement n'a été porté à la connaissance du service pendant la mesure ; les "
    "partenaires sollicités (insertion, soins) font le même constat d'une personne investie.",
]
END_PROPOSAL = [
    "La mesure arrivant à son terme le {end} sans incident, le SPIP n'a pas d'observation "
    "particulière à formuler et propose qu'elle prenne fin à cette date.",
    "Le SPIP conclut à une exécution satisfaisante de la mesure. Aucune suite n'est proposée ; "
    "le dossier sera clôturé à l'échéance du {end}.",
]

RETURN_COMMENTS = [
    "Merci de reprendre le rapport aux faits, trop succinct : la position de la personne à "
    "l'égard de la victime doit apparaître. Dater aussi le dernier justificatif reçu.",
    "L'analyse décrit bien la situation mais ne conclut pas : préciser si le suivi renforcé "
    "proposé répond à un risque identifié et sur quels éléments il repose.",
    "Proposition à motiver : pourquoi un suivi renforcé plutôt qu'un rappel des obligations par "
    "le magistrat ? Éviter aussi les appréciations sur la vie privée qui n'éclairent pas le suivi.",
]
HISTORY_COMMENT = (
    "Quelques coquilles dans l'analyse ; merci de nommer les partenaires et les échéances du "
    "plan de suivi avant transmission."
)

ANSWER_TEXTS = {
    answers.WARNING: "Avertissement solennel délivré à {name} en audience de cabinet le {on}. "
    "Rappel de l'ensemble des obligations de la mesure ; tout nouveau manquement exposera à une "
    "saisine aux fins de révocation. Suivi renforcé par le SPIP pendant trois mois.",
    answers.REMINDER: "Courrier du juge de l'application des peines du {on}, reçu au secrétariat : "
    "rappel à {name} de ses obligations, en particulier la production des justificatifs à chaque "
    "échéance. Le SPIP informera le magistrat de tout nouveau manquement.",
    answers.MODIFY_OBLIGATIONS: "Ordonnance de modification des obligations du {on} : ajout d'une "
    "obligation de soins (suivi en addictologie) ; levée de l'obligation « {lifted} », {reason}.",
    answers.REVOCATION_PARTIAL: "Jugement du {on}, après débat contradictoire : révocation "
    "partielle du sursis probatoire à hauteur de {term} d'emprisonnement, pour de nouveaux faits "
    "commis pendant le délai de probation. Le sursis probatoire se poursuit pour le surplus ; la "
    "part révoquée sera ramenée à exécution par le parquet.",
    answers.EXTEND: "Jugement du {on} : prolongation du délai de probation de {extra} mois, pour "
    "permettre l'achèvement de l'indemnisation de la partie civile. Les autres obligations sont "
    "inchangées.",
}


def answer_day(today: date, transmitted_at: datetime | None) -> date:
    """The day the demo's judge answers a report just transmitted: the demo's day, or the
    day of the transmission when the build went past midnight since it began (the services
    date a transmission by the clock; an answer may not precede it)."""
    if transmitted_at is None:
        return today
    return max(today, timezone.localtime(transmitted_at).date())


class Writer:
    """The words of one person's reports."""

    def __init__(self, candidate: Candidate, rng: random.Random, today: date):
        person, measure = candidate.person, candidate.measure
        female = person.sex == "F"
        self.rng = rng
        situation = current_situation(person)
        housing = situation.get("housing")
        employment = situation.get("employment")
        housing_code = housing.status if housing else ""
        work_code = employment.status if employment else ""
        # "stable", "fragile", or in between.
        if housing_code in PRECARIOUS_HOUSING or work_code == "not_registered":
            self.stability = "fragile"
        elif (housing_code in STABLE_HOUSING and work_code != "job_seeker") or (
            work_code in STABLE_WORK and housing_code != "hosted_family"
        ):
            self.stability = "stable"
        else:
            self.stability = "between"
        obligations = [
            o for o in measure.active_obligations if not o.obligation_type_id.startswith("CTRL_")
        ]
        self.codes = {o.obligation_type_id for o in obligations}
        labels = [o.obligation_type.label for o in obligations[:3]]
        self.words = {
            "name": f"{'Mme' if female else 'M.'} {person.surname.upper()}",
            "il": "elle" if female else "il",
            "Il": "Elle" if female else "Il",
            "e": "e" if female else "",
            "soi": "elle-même" if female else "lui-même",
            # "Détention à domicile sous surveillance électronique (peine)" → without "(peine)".
            "measure": measure.measure_type.label.split(" (")[0].lower(),
            "start": f"{measure.start_date:%d/%m/%Y}",
            "end": f"{measure.end_date:%d/%m/%Y}" if measure.end_date else "",
            "obligations": " ; ".join(label[0].lower() + label[1:] for label in labels)
            or "obligations générales",
            "lifted": "",
            "reason": "",
            "extra": "",
            "term": "",
            "on": f"{today:%d/%m/%Y}",
        }
        phrase = HOUSING.get(housing_code, "{Il} dispose d'un hébergement")
        phrase += EMPLOYMENT.get(work_code, "")
        self.words["situation"] = self.fill(phrase + ".")

    def fill(self, text: str) -> str:
        return text.format(**self.words)

    def pick(self, variants: list[str]) -> str:
        return self.fill(self.rng.choice(variants))

    def _situation_paragraph(self) -> str:
        follow = self.pick(
            {
                "stable": SITUATION_STABLE,
                "fragile": SITUATION_FRAGILE,
                "between": SITUATION_BETWEEN,
            }[self.stability]
        )
        return f"{self.words['situation']} {follow}"

    def _needs(self) -> str:
        needs = []
        if self.stability == "fragile":
            needs.append("stabilisation du logement et des ressources")
        if "TRAVAIL_FORMATION" in self.codes:
            needs.append("insertion professionnelle")
        if self.codes & {"SOINS", "PRISE_EN_CHARGE"}:
            needs.append("poursuite des soins engagés")
        if "INDEMNISER_VICTIME" in self.codes:
            needs.append("indemnisation de la partie civile")
        if self.codes & {"NE_PAS_CONTACTER", "RESIDER_HORS_DOMICILE_COUPLE"}:
            needs.append("respect de la protection de la victime")
        return ", ".join(needs) or "consolidation de la situation actuelle"

    def _plan(self) -> str:
        partners = ["France Travail"] if "TRAVAIL_FORMATION" in self.codes else []
        if self.stability == "fragile":
            partners.append("SIAO")
        if self.codes & {"SOINS", "PRISE_EN_CHARGE"}:
            partners.append("CSAPA de secteur")
        if "INDEMNISER_VICTIME" in self.codes:
            partners.append("SARVI")
        if self.codes & {"NE_PAS_CONTACTER", "RESIDER_HORS_DOMICILE_COUPLE"}:
            partners.append("association d'aide aux victimes")
        return (
            f"Objectifs : {self._needs()}.\n"
            "Actions : entretien au SPIP selon l'intensité proposée ; vérification des "
            "justificatifs à chaque échéance ; point sur le rapport aux faits tous les trois mois.\n"
            f"Partenaires : {', '.join(partners) or 'aucun à ce stade'}."
        )

    def text(self, kind: str, key: str, tone: str, incident: Incident | None) -> str:
        """The author's text of one section (empty when none fits)."""
        soft = "good" if tone == "good" else "mixed"
        if kind == rules.EVALUATION:
            if key == "offence":
                text = self.pick(OFFENCE[soft])
                if "NE_PAS_CONTACTER" in self.codes:
                    text += (
                        " L'interdiction d'entrer en relation avec la victime est connue et "
                        "comprise ; aucun élément ne laisse penser qu'elle ne serait pas respectée."
                    )
                if "INDEMNISER_VICTIME" in self.codes:
                    text += self.fill(
                        " {Il} s'est engagé{e} à indemniser la partie civile selon un échéancier "
                        "mensuel."
                    )
                return text
            if key == "analysis":
                return "\n\n".join(
                    [
                        self._situation_paragraph(),
                        self.pick(RISKS),
                        self.pick(MOTIVATION[soft]) + f" Besoins repérés : {self._needs()}.",
                    ]
                )
            if key == "plan":
                return self._plan()
            if key == "proposal":
                return self.pick(EVALUATION_PROPOSAL[soft])
        if kind == rules.SITUATION:
            if key == "analysis":
                return "\n\n".join(
                    [
                        self.pick(ADHERENCE[tone]),
                        self._situation_paragraph(),
                        self.pick(CONCLUSION[tone]),
                    ]
                )
            if key == "proposal":
                return self.pick(SITUATION_PROPOSAL[tone])
        if kind == rules.INCIDENT and incident is not None:
            fallback = "{name} ne conteste pas les faits et n'a pas donné d'explication."
            if key == "explanation":
                return self.fill(INCIDENT_EXPLANATION.get(incident.kind, fallback))
            if key == "analysis":
                first = INCIDENT_ANALYSIS.get(
                    incident.kind, "Ce manquement appelle une réponse rapide du magistrat."
                )
                return f"{self.fill(first)}\n\n{self._situation_paragraph()} " + self.pick(
                    INCIDENT_BALANCE
                )
            if key == "proposal":
                return self.fill(
                    INCIDENT_PROPOSAL.get(
                        incident.kind,
                        "Rappel des obligations par le magistrat. Degré d'urgence : faible.",
                    )
                )
        if kind == rules.END_OF_MEASURE:
            if key == "analysis":
                return "\n\n".join([self.fill(END_ANALYSIS[0]), self.pick(END_ANALYSIS[1:])])
            if key == "proposal":
                return self.pick(END_PROPOSAL)
        return ""


# --- The builder. ---


class ReportsBuilder:
    def __init__(self, *, service, staff: dict[Role, list[Membership]], rng: random.Random,
                 today: date):  # fmt: skip
        self.service = service
        self.staff = staff
        self.rng = rng
        self.today = today
        self.cpip = staff[Role.CPIP][0]
        self.manager = staff[Role.MANAGER][0]
        self.judge = staff[Role.JUDGE][0]
        self.secretariat = staff[Role.SECRETARIAT][0]
        self.report = ReportsReport()
        self.writers: dict[int, Writer] = {}

    # The reports, in the order they were begun: the answered ones first.
    def _slots(self) -> list[Slot]:
        return [
            Slot(rules.SITUATION, "care", ANSWERED, answers.MODIFY_OBLIGATIONS, Role.JUDGE),
            Slot(rules.SITUATION, "poor", ANSWERED, answers.WARNING, Role.JUDGE),
            Slot(rules.SITUATION, "mixed", ANSWERED, answers.REMINDER, Role.SECRETARIAT),
            Slot(rules.INCIDENT, "poor", ANSWERED, answers.REVOCATION_PARTIAL, Role.JUDGE,
                 urgency=answers.URGENCY_NORMAL),
            Slot(rules.INCIDENT, "poor", TRANSMITTED, urgency=answers.URGENCY_HIGH),
            Slot(rules.EVALUATION, "good", TRANSMITTED, history=True),
            Slot(rules.SITUATION, "mixed", CORRECTED),
            Slot(rules.END_OF_MEASURE, "good", APPROVED),
            Slot(rules.EVALUATION, "mixed", RETURNED, due_in=9),
            Slot(rules.SITUATION, "good", SUBMITTED, due_in=7),
            Slot(rules.EVALUATION, "good", DRAFT, due_in=10, partial=("proposal",)),
            Slot(rules.SITUATION, "mixed", DRAFT, due_in=-4, started_ago=18,
                 partial=("proposal",)),
        ]  # fmt: skip

    def build(self) -> ReportsReport:
        pool = self._candidates()
        if not pool:
            return self.report
        slots = self._slots()
        chosen: dict[int, tuple[Candidate | None, Incident | None]] = {}
        # The reports that need a particular file are placed first.
        for index, slot in enumerate(slots):
            if slot.answer == answers.MODIFY_OBLIGATIONS:
                chosen[index] = (self._measure_to_change(pool, slot), None)
            elif slot.answer == answers.REVOCATION_PARTIAL:
                chosen[index] = self._incident_to_report(pool, probation=True)
            elif slot.kind == rules.INCIDENT:
                chosen[index] = self._incident_to_report(pool)
            elif slot.kind == rules.END_OF_MEASURE:
                ending = self._choose(pool, lambda c: self._ends_soon(c) and not c.troubled)
                if ending is None:
                    slot.kind = rules.SITUATION
                    ending = self._choose_for(pool, slot)
                chosen[index] = (ending, None)
        for index, slot in enumerate(slots):
            if index not in chosen:
                chosen[index] = (self._choose_for(pool, slot), None)
        for index, slot in enumerate(slots):
            candidate, incident = chosen[index]
            if candidate is not None:
                self._write(slot, candidate, incident)
        statuses = Report.objects.filter(person__service=self.service).values_list(
            "status", flat=True
        )
        for status in statuses:
            self.report.by_status[status] = self.report.by_status.get(status, 0) + 1
        self.report.reports = len(statuses)
        return self.report

    # --- Choosing the files. ---

    def _troubled(self) -> set[int]:
        """Persons whose file shows difficulties: a no-show in the last year, a recorded
        incident or a refused proof (the reports that describe difficulties go to them)."""
        since = self.today - timedelta(days=365)
        persons = Person.objects.filter(service=self.service)
        return (
            set(
                persons.filter(
                    appointments__status=Appointment.Status.NO_SHOW,
                    appointments__starts_at__date__gte=since,
                ).values_list("pk", flat=True)
            )
            | set(
                persons.filter(incidents__status=Incident.Status.RECORDED).values_list(
                    "pk", flat=True
                )
            )
            | set(persons.filter(proofs__status=Proof.Status.REFUSED).values_list("pk", flat=True))
        )

    def _candidates(self) -> list[Candidate]:
        """For each person with an active measure assigned to the judge: that measure (the
        most telling one). The demo CPIP's caseload first, then persons with a CPIP; measures
        with particular obligations first."""
        preference = {code: rank for rank, code in enumerate(MEASURE_PREFERENCE)}
        measures = (
            Measure.objects.filter(
                person__service=self.service,
                assigning_judge_id=self.judge.user_id,
                status=Measure.Status.ACTIVE,
                measure_type_id__in=MEASURE_PREFERENCE,
            )
            .select_related("person__service", "measure_type", "decision")
            .prefetch_related(
                Prefetch(
                    "obligations",
                    queryset=Obligation.objects.filter(status="active").select_related(
                        "obligation_type"
                    ),
                    to_attr="active_obligations",
                )
            )
            .order_by("person_id", "pk")
        )
        best: dict[int, Measure] = {}
        for measure in measures:
            current = best.get(measure.person_id)
            key = (preference[measure.measure_type_id], -measure.start_date.toordinal())
            if current is None or key < (
                preference[current.measure_type_id],
                -current.start_date.toordinal(),
            ):
                best[measure.person_id] = measure
        cpips = {m.user_id: m for m in self.staff[Role.CPIP]}
        troubled = self._troubled()
        rows = []
        for measure in best.values():
            person = measure.person
            author = cpips.get(person.assigned_cpip_id, self.manager)
            particular = any(
                not o.obligation_type_id.startswith("CTRL_") for o in measure.active_obligations
            )
            key = (
                person.assigned_cpip_id != self.cpip.user_id,
                author is self.manager,
                not particular,
                preference[measure.measure_type_id] >= len(MEASURE_PREFERENCE) - 3,
                person.pk,
            )
            rows.append((key, measure, author))
        rows.sort(key=lambda row: row[0])
        return [
            Candidate(
                person=measure.person,
                measure=measure,
                author=author,
                fallback=key[0],
                troubled=measure.person_id in troubled,
                order=order,
            )
            for order, (key, measure, author) in enumerate(rows)
        ]

    def _choose(self, pool: list[Candidate], fits=None) -> Candidate | None:
        """The least used candidate that fits, the demo CPIP's caseload first."""
        eligible = [c for c in pool if c.uses < PER_PERSON and (fits is None or fits(c))]
        if not eligible:
            return None
        chosen = min(eligible, key=lambda c: (c.fallback, c.uses, c.order))
        chosen.uses += 1
        return chosen

    def _choose_for(self, pool: list[Candidate], slot: Slot) -> Candidate | None:
        """A candidate whose file fits the report: an evaluation on a measure begun within the
        year, a review on one begun six months ago at least; a report describing difficulties
        on a file that shows some, a favourable one on a file that shows none. Relaxed one
        condition after the other when nothing fits, in the demo CPIP's caseload first."""
        year_ago, half_year_ago = self.today - timedelta(days=365), self.today - timedelta(days=180)
        troubled = slot.tone in ("mixed", "poor")

        def ripe(c: Candidate) -> bool:
            if slot.kind == rules.EVALUATION:
                return c.measure.start_date >= year_ago
            return c.measure.start_date <= half_year_ago

        def toned(c: Candidate) -> bool:
            return c.troubled == troubled

        for group in (lambda c: not c.fallback, lambda c: True):
            for fits in (lambda c: ripe(c) and toned(c), ripe, toned, lambda c: True):
                candidate = self._choose(pool, lambda c, g=group, f=fits: g(c) and f(c))
                if candidate is not None:
                    return candidate
        return None

    def _ends_soon(self, candidate: Candidate) -> bool:
        end = candidate.measure.end_date
        return end is not None and self.today < end <= self.today + timedelta(days=150)

    @staticmethod
    def _liftable(candidate: Candidate) -> Obligation | None:
        """The obligation the judge lifts when adding care (the first of ``LIFTABLE``)."""
        obligations = candidate.measure.active_obligations
        if any(o.obligation_type_id == CARE for o in obligations):
            return None
        by_code = {o.obligation_type_id: o for o in obligations}
        return next((by_code[code] for code in LIFTABLE if code in by_code), None)

    def _extension(self, measure: Measure) -> int | None:
        """Months the probation period can be extended by within its legal bound, or None."""
        if not measure.duration_months or measure.hours:
            return None
        bounds = measure_rules.rule_in_force(
            [
                measure_rules.Bounds.from_rule(rule)
                for rule in MeasureRule.objects.filter(measure_type=measure.measure_type)
            ],
            measure.decision.date,
        )
        if bounds is None or bounds.duration_kind != "period":
            return None
        for extra in (6, 4, 3, 2):
            if measure.duration_months + extra > answers.PROBATION_TOTAL_MONTHS:
                continue  # the judge's extensions stop at 3 years in all (CPP 742, 743)
            errors = measure_rules.validate_duration(
                bounds,
                start=measure.start_date,
                months=measure.duration_months + extra,
                days=measure.duration_days,
                hours=None,
                recidivism=measure.decision.recidivism,
            )
            if not errors:
                return extra
        return None

    def _measure_to_change(self, pool: list[Candidate], slot: Slot) -> Candidate | None:
        """A measure whose obligations the judge modifies (care added, one lifted); failing
        that, one whose probation period can be extended within its bound."""
        candidate = self._choose(
            pool, lambda c: self._liftable(c) is not None and not c.troubled
        ) or self._choose(pool, lambda c: self._liftable(c) is not None)
        if candidate is None:
            # The text speaks of compensating the victim: a measure with that obligation first.
            candidate = self._choose(
                pool,
                lambda c: (
                    "INDEMNISER_VICTIME"
                    in {o.obligation_type_id for o in c.measure.active_obligations}
                    and self._extension(c.measure) is not None
                ),
            ) or self._choose(pool, lambda c: self._extension(c.measure) is not None)
            slot.answer, slot.tone = answers.EXTEND, "extend"
        return candidate

    def _incident_to_report(
        self, pool: list[Candidate], *, probation: bool = False
    ) -> tuple[Candidate | None, Incident | None]:
        """A recorded incident of a person of the pool (on the report's measure or on none);
        when there is none, the author records one. ``probation``: a new offence on a
        probation (the judge revokes part of it), the demo CPIP's caseload first."""
        if probation:
            candidate = self._choose(
                pool,
                lambda c: (
                    c.measure.measure_type_id in answers.PROBATIONS and c.measure.duration_months
                ),
            )
            if candidate is None:
                return None, None
            return candidate, self._new_incident(candidate, new_offence=True)
        recorded: dict[int, Incident] = {}
        for incident in Incident.objects.filter(
            person__service=self.service, status=Incident.Status.RECORDED
        ).order_by("-occurred_on", "pk"):
            recorded.setdefault(incident.person_id, incident)
        by_person = {c.person.pk: c.measure.pk for c in pool}
        usable = {
            person_id: incident
            for person_id, incident in recorded.items()
            if person_id in by_person and incident.measure_id in (None, by_person[person_id])
        }
        candidate = self._choose(pool, lambda c: c.person.pk in usable)
        if candidate is not None:
            return candidate, usable[candidate.person.pk]
        candidate = self._choose(pool)
        if candidate is None:
            return None, None
        return candidate, self._new_incident(candidate)

    def _new_incident(self, candidate: Candidate, *, new_offence: bool = False) -> Incident:
        author = candidate.author
        if new_offence:
            data = {
                "kind": Incident.Kind.NEW_OFFENCE,
                "occurred_on": self.today - timedelta(days=self.rng.randint(40, 70)),
                "source": Incident.Source.POLICE,
                "description": "Condamné par le tribunal correctionnel pour des faits de vol "
                "commis pendant le délai de probation (avis du parquet reçu au service).",
                "steps_taken": [Incident.Step.SUMMONS],
                "person_explanation": "Reconnaît les faits ; dit avoir agi sous l'effet de "
                "l'alcool.",
            }
        else:
            data = {
                "kind": Incident.Kind.MISSED_APPOINTMENT,
                "occurred_on": self.today - timedelta(days=self.rng.randint(6, 15)),
                "source": Incident.Source.SPIP,
                "description": "Absent à deux convocations successives sans justification ; "
                "courrier de rappel resté sans réponse.",
                "steps_taken": [Incident.Step.PHONE_CALL, Incident.Step.REMINDER_LETTER],
                "person_explanation": "",
            }
        incident = compliance_services.incident_record(
            membership=author,
            gated=person_get_for(author, candidate.person.pk),
            data={**data, "measure": candidate.measure},
            today=self.today,
        )
        candidate.troubled = True
        return incident

    # --- Writing a report through the services, step by step. ---

    def _of_last_month(self) -> str:
        month = MONTHS[(self.today.month - 2) % 12]
        return f"d'{month}" if month[0] in "ao" else f"de {month}"

    def _gate(self, membership: Membership, report: Report) -> GatedReport:
        return report_get_for(membership, report.pk)

    def _writer(self, candidate: Candidate) -> Writer:
        if candidate.person.pk not in self.writers:
            self.writers[candidate.person.pk] = Writer(candidate, self.rng, self.today)
        return self.writers[candidate.person.pk]

    def _texts(self, report: Report, slot: Slot, writer: Writer, incident) -> dict[str, str]:
        """The author's text of each section left empty by the prefill."""
        texts = {}
        for section in report.sections:
            if section["text"].strip() or section["key"] in slot.partial:
                continue
            text = writer.text(report.kind, section["key"], slot.tone, incident)
            if text:
                texts[section["key"]] = text
        return texts

    def _write(self, slot: Slot, candidate: Candidate, incident: Incident | None) -> None:
        author, manager = candidate.author, self.manager
        writer = self._writer(candidate)
        if slot.answer == answers.MODIFY_OBLIGATIONS:
            lifted = self._liftable(candidate)
            writer.words["lifted"] = lifted.obligation_type.label
            writer.words["reason"] = writer.fill(LIFTABLE[lifted.obligation_type_id])
        elif slot.answer == answers.EXTEND:
            writer.words["extra"] = str(self._extension(candidate.measure))
        begun = self.today - timedelta(days=slot.started_ago)
        due = self.today + timedelta(days=slot.due_in) if slot.due_in is not None else None
        report = services.report_create(
            membership=author,
            gated=person_get_for(author, candidate.person.pk),
            kind=slot.kind,
            measure=candidate.measure,
            incident=incident,
            due_date=due,
            urgency=slot.urgency,
            today=begun,
        )
        texts = self._texts(report, slot, writer, incident)
        wrong = ""
        if slot.target == CORRECTED:
            # The transmitted version says a proof is missing; the correction puts it right.
            wrong = f" Le justificatif {self._of_last_month()} n'a en revanche pas été produit."
            texts["analysis"] += wrong
        # One gate per person acting in a row, as one page would (the services keep the gated
        # report's content up to date; each step reads the status again).
        drafting = self._gate(author, report)
        saved = services.report_save(membership=author, gated_report=drafting, texts=texts)
        if slot.target == DRAFT:
            return
        services.report_submit(membership=author, gated_report=drafting)
        if slot.history:
            services.report_send_back(
                membership=manager, gated_report=self._gate(manager, report),
                comment=HISTORY_COMMENT,
            )  # fmt: skip
            plan = next(s["text"] for s in saved.sections if s["key"] == "plan")
            drafting = self._gate(author, report)
            services.report_save(
                membership=author,
                gated_report=drafting,
                texts={
                    "plan": plan + "\nÉchéances : premier point d'étape au magistrat dans six "
                    "mois ; réévaluation de l'intensité du suivi à trois mois."
                },
            )
            services.report_submit(membership=author, gated_report=drafting)
        if slot.target == SUBMITTED:
            return
        visa = self._gate(manager, report)
        if slot.target == RETURNED:
            services.report_send_back(
                membership=manager, gated_report=visa, comment=self.rng.choice(RETURN_COMMENTS)
            )
            return
        visa.report = services.report_approve(membership=manager, gated_report=visa)
        if slot.target == APPROVED:
            return
        transmitted = services.report_transmit(
            membership=manager, gated_report=visa, today=self.today
        )
        if slot.target == CORRECTED:
            correction = services.report_correct(
                membership=author, gated_report=self._gate(author, report)
            )
            sent_on = f"{timezone.localtime(transmitted.transmitted_at):%d/%m/%Y}"
            analysis = texts["analysis"].replace(
                wrong,
                f" Rectificatif : le justificatif {self._of_last_month()}, indiqué à tort comme "
                f"manquant dans la version transmise le {sent_on}, avait été déposé à l'accueil "
                "de l'antenne le dernier jour du délai : il a bien été produit à temps.",
            )
            services.report_save(
                membership=author,
                gated_report=self._gate(author, correction),
                texts={"analysis": analysis},
            )
            return
        if slot.target == ANSWERED:
            self._answer(slot, candidate, report, writer)

    def _answer(self, slot: Slot, candidate: Candidate, report: Report, writer: Writer) -> None:
        member = self.judge if slot.answered_by == Role.JUDGE else self.secretariat
        gated = self._gate(member, report)
        day = answer_day(self.today, gated.report.transmitted_at)
        extra = {}
        if slot.answer == answers.MODIFY_OBLIGATIONS:
            extra = {
                "new_obligations": (CARE,),
                "ended_obligations": (self._liftable(candidate).pk,),
            }
        elif slot.answer == answers.EXTEND:
            extra = {"extra_months": int(writer.words["extra"])}
        elif slot.answer == answers.REVOCATION_PARTIAL:
            extra = {"term_months": 3}
            writer.words["term"] = "3 mois"
        transition_services.answer_record(
            membership=member,
            gated_report=gated,
            data=transition_services.AnswerData(
                input=answers.Input(code=slot.answer, answered_on=day, **extra),
                text=writer.fill(ANSWER_TEXTS[slot.answer]),
                obligation_details={CARE: {"care_structure": "CSAPA de secteur (addictologie)"}}
                if slot.answer == answers.MODIFY_OBLIGATIONS
                else {},
            ),
            today=day,
        )
        self.report.answers += 1
        if slot.answer in (answers.MODIFY_OBLIGATIONS, answers.EXTEND, answers.REVOCATION_PARTIAL):
            self.report.measures_changed += 1
