"""Plausible interview notes for the demo data.

Notes describe the follow-up (presence, proofs, steps taken, next appointment); they never hold
clinical content: care is only ever said to be followed, with an attendance certificate.
"""

import random
from dataclasses import dataclass, field
from datetime import date


@dataclass
class NoteContext:
    """What a note may speak of, gathered by the builder for one person."""

    female: bool
    name: str  # "M. DUPONT" / "Mme DUPONT"
    measure_phrase: str  # "du sursis probatoire de 24 mois"
    decision_phrase: str  # "le 12/03/2025 par le tribunal correctionnel d'Amiens"
    obligation_codes: list[str] = field(default_factory=list)
    obligation_labels: list[str] = field(default_factory=list)
    housing: str = ""
    employment: str = ""
    care_structure: str = ""
    in_custody: bool = False
    establishment: str = ""
    tig_host: str = ""
    tig_hours: int = 0
    electronic: bool = False  # DDSE or ARSE


def _g(ctx: NoteContext, masculine: str, feminine: str) -> str:
    return feminine if ctx.female else masculine


def _housing_phrase(ctx: NoteContext) -> str:
    return {
        "own_home": "vivre dans son logement",
        "hosted_family": _g(ctx, "être hébergé chez un proche", "être hébergée chez un proche"),
        "shelter": _g(ctx, "être hébergé en structure (CHRS)", "être hébergée en structure (CHRS)"),
        "social_housing": "vivre en logement social",
        "homeless": "être sans hébergement stable, domiciliation au CCAS",
    }.get(ctx.housing, "disposer d'un hébergement")


def _employment_phrase(ctx: NoteContext) -> str:
    return {
        "employed_permanent": "travailler en CDI",
        "employed_temporary": "enchaîner des missions d'intérim",
        "training": "suivre une formation",
        "job_seeker": "rechercher un emploi (inscription à France Travail)",
        "not_registered": "ne pas avoir d'activité à ce jour",
        "retired": "être à la retraite",
        "disability": "percevoir une pension d'invalidité",
    }.get(ctx.employment, "chercher une activité")


def _proof_sentences(ctx: NoteContext, rng: random.Random) -> list[str]:
    sentences = []
    codes = set(ctx.obligation_codes)
    if "SOINS" in codes:
        where = ctx.care_structure or "la structure de soins"
        sentences.append(
            rng.choice(
                [
                    f"Remet une attestation de présence ({where}) pour le mois écoulé.",
                    f"Justifie de deux rendez-vous honorés ({where}) ; attestation versée "
                    "au dossier.",
                    f"N'a pas apporté son attestation de suivi ({where}) : à transmettre sous huit "
                    "jours.",
                ]
            )
        )
    if "TRAVAIL_FORMATION" in codes:
        sentences.append(
            rng.choice(
                [
                    "Présente ses trois derniers bulletins de salaire.",
                    "Justifie de son inscription à France Travail et de plusieurs candidatures.",
                    "Remet une attestation d'entrée en formation.",
                    "Point sur la recherche d'emploi : orientation vers une agence d'intérim "
                    "d'insertion.",
                ]
            )
        )
    if "INDEMNISER_VICTIME" in codes:
        sentences.append(
            rng.choice(
                [
                    "Justifie d'un versement à la partie civile ; un échéancier mensuel a été "
                    "convenu.",
                    "Aucun versement à la partie civile depuis le dernier entretien : rappel de "
                    "l'obligation, échéancier à proposer.",
                    "Reçu de paiement à la partie civile remis.",
                ]
            )
        )
    if "PAYER_TRESOR" in codes:
        sentences.append(
            "Un échéancier a été obtenu auprès du Trésor public ; reçus à produire chaque mois."
        )
    if "CHARGES_FAMILIALES" in codes:
        sentences.append("Preuves de virement de la pension alimentaire remises.")
    if codes & {"STAGE_SECURITE_ROUTIERE", "STAGE_CITOYENNETE", "STAGE_VIOLENCES_COUPLE"}:
        sentences.append(
            rng.choice(
                [
                    "Inscription au stage effectuée ; attestation à remettre dès la fin du stage.",
                    "Attestation de stage remise.",
                ]
            )
        )
    if "NE_PAS_CONTACTER" in codes:
        sentences.append(
            "Rappel de l'interdiction d'entrer en contact avec la victime ; dit la respecter."
        )
    rng.shuffle(sentences)
    return sentences[:2]


def _attitude(ctx: NoteContext, rng: random.Random) -> str:
    return rng.choice(
        [
            "Échange constructif ; adhère au suivi.",
            _g(
                ctx,
                "Se montre ponctuel et investi dans ses démarches.",
                "Se montre ponctuelle et investie dans ses démarches.",
            ),
            "Discours encore minimisant sur les faits : travail à poursuivre lors des prochains "
            "entretiens.",
            "Reconnaît les faits et dit vouloir tourner la page.",
            _g(
                ctx,
                "Peu disert aujourd'hui ; l'entretien a été bref.",
                "Peu diserte aujourd'hui ; l'entretien a été bref.",
            ),
        ]
    )


def _next_appointment(rng: random.Random) -> str:
    return rng.choice(
        [
            "Prochain rendez-vous dans un mois.",
            "Prochain rendez-vous dans trois semaines.",
            "Prochain rendez-vous dans six semaines.",
            "Prochain rendez-vous fixé ; convocation remise en main propre.",
        ]
    )


def first_interview(ctx: NoteContext, rng: random.Random) -> tuple[str, str]:
    if ctx.in_custody:
        return "Entretien arrivant", (
            f"Entretien arrivant ({ctx.establishment}). Présentation du SPIP et du parcours "
            "d'exécution de peine. Point sur la situation familiale et sur les démarches à "
            "engager (maintien des droits, contacts avec la famille). "
            f"{ctx.name} demande à travailler en détention ; demande transmise à la "
            "commission de classement."
        )
    obligations = ", ".join(label.lower() for label in ctx.obligation_labels[:4])
    cadre = f" et des obligations ({obligations})" if obligations else ""
    return "Premier entretien", (
        f"Premier entretien dans le cadre {ctx.measure_phrase} prononcé {ctx.decision_phrase}. "
        f"Rappel du cadre de la mesure{cadre} et des conséquences d'un non-respect. "
        f"{ctx.name} indique {_housing_phrase(ctx)} et {_employment_phrase(ctx)}. "
        f"{_g(ctx, 'Il', 'Elle')} dit avoir compris les attentes du juge. "
        "Liste des justificatifs à apporter remise. " + _next_appointment(rng)
    )


def follow_up(ctx: NoteContext, rng: random.Random, when: date) -> tuple[str, str]:
    if ctx.in_custody:
        subject, body = rng.choice(
            [
                (
                    "Préparation à la sortie",
                    "Point sur le projet de sortie : hébergement envisagé chez un proche, "
                    "démarches France Travail à engager dès la libération. Une demande "
                    "d'aménagement de peine pourra être étudiée ; pièces à réunir expliquées.",
                ),
                (
                    "Préparation de la CAP",
                    "Préparation de la commission d'application des peines : situation pénale "
                    "revue, comportement en détention sans incident signalé, participation aux "
                    "activités scolaires. Avis favorable aux réductions de peine envisagé.",
                ),
                (
                    "Entretien de suivi",
                    "Entretien de suivi en détention. Maintien des liens familiaux par les "
                    "parloirs ; demande de permis de visite pour un proche transmise au greffe. "
                    "Inscription à l'atelier de remobilisation proposée.",
                ),
                (
                    "Entretien de suivi",
                    "Point sur l'indemnisation des parties civiles : prélèvements sur le pécule "
                    "expliqués. Demande de formation qualifiante en cours d'examen.",
                ),
            ]
        )
        return subject, body
    roll = rng.random()
    if roll < 0.08:
        return "Absence au rendez-vous", (
            f"{_g(ctx, 'Absent', 'Absente')} au rendez-vous du {when:%d/%m/%Y}, sans "
            "justificatif. Nouvelle convocation adressée par courrier. Un rapport d'incident "
            "sera adressé au juge en cas de nouvelle absence."
        )
    if roll < 0.15:
        return "Entretien téléphonique", (
            f"Appel de {ctx.name} pour reporter son rendez-vous pour un motif professionnel ; "
            "justificatif demandé. Rendez-vous reprogrammé la semaine suivante."
        )
    if ctx.tig_hours and roll < 0.40:
        done = rng.randint(1, max(1, ctx.tig_hours // 10)) * 7
        done = min(done, ctx.tig_hours)
        return "Point sur le TIG", (
            f"Point TIG : poste auprès de {ctx.tig_host}. {done} heures effectuées sur "
            f"{ctx.tig_hours}. Le tuteur fait un retour positif sur la ponctualité et la "
            "qualité du travail. " + _next_appointment(rng)
        )
    if ctx.electronic and roll < 0.40:
        return "Point sur la surveillance électronique", (
            "Horaires d'assignation globalement respectés ; deux retards de quelques minutes "
            "signalés par le pôle de surveillance, explications données. Demande de "
            "modification horaire pour un entretien d'embauche, transmise au juge."
        )
    if roll < 0.47:
        return "Visite à domicile", (
            "Visite à domicile réalisée. Les conditions d'hébergement correspondent à ce qui "
            f"avait été déclaré. {_attitude(ctx, rng)}"
        )
    parts = [_g(ctx, "Présent à l'heure au rendez-vous.", "Présente à l'heure au rendez-vous.")]
    parts += _proof_sentences(ctx, rng)
    parts.append(_attitude(ctx, rng))
    parts.append(_next_appointment(rng))
    return "Entretien de suivi", " ".join(parts)


def monitoring_setup(ctx: NoteContext, when: date) -> tuple[str, str]:
    return "Pose du bracelet électronique", (
        f"Pose du dispositif de surveillance électronique au domicile le {when:%d/%m/%Y}. "
        "Horaires d'assignation rappelés et remis par écrit ; test de l'équipement concluant. "
        f"{ctx.name} a signé le procès-verbal de pose."
    )


def confidential(ctx: NoteContext) -> tuple[str, str]:
    return "Entretien de suivi (éléments personnels)", (
        f"{ctx.name} évoque des difficultés familiales importantes (séparation en cours, "
        "inquiétudes sur la garde des enfants). Éléments confiés à titre personnel, à ne pas "
        "diffuser au-delà du référent et de l'encadrement. Orientation vers le point d'accès "
        "au droit proposée."
    )


def psychologist(ctx: NoteContext, rng: random.Random) -> tuple[str, str]:
    return "Entretien avec la psychologue du service", rng.choice(
        [
            f"Entretien dans le cadre du suivi pluridisciplinaire. {ctx.name} s'est "
            f"{_g(ctx, 'saisi', 'saisie')} de l'espace proposé. Poursuite des rencontres à un "
            "rythme mensuel.",
            "Deuxième rencontre. Échange sur le parcours et sur les projets ; l'orientation vers "
            "un suivi extérieur sera reprise au prochain entretien.",
        ]
    )


def social_worker(ctx: NoteContext, rng: random.Random) -> tuple[str, str]:
    return "Point accès aux droits", rng.choice(
        [
            "Dossier de complémentaire santé solidaire déposé auprès de la CPAM ; demande de "
            "domiciliation engagée au CCAS.",
            "Aide à la constitution du dossier CAF et à la demande de RSA. Rendez-vous pris avec "
            "la mission locale.",
            "Demande d'hébergement déposée auprès du SIAO ; orientation vers une permanence "
            "d'accès aux droits.",
            "Renouvellement de la carte d'identité : formulaire complété, rendez-vous en mairie "
            "obtenu.",
        ]
    )
