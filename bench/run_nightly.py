"""The nightly work at national scale, timed: is it batched, and does a stopped run resume?

    .venv/bin/python bench/run_nightly.py [--scale S] [--keep]

Works on a copy (``probatio_bench_nightly``, ``CREATE DATABASE … TEMPLATE``) of the national
database of ``bench/run_national.py`` (built at ``--scale`` when missing, same stamp), so that
the national database stays as the generator wrote it. The generator writes neither sentences
nor messages: the copy is first given what the jobs need, untimed —

- a penal situation and one or two prison sentences for every open committal (the measure's
  judgment), as the greffe's data would be;
- the reminders of the day, among the next thirty, with the most planned appointments
  nationwide: the persons of those appointments agree to SMS and email, and each appointment
  is given its reminders through ``messaging.services.schedule_reminders``.

Then each job runs in a child process of its own (DEBUG off), with its wall time, its SQL
queries and the growth of the process's peak memory (RSS):

1. ``recompute_sentence_dates`` (every open committal of every service), twice: the second
   run is what a restart after a stop costs (nothing left to change);
2. the reminders of that day (``sending.send_due_everywhere``, the batch of
   ``send_due_messages``): those due at 10:00 two days before in a run killed (SIGKILL) once
   half of them are sent, resumed after the claims' lease (``sending.LEASE``), run a third
   time; those due at 08:00 on the day in one run. Emails go to an SMTP server run here
   (aiosmtpd, nothing leaves the machine), SMS to files; checked: every reminder sent once
   (as many SMS files as SMS sent; every email received once, the one the kill interrupted
   at most left "uncertain", never sent twice);
3. ``rebuild_due_items`` (twice: the second run is what a restart costs) and the retention
   dry-run, when those commands exist.

Figures are printed as a table and stored in var/bench/nightly.json. Environment variable:
NATIONAL_SCALE.
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_load import ensure_national  # noqa: E402
from run_national import NATIONAL, child_env, psql  # noqa: E402

NIGHTLY = "probatio_bench_nightly"
# sending.LEASE (10 minutes): a claim older than this is taken back by the next run.
LEASE_MINUTES = 10
RESULTS = BASE_DIR / "var" / "bench" / "nightly.json"
# The retention dry-run's command (a later issue) and its dry-run flag, when it exists.
RETENTION_COMMANDS = ("apply_retention", "retention", "purge_expired")


# --- Child process: one step against the database of DATABASE_URL --------------------------


def setup() -> None:
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def measured(func):
    """Runs ``func()``; its result with the wall time, the queries and the RSS growth."""
    import resource

    from django.db import connection

    executed = []

    def count(execute, sql, params, many, context):
        executed.append(1)
        return execute(sql, params, many, context)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        result = func()
    return {
        "result": result,
        "seconds": time.perf_counter() - started,
        "queries": len(executed),
        "rss_growth_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def seed_sentences(rng) -> int:
    """A penal situation and its sentences for every open committal that has none."""
    from django.db import transaction

    from probatio.measures.models import Measure
    from probatio.people.models import CustodyRecord
    from probatio.sentences.models import PenalSituation, Sentence

    custodies = list(
        CustodyRecord.objects.filter(release_date__isnull=True, penal_situation__isnull=True)
        .order_by("pk")
        .values_list("pk", "person_id")
    )
    judgments = dict(
        Measure.objects.filter(
            person_id__in=[person for _, person in custodies], setting="prison"
        ).values_list("person_id", "decision_id")
    )
    done = 0
    for first in range(0, len(custodies), 2000):
        chunk = [(c, p) for c, p in custodies[first : first + 2000] if judgments.get(p)]
        with transaction.atomic():
            situations = PenalSituation.objects.bulk_create(
                [
                    PenalSituation(
                        custody_id=custody,
                        remand_days=rng.randint(2, 300) if rng.random() < 0.5 else 0,
                    )
                    for custody, _ in chunk
                ]
            )
            sentences = []
            for situation, (_, person) in zip(situations, chunk, strict=True):
                for _ in range(2 if rng.random() < 0.25 else 1):
                    months = rng.choice([4, 6, 8, 10, 12, 18, 24, 36, 48, 60])
                    sentences.append(
                        Sentence(
                            person_id=person,
                            situation=situation,
                            decision_id=judgments[person],
                            years=months // 12,
                            months=months % 12,
                            description="Emprisonnement ferme",
                        )
                    )
            Sentence.objects.bulk_create(sentences, batch_size=2000)
        done += len(chunk)
    return done


def seed_reminders() -> dict:
    """The reminders of the busiest day among the next thirty; when they are due."""
    from collections import Counter
    from datetime import datetime, time, timedelta

    from django.db import transaction
    from django.utils import timezone

    from probatio.agenda.models import Appointment
    from probatio.messaging import rules, services
    from probatio.people.models import Person

    now = timezone.now()
    planned = Appointment.objects.filter(
        status="planned", starts_at__gte=now + timedelta(days=3), starts_at__lt=now + timedelta(30)
    )
    days = Counter(rules.paris_date(s) for s in planned.values_list("starts_at", flat=True))
    if not days:
        sys.exit("La base ne contient aucun rendez-vous à venir.")
    day, _ = days.most_common(1)[0]
    # The service's first reminder of that day (10:00 two days before, default schedule).
    due = datetime.combine(day - timedelta(days=2), time(10, 0), tzinfo=rules.PARIS)
    start = datetime.combine(day, time(0, 0), tzinfo=rules.PARIS)
    of_day = planned.filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
    persons = list(of_day.values_list("person_id", flat=True).distinct())
    for first in range(0, len(persons), 2000):
        for pk in persons[first : first + 2000]:
            Person.objects.filter(pk=pk).update(
                sms_consent=True, email_consent=True, email=f"personne.{pk}@example.org"
            )
    created = 0
    appointments = list(of_day.select_related("person", "service", "site").order_by("pk"))
    for first in range(0, len(appointments), 500):
        with transaction.atomic():
            for appointment in appointments[first : first + 500]:
                created += len(
                    services.schedule_reminders(appointment, now=due - timedelta(hours=1))
                )
    from probatio.messaging.models import Message

    return {
        "day": day.isoformat(),
        "due": due.isoformat(),
        "due_day": datetime.combine(day, time(8, 0), tzinfo=rules.PARIS).isoformat(),
        "first_batch": Message.objects.filter(purpose="reminder", scheduled_at=due).count(),
        "appointments": len(appointments),
        "messages": created,
    }


def step_seed(args) -> dict:
    import random

    rng = random.Random(2025)
    sentences = measured(lambda: seed_sentences(rng))
    reminders = measured(seed_reminders)
    return {"sentences": sentences, "reminders": reminders}


def step_sentences(args) -> dict:
    """What ``recompute_sentence_dates`` does: every service, by its system actor."""
    from probatio.accounts.system import SystemActor
    from probatio.organisation.models import Service
    from probatio.people.models import CustodyRecord
    from probatio.sentences import services
    from probatio.sentences.management.commands.recompute_sentence_dates import REASON

    def run() -> dict:
        totals: dict[str, int] = {}
        for service_id in Service.objects.order_by("pk").values_list("pk", flat=True):
            actor = SystemActor(service_id=service_id, reason=REASON)
            for key, n in services.recompute_all(actor=actor).items():
                totals[key] = totals.get(key, 0) + n
        return totals

    held = CustodyRecord.objects.filter(release_date__isnull=True).count()
    figures = measured(run)
    figures["items"] = held
    return figures


def step_reminders(args) -> dict:
    from datetime import datetime, timedelta

    from probatio.messaging import sending

    now = datetime.fromisoformat(args.due) + timedelta(minutes=args.after)
    figures = measured(lambda: sending.send_due_everywhere(now=now, limit=args.limit))
    figures["items"] = sum(figures["result"].values())
    return figures


def step_check(args) -> dict:
    from django.db.models import Count

    from probatio.messaging.models import Message

    by = Message.objects.filter(purpose="reminder").values("channel", "status")
    return {
        "by_status": [
            [row["channel"], row["status"], row["n"]]
            for row in by.annotate(n=Count("pk")).order_by("channel", "status")
        ]
    }


def step_commands(args) -> dict:
    from django.core.management import get_commands

    names = set(get_commands())
    return {
        "rebuild_due_items": "rebuild_due_items" in names,
        "retention": next((n for n in RETENTION_COMMANDS if n in names), None),
    }


def step_command(args) -> dict:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    figures = measured(lambda: call_command(*args.command, stdout=out))
    figures["result"] = out.getvalue()[-2000:]
    # "Total : 33000 personnes calculées, …" (rebuild_due_items), else no count.
    total = re.search(r"Total : (\d+)", figures["result"])
    figures["items"] = int(total.group(1)) if total else None
    return figures


STEPS = {
    "seed": step_seed,
    "sentences": step_sentences,
    "reminders": step_reminders,
    "check": step_check,
    "commands": step_commands,
    "command": step_command,
}


# --- Parent process -----------------------------------------------------------------------


class Inbox:
    """The local SMTP server's handler: what it received."""

    def __init__(self):
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes

        self.message_ids.append(message_from_bytes(envelope.content)["Message-ID"] or "")
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_step(env: dict, step: str, *extra: str, fatal: bool = True) -> dict | None:
    """One step in a child process; its figures. A failed step stops the bench, or, when not
    ``fatal`` (the other teams' commands), is reported and gives None."""
    command = [sys.executable, str(Path(__file__).resolve()), "--step", step, *extra]
    result = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    if result.returncode or line is None:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        if not fatal:
            print(f"  échec de « {' '.join(extra)} » (voir ci-dessus) : non mesuré.", flush=True)
            return None
        sys.exit(f"L'étape « {step} » a échoué.")
    return json.loads(line.removeprefix("RESULT "))


def sent_reminders(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as connection:
        query = (
            "SELECT count(*) FROM messaging_message WHERE purpose = 'reminder' AND status = 'sent'"
        )
        return connection.execute(query).fetchone()[0]


def run_killed(env: dict, due: str, target: int) -> dict:
    """The reminders' run, killed (SIGKILL, as a machine that stops) once ``target`` are sent."""
    label = "rappels J-2 : arrêté net à mi-parcours"
    print(f"{label}…", flush=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--step", "reminders", "--due", due]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL)
    sent = 0
    while process.poll() is None:
        sent = sent_reminders(env["DATABASE_URL"])
        if sent >= target:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    process.wait()
    seconds = time.perf_counter() - started
    sent = sent_reminders(env["DATABASE_URL"])
    return {
        "job": label,
        "items": sent,
        "seconds": round(seconds, 2),
        "per_second": None,
        "queries": None,
        "queries_per_item": None,
        "rss_growth_mb": None,
        "rss_peak_mb": None,
        "result": {"killed": process.returncode == -signal.SIGKILL, "sent": sent},
    }


def row(label: str, figures: dict, items: int | None) -> dict:
    seconds = figures["seconds"]
    return {
        "job": label,
        "items": items,
        "seconds": round(seconds, 2),
        "per_second": round(items / seconds) if items and seconds else None,
        "queries": figures["queries"],
        "queries_per_item": round(figures["queries"] / items, 1) if items else None,
        "rss_growth_mb": round(figures["rss_growth_mb"], 1),
        "rss_peak_mb": round(figures["rss_peak_mb"], 1),
        "result": figures["result"],
    }


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'traitement':<44} {'éléments':>9} {'durée s':>8} {'/s':>6} {'requêtes':>9} "
        f"{'req./él.':>8} {'RSS +Mo':>8}"
    )
    print()
    print(header)
    print("-" * len(header))
    for r in rows:
        items = "—" if r["items"] is None else str(r["items"])
        rate = "—" if r["per_second"] is None else str(r["per_second"])
        per = "—" if r["queries_per_item"] is None else f"{r['queries_per_item']:.1f}"
        queries = "—" if r["queries"] is None else str(r["queries"])
        rss = "—" if r["rss_growth_mb"] is None else f"{r['rss_growth_mb']:.1f}"
        print(
            f"{r['job']:<44} {items:>9} {r['seconds']:>8.1f} {rate:>6} {queries:>9} "
            f"{per:>8} {rss:>8}"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("NATIONAL_SCALE", 1)))
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", action="store_true", help="garder la copie après la mesure")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--due", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--after", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        setup()
        print("RESULT " + json.dumps(STEPS[args.step](args), default=str))
        return

    from aiosmtpd.controller import Controller

    ensure_national(args.scale, args.seed)
    print(f"{NIGHTLY} : copie de {NATIONAL}…", flush=True)
    psql(f'DROP DATABASE IF EXISTS "{NIGHTLY}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{NIGHTLY}" TEMPLATE "{NATIONAL}"')
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    rows: list[dict] = []
    try:
        with tempfile.TemporaryDirectory(prefix="probatio-nuit-") as folder:
            sms_dir = Path(folder) / "sms"
            env = child_env(NIGHTLY)
            env.update(
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=str(port),
                EMAIL_USE_TLS="false",
                EMAIL_USE_SSL="false",
                EMAIL_HOST_USER="",
                EMAIL_HOST_PASSWORD="",
                SMS_BACKEND="probatio.messaging.sms.FileBackend",
                SMS_FILE_PATH=str(sms_dir),
                PROBATIO_VAR_DIR=str(Path(folder) / "var"),
            )
            print("Préparation (non mesurée comme traitement de nuit)…", flush=True)
            seeded = run_step(env, "seed")
            plan = seeded["reminders"]["result"]
            print(
                f"  {seeded['sentences']['result']} écrous dotés de peines en "
                f"{seeded['sentences']['seconds']:.0f} s ; journée du {plan['day']} : "
                f"{plan['appointments']} rendez-vous, {plan['messages']} rappels planifiés en "
                f"{seeded['reminders']['seconds']:.0f} s (dus le {plan['due']})",
                flush=True,
            )
            for label in ("dates de peine : 1er passage", "dates de peine : 2e passage"):
                print(f"{label}…", flush=True)
                figures = run_step(env, "sentences")
                rows.append(row(label, figures, figures["items"]))
            due = run_step(env, "check")
            pending = sum(n for _, status, n in due["by_status"] if status == "pending")
            # The reminders due at 10:00 two days before: a run killed (SIGKILL) once half of
            # them are sent, resumed after the claims' lease, then a run with nothing left.
            killed = run_killed(env, plan["due"], max(1, plan["first_batch"] // 2))
            rows.append(killed)
            for label, minutes in (
                ("rappels J-2 : reprise après le bail", LEASE_MINUTES + 2),
                ("rappels J-2 : 3e passage (plus rien)", LEASE_MINUTES + 3),
            ):
                print(f"{label}…", flush=True)
                figures = run_step(env, "reminders", "--due", plan["due"], "--after", str(minutes))
                rows.append(row(label, figures, figures["items"]))
            # The reminders due at 08:00 on the day: one run, never stopped.
            label = "rappels du jour : lot complet"
            print(f"{label}…", flush=True)
            figures = run_step(env, "reminders", "--due", plan["due_day"])
            rows.append(row(label, figures, figures["items"]))
            final = run_step(env, "check")
            sms_files = len(list(sms_dir.glob("*.json")))
            commands = run_step(env, "commands")
            if commands["rebuild_due_items"]:
                # Twice: the second run is what a restart costs (it goes on where it stopped).
                # --force first: the national database may hold today's items already.
                for label, extra in (
                    ("échéances : rebuild_due_items --force", ("--force",)),
                    ("échéances : 2e passage", ()),
                ):
                    print(f"{label}…", flush=True)
                    figures = run_step(
                        env, "command", "--", "rebuild_due_items", *extra, fatal=False
                    )
                    if figures is None:
                        break
                    rows.append(row(label, figures, figures["items"]))
            if commands["retention"]:
                name = commands["retention"]
                print(f"conservation : {name} --dry-run…", flush=True)
                figures = run_step(env, "command", "--", name, "--dry-run", fatal=False)
                if figures is not None:
                    rows.append(row(f"conservation : {name} --dry-run", figures, None))
    finally:
        smtp.stop()
        if not args.keep:
            psql(f'DROP DATABASE IF EXISTS "{NIGHTLY}" WITH (FORCE)')

    print_table(rows)
    sent_sms = sum(n for c, s, n in final["by_status"] if c == "sms" and s == "sent")
    sent_email = sum(n for c, s, n in final["by_status"] if c == "email" and s == "sent")
    # An email whose send the kill interrupted is "uncertain": it may have reached the server.
    uncertain = sum(n for c, s, n in final["by_status"] if c == "email" and s == "uncertain")
    emails = len(inbox.message_ids)
    distinct = len(set(inbox.message_ids))
    print(f"Rappels en attente avant l'envoi : {pending} ; état final : {final['by_status']}")
    print(
        f"SMS envoyés / fichiers écrits : {sent_sms} / {sms_files} ; courriels envoyés / reçus "
        f"par le serveur SMTP local / identifiants distincts : {sent_email} / {emails} / "
        f"{distinct} (dont {uncertain} « incertain » : envoi interrompu par l'arrêt, non renvoyé)"
    )
    missing = []
    if not commands["rebuild_due_items"]:
        missing.append("rebuild_due_items")
    if not commands["retention"]:
        missing.append("la simulation de la conservation (dry-run)")
    if missing:
        print("Pas encore disponibles : " + ", ".join(missing) + ".")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"scale": args.scale, "seeded": seeded, "rows": rows, "final": final},
            indent=2,
            default=str,
        )
    )
    once = (
        sent_sms == sms_files
        and emails == distinct
        and sent_email <= emails <= sent_email + uncertain
    )
    print("Chaque rappel envoyé une fois : " + ("oui" if once else "NON"))
    if not once:
        sys.exit(1)


if __name__ == "__main__":
    main()
