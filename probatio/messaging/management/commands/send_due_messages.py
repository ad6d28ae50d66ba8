from django.core.management.base import BaseCommand

from probatio.messaging import sending


class Command(BaseCommand):
    help = (
        "Envoie tous les rappels et messages dus (filet de sécurité du traitement de fond), "
        "service par service, chacun par son acteur système."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="au plus N messages")

    def handle(self, *args, limit=None, **options):
        counts = sending.send_due_everywhere(limit=limit)
        labels = {
            "sent": "envoyés",
            "retry": "à retenter",
            "failed": "en échec",
            "cancelled": "sans objet",
            "skipped": "déjà pris",
        }
        summary = ", ".join(f"{n} {labels.get(k, k)}" for k, n in sorted(counts.items()))
        self.stdout.write(f"Messages : {summary or 'aucun message dû'}.")
