from django.core.management.base import BaseCommand, CommandError

from probatio.audit import anchors


class Command(BaseCommand):
    help = (
        "Exporte les têtes de chaîne du journal d'audit (ancres), signées avec la clé "
        "AUDIT_ANCHOR_KEY, dans un nouveau fichier (jamais écrasé)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            metavar="FICHIER_OU_DOSSIER",
            help="Fichier à créer, ou dossier où créer le fichier (AUDIT_ANCHOR_DIR par défaut).",
        )

    def handle(self, *args, **options):
        try:
            path = anchors.export(to=options["to"])
        except anchors.AnchorError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Ancres du journal exportées : {path}"))
