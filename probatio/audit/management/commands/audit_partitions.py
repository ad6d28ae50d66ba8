"""``manage.py audit_partitions [--ensure] [--months-ahead N] [--from AAAA-MM] [--no-counts]``:
the journal's monthly partitions on PostgreSQL and their rows (docs/audit.md)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from probatio.audit import partitions
from probatio.audit.models import AuditEntry
from probatio.core.text import count


def _month(value: str) -> date:
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise CommandError(f"Mois invalide : « {value} » (attendu : AAAA-MM).") from None


class Command(BaseCommand):
    help = (
        "Affiche les partitions mensuelles du journal d'audit (PostgreSQL) et leur nombre de "
        "lignes ; avec --ensure, crée d'abord celles qui manquent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ensure",
            action="store_true",
            help="créer les partitions manquantes (ce mois et les mois à venir) avant d'afficher",
        )
        parser.add_argument(
            "--months-ahead",
            type=int,
            default=partitions.MONTHS_AHEAD,
            help="avec --ensure : nombre de mois à venir (3 par défaut)",
        )
        parser.add_argument(
            "--from",
            dest="from_month",
            type=_month,
            help="avec --ensure : premier mois à couvrir (AAAA-MM), pour un historique importé",
        )
        parser.add_argument(
            "--no-counts",
            action="store_true",
            help="ne pas compter les lignes (lent sur un grand journal)",
        )

    def handle(self, *args, ensure, months_ahead, from_month, no_counts, **options):
        if months_ahead < 0:
            raise CommandError("Le nombre de mois à venir ne peut pas être négatif.")
        if not partitions.is_partitioned():
            self.stdout.write(
                "Journal non partitionné (base autre que PostgreSQL) : "
                f"{count(AuditEntry.objects.count(), 'entrée')}."
            )
            return
        if ensure:
            done = partitions.ensure_partitions(months_ahead, from_month=from_month)
            self.stdout.write(
                f"{count(len(done['created']), 'partition créée', 'partitions créées')}, "
                f"{count(done['moved'], 'ligne déplacée', 'lignes déplacées')} "
                "hors de la partition par défaut."
            )
        found = partitions.partitions(counts=not no_counts)
        total = 0
        for partition in found:
            rows = "" if partition.rows is None else f" : {count(partition.rows, 'ligne')}"
            total += partition.rows or 0
            self.stdout.write(f"{partition.name} ({partition.label}){rows}")
        summary = f"{count(len(found), 'partition')}"
        if not no_counts:
            summary += f", {count(total, 'ligne')}"
        self.stdout.write(self.style.SUCCESS(f"Journal d'audit : {summary}."))
