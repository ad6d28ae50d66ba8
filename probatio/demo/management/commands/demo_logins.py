"""``manage.py demo_logins``: print the demonstration accounts and where to sign in."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError

from probatio.demo.accounts import (
    DEMO_ACCOUNTS,
    DEMO_SECRET,
    LOGIN_URL,
    demo_code,
    has_demo_device,
)


def _existing_usernames() -> set[str] | None:
    """Demo usernames present in the database, or None when it cannot be read."""
    from probatio.accounts.models import User

    try:
        return set(
            User.objects.filter(username__in=[a[0] for a in DEMO_ACCOUNTS]).values_list(
                "username", flat=True
            )
        )
    except DatabaseError:
        return None


def print_logins(stdout, style) -> None:
    existing = _existing_usernames()
    accounts = [a for a in DEMO_ACCOUNTS if existing is None or a[0] in existing]
    if not accounts:
        stdout.write(
            style.WARNING(
                "Aucun compte de démonstration dans cette base : "
                "lancez d'abord « manage.py load_demo »."
            )
        )
        return
    password = settings.PROBATIO_DEMO_PASSWORD
    widths = [
        max(
            len(row[i])
            for row in [("Identifiant", "Rôle", "Mot de passe")]
            + [(u, r, password) for u, r, _ in accounts]
        )
        for i in range(3)
    ]
    header = ("Identifiant", "Rôle", "Mot de passe")
    stdout.write("Comptes de démonstration :")
    stdout.write("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    stdout.write("  " + "  ".join("-" * w for w in widths))
    for username, role, description in accounts:
        cells = (username, role, password)
        line = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
        stdout.write(f"  {line}  {description}")
    stdout.write("")
    stdout.write(f"Connexion : {LOGIN_URL}")
    _print_second_factor(stdout, style, [a[0] for a in accounts])


def _print_second_factor(stdout, style, usernames) -> None:
    """The demo accounts' second factor: the code now, and the public key to add to an app.
    Only for accounts whose device holds the demo key (demo data): never a real secret."""
    from probatio.accounts.models import User

    try:
        demo = [u for u in User.objects.filter(username__in=usernames) if has_demo_device(u)]
    except DatabaseError:
        return
    if not demo:
        stdout.write(
            style.WARNING(
                "Double authentification : aucun compte de démonstration n'a la clé de "
                "démonstration, aucun code n'est affiché."
            )
        )
        return
    left = 30 - int(time.time()) % 30
    stdout.write(
        f"Double authentification (démonstration) : code actuel {demo_code()} "
        f"(valable encore {left} s ; relancez « manage.py demo_logins » pour le suivant), "
        f"ou ajoutez la clé {DEMO_SECRET} à une application d'authentification."
    )


class Command(BaseCommand):
    help = "Affiche les comptes de démonstration et l'adresse de connexion."

    def handle(self, *args, **options):
        print_logins(self.stdout, self.style)
