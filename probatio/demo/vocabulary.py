"""Word lists of the demo generator: départements, offences, obligations' details, notes.

Everything here is fictitious data for the demonstration service; nothing refers to real
persons. Establishment and town names are public place names.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Department:
    code: str
    name: str  # "SPIP de la Somme"
    communes: list[tuple[str, str]]  # (commune, code postal); the first two host an antenne
    establishments: list[tuple[str, str, str, str]]  # (kind, name, commune, code postal)
    courts: list[str] = field(default_factory=list)  # towns of the tribunaux judiciaires


# The seat of the cour d'appel of each département (the TAP sits in its area).
APPEAL_COURTS = {
    "80": "Amiens", "02": "Amiens", "60": "Amiens",
    "59": "Douai", "62": "Douai",
    "76": "Rouen", "27": "Rouen",
    "51": "Reims", "08": "Reims", "10": "Reims",
    "95": "Versailles",
    "14": "Caen", "50": "Caen",
    "57": "Metz", "67": "Colmar",
}  # fmt: skip

DEPARTMENTS = [
    Department(
        "80",
        "SPIP de la Somme",
        [
            ("Amiens", "80000"),
            ("Abbeville", "80100"),
            ("Amiens", "80080"),
            ("Amiens", "80090"),
            ("Albert", "80300"),
            ("Péronne", "80200"),
            ("Montdidier", "80500"),
            ("Doullens", "80600"),
            ("Ham", "80400"),
            ("Roye", "80700"),
            ("Corbie", "80800"),
            ("Friville-Escarbotin", "80130"),
            ("Longueau", "80330"),
            ("Camon", "80450"),
            ("Rivery", "80136"),
            ("Moreuil", "80110"),
            ("Flixecourt", "80420"),
            ("Rue", "80120"),
            ("Poix-de-Picardie", "80290"),
            ("Saint-Valery-sur-Somme", "80230"),
        ],
        [
            ("CP", "Centre pénitentiaire d'Amiens", "Amiens", "80000"),
            ("MA", "Maison d'arrêt d'Abbeville", "Abbeville", "80100"),
        ],
        ["Amiens", "Abbeville"],
    ),
    Department(
        "02",
        "SPIP de l'Aisne",
        [
            ("Laon", "02000"),
            ("Saint-Quentin", "02100"),
            ("Soissons", "02200"),
            ("Château-Thierry", "02400"),
            ("Chauny", "02300"),
            ("Hirson", "02500"),
            ("Tergnier", "02700"),
            ("Villers-Cotterêts", "02600"),
            ("Guise", "02120"),
            ("Bohain-en-Vermandois", "02110"),
        ],
        [
            ("CP", "Centre pénitentiaire de Laon", "Laon", "02000"),
            ("MA", "Maison d'arrêt de Soissons", "Soissons", "02200"),
        ],
        ["Laon", "Saint-Quentin", "Soissons"],
    ),
    Department(
        "60",
        "SPIP de l'Oise",
        [
            ("Beauvais", "60000"),
            ("Compiègne", "60200"),
            ("Creil", "60100"),
            ("Nogent-sur-Oise", "60180"),
            ("Senlis", "60300"),
            ("Noyon", "60400"),
            ("Clermont", "60600"),
            ("Méru", "60110"),
            ("Crépy-en-Valois", "60800"),
            ("Montataire", "60160"),
        ],
        [
            ("CP", "Centre pénitentiaire de Liancourt", "Liancourt", "60140"),
            ("MA", "Maison d'arrêt de Beauvais", "Beauvais", "60000"),
        ],
        ["Beauvais", "Compiègne", "Senlis"],
    ),
    Department(
        "59",
        "SPIP du Nord",
        [
            ("Lille", "59000"),
            ("Valenciennes", "59300"),
            ("Roubaix", "59100"),
            ("Tourcoing", "59200"),
            ("Douai", "59500"),
            ("Dunkerque", "59140"),
            ("Cambrai", "59400"),
            ("Maubeuge", "59600"),
            ("Villeneuve-d'Ascq", "59650"),
            ("Armentières", "59280"),
        ],
        [
            ("CP", "Centre pénitentiaire de Lille-Annœullin", "Annœullin", "59112"),
            ("MA", "Maison d'arrêt de Valenciennes", "Valenciennes", "59300"),
        ],
        ["Lille", "Douai", "Valenciennes", "Dunkerque"],
    ),
    Department(
        "62",
        "SPIP du Pas-de-Calais",
        [
            ("Arras", "62000"),
            ("Boulogne-sur-Mer", "62200"),
            ("Lens", "62300"),
            ("Calais", "62100"),
            ("Béthune", "62400"),
            ("Saint-Omer", "62500"),
            ("Liévin", "62800"),
            ("Hénin-Beaumont", "62110"),
            ("Bruay-la-Buissière", "62700"),
            ("Berck", "62600"),
        ],
        [
            ("CP", "Centre pénitentiaire de Longuenesse", "Longuenesse", "62219"),
            ("MA", "Maison d'arrêt d'Arras", "Arras", "62000"),
        ],
        ["Arras", "Béthune", "Boulogne-sur-Mer", "Saint-Omer"],
    ),
    Department(
        "76",
        "SPIP de la Seine-Maritime",
        [
            ("Rouen", "76000"),
            ("Le Havre", "76600"),
            ("Dieppe", "76200"),
            ("Elbeuf", "76500"),
            ("Fécamp", "76400"),
            ("Sotteville-lès-Rouen", "76300"),
            ("Le Grand-Quevilly", "76120"),
            ("Saint-Étienne-du-Rouvray", "76800"),
            ("Yvetot", "76190"),
            ("Bolbec", "76210"),
        ],
        [
            ("CP", "Centre pénitentiaire du Havre", "Saint-Aubin-Routot", "76430"),
            ("MA", "Maison d'arrêt de Rouen", "Rouen", "76000"),
        ],
        ["Rouen", "Le Havre", "Dieppe"],
    ),
    Department(
        "27",
        "SPIP de l'Eure",
        [
            ("Évreux", "27000"),
            ("Vernon", "27200"),
            ("Louviers", "27400"),
            ("Les Andelys", "27700"),
            ("Bernay", "27300"),
            ("Pont-Audemer", "27500"),
            ("Val-de-Reuil", "27100"),
            ("Gisors", "27140"),
        ],
        [
            ("CD", "Centre de détention de Val-de-Reuil", "Val-de-Reuil", "27100"),
            ("MA", "Maison d'arrêt d'Évreux", "Évreux", "27000"),
        ],
        ["Évreux"],
    ),
    Department(
        "51",
        "SPIP de la Marne",
        [
            ("Reims", "51100"),
            ("Châlons-en-Champagne", "51000"),
            ("Épernay", "51200"),
            ("Vitry-le-François", "51300"),
            ("Sézanne", "51120"),
            ("Tinqueux", "51430"),
            ("Bétheny", "51450"),
            ("Mourmelon-le-Grand", "51400"),
        ],
        [
            ("CP", "Centre pénitentiaire de Châlons-en-Champagne", "Châlons-en-Champagne", "51000"),
            ("MA", "Maison d'arrêt de Reims", "Reims", "51100"),
        ],
        ["Reims", "Châlons-en-Champagne"],
    ),
    Department(
        "08",
        "SPIP des Ardennes",
        [
            ("Charleville-Mézières", "08000"),
            ("Sedan", "08200"),
            ("Rethel", "08300"),
            ("Givet", "08600"),
            ("Revin", "08500"),
            ("Nouzonville", "08700"),
            ("Bogny-sur-Meuse", "08120"),
            ("Vouziers", "08400"),
        ],
        [
            ("MA", "Maison d'arrêt de Charleville-Mézières", "Charleville-Mézières", "08000"),
            ("QSL", "Quartier de semi-liberté de Sedan", "Sedan", "08200"),
        ],
        ["Charleville-Mézières"],
    ),
    Department(
        "95",
        "SPIP du Val-d'Oise",
        [
            ("Cergy", "95000"),
            ("Argenteuil", "95100"),
            ("Pontoise", "95300"),
            ("Sarcelles", "95200"),
            ("Garges-lès-Gonesse", "95140"),
            ("Gonesse", "95500"),
            ("Ermont", "95120"),
            ("Bezons", "95870"),
            ("Goussainville", "95190"),
            ("Villiers-le-Bel", "95400"),
        ],
        [
            ("MA", "Maison d'arrêt du Val-d'Oise", "Osny", "95520"),
            ("CSL", "Centre de semi-liberté de Cergy", "Cergy", "95000"),
        ],
        ["Pontoise"],
    ),
    Department(
        "14",
        "SPIP du Calvados",
        [
            ("Caen", "14000"),
            ("Lisieux", "14100"),
            ("Bayeux", "14400"),
            ("Hérouville-Saint-Clair", "14200"),
            ("Vire", "14500"),
            ("Honfleur", "14600"),
            ("Falaise", "14700"),
            ("Mondeville", "14120"),
        ],
        [
            ("MA", "Maison d'arrêt de Caen", "Caen", "14000"),
            ("CD", "Centre de détention de Caen", "Caen", "14000"),
        ],
        ["Caen", "Lisieux"],
    ),
    Department(
        "50",
        "SPIP de la Manche",
        [
            ("Saint-Lô", "50000"),
            ("Cherbourg-en-Cotentin", "50100"),
            ("Coutances", "50200"),
            ("Avranches", "50300"),
            ("Granville", "50400"),
            ("Valognes", "50700"),
        ],
        [
            ("MA", "Maison d'arrêt de Coutances", "Coutances", "50200"),
            ("MA", "Maison d'arrêt de Cherbourg", "Cherbourg-en-Cotentin", "50100"),
        ],
        ["Coutances", "Cherbourg-en-Cotentin"],
    ),
    Department(
        "10",
        "SPIP de l'Aube",
        [
            ("Troyes", "10000"),
            ("Romilly-sur-Seine", "10100"),
            ("Bar-sur-Aube", "10200"),
            ("Nogent-sur-Seine", "10400"),
            ("La Chapelle-Saint-Luc", "10600"),
            ("Saint-André-les-Vergers", "10120"),
        ],
        [
            ("MA", "Maison d'arrêt de Troyes", "Troyes", "10000"),
            ("CD", "Centre de détention de Villenauxe-la-Grande", "Villenauxe-la-Grande", "10370"),
        ],
        ["Troyes"],
    ),
    Department(
        "57",
        "SPIP de la Moselle",
        [
            ("Metz", "57000"),
            ("Thionville", "57100"),
            ("Forbach", "57600"),
            ("Sarreguemines", "57200"),
            ("Sarrebourg", "57400"),
            ("Montigny-lès-Metz", "57950"),
            ("Hayange", "57700"),
            ("Creutzwald", "57150"),
        ],
        [
            ("CP", "Centre pénitentiaire de Metz", "Metz", "57000"),
            ("MA", "Maison d'arrêt de Sarreguemines", "Sarreguemines", "57200"),
        ],
        ["Metz", "Thionville", "Sarreguemines"],
    ),
    Department(
        "67",
        "SPIP du Bas-Rhin",
        [
            ("Strasbourg", "67000"),
            ("Haguenau", "67500"),
            ("Saverne", "67700"),
            ("Sélestat", "67600"),
            ("Schiltigheim", "67300"),
            ("Illkirch-Graffenstaden", "67400"),
            ("Bischheim", "67800"),
            ("Lingolsheim", "67380"),
        ],
        [
            ("MA", "Maison d'arrêt de Strasbourg", "Strasbourg", "67000"),
            ("CD", "Centre de détention d'Oermingen", "Oermingen", "67970"),
        ],
        ["Strasbourg", "Saverne"],
    ),
]

# Towns whose initial h is mute: "d'Hirson" (but "de Ham", "de Haguenau").
MUTE_H_TOWNS = {"Hirson", "Hénin-Beaumont", "Hérouville-Saint-Clair", "Hayange"}

COMMUNITY_HOURS = {
    "1": [["09:00", "12:30"], ["13:30", "17:00"]],
    "2": [["09:00", "12:30"], ["13:30", "17:00"]],
    "3": [["09:00", "12:30"], ["13:30", "17:00"]],
    "4": [["09:00", "12:30"], ["13:30", "18:30"]],
    "5": [["09:00", "12:30"], ["13:30", "16:00"]],
}
PRISON_TEAM_HOURS = {str(day): [["08:30", "12:00"], ["13:00", "17:30"]] for day in range(1, 6)}

# Extra given names and surnames, so that the population is not only Faker's classic list.
EXTRA_MALE_NAMES = [
    "Karim",
    "Mehdi",
    "Sofiane",
    "Yassine",
    "Bilal",
    "Nabil",
    "Samir",
    "Rachid",
    "Ibrahim",
    "Mamadou",
    "Moussa",
    "Ousmane",
    "Youssef",
    "Hamza",
    "Anis",
    "Kévin",
    "Dylan",
    "Jordan",
    "Steven",
    "Anthony",
    "Mickaël",
    "Florian",
    "Jonathan",
    "Loïc",
    "Cédric",
    "Ludovic",
    "Rayan",
    "Ilyes",
    "Adama",
    "Ryan",
    "Enzo",
    "Mathéo",
]
EXTRA_FEMALE_NAMES = [
    "Nadia",
    "Samira",
    "Fatou",
    "Yasmina",
    "Inès",
    "Sarah",
    "Leïla",
    "Aïcha",
    "Jessica",
    "Cindy",
    "Audrey",
    "Mélanie",
    "Aurélie",
    "Laetitia",
    "Vanessa",
    "Sabrina",
    "Océane",
]
EXTRA_SURNAMES = [
    "Benali",
    "Haddad",
    "Mansouri",
    "Diallo",
    "Traoré",
    "Camara",
    "Cissé",
    "Bensaïd",
    "Boukhris",
    "Kaya",
    "Yilmaz",
    "Da Silva",
    "Pereira",
    "Ferreira",
    "Nowak",
    "Kowalski",
    "Lemaire",
    "Delattre",
    "Vasseur",
    "Caron",
    "Lefebvre",
    "Dufour",
    "Dupuis",
    "Leclercq",
    "Deneux",
    "Carpentier",
    "Devaux",
    "Lecomte",
    "Boulanger",
    "Wattier",
    "Decroix",
    "Hamel",
]
NICKNAMES = [
    "Le Grand",
    "Nono",
    "Titi",
    "Bébert",
    "Moumou",
    "Jojo",
    "Le Ch'ti",
    "Kader",
    "Doudou",
    "Fifi",
    "Tonio",
    "Zizou",
    "Babou",
    "Pepito",
]

# (country, nationality, language, towns of birth) for persons born abroad.
FOREIGN_ORIGINS = [
    ("Algérie", "algérienne", "arabe", ["Alger", "Oran", "Constantine", "Sétif"]),
    ("Maroc", "marocaine", "arabe", ["Casablanca", "Oujda", "Fès", "Tanger"]),
    ("Tunisie", "tunisienne", "arabe", ["Tunis", "Sfax", "Sousse"]),
    ("Portugal", "portugaise", "portugais", ["Porto", "Braga", "Lisbonne"]),
    ("Sénégal", "sénégalaise", "wolof", ["Dakar", "Thiès", "Saint-Louis"]),
    ("Mali", "malienne", "bambara", ["Bamako", "Kayes"]),
    ("Turquie", "turque", "turc", ["Ankara", "Konya", "Izmir"]),
    ("Roumanie", "roumaine", "roumain", ["Bucarest", "Iași", "Constanța"]),
    ("Côte d'Ivoire", "ivoirienne", "français", ["Abidjan", "Bouaké"]),
    ("Comores", "comorienne", "comorien", ["Moroni", "Mutsamudu"]),
    ("Pologne", "polonaise", "polonais", ["Varsovie", "Cracovie", "Łódź"]),
    ("Afghanistan", "afghane", "dari", ["Kaboul", "Hérat"]),
    ("Géorgie", "géorgienne", "géorgien", ["Tbilissi", "Koutaïssi"]),
    ("Albanie", "albanaise", "albanais", ["Tirana", "Durrës"]),
]


@dataclass(frozen=True)
class Offence:
    label: str
    qualification: str  # "delit" or "crime"
    family: str  # drives the obligations chosen
    weight: int


OFFENCES = [
    Offence("Violences volontaires sur conjoint", "delit", "domestic", 14),
    Offence("Violences volontaires sur conjoint en présence d'un mineur", "delit", "domestic", 4),
    Offence("Harcèlement moral sur conjoint", "delit", "domestic", 3),
    Offence("Conduite en état alcoolique", "delit", "alcohol_driving", 12),
    Offence("Conduite sous l'emprise de stupéfiants", "delit", "drug_driving", 5),
    Offence("Conduite sans permis", "delit", "driving", 5),
    Offence("Usage de stupéfiants", "delit", "drug_use", 6),
    Offence("Trafic de stupéfiants", "delit", "drug_trafficking", 7),
    Offence("Détention de stupéfiants", "delit", "drug_trafficking", 3),
    Offence("Vol aggravé", "delit", "theft", 6),
    Offence("Vol simple", "delit", "theft", 5),
    Offence("Cambriolage (vol par effraction dans un local d'habitation)", "delit", "theft", 4),
    Offence("Recel de vol", "delit", "theft", 2),
    Offence("Escroquerie", "delit", "fraud", 5),
    Offence("Abus de confiance", "delit", "fraud", 2),
    Offence(
        "Violences volontaires ayant entraîné une ITT de plus de 8 jours", "delit", "violence", 5
    ),
    Offence("Violences volontaires en réunion", "delit", "violence", 3),
    Offence("Menaces de mort réitérées", "delit", "threats", 3),
    Offence("Outrage et rébellion", "delit", "authority", 3),
    Offence("Dégradation du bien d'autrui", "delit", "damage", 2),
    Offence("Port d'arme prohibé", "delit", "weapon", 2),
    Offence("Abandon de famille (non-paiement de pension alimentaire)", "delit", "family", 2),
    Offence("Exhibition sexuelle", "delit", "sexual", 1),
    Offence("Agression sexuelle", "delit", "sexual", 2),
]
SERIOUS_OFFENCES = [
    Offence("Vol avec arme", "crime", "violence", 3),
    Offence("Viol", "crime", "sexual", 2),
    Offence("Tentative de meurtre", "crime", "violence", 1),
    Offence("Trafic de stupéfiants en bande organisée", "crime", "drug_trafficking", 2),
]

# Obligations (CP 132-45) that fit each family of offences, best first.
OBLIGATIONS_BY_FAMILY = {
    "domestic": [
        "NE_PAS_CONTACTER",
        "RESIDER_HORS_DOMICILE_COUPLE",
        "STAGE_VIOLENCES_COUPLE",
        "SOINS",
        "NE_PAS_PARAITRE",
        "NE_PAS_DETENIR_ARME",
    ],
    "alcohol_driving": ["SOINS", "STAGE_SECURITE_ROUTIERE", "NE_PAS_CONDUIRE", "TRAVAIL_FORMATION"],
    "drug_driving": ["SOINS", "STAGE_SECURITE_ROUTIERE", "NE_PAS_CONDUIRE"],
    "driving": ["STAGE_SECURITE_ROUTIERE", "NE_PAS_CONDUIRE", "TRAVAIL_FORMATION"],
    "drug_use": ["SOINS", "TRAVAIL_FORMATION", "PRISE_EN_CHARGE"],
    "drug_trafficking": [
        "NE_PAS_PARAITRE",
        "NE_PAS_FREQUENTER_CONDAMNES",
        "TRAVAIL_FORMATION",
        "PAYER_TRESOR",
    ],
    "theft": [
        "INDEMNISER_VICTIME",
        "TRAVAIL_FORMATION",
        "NE_PAS_FREQUENTER_CONDAMNES",
        "PAYER_TRESOR",
    ],
    "fraud": ["INDEMNISER_VICTIME", "TRAVAIL_FORMATION", "PAYER_TRESOR"],
    "violence": [
        "INDEMNISER_VICTIME",
        "NE_PAS_CONTACTER",
        "SOINS",
        "NE_PAS_DETENIR_ARME",
        "NE_PAS_FREQUENTER_DEBITS",
    ],
    "threats": ["NE_PAS_CONTACTER", "SOINS", "NE_PAS_DETENIR_ARME"],
    "authority": ["STAGE_CITOYENNETE", "TRAVAIL_FORMATION", "PAYER_TRESOR"],
    "damage": ["INDEMNISER_VICTIME", "TRAVAIL_FORMATION"],
    "weapon": ["NE_PAS_DETENIR_ARME", "TRAVAIL_FORMATION"],
    "family": ["CHARGES_FAMILIALES", "TRAVAIL_FORMATION"],
    "sexual": ["SOINS", "NE_PAS_CONTACTER", "INTERDICTION_ACTIVITE", "NE_PAS_PARAITRE"],
}
FAMILIES_WITH_VICTIM = {"domestic", "violence", "threats", "sexual", "theft", "fraud", "damage"}

STAGE_KINDS = {
    "domestic": "stage de responsabilisation pour la prévention des violences conjugales",
    "alcohol_driving": "stage de sensibilisation à la sécurité routière",
    "drug_driving": "stage de sensibilisation à la sécurité routière",
    "driving": "stage de sensibilisation à la sécurité routière",
    "drug_use": "stage de sensibilisation aux dangers de l'usage de produits stupéfiants",
}
DEFAULT_STAGE = "stage de citoyenneté"

# Formats take {city} (Amiens) and {of_city} (d'Amiens).
CARE_STRUCTURES = [
    "CSAPA {of_city}",
    "CMP {of_city}",
    "Centre hospitalier {of_city}",
    "Association d'addictologie {of_city}",
    "Médecin généraliste à {city}",
]
ZONES = [
    "Commune {of_city}",
    "Domicile et lieu de travail de la victime",
    "Quartier de la gare à {city}",
    "Abords des établissements scolaires {of_city}",
    "Centre-ville {of_city}",
    "Lieu des faits ({city})",
]
VICTIM_CONTACTS = [
    "Domicilié·e à {city}, joignable par l'association d'aide aux victimes",
    "Coordonnées au dossier du parquet",
    "Joignable par son avocat",
    "Domicilié·e à {city}",
]
PROGRAMMES = [
    "Programme de prévention de la récidive (groupe de parole)",
    "Accompagnement par un centre de prise en charge des auteurs de violences",
    "Suivi par un éducateur spécialisé",
]
TIG_HOSTS = [
    "la mairie {of_city} (services techniques)",
    "la communauté Emmaüs {of_city}",
    "la Croix-Rouge à {city}",
    "les Restos du cœur {of_city}",
    "le centre communal d'action sociale {of_city}",
    "la ressourcerie {of_city}",
]
EMPLOYERS = [
    "une entreprise de BTP",
    "un transporteur",
    "une enseigne de la grande distribution",
    "une entreprise de nettoyage",
    "un restaurant",
    "un garage",
    "une exploitation agricole",
    "une entreprise d'intérim",
    "un entrepôt logistique",
    "une collectivité (contrat aidé)",
]
TRAININGS = [
    "formation de cariste",
    "formation qualifiante en maçonnerie",
    "remise à niveau avec la mission locale",
    "titre professionnel d'agent de propreté",
    "CAP cuisine en alternance",
    "permis poids lourd",
]

# Situation details (facts only; health and addiction never carry medical content).
SITUATION_DETAILS = {
    ("housing", "own_home"): [
        "Locataire d'un appartement depuis plusieurs années",
        "Propriétaire de sa maison",
        "Bail à son nom",
    ],
    ("housing", "hosted_family"): [
        "Hébergé·e chez sa mère",
        "Hébergé·e chez un ami",
        "Vit chez ses grands-parents",
    ],
    ("housing", "shelter"): ["Hébergement en CHRS", "Orienté·e par le SIAO, places 115"],
    ("housing", "social_housing"): ["Logement HLM", "Résidence sociale (foyer)"],
    ("housing", "homeless"): ["Domiciliation au CCAS, sans hébergement stable"],
    ("housing", "in_custody"): ["Écroué·e"],
    ("employment", "employed_permanent"): ["CDI chez {employer}"],
    ("employment", "employed_temporary"): [
        "Missions d'intérim chez {employer}",
        "CDD de six mois chez {employer}",
    ],
    ("employment", "training"): ["En {training}"],
    ("employment", "job_seeker"): ["Inscrit·e à France Travail", "Suivi·e par la mission locale"],
    ("employment", "not_registered"): ["Sans activité, inscription à France Travail à faire"],
    ("employment", "prison_work"): ["Classé·e au service général", "Atelier de production"],
    ("resources", "salary"): ["Salaire d'environ 1 400 € net", "Revenus d'intérim variables"],
    ("resources", "benefits"): ["RSA", "Allocation aux adultes handicapés"],
    ("resources", "unemployment"): ["Allocation de retour à l'emploi"],
    ("resources", "indigent"): ["Reconnu·e indigent·e par la commission pluridisciplinaire"],
    ("family", "couple"): ["Vit en couple, deux enfants", "En couple, sans enfant"],
    ("family", "separated"): ["Séparé·e, un enfant en résidence chez l'autre parent"],
    ("family", "single_parent"): ["Élève seul·e ses deux enfants"],
    ("health", "care_followed"): ["Attestations de suivi remises"],
    ("health", "care_to_organise"): ["Orientation vers le CMP à travailler"],
    ("addiction", "care_followed"): ["Suivi au CSAPA attesté"],
    ("addiction", "orientation_needed"): ["Orientation vers le CSAPA à proposer"],
    ("literacy", "difficulties"): ["Besoin d'aide pour les courriers administratifs"],
    ("literacy", "illiterate"): ["Orientation vers un atelier d'alphabétisation"],
    ("id_documents", "expired"): ["Carte d'identité expirée, renouvellement à engager"],
    ("id_documents", "in_progress"): [
        "Demande de titre de séjour en cours en préfecture",
        "Renouvellement de la carte d'identité déposé",
    ],
}


def of_place(town: str) -> str:
    """French "of" before a place name: d'Amiens, du Havre, des Andelys, de Laon, de Ham."""
    if town.startswith("Le "):
        return "du " + town[3:]
    if town.startswith("Les "):
        return "des " + town[4:]
    if town[0].lower() in "aeiouyéèêàâîôû" or town in MUTE_H_TOWNS:
        return "d'" + town
    return "de " + town
