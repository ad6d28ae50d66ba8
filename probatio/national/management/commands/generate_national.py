"""Fill a PostgreSQL database at national scale (docs/performance.md).

manage.py generate_national                # 100 services, 300,000 persons followed…
manage.py generate_national --scale 0.01   # a hundredth, for CI
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from probatio.national.generator import Generator, database_is_empty
from probatio.national.plan import PlanError, plan_for


class Command(BaseCommand):
    help = "Génère une base PostgreSQL à l'échelle nationale (COPY, reproductible)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 = volumétrie nationale")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--jobs", type=int, default=2, help="processus d'écriture (2 cœurs)")
        parser.add_argument(
            "--check-foreign-keys",
            action="store_true",
            help="vérifier les clés étrangères à chaque service (plus lent ; les tests le font)",
        )
        parser.add_argument(
            "--allow-non-empty",
            action="store_true",
            help="ajouter à une base qui contient déjà des services ou des personnes",
        )

    def handle(self, *args, scale, seed, allow_non_empty, check_foreign_keys, jobs, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "Le générateur national écrit avec COPY : il lui faut PostgreSQL "
                "(DATABASE_URL=postgres://…)."
            )
        try:
            plan = plan_for(scale)
        except PlanError as error:
            raise CommandError(str(error)) from error
        if not allow_non_empty and not database_is_empty():
            raise CommandError(
                "La base contient déjà des services ou des personnes : le générateur refuse "
                "d'y ajouter sans --allow-non-empty (utilisez une base vide)."
            )
        self.stdout.write(
            f"Échelle {scale:g} : {len(plan.services)} services, {plan.active} personnes "
            f"suivies, {plan.closed} dossiers clos, {plan.staff} agents, "
            f"{plan.events} lignes de chronologie et de journal prévues."
        )
        report = Generator(
            plan, seed=seed, log=self.stdout.write, check_foreign_keys=check_foreign_keys
        ).run(jobs=jobs)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
        self.stdout.write(f"Terminé en {report.seconds:.0f} s ; taille de la base : {size}.")
        for table, count in sorted(report.rows.items()):
            self.stdout.write(f"  {table} : {count} lignes")
