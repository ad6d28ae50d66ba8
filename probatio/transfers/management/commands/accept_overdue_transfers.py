"""One pass of the transfers' periodic work, by hand: the reminders due today, then the
automatic acceptance of every request left unanswered past the platform's delay (each by its
receiving service's system actor). ``run_worker`` does the same every hour."""

from django.core.management.base import BaseCommand

from probatio.core.text import count
from probatio.transfers import services


class Command(BaseCommand):
    help = (
        "Relance les services d'accueil et accepte automatiquement les demandes de transfert "
        "restées sans réponse au-delà du délai fixé par l'administration de la plateforme."
    )

    def handle(self, *args, **options):
        done = services.run_periodic()
        self.stdout.write(
            f"{count(done['reminders'], 'relance envoyée', 'relances envoyées')}, "
            f"{count(done['accepted'], 'transfert accepté', 'transferts acceptés')} "
            "automatiquement."
        )
