"""``manage.py load_demo``: build the synthetic demonstration service(s)."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from probatio.demo import builder
from probatio.demo.management.commands.demo_logins import print_logins
from probatio.figures import services as figure_services


class Command(BaseCommand):
    help = (
        "Crée un SPIP fictif de démonstration (personnes, mesures, notes, comptes de "
        "démonstration), reproductible pour une graine et un jour donnés. Sans effet "
        "sur les services déjà présents."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--services",
            type=int,
            default=1,
            help=f"nombre de services à créer (1 à {builder.MAX_SERVICES}, "
            "1 par défaut ; le premier porte les comptes de démonstration)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=builder.DEFAULT_SEED,
            help=f"graine du tirage aléatoire ({builder.DEFAULT_SEED} par défaut)",
        )
        parser.add_argument(
            "--persons",
            type=int,
            default=builder.DEFAULT_PERSONS,
            help=f"personnes suivies par service ({builder.DEFAULT_PERSONS} par défaut)",
        )

    def handle(self, *args, services, seed, persons, **options):
        refused = builder.demo_refused_reason()
        if refused:
            raise CommandError(refused)
        if not 1 <= services <= builder.MAX_SERVICES:
            raise CommandError(f"--services doit être compris entre 1 et {builder.MAX_SERVICES}.")
        if persons < 1:
            raise CommandError("--persons doit être au moins 1.")
        started = time.monotonic()
        reports = builder.build_demo(
            seed=seed, services=services, persons=persons, log=self.stdout.write
        )
        # The échéancier's stored items computed for today (docs/deadlines.md).
        call_command("rebuild_due_items", stdout=self.stdout)
        # The figures of the periods closed before today, as the nightly job stores them
        # (docs/figures.md): the figures pages open on them.
        stored = figure_services.run_periodic(now=timezone.now())["snapshots"]
        if stored:
            self.stdout.write(f"Chiffres des périodes closes enregistrés : {stored}.")
        built = [r for r in reports if not r.skipped]
        if not built:
            self.stdout.write(
                self.style.SUCCESS("La démonstration est déjà chargée : rien n'a été modifié.")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Démonstration chargée en {time.monotonic() - started:.1f} s : "
                    f"{sum(r.persons for r in built)} personnes, "
                    f"{sum(r.measures for r in built)} mesures, "
                    f"{sum(r.obligations for r in built)} obligations, "
                    f"{sum(r.notes for r in built)} notes d'entretien."
                )
            )
        self.stdout.write("")
        print_logins(self.stdout, self.style)
