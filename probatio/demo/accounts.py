"""The demonstration accounts, shown on the sign-in help and by ``manage.py demo_logins``.

They exist only in demo data (``manage.py load_demo``), all with the password
``settings.PROBATIO_DEMO_PASSWORD`` and the same second factor: a TOTP device with the fixed
key ``DEMO_TOTP_KEY`` (public, demo only), whose current code ``demo_logins`` prints. A device
with another key is never printed: an account that happens to bear a demo name in real data
keeps its secret.
"""

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

# 20 bytes, in hexadecimal as django-otp stores it: base32 "KBZG6YTBORUW6LJNMRSW233POBZG6YTB".
DEMO_TOTP_KEY = "50726f626174696f2d2d64656d6f6f70726f6261"
DEMO_SECRET = "KBZG 6YTB ORUW 6LJN MRSW 233P OBZG 6YTB"  # the same key, as apps take it
DEMO_DEVICE_NAME = "Démonstration (clé publique)"

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


def demo_devices(users) -> int:
    """Give each demo account its (public) second factor; the number created."""
    created = 0
    for user in users:
        if not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(
                user=user, name=DEMO_DEVICE_NAME, key=DEMO_TOTP_KEY, confirmed=True
            )
            created += 1
    return created


def demo_code(at: float | None = None) -> str:
    """The demo accounts' code now (or at the Unix time ``at``)."""
    from binascii import unhexlify

    totp = TOTP(unhexlify(DEMO_TOTP_KEY), step=30, t0=0, digits=6)
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"


def has_demo_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, key=DEMO_TOTP_KEY, confirmed=True).exists()
