from django.core.management.base import BaseCommand, CommandError

from probatio.audit.models import AuditChainHead, AuditEntry
from probatio.audit.services import verify_chain


class Command(BaseCommand):
    help = "Vérifie le chaînage des empreintes du journal d'audit (toutes les chaînes)."

    def handle(self, *args, **options):
        failures = 0
        total = 0
        chains = set(AuditChainHead.objects.values_list("chain", flat=True))
        chains |= set(AuditEntry.objects.values_list("chain", flat=True).distinct())
        for chain in sorted(chains):
            count, problems = verify_chain(chain)
            total += count
            if problems:
                failures += len(problems)
                for problem in problems:
                    self.stderr.write(f"{chain} : {problem}")
            else:
                self.stdout.write(f"{chain} : {count} entrées, chaîne intacte")
        if failures:
            raise CommandError(f"{count(failures, 'anomalie')} dans le journal d'audit.")
        self.stdout.write(self.style.SUCCESS(f"Journal d'audit vérifié : {total} entrées."))
