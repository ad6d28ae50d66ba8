"""The demo's partner directory: some thirty partners of the département, of every kind, with
their sites and areas served, contacts, conventions with the service, two inactive ones, and
a CPIP authorised by the manager to manage the directory. Written through the directory's
services (journaled like real entries).

Names are those of public bodies and of plausible local associations; contacts are made up.
"""

import unicodedata

from probatio.access.roles import Role
from probatio.core.dates import add_months
from probatio.demo import vocabulary as voc
from probatio.reintegration import partners

# INSEE commune codes of the demo towns that have one here (areas mix them with postcodes).
COMMUNE_CODES = {
    ("80", "Amiens"): "80021",
    ("80", "Abbeville"): "80001",
    ("80", "Albert"): "80016",
    ("80", "Péronne"): "80620",
    ("80", "Montdidier"): "80561",
    ("80", "Doullens"): "80253",
}

# Postcodes of the suburbs a local partner of the town also serves.
SUBURBS = {("80", "Amiens"): ["80330", "80450", "80136"]}

# (kind, name, pathways, services offered, presentation, towns: indexes into the département's
# communes, the first being the head office; "dept" when the whole département is served).
# ``{of}`` is "d'Amiens", "de Laon"…; ``{dept}`` the département's name ("la Somme").
CATALOGUE = [
    (
        "emergency_housing",
        "SIAO {dept_of} — 115",
        ["housing"],
        "Orientation vers l'hébergement d'urgence et d'insertion, veille sociale, 115.",
        "Service intégré d'accueil et d'orientation : toute demande d'hébergement passe par lui.",
        [0],
        True,
    ),
    (
        "emergency_housing",
        "Accueil de nuit {of}",
        ["housing"],
        "Mise à l'abri, accueil de nuit, douches et bagagerie.",
        "",
        [1],
        False,
    ),
    (
        "housing",
        "CHRS L'Escale {of}",
        ["housing", "rights"],
        "Hébergement et accompagnement social, places réservées aux sortants de détention.",
        "Centre d'hébergement et de réinsertion sociale.",
        [0, 2],
        False,
    ),
    (
        "housing",
        "Résidence sociale Les Tilleuls",
        ["housing"],
        "Logement temporaire en résidence sociale, accompagnement vers le logement.",
        "",
        [4],
        False,
    ),
    (
        "housing",
        "Association Toit et Insertion",
        ["housing", "finances"],
        "Intermédiation locative, logements relais, aide à l'ouverture des droits au logement.",
        "Association agréée pour l'intermédiation locative.",
        [0],
        True,
    ),
    (
        "health",
        "Permanence d'accès aux soins de santé (PASS) — hôpital {of}",
        ["health", "rights"],
        "Consultations sans couverture sociale, accompagnement vers l'ouverture des droits.",
        "",
        [0],
        True,
    ),
    (
        "health",
        "Centre de santé municipal {of}",
        ["health"],
        "Médecine générale, soins infirmiers, tiers payant.",
        "",
        [1],
        False,
    ),
    (
        "addiction",
        "CSAPA Le Mail {of}",
        ["health"],
        "Soins en addictologie (alcool, drogues, jeux), suivi des obligations de soins.",
        "Centre de soins, d'accompagnement et de prévention en addictologie.",
        [0, 1],
        True,
    ),
    (
        "addiction",
        "CAARUD Entr'Aide",
        ["health"],
        "Réduction des risques, matériel, accueil sans rendez-vous.",
        "",
        [0],
        False,
    ),
    (
        "mental_health",
        "Centre médico-psychologique (CMP) {of}",
        ["health"],
        "Consultations de psychiatrie et de psychologie adultes, suivi des injonctions de soins.",
        "",
        [0],
        False,
    ),
    (
        "mental_health",
        "Groupe d'entraide mutuelle L'Éclaircie",
        ["health", "family"],
        "Accueil, activités collectives, rompre l'isolement.",
        "",
        [5],
        False,
    ),
    (
        "employment",
        "France Travail {of}",
        ["employment", "finances"],
        "Inscription, accompagnement vers l'emploi, indemnisation, ateliers CV.",
        "Agence locale de France Travail.",
        [0],
        False,
    ),
    (
        "employment",
        "France Travail {of}",
        ["employment", "finances"],
        "Inscription, accompagnement vers l'emploi, indemnisation.",
        "Agence locale de France Travail.",
        [1],
        False,
    ),
    (
        "employment",
        "Mission locale {of}",
        ["employment", "rights", "housing"],
        "Accompagnement des 16-25 ans : emploi, formation, contrat d'engagement jeune.",
        "",
        [0, 4],
        False,
    ),
    (
        "employment",
        "Chantier d'insertion Les Jardins du Marais",
        ["employment"],
        "Contrats à durée déterminée d'insertion en maraîchage et espaces verts, TIG.",
        "Atelier et chantier d'insertion, accueille aussi des travaux d'intérêt général.",
        [3],
        False,
    ),
    (
        "training",
        "GRETA {dept_of}",
        ["employment", "education"],
        "Formations qualifiantes, remise à niveau, validation des acquis.",
        "",
        [0],
        True,
    ),
    (
        "training",
        "AFPA {of}",
        ["employment"],
        "Formations aux métiers du bâtiment, de l'industrie et des services, hébergement.",
        "",
        [0],
        True,
    ),
    (
        "literacy",
        "Centre de ressources illettrisme {dept_of}",
        ["education"],
        "Repérage de l'illettrisme, orientation vers des ateliers de savoirs de base.",
        "",
        [0],
        True,
    ),
    (
        "literacy",
        "Lire et Écrire ensemble",
        ["education"],
        "Ateliers de lecture et d'écriture, français langue étrangère.",
        "",
        [1],
        False,
    ),
    (
        "social_rights",
        "CPAM {dept_of}",
        ["rights", "health"],
        "Ouverture et maintien des droits à l'assurance maladie, complémentaire santé solidaire.",
        "Caisse primaire d'assurance maladie.",
        [0],
        True,
    ),
    (
        "social_rights",
        "CAF {dept_of}",
        ["finances", "housing", "rights"],
        "RSA, aides au logement, prestations familiales.",
        "Caisse d'allocations familiales.",
        [0],
        True,
    ),
    (
        "social_rights",
        "Point justice {of}",
        ["rights"],
        "Permanences d'avocats, de conciliateurs et de juristes, accès au droit.",
        "",
        [1],
        False,
    ),
    (
        "victim_support",
        "France Victimes {dept_code}",
        ["rights"],
        "Aide aux victimes, information sur les droits, soutien psychologique.",
        "Association d'aide aux victimes conventionnée par le ministère de la Justice.",
        [0],
        True,
    ),
    (
        "culture_sport",
        "Association Sport et Citoyenneté",
        ["family", "health"],
        "Activités sportives encadrées, stages de citoyenneté par le sport.",
        "",
        [0],
        False,
    ),
    (
        "culture_sport",
        "Médiathèque et ateliers d'écriture {of}",
        ["education", "family"],
        "Ateliers d'écriture, prêt de livres, médiation culturelle en détention.",
        "",
        [1],
        False,
    ),
    (
        "socio_judicial",
        "Association de contrôle judiciaire et d'enquêtes {dept_of}",
        ["rights", "family"],
        "Enquêtes sociales rapides, contrôle judiciaire socio-éducatif, stages.",
        "Association socio-judiciaire habilitée.",
        [0],
        True,
    ),
    (
        "socio_judicial",
        "Maison des familles {of}",
        ["family"],
        "Accueil des familles de personnes détenues, maintien des liens.",
        "",
        [0],
        False,
    ),
    (
        "other",
        "Épicerie solidaire Le Panier",
        ["finances"],
        "Aide alimentaire, accompagnement budgétaire.",
        "",
        [2],
        False,
    ),
    (
        "other",
        "Banque de France — accueil surendettement",
        ["finances"],
        "Dossiers de surendettement, droit au compte.",
        "",
        [0],
        True,
    ),
    (
        "housing",
        "Foyer de jeunes travailleurs Le Relais",
        ["housing", "employment"],
        "Logement des 16-30 ans en emploi ou en formation.",
        "",
        [1],
        False,
    ),
]

# Partners that closed or stopped working with the service (shown as inactive).
INACTIVE = {"Accueil de nuit {of}", "Groupe d'entraide mutuelle L'Éclaircie"}

FUNCTIONS = [
    "Directeur·rice",
    "Chef·fe de service",
    "Travailleur·se social·e",
    "Conseiller·ère en insertion",
    "Coordinateur·rice",
    "Secrétariat",
    "Infirmier·ère",
]

AGREEMENTS = {
    "emergency_housing": ("Orientation des personnes sortant de détention sans solution", 4),
    "housing": ("Places d'hébergement réservées aux personnes suivies par le SPIP", 6),
    "addiction": ("Suivi des obligations de soins en addictologie", None),
    "employment": ("Accompagnement renforcé vers l'emploi des personnes suivies", None),
    "socio_judicial": ("Enquêtes et stages de citoyenneté", None),
    "victim_support": ("Information des victimes et justice restaurative", None),
}


def _slug(text: str) -> str:
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in flat).split())[:40].strip("-")


def _department_name(department: voc.Department) -> tuple[str, str]:
    """("de la Somme", "la Somme") from "SPIP de la Somme"."""
    of = department.name.removeprefix("SPIP ").strip()
    return of, of.removeprefix("de ").removeprefix("du ").removeprefix("des ")


def _phone(rng) -> str:
    return "03 " + " ".join(str(rng.randint(10, 99)) for _ in range(4))


def build_partners(*, service, staff, rng, fake, today) -> None:
    department = next(
        (d for d in voc.DEPARTMENTS if d.code == service.department_code), voc.DEPARTMENTS[0]
    )
    dept_of, _ = _department_name(department)
    manager = staff[Role.MANAGER][0]
    communes = department.communes
    for number, (kind, template, pathways, offered, about, towns, whole) in enumerate(CATALOGUE):
        head_town, head_postcode = communes[towns[0] % len(communes)]
        name = template.format(
            of=voc.of_place(head_town), dept_of=dept_of, dept_code=department.code
        )
        sites = []
        for position, index in enumerate(towns):
            town, postcode = communes[index % len(communes)]
            areas = [department.code] if whole and position == 0 else [postcode]
            commune_code = COMMUNE_CODES.get((department.code, town))
            if commune_code and not (whole and position == 0):
                areas.append(commune_code)
            if not whole and position == 0:
                # Local partners serve the whole town (all its postcodes) and its suburbs.
                areas += [p for t, p in communes if t == town and p not in areas]
                areas += SUBURBS.get((department.code, town), [])
            sites.append(
                {
                    "name": "Siège" if position == 0 else f"Antenne {voc.of_place(town)}",
                    "address": fake.street_address(),
                    "postcode": postcode,
                    "city": town,
                    "areas": areas,
                    "opening_hours": rng.choice(
                        [
                            "Du lundi au vendredi, 9 h - 12 h 30 et 13 h 30 - 17 h",
                            "Lundi, mercredi et vendredi, 9 h - 12 h",
                            "Sur rendez-vous",
                            "Accueil sans rendez-vous du mardi au samedi, 14 h - 18 h",
                        ]
                    ),
                }
            )
        email_domain = f"{_slug(name)}.example.org"
        partner = partners.partner_create(
            membership=manager,
            data={
                "name": name,
                "kind": kind,
                "pathways": pathways,
                "services_offered": offered,
                "description": about,
                "postcode": head_postcode,
                "phone": _phone(rng),
                "email": f"accueil@{email_domain}",
                "website": f"https://{email_domain}/",
            },
            site=sites[0],
            contact={
                "name": f"{fake.first_name()} {fake.last_name()}",
                "function": rng.choice(FUNCTIONS),
                "phone": _phone(rng),
                "email": f"contact@{email_domain}",
            },
        )
        for site in sites[1:]:
            partners.site_save(membership=manager, partner=partner, data=site)
        if number % 3 == 0:
            partners.contact_save(
                membership=manager,
                partner=partner,
                data={
                    "name": f"{fake.first_name()} {fake.last_name()}",
                    "function": rng.choice(FUNCTIONS),
                    "phone": _phone(rng),
                    "email": "",
                },
            )
        if kind in AGREEMENTS and number % 2 == 0:
            scope, places = AGREEMENTS[kind]
            start = add_months(today, -rng.randint(6, 30))
            partners.agreement_save(
                membership=manager,
                partner=partner,
                data={
                    "start_date": start,
                    "end_date": add_months(start, 36),
                    "scope": scope,
                    "places": places,
                },
            )
        if template in INACTIVE:
            partners.partner_set_active(membership=manager, partner=partner, active=False)
    # A CPIP other than the demo account (and the social worker) manage the directory too.
    cpips = staff.get(Role.CPIP, [])
    for member in cpips[1:2] + staff.get(Role.SOCIAL_WORKER, [])[:1]:
        partners.editor_grant(membership=manager, user_id=member.user_id)
