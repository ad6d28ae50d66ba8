from django.core.management.base import BaseCommand, CommandError

from probatio.audit.models import AuditChainHead, AuditEntry
from probatio.audit.services import verify_chain
from probatio.core.text import count


class Command(BaseCommand):
    help = "Vérifie le chaînage des empreintes du journal d'audit (toutes les chaînes)."

    def handle(self, *args, **options):
        failures = 0
        total = 0
        chains = set(AuditChainHead.objects.values_list("chain", flat=True))
        chains |= set(AuditEntry.objects.values_list("chain", flat=True).distinct())
        for chain in sorted(chains):
            entries, problems = verify_chain(chain)
            total += entries
            if problems:
                failures += len(problems)
                for problem in problems:
                    self.stderr.write(f"{chain} : {problem}")
            else:
                self.stdout.write(f"{chain} : {entries} entrées, chaîne intacte")
        if failures:
            raise CommandError(f"{count(failures, 'anomalie')} dans le journal d'audit.")
        self.stdout.write(self.style.SUCCESS(f"Journal d'audit vérifié : {total} entrées."))
