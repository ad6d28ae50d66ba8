from django.core.management.base import BaseCommand
from django.db import transaction

from probatio.assessments.grids import sync


class Command(BaseCommand):
    help = "Enregistre les versions de la grille d'évaluation qui ne le sont pas encore."

    def handle(self, *args, **options):
        with transaction.atomic():
            sync()
        self.stdout.write(self.style.SUCCESS("Grilles d'évaluation à jour."))
