"""``manage.py restore ARCHIVE [--force] [--anchors FICHIER]``: restore a backup into the
database of ``DATABASE_URL`` and the private files' folder, then check it (docs/deployment.md,
« Sauvegarde et restauration »)."""

from django.core.management.base import BaseCommand, CommandError

from probatio.backups import services
from probatio.backups.management.commands.backup import backup_key
from probatio.core.text import count, number_fr


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde (base de données et fichiers privés) puis vérifie les lignes, "
        "les fichiers et le journal d'audit. Refuse une base cible non vide sans --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="l'archive écrite par « manage.py backup »")
        parser.add_argument(
            "--force",
            action="store_true",
            help="écraser une base cible qui contient déjà des comptes, services ou personnes",
        )
        parser.add_argument(
            "--anchors",
            default=None,
            help="fichier d'ancres du journal (ou leur dossier : le plus récent) à vérifier "
            "après la restauration (verify_audit_chain --anchors)",
        )

    def handle(self, *args, archive, force, anchors, **options):
        try:
            result = services.restore_backup(
                archive=archive,
                key=backup_key(),
                force=force,
                anchors=anchors,
                progress=self.stdout.write,
            )
        except services.BackupError as error:
            raise CommandError(f"Restauration refusée : {error}") from error
        for note in result.notes:
            self.stdout.write(f"Remarque : {note}")
        self.stdout.write("Vérifications :")
        for line in result.checks:
            self.stdout.write(f"  {line}")
        for line in result.problems:
            self.stderr.write(f"  ÉCART {line}")
        seconds = number_fr(round(result.seconds, 1))
        if result.problems:
            raise CommandError(
                f"Restauration faite en {seconds} s, mais les vérifications relèvent "
                f"{count(len(result.problems), 'écart')} : voir ci-dessus."
            )
        self.stdout.write(self.style.SUCCESS(f"Restauration réussie et vérifiée en {seconds} s."))
