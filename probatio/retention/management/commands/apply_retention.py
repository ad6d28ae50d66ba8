"""The retention job by hand (``run_worker`` runs it each night): every rule in force, by the
system actor of each service; ``--dry-run`` lists what would go and deletes nothing.

    manage.py apply_retention [--dry-run] [--as-of AAAA-MM-JJ] [--service CODE]
    manage.py apply_retention --dossier ID      # one file the file rule finds due

The output names files by their number and end date, never a person."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from probatio.accounts.system import SystemActor
from probatio.core.dates import format_fr
from probatio.core.text import count
from probatio.organisation.models import Service
from probatio.people.selectors import person_get_for
from probatio.retention import selectors, services
from probatio.retention.models import Kind


class Command(BaseCommand):
    help = (
        "Applique les règles de conservation des données (suppression ou anonymisation de ce "
        "qui a dépassé sa durée), sauf pour les dossiers sous gel ; --dry-run : simulation."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="simulation : rien n'est supprimé"
        )
        parser.add_argument("--as-of", help="date de référence AAAA-MM-JJ (aujourd'hui par défaut)")
        parser.add_argument(
            "--service",
            help="code du département du service (tous par défaut ; le journal n'est purgé que pour tous)",
        )
        parser.add_argument("--dossier", type=int, help="supprimer ce seul dossier, s'il est dû")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=services.rules.BATCH_SIZE,
            help="dossiers par transaction",
        )

    def handle(self, *args, **options):
        as_of = None
        if options["as_of"]:
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError as error:
                raise CommandError(
                    f"Date « {options['as_of']} » invalide : attendu AAAA-MM-JJ (par exemple 2027-01-31)."
                ) from error
        service_ids = None
        if options["service"]:
            service = Service.objects.filter(department_code=options["service"]).first()
            if service is None:
                raise CommandError(f"Aucun service de code « {options['service']} ».")
            service_ids = [service.pk]
        if options["dossier"]:
            return self._one_file(options["dossier"], as_of)
        if options["batch_size"] < 1:
            raise CommandError("--batch-size doit être un nombre positif.")
        try:
            report = services.apply(
                as_of=as_of,
                service_ids=service_ids,
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self._print(report, service_ids)

    def _one_file(self, person_id: int, as_of):
        from probatio.people.models import Person

        service_id = (
            Person.objects.filter(pk=person_id).values_list("service_id", flat=True).first()
        )
        if service_id is None:
            raise CommandError(f"Aucun dossier n° {person_id}.")
        actor = SystemActor(service_id=service_id, reason=services.REASON)
        gated = person_get_for(actor, person_id, action=services.Action.APPLY_RETENTION)
        try:
            services.purge_file(gated=gated, as_of=as_of)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"Dossier {person_id} supprimé.")

    def _print(self, report, service_ids):
        names = dict(Service.objects.values_list("pk", "name"))
        mode = "simulation, rien n'est supprimé" if report.dry_run else "application"
        self.stdout.write(f"Conservation des données au {format_fr(report.as_of)} ({mode})")
        current = object()
        for result in report.results:
            if result.service_id != current:
                current = result.service_id
                title = f"Service « {names.get(current)} »" if current else "Plateforme"
                self.stdout.write(title)
            unit = selectors.UNITS[result.rule.kind]
            verb = "à supprimer" if report.dry_run else "supprimé(e)s"
            if result.rule.action == "anonymise":
                verb = "à anonymiser" if report.dry_run else "anonymisé(e)s"
            self.stdout.write(
                f"  {result.rule.label} [{result.rule.code}] : {count(result.count, *unit)} {verb}"
            )
            if result.rule.kind == Kind.FILES:
                for pk, ended in result.files:
                    self.stdout.write(
                        f"    dossier {pk} — fin de la dernière mesure le {format_fr(ended)}"
                    )
            for chain, n in sorted(result.detail.items()):
                self.stdout.write(f"    chaîne {chain} : {count(n, *unit)}")
            for chain, why in sorted(result.stopped.items()):
                self.stderr.write(f"    chaîne {chain} : purge arrêtée — {why}")
