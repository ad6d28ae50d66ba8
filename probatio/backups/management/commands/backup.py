"""``manage.py backup [--to DOSSIER]``: one archive of the database and the private files,
encrypted when ``BACKUP_KEY`` is set (docs/deployment.md, « Sauvegarde et restauration »)."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from probatio.backups import services
from probatio.backups.databases import vendor_label
from probatio.core.text import count, number_fr

KEY_VARIABLE = "BACKUP_KEY"


def backup_key() -> str | None:
    """The key of the environment, or None: an empty value is no key."""
    return os.environ.get(KEY_VARIABLE, "").strip() or None


class Command(BaseCommand):
    help = (
        "Sauvegarde la base de données et les fichiers privés dans une archive (chiffrée si "
        "BACKUP_KEY est définie)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            dest="directory",
            default=None,
            help="dossier où écrire l'archive (par défaut var/backups/)",
        )

    def handle(self, *args, directory=None, **options):
        key = backup_key()
        target = Path(directory) if directory else services.default_directory()
        try:
            result = services.create_backup(directory=target, key=key)
        except services.BackupError as error:
            raise CommandError(f"Sauvegarde impossible : {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite : {result.path} ({services.size_fr(result.size)}, "
                + (
                    "chiffrée"
                    if result.encrypted
                    else "non chiffrée : BACKUP_KEY n'est pas définie"
                )
                + ")."
            )
        )
        self.stdout.write(
            f"  base {vendor_label(result.vendor)} : {count(result.tables, 'table')}, "
            f"{number_fr(result.rows)} lignes"
        )
        self.stdout.write(
            f"  fichiers privés : {count(result.files, 'fichier')} "
            f"({services.size_fr(result.files_size)})"
        )
        self.stdout.write(f"  journal d'audit : {count(result.chains, 'tête')} de chaîne")
        self.stdout.write(f"  durée : {number_fr(round(result.seconds, 1))} s")
