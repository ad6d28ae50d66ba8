"""How long do the sweep and the reminder batch take for 10,000 due reminders, and how much
memory?

    .venv/bin/python bench/bench_reminders.py [--messages N] [--database PATH]

Copies a demo database (by default the one-service bench database that ``run_bench.py``
builds) into a temporary folder, adds N due reminders (SMS and email, on the demo's planned
appointments) with no send task — what a web process that died after its commit leaves — then
runs the sweep once (``messaging.sweep``: it must queue every one of them), then
``sending.send_due_everywhere`` once — the batch of ``send_due_messages`` — with the file SMS
gateway and the file email backend of that folder. Prints the wall time, the rate,
the queries per message and the peak of Python memory (tracemalloc, second identical run), and
checks that every message was sent exactly once.
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
DEFAULT_DATABASE = BASE_DIR / "var" / "bench" / "services-1" / "probatio.sqlite3"


def seed(count: int) -> None:
    """Add ``count`` due reminders, spread over the demo's planned appointments."""
    from datetime import timedelta

    from django.db import transaction
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from probatio.agenda.models import Appointment
    from probatio.messaging import rules
    from probatio.messaging.models import Message
    from probatio.people.models import CustodyRecord

    now = timezone.now()
    appointments = list(
        Appointment.objects.filter(status="planned", starts_at__gt=now + timedelta(days=1))
        # Nobody held in a cell: nothing is sent to them (the sending refuses it).
        .exclude(
            Exists(CustodyRecord.objects.filter(person_id=OuterRef("person_id"), release_date=None))
        )
        .select_related("person", "service", "site")
        .order_by("pk")
    )
    if not appointments:
        sys.exit("La base ne contient aucun rendez-vous à venir.")
    rows = []
    for number in range(count):
        appointment = appointments[number % len(appointments)]
        person = appointment.person
        channel = Message.Channel.SMS if number % 2 == 0 else Message.Channel.EMAIL
        subject, text = rules.compose(
            purpose="reminder",
            service_name=appointment.service.name,
            service_phone="03 22 00 00 00",
            when=rules.when_text(appointment.starts_at),
            place=appointment.place_label(),
            address="",
        )
        rows.append(
            Message(
                service_id=appointment.service_id,
                person=person,
                appointment=appointment,
                purpose=Message.Purpose.REMINDER,
                channel=channel,
                recipient="+33612345678" if channel == "sms" else "personne@example.org",
                subject=subject,
                body=text,
                # Distinct times keep the one-reminder-per-time constraint satisfied.
                scheduled_at=now - timedelta(seconds=number + 1),
                next_attempt_at=now - timedelta(seconds=number + 1),
            )
        )
    from probatio.people.models import Person

    with transaction.atomic():
        Person.objects.filter(pk__in={a.person_id for a in appointments}).update(
            sms_consent=True, email_consent=True
        )
        Message.objects.bulk_create(rows, batch_size=1000)


def child(args) -> None:
    """Runs with PROBATIO_VAR_DIR set to the temporary copy."""
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    import resource
    import tracemalloc
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from probatio.messaging import sending, sweep
    from probatio.messaging.models import Message

    results = {}
    # Only the messages this bench adds are counted (the demo has its own history).
    first_pk = (Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for run in ("time", "memory"):
        Message.objects.filter(status__in=("pending", "sending")).delete()
        DBTaskResult.objects.all().delete()
        seed(args.messages)
        executed = []

        def count(execute, sql, params, many, context, executed=executed):
            executed.append(1)
            return execute(sql, params, many, context)

        # The sweep: every seeded message is due for more than the grace, with no task.
        if run == "memory":
            tracemalloc.start()
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            swept = sweep.sweep(now=timezone.now() + sweep.GRACE + timedelta(seconds=1))
        sweep_seconds = time.perf_counter() - started
        if run == "memory":
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            results["sweep_tracemalloc_peak_mb"] = peak / 1e6
        else:
            results.update(sweep_seconds=sweep_seconds, swept=swept, sweep_queries=len(executed))
        executed.clear()
        if run == "memory":
            tracemalloc.start()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            counts = sending.send_due_everywhere()
        seconds = time.perf_counter() - started
        if run == "memory":
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            results["tracemalloc_peak_mb"] = peak / 1e6
        else:
            results.update(
                seconds=seconds,
                counts=counts,
                queries=len(executed),
                rss_growth_mb=(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before)
                / 1024,
            )
        sms_sent = Message.objects.filter(pk__gte=first_pk, status="sent", channel="sms").count()
        files = len(list(Path(os.environ["SMS_FILE_PATH"]).glob("*.json")))
        results.setdefault("sms_sent", []).append(sms_sent)
        results.setdefault("sms_files", []).append(files)
    print("RESULTS " + json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--database", type=Path, default=DEFAULT_DATABASE)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if not args.database.exists():
        sys.exit(f"{args.database} manque : lancez d'abord `make bench` (ou run_bench.py).")
    with tempfile.TemporaryDirectory(prefix="probatio-rappels-") as folder:
        var_dir = Path(folder)
        shutil.copy(args.database, var_dir / "probatio.sqlite3")
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.pop("EMAIL_HOST", None)
        env.update(
            PROBATIO_VAR_DIR=str(var_dir),
            SMS_FILE_PATH=str(var_dir / "sms"),
            SMS_BACKEND="probatio.messaging.sms.FileBackend",
            DEBUG="0",
            LOG_LEVEL="ERROR",
            DJANGO_SETTINGS_MODULE="config.settings",
        )
        command = [sys.executable, str(Path(__file__).resolve()), "--child"]
        command += ["--messages", str(args.messages)]
        print(f"Lot de rappels : {args.messages} messages dus (SMS et courriel, moitié-moitié)…")
        result = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True)
        line = next((x for x in result.stdout.splitlines() if x.startswith("RESULTS ")), None)
        if line is None:
            sys.stderr.write(result.stdout + result.stderr)
            sys.exit("La mesure du lot de rappels a échoué.")
        data = json.loads(line.removeprefix("RESULTS "))
    n = args.messages
    sent = data["counts"].get("sent", 0)
    queued = data["swept"].get("queued", 0)
    print(
        f"  balayage : {queued} / {n} remis en file en {data['sweep_seconds']:.1f} s "
        f"({n / data['sweep_seconds']:.0f} messages/s), {data['sweep_queries']} requêtes "
        f"({data['sweep_queries'] / n:.1f} par message), mémoire Python au plus haut "
        f"{data['sweep_tracemalloc_peak_mb']:.1f} Mo\n"
        f"  envoyés : {sent} / {n} ({data['counts']})\n"
        f"  durée : {data['seconds']:.1f} s, soit {n / data['seconds']:.0f} messages/s\n"
        f"  requêtes : {data['queries']} ({data['queries'] / n:.1f} par message)\n"
        f"  mémoire Python au plus haut (tracemalloc) : {data['tracemalloc_peak_mb']:.1f} Mo ; "
        f"croissance du RSS : {data['rss_growth_mb']:.0f} Mo\n"
        f"  SMS envoyés / fichiers écrits après chaque passe : {data['sms_sent']} / "
        f"{data['sms_files']} (un fichier par clé d'idempotence)"
    )
    if queued != n:
        sys.exit("Le balayage n'a pas remis chaque message dû en file.")
    if sent != n or data["sms_sent"] != data["sms_files"]:
        sys.exit("Le lot n'a pas envoyé chaque message une fois.")


if __name__ == "__main__":
    main()
