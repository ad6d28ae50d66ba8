"""A bounded load test on loopback: a Monday morning at national scale (``make load-test``).

    .venv/bin/python bench/run_load.py [--users N] [--run-time 6m] [--ramp 60] [--scale S]
                                       [--workers W] [--port P]

1. Makes sure the national database ``probatio_bench_national`` exists at the wanted scale on
   the PostgreSQL of ``POSTGRES_URL`` (the builder of ``bench/run_national.py``, same stamp:
   one database for both benches, rebuilt only when the scale or the generator changed).
   Then ``rebuild_due_items``, as the night before: the échéancier's stored items of the day.
2. Reads the pool of accounts from it: CPIPs with a caseload and managers, one membership
   each; each simulated user signs in as a different account (refused if the pool is too
   small for ``--users``).
3. Starts the application under gunicorn (``--workers`` processes, DEBUG off) on
   127.0.0.1:``--port`` and waits until it answers.
4. Runs Locust headless (``bench/locustfile.py``): ``--users`` users spawned over ``--ramp``
   seconds, ``--run-time`` in all (ramp included), 5 to 15 s of think time; CSV statistics
   under var/load/.
5. Stops the server and prints, per page, the requests, errors, p50 and p95 as the users saw
   them (target: p95 ≤ 1 s), over the whole run and over its steady part (the requests started
   after the ramp, from the locustfile's log of every request), then per path the time the server itself spent (gunicorn's
   access log, without the wait for a free process). Exit code 1 on any error.

Environment variables (``make load-test``): LOAD_USERS, LOAD_RUN_TIME, LOAD_RAMP,
LOAD_WORKERS, LOAD_PORT, NATIONAL_SCALE.
"""

import argparse
import csv
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_national import (  # noqa: E402
    NATIONAL,
    STATE,
    child_env,
    code_version,
    manage,
    psql,
)

LOAD_DIR = BASE_DIR / "var" / "load"
DUE_ITEMS_COMMAND = BASE_DIR / "probatio/deadlines/management/commands/rebuild_due_items.py"
TARGET_P95_MS = 1000
# The share of managers among the simulated users (the rest are CPIPs).
MANAGER_SHARE = 0.1


def ensure_national(scale: float, seed: int) -> None:
    """The national database at ``scale``, built as ``run_national.build`` does (same stamp in
    the same state file), without the reference database the load test does not need."""
    state = json.loads(STATE.read_text()) if STATE.exists() else {}
    stamp = {"code": code_version("probatio/national/**/*.py"), "scale": scale, "seed": seed}
    if state.get(NATIONAL) == stamp:
        print(f"{NATIONAL} : base réutilisée (échelle {scale}).", flush=True)
        return
    print(f"{NATIONAL} : construction à l'échelle {scale}…", flush=True)
    psql(f'DROP DATABASE IF EXISTS "{NATIONAL}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{NATIONAL}"')
    manage(NATIONAL, "migrate", "--noinput", "-v", "0")
    manage(NATIONAL, "generate_national", "--scale", str(scale), "--seed", str(seed))
    state = json.loads(STATE.read_text()) if STATE.exists() else {}
    state[NATIONAL] = stamp
    STATE.parent.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=2))


def account_pool(database_url: str) -> dict[str, list[str]]:
    """Usernames by role: CPIPs with at least one person on their caseload, managers; only
    accounts with a single active membership (no choice of service at sign-in)."""
    import psycopg

    query = """
        SELECT u.username, m.role
        FROM accounts_user u
        JOIN accounts_membership m ON m.user_id = u.id AND m.is_active
        WHERE u.is_active AND m.role IN ('cpip', 'manager')
          AND (SELECT count(*) FROM accounts_membership o
               WHERE o.user_id = u.id AND o.is_active) = 1
          AND (m.role = 'manager' OR EXISTS (
               SELECT 1 FROM people_person p WHERE p.assigned_cpip_id = u.id))
        ORDER BY m.service_id, u.username
    """
    pool: dict[str, list[str]] = {"cpip": [], "manager": []}
    with psycopg.connect(database_url) as connection:
        for username, role in connection.execute(query):
            pool[role].append(username)
    return pool


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("Le serveur d'application s'est arrêté au démarrage.")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    sys.exit(f"Le serveur d'application ne répond pas sur {url} après {timeout:.0f} s.")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def report(stats_csv: Path) -> tuple[int, bool]:
    """Prints the figures per page; returns the number of errors and whether every page's
    p95 meets the target."""
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    header = f"{'page':<28} {'requêtes':>9} {'erreurs':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}  p95 ≤ 1 s"
    print()
    print(header)
    print("-" * len(header))
    errors, all_ok = 0, True
    for row in rows:
        name = "total" if row["Name"] == "Aggregated" else row["Name"]
        failures = int(row["Failure Count"])
        p95 = float(row["95%"] or 0)
        ok = p95 <= TARGET_P95_MS
        if row["Name"] == "Aggregated":
            print("-" * len(header))
        else:
            errors += failures
            all_ok &= ok
        print(
            f"{name:<28} {int(row['Request Count']):>9} {failures:>8} "
            f"{float(row['50%'] or 0):>7.0f} {p95:>7.0f} {float(row['Max Response Time']):>7.0f}"
            f"  {'OK' if ok else 'NON'}"
        )
    print()
    return errors, all_ok


def steady_report(requests_csv: Path, since: float) -> bool:
    """Prints, per page, the figures of the requests started after ``since`` (Unix time: the
    end of the ramp), from the locustfile's request log; returns whether every page's p95
    meets the target."""
    if not requests_csv.exists():
        return False
    times: dict[str, list[float]] = {}
    failed: dict[str, int] = {}
    with requests_csv.open(encoding="utf-8") as file:
        for started, name, elapsed, error in csv.reader(file):
            if float(started) >= since:
                times.setdefault(name, []).append(float(elapsed))
                failed[name] = failed.get(name, 0) + int(error)
    if not times:
        print("Aucune requête après la montée en charge.")
        return False
    header = f"{'régime établi (après la montée)':<34} {'requêtes':>9} {'erreurs':>8} {'p50 ms':>7} {'p95 ms':>7}  p95 ≤ 1 s"
    print(header)
    print("-" * len(header))
    all_ok = True
    for name, values in sorted(times.items()):
        values.sort()
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        ok = p95 <= TARGET_P95_MS
        all_ok &= ok
        print(
            f"{name:<34} {len(values):>9} {failed[name]:>8} {statistics.median(values):>7.0f} "
            f"{p95:>7.0f}  {'OK' if ok else 'NON'}"
        )
    print()
    return all_ok


ACCESS = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d+) (\d+)ms')


def server_times(log: Path) -> None:
    """Prints, per path, the time gunicorn spent on the requests (its access log), apart from
    their wait in the queue: what the client sees beyond it is waiting for a free process."""
    times: dict[tuple[str, str], list[int]] = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if match := ACCESS.search(line):
            path = re.sub(r"/\d+/", "/<id>/", match.group(2).split("?")[0])
            times.setdefault((match.group(1), path), []).append(int(match.group(4)))
    if not times:
        return
    print(f"{'temps serveur (gunicorn)':<36} {'requêtes':>9} {'p50 ms':>7} {'p95 ms':>7}")
    for (method, path), values in sorted(times.items(), key=lambda item: item[0][1]):
        values.sort()
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(
            f"{method + ' ' + path:<36} {len(values):>9} {statistics.median(values):>7.0f} {p95:>7}"
        )
    print()


def main() -> None:
    env = os.environ
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=int(env.get("LOAD_USERS", 200)))
    parser.add_argument("--run-time", default=env.get("LOAD_RUN_TIME", "6m"))
    parser.add_argument("--ramp", type=float, default=float(env.get("LOAD_RAMP", 60)))
    parser.add_argument("--scale", type=float, default=float(env.get("NATIONAL_SCALE", 1)))
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--workers", type=int, default=int(env.get("LOAD_WORKERS", 4)))
    parser.add_argument("--port", type=int, default=int(env.get("LOAD_PORT", 8765)))
    args = parser.parse_args()

    ensure_national(args.scale, args.seed)
    if DUE_ITEMS_COMMAND.exists():
        # The night before the Monday: the échéancier's stored items computed for today (a
        # second run the same day only computes what is not current yet).
        manage(NATIONAL, "rebuild_due_items")
    server_env = child_env(NATIONAL)
    pool = account_pool(server_env["DATABASE_URL"])
    managers = max(1, round(args.users * MANAGER_SHARE))
    cpips = args.users - managers
    if len(pool["cpip"]) < cpips or len(pool["manager"]) < managers:
        sys.exit(
            f"Pas assez de comptes distincts pour {args.users} utilisateurs simulés "
            f"({cpips} CPIP et {managers} encadrants demandés ; la base en a "
            f"{len(pool['cpip'])} et {len(pool['manager'])}) : augmentez NATIONAL_SCALE."
        )
    LOAD_DIR.mkdir(parents=True, exist_ok=True)
    pool_file = LOAD_DIR / "accounts.json"
    pool_file.write_text(json.dumps({"cpip": pool["cpip"], "manager": pool["manager"]}))

    host = f"http://127.0.0.1:{args.port}"
    bin_dir = Path(sys.executable).parent
    server_log = (LOAD_DIR / "gunicorn.log").open("w")
    print(f"Serveur : gunicorn, {args.workers} processus, {host} (journal : var/load/gunicorn.log)")
    server = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--timeout",
            "60",
            "--access-logfile",
            "-",
            # The time the server spent on each request (ms), apart from the wait in the queue.
            "--access-logformat",
            '"%(r)s" %(s)s %(M)sms',
        ],
        cwd=BASE_DIR,
        env=server_env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"{host}/connexion/", server)
        spawn_rate = args.users / max(1.0, args.ramp)
        print(
            f"Locust : {args.users} utilisateurs ({cpips} CPIP, {managers} encadrants), "
            f"{spawn_rate:.2f} par seconde, {args.run_time} en tout, base à l'échelle "
            f"{args.scale}…",
            flush=True,
        )
        requests_csv = LOAD_DIR / "requests.csv"
        requests_csv.unlink(missing_ok=True)
        locust_env = dict(
            os.environ,
            PROBATIO_LOAD_ACCOUNTS=str(pool_file),
            PROBATIO_LOAD_REQUESTS=str(requests_csv),
        )
        locust_env["PROBATIO_LOAD_MANAGER_WEIGHT"] = str(managers)
        locust_env["PROBATIO_LOAD_CPIP_WEIGHT"] = str(cpips)
        steady_from = time.time() + args.ramp
        result = subprocess.run(
            [
                str(bin_dir / "locust"),
                "--locustfile",
                str(BASE_DIR / "bench" / "locustfile.py"),
                "--headless",
                "--host",
                host,
                "--users",
                str(args.users),
                "--spawn-rate",
                f"{spawn_rate:.4f}",
                "--run-time",
                args.run_time,
                "--stop-timeout",
                "20",
                "--csv",
                str(LOAD_DIR / "load"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=BASE_DIR,
            env=locust_env,
        )
    finally:
        stop(server)
        server_log.close()
    stats = LOAD_DIR / "load_stats.csv"
    if not stats.exists():
        sys.exit("Locust n'a écrit aucune statistique.")
    errors, all_ok = report(stats)
    steady_ok = steady_report(requests_csv, steady_from)
    server_times(LOAD_DIR / "gunicorn.log")
    print(
        f"Erreurs : {errors}. p95 ≤ 1 s sur chaque page : sur toute la durée, "
        f"{'oui' if all_ok else 'non'} ; en régime établi, {'oui' if steady_ok else 'non'}. "
        f"Détail : var/load/load_stats.csv, var/load/load_failures.csv, var/load/requests.csv."
    )
    if errors or result.returncode:
        sys.exit(1)


if __name__ == "__main__":
    main()
