"""The catalogues of measures and obligations, as data.

Codes are shared with other tools and never change; labels, legal bases and bounds may, and
each bound carries the date from which it applies. ``sync`` writes this data into the reference
tables (run by a data migration, and again by ``manage.py sync_catalogue`` after an update).
"""

from datetime import date

PENAL_CODE_1994 = date(1994, 3, 1)
REFORM_2020 = date(2020, 3, 24)
LSC_PD_2023 = date(2023, 1, 1)

COMMUNITY = "community"
CUSTODY = "custody"

# code, label, short label, legal basis, usual setting, what the SPIP does, plain explanation
MEASURE_TYPES = [
    (
        "SURSIS_PROBATOIRE",
        "Sursis probatoire",
        "Sursis probatoire",
        "CP 132-40 à 132-53 ; CPP 739 et s.",
        COMMUNITY,
        "Premier entretien, évaluation, contrôle des obligations, rapports d'incident, "
        "rapport de fin de mesure.",
        "Votre peine de prison est suspendue : vous restez libre à condition de respecter les "
        "obligations fixées par le tribunal pendant toute la durée du délai de probation.",
    ),
    (
        "SURSIS_PROBATOIRE_RENFORCE",
        "Sursis probatoire renforcé",
        "SP renforcé",
        "CP 132-41-1 ; CPP 741-2 ; D. 546-2, D. 546-3",
        COMMUNITY,
        "Suivi pluridisciplinaire, plan de suivi, rapport d'évaluation au JAP sous 3 mois.",
        "Un sursis probatoire avec un suivi plus fréquent et plus complet.",
    ),
    (
        "TIG",
        "Travail d'intérêt général",
        "TIG",
        "CP 131-8, 131-22",
        COMMUNITY,
        "Trouver un poste, organiser les heures avec la structure d'accueil, compter les heures, "
        "signaler l'inexécution.",
        "Vous effectuez un travail non rémunéré au profit d'une collectivité ou d'une association, "
        "dans le délai fixé par le tribunal.",
    ),
    (
        "DDSE",
        "Détention à domicile sous surveillance électronique (peine)",
        "DDSE",
        "CP 131-4-1",
        COMMUNITY,
        "Faisabilité (logement, accord de l'hébergeant), pose, horaires, incidents.",
        "Vous exécutez votre peine à votre domicile, avec un bracelet électronique et des horaires "
        "de présence.",
    ),
    (
        "DDSE_AMENAGEMENT",
        "Détention à domicile sous surveillance électronique (aménagement)",
        "DDSE (aménagement)",
        "CP 132-25 et s. ; CPP 723-7",
        COMMUNITY,
        "Rapport de faisabilité, projet, suivi, incidents (retrait).",
        "Votre peine de prison est aménagée : vous l'exécutez chez vous sous bracelet électronique.",
    ),
    (
        "SEMI_LIBERTE",
        "Semi-liberté",
        "Semi-liberté",
        "CP 132-25 et s. ; CPP 723-1",
        CUSTODY,
        "Rapport de faisabilité, projet, suivi, incidents.",
        "Vous sortez de l'établissement pour travailler, vous former ou vous soigner, et y revenez "
        "aux horaires fixés.",
    ),
    (
        "PLACEMENT_EXTERIEUR",
        "Placement à l'extérieur",
        "Placement extérieur",
        "CP 132-25 et s. ; CPP 723-1",
        COMMUNITY,
        "Rapport de faisabilité, lien avec la structure d'accueil, suivi, incidents.",
        "Vous exécutez votre peine hors de l'établissement, dans une structure qui vous accompagne.",
    ),
    (
        "LC",
        "Libération conditionnelle",
        "LC",
        "CPP 729 à 733",
        COMMUNITY,
        "Avis et projet, suivi après la libération, incidents, révocation.",
        "Vous êtes libéré·e avant la fin de votre peine, à condition de respecter des obligations "
        "pendant la durée fixée par le juge.",
    ),
    (
        "LSC",
        "Libération sous contrainte",
        "LSC",
        "CPP 720 I ; D. 147-17 et s.",
        COMMUNITY,
        "Information de la personne au moins un mois avant, avis à la CAP, entretien dans les "
        "5 jours ouvrables après la sortie.",
        "La fin de votre peine s'exécute hors de prison (LC, DDSE, placement extérieur ou "
        "semi-liberté).",
    ),
    (
        "LSC_PLEIN_DROIT",
        "Libération sous contrainte de plein droit",
        "LSC de plein droit",
        "CPP 720 II–III ; D. 147-20 à 147-24",
        COMMUNITY,
        "Information au moins un mois avant, avis sur la mesure et les obligations, preuve de "
        "l'impossibilité matérielle.",
        "Vous sortez trois mois avant la fin de votre peine, sauf absence d'hébergement.",
    ),
    (
        "SSJ",
        "Suivi socio-judiciaire",
        "SSJ",
        "CP 131-36-1 et s. ; CPP 763-1 et s.",
        COMMUNITY,
        "Entretien dans les 8 jours après la sortie, lien avec le médecin coordonnateur, rapports.",
        "Après votre peine, vous êtes suivi·e et devez respecter des obligations, souvent une "
        "injonction de soins.",
    ),
    (
        "SURVEILLANCE_JUDICIAIRE",
        "Surveillance judiciaire",
        "Surveillance judiciaire",
        "CPP 723-29 et s.",
        COMMUNITY,
        "Suivi après la libération, rapports.",
        "Après votre libération, vous êtes suivi·e pendant une durée au plus égale aux réductions "
        "de peine obtenues.",
    ),
    (
        "INTERDICTION_SEJOUR",
        "Interdiction de séjour",
        "Interdiction de séjour",
        "CP 131-31 ; CPP 762-1 et s.",
        COMMUNITY,
        "Contrôles.",
        "Vous ne devez pas vous rendre dans les lieux désignés par le tribunal.",
    ),
    (
        "STAGE",
        "Stage (citoyenneté, sécurité routière, stupéfiants, violences conjugales…)",
        "Stage",
        "CP 131-5-1",
        COMMUNITY,
        "Orientation, recueil de l'attestation de stage.",
        "Vous devez suivre un stage, en général à vos frais, dans les six mois.",
    ),
    (
        "CJ",
        "Contrôle judiciaire",
        "CJ",
        "CPP 138 et s.",
        COMMUNITY,
        "Contrôle des obligations pour le juge d'instruction ou le JLD.",
        "Avant votre jugement, vous restez libre en respectant des obligations.",
    ),
    (
        "ARSE",
        "Assignation à résidence sous surveillance électronique",
        "ARSE",
        "CPP 142-5 et s.",
        COMMUNITY,
        "Enquête de faisabilité, surveillance, incidents.",
        "Avant votre jugement, vous devez rester à votre domicile aux horaires fixés, sous bracelet.",
    ),
    (
        "ENQUETE",
        "Enquête présentencielle (ESR, enquête de personnalité ou de faisabilité)",
        "Enquête",
        "CPP 41, 81",
        COMMUNITY,
        "Entretien, vérifications avec l'accord de la personne, proposition.",
        "Le SPIP recueille des informations sur votre situation pour éclairer le magistrat.",
    ),
    (
        "AJOURNEMENT_PROBATION",
        "Ajournement avec probation",
        "Ajournement",
        "CP 132-63 à 132-65",
        COMMUNITY,
        "Rapport pour l'audience de renvoi.",
        "Le tribunal reporte le prononcé de la peine et vous place sous probation jusqu'à "
        "l'audience.",
    ),
    (
        "AMENAGEMENT_723_15",
        "Aménagement d'une peine non encore exécutée (723-15)",
        "Aménagement 723-15",
        "CPP 723-15 et s.",
        COMMUNITY,
        "Évaluation et proposition d'aménagement, rapport sous 2 mois.",
        "Votre peine de prison pourrait être aménagée avant d'être exécutée.",
    ),
    (
        "EMPRISONNEMENT",
        "Peine d'emprisonnement (suivi en détention)",
        "Emprisonnement",
        "CPP 707 et s.",
        CUSTODY,
        "Entretien arrivant, parcours d'exécution de peine, avis CAP, préparation à la sortie.",
        "Vous exécutez une peine de prison ; le SPIP vous accompagne et prépare votre sortie.",
    ),
]

# code -> list of rules: (valid_from, duration_kind, min(m, d), max(m, d),
#                          max months recidivist, max months repeat, hours(min, max), text)
MEASURE_RULES = {
    "SURSIS_PROBATOIRE": [
        (
            REFORM_2020,
            "period",
            (12, 0),
            (36, 0),
            60,
            84,
            None,
            "Délai de probation de 12 à 36 mois ; 60 mois en récidive légale, "
            "84 mois en nouvelle récidive (CP 132-42).",
        )
    ],
    "SURSIS_PROBATOIRE_RENFORCE": [
        (
            REFORM_2020,
            "period",
            (12, 0),
            (36, 0),
            60,
            84,
            None,
            "Délai de probation de 12 à 36 mois ; 60 mois en récidive "
            "légale, 84 mois en nouvelle récidive (CP 132-42).",
        )
    ],
    "TIG": [
        (
            PENAL_CODE_1994,
            "hours",
            None,
            (18, 0),
            None,
            None,
            (20, 400),
            "De 20 à 400 heures, dans un délai fixé par la juridiction d'au plus 18 mois "
            "(CP 131-8, 131-22).",
        )
    ],
    "DDSE": [
        (
            REFORM_2020,
            "period",
            (0, 15),
            (6, 0),
            None,
            None,
            None,
            "De 15 jours à 6 mois (CP 131-4-1).",
        )
    ],
    "DDSE_AMENAGEMENT": [
        (
            PENAL_CODE_1994,
            "period",
            None,
            (24, 0),
            None,
            None,
            None,
            "Peine ou reliquat d'au plus 2 ans (CPP 723-7).",
        )
    ],
    "SEMI_LIBERTE": [
        (
            PENAL_CODE_1994,
            "period",
            None,
            (24, 0),
            None,
            None,
            None,
            "Peine ou reliquat d'au plus 2 ans (CPP 723-1).",
        )
    ],
    "PLACEMENT_EXTERIEUR": [
        (
            PENAL_CODE_1994,
            "period",
            None,
            (24, 0),
            None,
            None,
            None,
            "Peine ou reliquat d'au plus 2 ans (CPP 723-1).",
        )
    ],
    "LC": [
        (
            PENAL_CODE_1994,
            "period",
            None,
            (120, 0),
            None,
            None,
            None,
            "Au moins la partie de peine non exécutée, au plus 10 ans (CPP 732).",
        )
    ],
    "LSC": [
        (
            PENAL_CODE_1994,
            "period",
            None,
            (20, 0),
            None,
            None,
            None,
            "Reliquat d'une peine totale d'au plus 5 ans (CPP 720 I).",
        )
    ],
    "LSC_PLEIN_DROIT": [
        (
            LSC_PD_2023,
            "period",
            None,
            (3, 0),
            None,
            None,
            None,
            "Reliquat d'au plus 3 mois d'une peine totale d'au plus 2 ans (CPP 720 II).",
        )
    ],
    "SSJ": [
        (
            PENAL_CODE_1994,
            "period",
            None,
            None,
            None,
            None,
            None,
            "Jusqu'à 10 ans pour un délit (20 sur décision motivée), 20 ans pour un crime, "
            "30 ans, ou sans limite pour les crimes punis de la perpétuité (CP 131-36-1).",
        )
    ],
    "SURVEILLANCE_JUDICIAIRE": [
        (
            PENAL_CODE_1994,
            "period",
            None,
            None,
            None,
            None,
            None,
            "Au plus la durée des réductions de peine (CPP 723-29).",
        )
    ],
    "INTERDICTION_SEJOUR": [
        (
            PENAL_CODE_1994,
            "period",
            None,
            (120, 0),
            None,
            None,
            None,
            "Au plus 5 ans pour un délit, 10 ans pour un crime (CP 131-31).",
        )
    ],
    "STAGE": [
        (
            PENAL_CODE_1994,
            "period",
            None,
            (6, 0),
            None,
            None,
            None,
            "À effectuer dans les 6 mois de la condamnation définitive (CP 131-5-1).",
        )
    ],
    "CJ": [(PENAL_CODE_1994, "none", None, None, None, None, None, "")],
    "ARSE": [
        (
            PENAL_CODE_1994,
            "period",
            None,
            (24, 0),
            None,
            None,
            None,
            "6 mois renouvelables, 2 ans au plus (CPP 142-7).",
        )
    ],
    "ENQUETE": [(PENAL_CODE_1994, "none", None, None, None, None, None, "")],
    "AJOURNEMENT_PROBATION": [
        (
            PENAL_CODE_1994,
            "period",
            None,
            (12, 0),
            None,
            None,
            None,
            "Probation d'au plus un an (CP 132-64).",
        )
    ],
    "AMENAGEMENT_723_15": [(PENAL_CODE_1994, "none", None, None, None, None, None, "")],
    # No duration typed on the measure: its end is the sentence's one end date (the
    # registry's when known, else Probatio's estimate), written by the sentences' services.
    "EMPRISONNEMENT": [
        (
            PENAL_CODE_1994,
            "none",
            None,
            None,
            None,
            None,
            None,
            "Sans durée saisie : la fin de peine vient des peines enregistrées (onglet « Peine "
            "et dates » : date du greffe, sinon estimation).",
        )
    ],
}

# Measures whose texts apply the control measures of CP 132-44 from their creation (CP 132-43
# and 132-44 for a probation and its reinforced form, CP 132-65 for sentencing deferred with
# probation, CPP 731 for parole, CP 131-36-2 for socio-judicial follow-up, CPP 723-30 for
# surveillance judiciaire). [à vérifier] the list, kept as data (docs/catalogue.md).
CONTROL_MEASURE_TYPES = (
    "SURSIS_PROBATOIRE",
    "SURSIS_PROBATOIRE_RENFORCE",
    "AJOURNEMENT_PROBATION",
    "LC",
    "SSJ",
    "SURVEILLANCE_JUDICIAIRE",
)

# Measures whose period a committal suspends while the person is held (CP 132-43 for a
# probation — its bans on contact and on places keep applying —, CP 131-22 for community work,
# CPP 763-5 for socio-judicial follow-up [à vérifier]). Parole and DDSE are not suspended: a
# committal during them is an incident to report to the judge.
SUSPENDED_BY_CUSTODY = (
    "SURSIS_PROBATOIRE",
    "SURSIS_PROBATOIRE_RENFORCE",
    "TIG",
    "SSJ",
)
# Measures a committal does not suspend but that the judge must hear of (an incident).
REPORTED_ON_CUSTODY = ("LC", "DDSE", "DDSE_AMENAGEMENT", "SEMI_LIBERTE", "PLACEMENT_EXTERIEUR")
# Measures served outside a cell while under écrou: the person is not held in a cell.
OUTSIDE_UNDER_COMMITTAL = ("SEMI_LIBERTE", "PLACEMENT_EXTERIEUR", "DDSE_AMENAGEMENT")
# A release under constraint carried out in one of these forms (``Measure.modality``) is served
# outside a cell while under écrou too; in the form of a parole, the écrou ends.
OUTSIDE_MODALITIES = ("DDSE", "PE", "SL")

# code, label, kind, article item, default proof frequency, proof hint, detail expected
CONTROL, OBLIGATION, PROHIBITION = "control", "obligation", "prohibition"
OBLIGATION_TYPES = [
    (
        "CTRL_CONVOCATION",
        "Répondre aux convocations du JAP et du SPIP",
        CONTROL,
        "CP 132-44",
        "1°",
        "none",
        "",
        "",
    ),
    (
        "CTRL_VISITE_DOCS",
        "Recevoir les visites du SPIP et communiquer les documents demandés",
        CONTROL,
        "CP 132-44",
        "2°",
        "none",
        "",
        "",
    ),
    (
        "CTRL_CHANGEMENT_EMPLOI",
        "Prévenir de tout changement d'emploi",
        CONTROL,
        "CP 132-44",
        "3°",
        "none",
        "",
        "",
    ),
    (
        "CTRL_CHANGEMENT_RESIDENCE",
        "Prévenir de tout changement de résidence et de tout déplacement de plus de 15 jours",
        CONTROL,
        "CP 132-44",
        "4°",
        "none",
        "",
        "",
    ),
    (
        "CTRL_AUTORISATION_JAP",
        "Obtenir l'autorisation préalable du JAP pour un changement d'emploi ou de résidence "
        "faisant obstacle aux obligations",
        CONTROL,
        "CP 132-44",
        "5°",
        "none",
        "",
        "",
    ),
    (
        "CTRL_INFO_ETRANGER",
        "Informer préalablement le JAP de tout déplacement à l'étranger",
        CONTROL,
        "CP 132-44",
        "6°",
        "none",
        "",
        "",
    ),
    (
        "TRAVAIL_FORMATION",
        "Exercer une activité professionnelle ou suivre un enseignement ou une formation",
        OBLIGATION,
        "CP 132-45",
        "1°",
        "monthly",
        "Bulletins de salaire, contrat, attestation de formation, inscription à France Travail",
        "",
    ),
    (
        "RESIDENCE",
        "Établir sa résidence en un lieu déterminé",
        OBLIGATION,
        "CP 132-45",
        "2°",
        "on_change",
        "Justificatif de domicile",
        "",
    ),
    (
        "SOINS",
        "Se soumettre à des mesures d'examen médical, de traitement ou de soins",
        OBLIGATION,
        "CP 132-45",
        "3°",
        "monthly",
        "Attestations de présence uniquement, jamais de contenu médical",
        "care",
    ),
    (
        "CHARGES_FAMILIALES",
        "Contribuer aux charges familiales ou acquitter les pensions alimentaires",
        OBLIGATION,
        "CP 132-45",
        "4°",
        "monthly",
        "Preuves de virement",
        "",
    ),
    (
        "INDEMNISER_VICTIME",
        "Réparer les dommages causés par l'infraction",
        OBLIGATION,
        "CP 132-45",
        "5°",
        "monthly",
        "Reçus de paiement",
        "victim",
    ),
    (
        "PAYER_TRESOR",
        "Acquitter les sommes dues au Trésor public",
        OBLIGATION,
        "CP 132-45",
        "6°",
        "monthly",
        "Reçus de paiement",
        "",
    ),
    (
        "NE_PAS_CONDUIRE",
        "Ne pas conduire certains véhicules (ou seulement avec un éthylotest anti-démarrage)",
        PROHIBITION,
        "CP 132-45",
        "7°",
        "none",
        "",
        "",
    ),
    (
        "INTERDICTION_ACTIVITE",
        "Ne pas exercer l'activité à l'occasion de laquelle "
        "l'infraction a été commise ; pas d'activité au contact habituel de mineurs",
        PROHIBITION,
        "CP 132-45",
        "8°",
        "none",
        "",
        "",
    ),
    (
        "NE_PAS_PARAITRE",
        "S'abstenir de paraître en tout lieu ou zone désignés",
        PROHIBITION,
        "CP 132-45",
        "9°",
        "none",
        "",
        "zone",
    ),
    ("NE_PAS_PARIER", "Ne pas engager de paris", PROHIBITION, "CP 132-45", "10°", "none", "", ""),
    (
        "NE_PAS_FREQUENTER_DEBITS",
        "Ne pas fréquenter les débits de boissons",
        PROHIBITION,
        "CP 132-45",
        "11°",
        "none",
        "",
        "",
    ),
    (
        "NE_PAS_FREQUENTER_CONDAMNES",
        "Ne pas fréquenter certains condamnés (coauteurs ou complices)",
        PROHIBITION,
        "CP 132-45",
        "12°",
        "none",
        "",
        "persons",
    ),
    (
        "NE_PAS_CONTACTER",
        "S'abstenir d'entrer en relation avec certaines personnes (victime, mineurs)",
        PROHIBITION,
        "CP 132-45",
        "13°",
        "none",
        "",
        "victim",
    ),
    (
        "NE_PAS_DETENIR_ARME",
        "Ne pas détenir ou porter une arme",
        PROHIBITION,
        "CP 132-45",
        "14°",
        "once",
        "Preuve de remise de l'arme",
        "",
    ),
    (
        "STAGE_SECURITE_ROUTIERE",
        "Accomplir un stage de sensibilisation à la sécurité routière",
        OBLIGATION,
        "CP 132-45",
        "15°",
        "once",
        "Attestation de stage",
        "",
    ),
    (
        "NE_PAS_DIFFUSER_OEUVRE",
        "Ne pas diffuser d'ouvrage ou d'œuvre portant sur l'infraction",
        PROHIBITION,
        "CP 132-45",
        "16°",
        "none",
        "",
        "",
    ),
    (
        "REMETTRE_ENFANTS",
        "Remettre les enfants à la personne qui en a la garde",
        OBLIGATION,
        "CP 132-45",
        "17°",
        "none",
        "",
        "",
    ),
    (
        "STAGE_CITOYENNETE",
        "Accomplir un stage de citoyenneté",
        OBLIGATION,
        "CP 132-45",
        "18°",
        "once",
        "Attestation de stage",
        "",
    ),
    (
        "STAGE_ACHAT_ACTES_SEXUELS",
        "Accomplir un stage de sensibilisation à la lutte contre l'achat d'actes sexuels",
        OBLIGATION,
        "CP 132-45",
        "",
        "once",
        "Attestation de stage",
        "",
    ),
    (
        "RESIDER_HORS_DOMICILE_COUPLE",
        "Résider hors du domicile du couple (violences conjugales)",
        OBLIGATION,
        "CP 132-45",
        "",
        "on_change",
        "Justificatif de la nouvelle adresse",
        "victim",
    ),
    (
        "STAGE_VIOLENCES_COUPLE",
        "Accomplir un stage de responsabilisation pour la prévention "
        "des violences conjugales et sexistes",
        OBLIGATION,
        "CP 132-45",
        "",
        "once",
        "Attestation de stage",
        "",
    ),
    (
        "PRISE_EN_CHARGE",
        "Suivre un programme de prise en charge sanitaire, sociale, éducative ou psychologique",
        OBLIGATION,
        "CP 132-45",
        "",
        "monthly",
        "Attestations de présence",
        "care",
    ),
    (
        "TIG",
        "Accomplir un travail d'intérêt général",
        OBLIGATION,
        "CP 132-54",
        "",
        "per_session",
        "Heures signées par le tuteur de la structure d'accueil",
        "",
    ),
]


def sync(apps=None) -> None:
    """Create or update the reference tables from the data above (idempotent)."""
    from django.core.cache import cache

    cache.delete("probatio:measure-types")  # measures.selectors.MEASURE_TYPES_CACHE_KEY
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    MeasureType = apps.get_model("measures", "MeasureType")
    MeasureRule = apps.get_model("measures", "MeasureRule")
    ObligationType = apps.get_model("measures", "ObligationType")

    for order, (code, label, short, basis, setting, duties, description) in enumerate(
        MEASURE_TYPES
    ):
        MeasureType.objects.update_or_create(
            code=code,
            defaults=dict(
                label=label,
                short_label=short,
                legal_basis=basis,
                default_setting=setting,
                spip_duties=duties,
                description=description,
                sort_order=order,
            ),
        )
    for code, rules in MEASURE_RULES.items():
        for valid_from, kind, minimum, maximum, max_rec, max_rep, hours, text in rules:
            MeasureRule.objects.update_or_create(
                measure_type_id=code,
                valid_from=valid_from,
                defaults=dict(
                    duration_kind=kind,
                    min_months=minimum[0] if minimum else None,
                    min_days=minimum[1] if minimum else None,
                    max_months=maximum[0] if maximum else None,
                    max_days=maximum[1] if maximum else None,
                    max_months_recidivist=max_rec,
                    max_months_repeat=max_rep,
                    min_hours=hours[0] if hours else None,
                    max_hours=hours[1] if hours else None,
                    text=text,
                ),
            )
    for order, (code, label, kind, basis, item, frequency, hint, detail) in enumerate(
        OBLIGATION_TYPES
    ):
        ObligationType.objects.update_or_create(
            code=code,
            defaults=dict(
                label=label,
                kind=kind,
                legal_basis=basis,
                article_item=item,
                default_proof_frequency=frequency,
                proof_hint=hint,
                detail=detail,
                valid_from=PENAL_CODE_1994,
                sort_order=order,
            ),
        )
