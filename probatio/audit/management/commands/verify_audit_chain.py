from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from probatio.audit import anchors as anchor_files
from probatio.audit.models import AuditChainHead, AuditCheckpoint, AuditEntry
from probatio.audit.services import expected_chains, latest_checkpoint, verify_chain
from probatio.core.dates import format_fr
from probatio.core.text import count


class Command(BaseCommand):
    help = (
        "Vérifie le chaînage des empreintes du journal d'audit (toutes les chaînes), la "
        "présence de la chaîne de chaque service et, avec --anchors, les têtes de chaîne "
        "contre des ancres exportées."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchors",
            metavar="FICHIER_OU_DOSSIER",
            help="Fichier d'ancres signé (export_audit_anchors), ou dossier : le plus récent.",
        )

    def handle(self, *args, **options):
        anchored = {}
        if options["anchors"]:
            # The file is checked first: a signature that does not match stops everything.
            try:
                source, anchors = anchor_files.load(options["anchors"])
            except anchor_files.AnchorError as error:
                raise CommandError(str(error)) from None
            anchored = {anchor.chain: anchor for anchor in anchors}
            self.stdout.write(f"Ancres : {source} ({count(len(anchors), 'chaîne')}), signées.")
        failures = 0
        total = 0
        expected = expected_chains()
        chains = set(AuditChainHead.objects.values_list("chain", flat=True))
        chains |= set(AuditEntry.objects.values_list("chain", flat=True).distinct())
        chains |= set(AuditCheckpoint.objects.values_list("chain", flat=True).distinct())
        for chain in sorted(chains | expected | set(anchored)):
            entries, problems = verify_chain(chain, anchor=anchored.get(chain))
            total += entries
            if chain in expected and not entries:
                problems.insert(
                    0, "aucune entrée pour ce service : sa chaîne a disparu (entrées supprimées ?)"
                )
            if problems:
                failures += len(problems)
                for problem in problems:
                    self.stderr.write(f"{chain} : {problem}")
            else:
                self.stdout.write(f"{chain} : {entries} entrées, chaîne intacte{_since(chain)}")
        if expected and not total:
            failures += 1
            services = count(len(expected), "service existe", "services existent")
            self.stderr.write(f"le journal est vide alors que {services} (journal vidé ?)")
        if failures:
            raise CommandError(f"{count(failures, 'anomalie')} dans le journal d'audit.")
        self.stdout.write(self.style.SUCCESS(f"Journal d'audit vérifié : {total} entrées."))


def _since(chain: str) -> str:
    checkpoint = latest_checkpoint(chain)
    if checkpoint is None:
        return ""
    day = format_fr(timezone.localdate(checkpoint.at))
    return f" depuis la purge du {day} (point de reprise n° {checkpoint.pk})"
