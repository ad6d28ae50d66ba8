"""``python manage.py rebuild_due_items [--service ID] [--force]``: the échéancier's stored
items computed for today, as the nightly job does (docs/deadlines.md, « Stored items »)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from probatio.accounts.system import SystemActor
from probatio.core.text import count
from probatio.deadlines.services import refresh
from probatio.organisation.models import Service

REASON = "recalcul de l'échéancier (commande)"


class Command(BaseCommand):
    help = (
        "Calcule les échéances de l'échéancier des personnes dont les échéances ne sont pas "
        "à jour aujourd'hui (toutes avec --force ; un service seulement avec --service). "
        "Chaque service est traité par son acteur système, journalisé comme tel ; une reprise "
        "après interruption continue là où le calcul s'est arrêté."
    )

    def add_arguments(self, parser):
        parser.add_argument("--service", type=int, default=None, help="identifiant du service")
        parser.add_argument("--force", action="store_true", help="recalculer toutes les personnes")

    def handle(self, *args, service=None, force=False, **options):
        today = timezone.localdate()
        service_ids = Service.objects.order_by("pk").values_list("pk", flat=True)
        if service is not None:
            service_ids = service_ids.filter(pk=service)
        persons = rows = 0
        seconds = 0.0
        for service_id in service_ids:
            done = refresh.rebuild_service(
                actor=SystemActor(service_id=service_id, reason=REASON), today=today, force=force
            )
            persons, rows, seconds = (
                persons + done.persons,
                rows + done.rows,
                seconds + done.seconds,
            )
            self.stdout.write(
                f"Service {service_id} — {count(done.persons, 'personne calculée', 'personnes calculées')}, "
                f"{count(done.rows, 'échéance', 'échéances')} en {done.seconds:.1f} s."
            )
        self.stdout.write(
            f"Total : {count(persons, 'personne calculée', 'personnes calculées')}, "
            f"{count(rows, 'échéance', 'échéances')} en {seconds:.1f} s."
        )
