from django.core.management.base import BaseCommand

from probatio.accounts.system import SystemActor
from probatio.core.text import count
from probatio.organisation.models import Service
from probatio.sentences import services

REASON = "recalcul de nuit des dates de peine"


class Command(BaseCommand):
    help = (
        "Recalcule les dates de peine estimées de toutes les personnes écrouées (traitement de "
        "nuit ; un service seulement avec --service). Chaque service est traité par son acteur "
        "système, journalisé comme tel."
    )

    def add_arguments(self, parser):
        parser.add_argument("--service", type=int, default=None, help="identifiant du service")

    def handle(self, *args, service=None, **options):
        services_ids = Service.objects.order_by("pk").values_list("pk", flat=True)
        if service is not None:
            services_ids = services_ids.filter(pk=service)
        for service_id in services_ids:
            counts = services.recompute_all(actor=SystemActor(service_id=service_id, reason=REASON))
            self.stdout.write(
                f"Service {service_id} — dates de peine : "
                f"{count(counts['computed'], 'écrou calculé', 'écrous calculés')}, "
                f"{count(counts['changed'], 'modifié')}, {counts['without_sentence']} sans "
                f"peine saisie, {counts['errors']} en erreur."
            )
