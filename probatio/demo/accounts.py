"""The demonstration accounts, shown on the sign-in help and by ``manage.py demo_logins``.

They exist only in demo data (``manage.py load_demo``), all with the password
``settings.PROBATIO_DEMO_PASSWORD``.
"""

# (username, role label, what the account shows)
DEMO_ACCOUNTS = [
    ("cpip.demo", "CPIP", "Conseillère avec un portefeuille d'environ 60 personnes"),
    ("encadrement.demo", "Encadrement (DPIP)", "Vue du service, attribution des suivis"),
    ("secretariat.demo", "Secrétariat", "Enregistrement des dossiers et des décisions"),
    ("juge.demo", "JAP", "Magistrate mandante d'une large part des mesures du service"),
    (
        "multi.demo",
        "CPIP et encadrement",
        "Deux rattachements : choisit puis change de rôle depuis l'en-tête",
    ),
]

LOGIN_URL = "http://127.0.0.1:8000/connexion/"
