from django.core.management.base import BaseCommand

from probatio.sentences import services


class Command(BaseCommand):
    help = (
        "Recalcule les dates de peine estimées de toutes les personnes écrouées (traitement de "
        "nuit ; un service seulement avec --service)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--service", type=int, default=None, help="identifiant du service")

    def handle(self, *args, service=None, **options):
        counts = services.recompute_all(service_id=service)
        self.stdout.write(
            f"Dates de peine : {counts['computed']} écrou(s) calculé(s), "
            f"{counts['changed']} modifié(s), {counts['without_sentence']} sans peine saisie, "
            f"{counts['errors']} en erreur."
        )
