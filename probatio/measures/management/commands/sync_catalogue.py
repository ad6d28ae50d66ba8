from django.core.management.base import BaseCommand
from django.db import transaction

from probatio.measures.catalogue import sync


class Command(BaseCommand):
    help = "Met à jour les catalogues de mesures et d'obligations (codes, libellés, bornes)."

    def handle(self, *args, **options):
        with transaction.atomic():
            sync()
        self.stdout.write(self.style.SUCCESS("Catalogues à jour."))
