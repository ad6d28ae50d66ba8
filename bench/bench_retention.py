"""How long does the nightly retention job take on the ten-service bench database?

    .venv/bin/python bench/bench_retention.py [--database PATH] [--check]

Copies the ten-service database that ``run_bench.py`` builds into a temporary folder (the
bench's own database is left as it is), then, in a child process with DEBUG off, times the
retention job (``retention.services.apply``, every service by its system actor, then the
journal's rule over every chain) as of one year from today — what the managers' page shows as
« d'ici un an », so that the demo's closed files are due: first the dry-run, then the real run
(the clock moved by a year, as the job would run then). Prints the wall time and the SQL
queries of each and what each rule took, and checks that the run removed exactly the files the
dry-run listed (exit code 1 with ``--check`` otherwise).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = BASE_DIR / "var" / "bench" / "services-10" / "probatio.sqlite3"


def child() -> None:
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from probatio.core.dates import add_months
    from probatio.retention import services

    now = timezone.now() + timedelta(days=366)
    as_of = add_months(timezone.localdate(), 12)
    results = {}
    for name, dry_run in (("dry_run", True), ("run", False)):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            report = services.apply(as_of=as_of, dry_run=dry_run, now=now)
        per_rule: dict[str, int] = {}
        files: list[int] = []
        for result in report.results:
            per_rule[result.rule.code] = per_rule.get(result.rule.code, 0) + result.count
            if result.rule.kind == "files":
                files += [pk for pk, _ in result.files]
        results[name] = {
            "seconds": time.perf_counter() - started,
            "queries": len(queries.captured_queries),
            "per_rule": per_rule,
            "files": sorted(files),
        }
    print("RESULTS " + json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", type=Path, default=DEFAULT_DATABASE)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child()
    if not args.database.exists():
        sys.exit(f"{args.database} manque : lancez d'abord `make bench` (ou run_bench.py).")
    with tempfile.TemporaryDirectory(prefix="probatio-conservation-") as folder:
        var_dir = Path(folder)
        shutil.copy(args.database, var_dir / "probatio.sqlite3")
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.update(
            PROBATIO_VAR_DIR=str(var_dir),
            PROBATIO_FILES_DIR=str(var_dir / "files"),
            DEBUG="0",
            LOG_LEVEL="ERROR",
            DJANGO_SETTINGS_MODULE="config.settings",
        )
        print(
            f"Conservation des données : le traitement sur {args.database.parent.name} "
            "(au jour d'un an d'ici)…"
        )
        command = [sys.executable, str(Path(__file__).resolve()), "--child"]
        result = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True)
        line = next((x for x in result.stdout.splitlines() if x.startswith("RESULTS ")), None)
        if line is None:
            sys.stderr.write(result.stdout + result.stderr)
            sys.exit("La mesure du traitement de conservation a échoué.")
        data = json.loads(line.removeprefix("RESULTS "))
    for name, label in (("dry_run", "simulation"), ("run", "application")):
        row = data[name]
        taken = ", ".join(f"{code} {n}" for code, n in row["per_rule"].items())
        print(f"  {label} : {row['seconds']:.1f} s, {row['queries']} requêtes ; {taken}")
    same = data["dry_run"]["files"] == data["run"]["files"]
    print(
        f"  dossiers supprimés : {len(data['run']['files'])}, "
        f"{'les mêmes que la simulation' if same else 'DIFFÉRENTS de la simulation'}"
    )
    if args.check and not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
