"""Do the main pages hold at national scale? (``make bench-national``, PostgreSQL only)

    .venv/bin/python bench/run_national.py [--scale S] [--repeat N] [--rebuild]

Two PostgreSQL databases on the server of ``POSTGRES_URL`` (default
``postgres://postgres@127.0.0.1:5432/postgres``):
- ``probatio_bench_reference``: the demo service alone (``load_demo --services 1``);
- ``probatio_bench_national``: ``generate_national --scale S`` (1 by default: 100 services,
  300,000 persons followed, 3 million closed files; docs/performance.md), whose largest
  service's first members sign in under the demo's usernames.
Each is built when missing or built by other code (migrations, demo, generator), then every
page of ``run_bench.PAGES`` and the floor (a signed-in page with the base template and no
data) is requested ``--repeat`` times after a warm-up, in a child process with DEBUG off.
Printed per page: median and 95th percentile (ms), queries, the ratio national / reference
(must: ≤ 1.3), the ratio to the floor (target: ≤ 3), and the plan of the page's slowest query
with the indexes it uses. A page whose data the generator does not write yet is listed as
such.
"""

import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import (  # noqa: E402
    PAGES,
    TARGET_QUERIES,
    TARGET_RATIO,
    measure_in_child,
    page_url,
    signed_in_client,
)

STATE = BASE_DIR / "var" / "bench" / "national.json"
FLOOR = ("plancher", "/accessibilite/", "cpip.demo")
TARGET_FLOOR = 3.0
REFERENCE, NATIONAL = "probatio_bench_reference", "probatio_bench_national"
INDEX = re.compile(r"(?:Index(?: Only)? Scan(?: Backward)? using|Bitmap Index Scan on) (\w+)")


def server_url() -> str:
    return os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def database_url(name: str) -> str:
    parts = urlsplit(server_url())
    return urlunsplit(parts._replace(path="/" + name))


def child_env(name: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(name),
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="config.settings",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        LOG_LEVEL="ERROR",
    )
    env.pop("PROBATIO_ENV", None)
    return env


def code_version(*globs: str) -> str:
    digest = hashlib.sha256()
    for pattern in ("probatio/*/migrations/*.py", *globs):
        for path in sorted(BASE_DIR.glob(pattern)):
            digest.update(path.relative_to(BASE_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(server_url(), autocommit=True) as connection:
        connection.execute(sql)


def manage(name: str, *args: str) -> None:
    started = time.monotonic()
    print(f"  {name} : manage.py {' '.join(args)}", flush=True)
    result = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args], cwd=BASE_DIR, env=child_env(name)
    )
    if result.returncode:
        sys.exit(f"Échec de « manage.py {' '.join(args)} » sur {name}.")
    print(f"  {name} : fait en {time.monotonic() - started:.0f} s", flush=True)


def build(args) -> None:
    state = json.loads(STATE.read_text()) if STATE.exists() else {}
    wanted = {
        REFERENCE: {"code": code_version("probatio/demo/**/*.py"), "seed": args.seed},
        NATIONAL: {
            "code": code_version("probatio/national/**/*.py"),
            "scale": args.scale,
            "seed": args.seed,
        },
    }
    for name, stamp in wanted.items():
        if not args.rebuild and state.get(name) == stamp:
            print(f"{name} : base réutilisée ({stamp}).")
            continue
        print(f"{name} : construction…", flush=True)
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{name}"')
        manage(name, "migrate", "--noinput", "-v", "0")
        if name == REFERENCE:
            manage(name, "load_demo", "--services", "1", "--seed", str(args.seed))
        else:
            manage(name, "generate_national", "--scale", str(args.scale), "--seed", str(args.seed))
        state[name] = stamp
        STATE.parent.mkdir(parents=True, exist_ok=True)
        STATE.write_text(json.dumps(state, indent=2))


def measure(args) -> None:
    """Child process: time the pages against the database of DATABASE_URL."""
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from probatio.accounts.models import User

    assert not settings.DEBUG, "le banc se mesure avec DEBUG désactivé"
    results = []
    for label, url, username in [FLOOR, *PAGES]:
        user = User.objects.filter(username=username).first()
        try:
            url = page_url(url, user)
        except (AttributeError, TypeError, ValueError):
            results.append({"page": label, "url": url, "status": "absent"})
            continue
        client = signed_in_client(user)
        for _ in range(max(1, args.warmup)):
            response = client.get(url)
        if response.status_code != 200:
            results.append({"page": label, "url": url, "status": response.status_code})
            continue
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        settings.DEBUG = True  # the queries' own times
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        settings.DEBUG = False
        slowest = max(queries.captured_queries, key=lambda q: float(q["time"]), default=None)
        plan, indexes = "", []
        if slowest and slowest["sql"].lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + slowest["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            indexes = sorted(set(INDEX.findall(plan)))
        results.append(
            {
                "page": label,
                "url": url,
                "status": 200,
                "median": statistics.median(timings),
                "p95": statistics.quantiles(timings, n=20)[18],
                "queries": len(queries.captured_queries),
                "sql_ms": sum(float(q["time"]) * 1000 for q in queries.captured_queries),
                "slowest_ms": float(slowest["time"]) * 1000 if slowest else 0.0,
                "slowest_sql": (slowest or {}).get("sql", "")[:300],
                "indexes": indexes,
                "plan": plan,
            }
        )
    print("RESULTS " + json.dumps(results))


def run_measure(name: str, args) -> list[dict]:
    return measure_in_child(__file__, child_env(name), name, args)


def report(reference: list[dict], national: list[dict], *, plans: bool) -> bool:
    floor = national[0]
    header = (
        f"{'page':<22} {'réf. ms':>8} {'nat. ms':>8} {'p95':>7} {'req.':>5} {'SQL ms':>7}"
        f"  {'nat/réf':>7} {'≤1,3':<6} {'/plancher':>9} {'≤3':<4} index de la requête la plus lente"
    )
    print()
    print(header)
    print("-" * len(header))
    must_ok = True
    for ref, nat in zip(reference, national, strict=True):
        label = nat["page"]
        if nat["status"] != 200 or ref["status"] != 200:
            why = "données non générées" if nat["status"] == "absent" else f"HTTP {nat['status']}"
            print(f"{label:<22} {'—':>8} {'—':>8}   ({why} ; réf. : {ref['status']})")
            must_ok &= nat["status"] == "absent"
            continue
        ratio = nat["median"] / ref["median"]
        to_floor = nat["median"] / floor["median"]
        ok = ratio <= TARGET_RATIO and nat["queries"] <= TARGET_QUERIES
        must_ok &= ok or nat is floor
        print(
            f"{label:<22} {ref['median']:>8.1f} {nat['median']:>8.1f} {nat['p95']:>7.1f} "
            f"{nat['queries']:>5} {nat['sql_ms']:>7.1f}  {ratio:>6.2f}× "
            f"{'OK' if ok else 'NON':<6} {to_floor:>8.1f}× {'OK' if to_floor <= TARGET_FLOOR else '—':<4} "
            f"{', '.join(nat['indexes']) or '(aucun)'}"
        )
        if plans and nat["plan"]:
            print(f"    requête la plus lente ({nat['slowest_ms']:.1f} ms) : {nat['slowest_sql']}")
            for line in nat["plan"].splitlines()[:12]:
                print(f"      {line}")
    print()
    return must_ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="échelle du générateur national")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="refaire les deux bases")
    parser.add_argument("--no-plans", action="store_true", help="sans les plans des requêtes")
    parser.add_argument(
        "--check", action="store_true", help="code 1 si une page manque le « must »"
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args)
    build(args)
    print(f"Mesure ({args.repeat} requêtes par page)…", flush=True)
    reference = run_measure(REFERENCE, args)
    national = run_measure(NATIONAL, args)
    ok = report(reference, national, plans=not args.no_plans)
    if args.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
