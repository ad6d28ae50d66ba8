"""Do the main pages cost the same whatever the size of the database?

    .venv/bin/python bench/run_bench.py [--rebuild] [--seed S] [--persons P] [--repeat N]

Builds two throwaway SQLite databases under var/bench/ (``load_demo --services 1`` and
``--services 10``; kept and reused while the seed and sizes are unchanged), then, for each,
in a separate process with DEBUG off, requests each page ``--repeat`` times after a warm-up
with Django's test client, and prints the median and 90th percentile time, the number of SQL
queries, and the ratio between the two sizes against the targets (at most 1.3 times slower
with ten services, at most 15 queries a page). Then runs ``bench_reminders.py``: the reminder
batch on 10,000 due messages, ``bench_documents.py``: one report PDF, and
``bench_sentences.py``: the nightly recomputation of sentence dates for 2,000 persons in prison
and the queries of the dossier's date panel, and ``bench_sign_in.py``: signing in with the
second factor, and ``bench_retention.py``: the retention job's dry-run and run on a copy
of the ten-service database.
"""

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"
SIZES = (1, 10)
TARGET_RATIO = 1.3
TARGET_QUERIES = 15

# (label, url — "{person}" is the first person of the user's caseload, "{prisoner}" the first
# one in prison, "{tig}" the first one with a TIG, "{long}" the one with the most
# appointments —, username)
PAGES = [
    ("/portefeuille/", "/portefeuille/", "cpip.demo"),
    ("/service/", "/service/", "encadrement.demo"),
    ("/personnes/<id>/", "/personnes/{person}/", "cpip.demo"),
    ("rendez-vous <id>", "/personnes/{person}/rendez-vous/", "cpip.demo"),
    ("rendez-vous longs", "/personnes/{long}/rendez-vous/?passes=2&messages=3", "cpip.demo"),
    ("créneaux libres <id>", "/personnes/{person}/rendez-vous/creneaux-libres/", "cpip.demo"),
    ("/agenda/", "/agenda/", "cpip.demo"),
    ("/agenda/ service", "/agenda/?agent=&site=", "secretariat.demo"),
    ("/echeancier/", "/echeancier/", "cpip.demo"),
    ("/echeancier/ serv.", "/echeancier/", "encadrement.demo"),
    ("justificatifs <id>", "/personnes/{person}/justificatifs/", "cpip.demo"),
    ("manquements <id>", "/personnes/{person}/manquements/", "cpip.demo"),
    ("/rapports/ juge", "/rapports/", "juge.demo"),
    ("/rapports/ encadr.", "/rapports/", "encadrement.demo"),
    ("insertion <id>", "/personnes/{person}/insertion/", "cpip.demo"),
    ("évaluation <id>", "/personnes/{person}/evaluation/", "cpip.demo"),
    ("évaluation (page)", "/personnes/{assessed}/evaluation/{assessment}/", "cpip.demo"),
    ("nouvelle évaluation", "/personnes/{person}/evaluation/nouvelle/", "cpip.demo"),
    ("accompagnement <id>", "/personnes/{prisoner}/accompagnement/", "cpip.demo"),
    ("sortie <id>", "/personnes/{prisoner}/sortie/", "cpip.demo"),
    ("/partenaires/", "/partenaires/", "cpip.demo"),
    ("/detention/indigence/", "/detention/indigence/", "encadrement.demo"),
    # The activity figures (docs/figures.md): the three pages (the default period, the last
    # closed month), a CPIP's own, and each figure's export.
    ("/chiffres/", "/chiffres/", "encadrement.demo"),
    ("/chiffres/ décisions", "/chiffres/rapports-et-decisions/", "encadrement.demo"),
    ("/chiffres/ exécution", "/chiffres/execution/", "encadrement.demo"),
    ("/chiffres/ cpip", "/chiffres/execution/", "cpip.demo"),
    *[
        (f"export {code}"[:18], f"{page}?figure={code}&format=csv", "encadrement.demo")
        for page, codes in (
            ("/chiffres/", ("followed", "measures_flow", "first_interview", "intensity")),
            ("/chiffres/rapports-et-decisions/", ("reports", "grants", "incidents")),
            ("/chiffres/execution/", ("tig_hours", "releases", "proofs", "caseload")),
        )
        for code in codes
    ],
    ("tig <id>", "/personnes/{tig}/tig/", "cpip.demo"),
    ("/tig/", "/tig/", "cpip.demo"),
    ("/tig/ service", "/tig/", "encadrement.demo"),
    ("mesures <id>", "/personnes/{person}/mesures/", "cpip.demo"),
    ("peine <id>", "/personnes/{prisoner}/peine/", "cpip.demo"),
    ("réponse juge", "/rapports/{answer}/reponse/", "juge.demo"),
    ("/detention/ juge", "/detention/", "juge.demo"),
    ("CAP juge", "/detention/cap/{session}/", "juge.demo"),
    (
        "doublons (vérif.)",
        "/personnes/nouvelle/doublons/?surname=BENALI&birth_surname=HADDAD&first_names=Nadia"
        "&birth_date=1990-05-17&phone=0648271593",
        "secretariat.demo",
    ),
    ("écrou (form.)", "/personnes/{free}/ecrou/nouveau/", "encadrement.demo"),
    ("sortie (form.)", "/personnes/{held}/sortie/liberation/", "encadrement.demo"),
    # The allocation (docs/allocation.md): the queue, the allocation form of its first file,
    # the week's view and its échéancier counts, moving one CPIP's files, the capacities.
    ("/service/a-attribuer/", "/service/a-attribuer/", "encadrement.demo"),
    ("attribuer <id>", "/personnes/{queued}/attribuer/", "encadrement.demo"),
    ("/service/semaine/", "/service/semaine/", "encadrement.demo"),
    ("semaine : retards", "/service/semaine/retards/", "encadrement.demo"),
    ("déplacer (cpip.demo)", "/service/deplacer/?de={cpip_demo}", "encadrement.demo"),
    ("/service/capacites/", "/service/capacites/", "encadrement.demo"),
    ("/transferts/", "/transferts/", "encadrement.demo"),
    # The follow-up intensity (docs/assessments.md): the changes to validate, the rules.
    ("intensités à valider", "/service/intensites/", "encadrement.demo"),
    ("règles d'intensité", "/service/parametres/intensite/", "encadrement.demo"),
    # The lists' exports (docs/exports.md): the whole filtered list as a file.
    ("/service/ CSV", "/service/?format=csv", "encadrement.demo"),
    ("/service/ XLSX", "/service/?format=xlsx", "encadrement.demo"),
    ("à attribuer XLSX", "/service/a-attribuer/?format=xlsx", "encadrement.demo"),
    ("échéancier CSV", "/echeancier/?format=csv", "encadrement.demo"),
    ("échéancier XLSX", "/echeancier/?format=xlsx", "cpip.demo"),
    ("/tig/ XLSX", "/tig/?format=xlsx", "encadrement.demo"),
    ("structures TIG CSV", "/tig/structures/?format=csv", "encadrement.demo"),
    ("CAP XLSX", "/detention/cap/{cap}/?format=xlsx", "encadrement.demo"),
    ("/partenaires/ XLSX", "/partenaires/?format=xlsx", "encadrement.demo"),
    ("transfert <id>", "/transferts/{transfer}/", "encadrement.demo"),
    ("transférer (form.)", "/personnes/{free}/transferer/", "encadrement.demo"),
    # The demo's pair of files of the same person (demo/merges.py).
    ("fusion : choix", "/personnes/{kept}/fusionner/", "encadrement.demo"),
    ("fusion : comparaison", "/personnes/{kept}/fusionner/{absorbed}/", "encadrement.demo"),
    (
        "fusion : confirmation",
        "/personnes/{kept}/fusionner/{absorbed}/confirmer/?surname={absorbed}",
        "encadrement.demo",
    ),
    # The service's staff and sites, kept by its managers (docs/staff-and-sites.md).
    ("/service/personnel/", "/service/personnel/", "encadrement.demo"),
    ("personnel <id>", "/service/personnel/{staff_member}/", "encadrement.demo"),
    ("/service/antennes/", "/service/antennes/", "encadrement.demo"),
    ("antenne <id>", "/service/antennes/{site}/", "encadrement.demo"),
    ("horaires <id>", "/service/antennes/{site}/horaires/", "encadrement.demo"),
    ("/service/fermetures/", "/service/fermetures/", "encadrement.demo"),
    # Programmes and group work (docs/programmes.md): the catalogue, a group with its
    # participants, its first session with their attendance.
    ("/programmes/", "/programmes/", "cpip.demo"),
    ("/programmes/ encadr.", "/programmes/", "encadrement.demo"),
    ("groupe <id>", "/programmes/groupes/{programme_group}/", "encadrement.demo"),
    ("séance de groupe", "/programmes/seances/{group_session}/", "encadrement.demo"),
    # The dossier's « Programmes » tab and an enrolment's page (its summary, history and
    # attendance) of a person of the caseload referred to a programme.
    ("programmes <id>", "/personnes/{enrolled}/programmes/", "cpip.demo"),
    ("orientation <id>", "/personnes/{enrolled}/programmes/{enrolment}/", "cpip.demo"),
    # A programme with its groups and waiting list; the referral form.
    ("programme <id>", "/programmes/{programme}/", "encadrement.demo"),
    ("orienter (form.)", "/personnes/{person}/programmes/orienter/", "cpip.demo"),
    # Retention (docs/data-protection.md): the rules, the holds, what would go within a year.
    ("conservation", "/service/conservation/", "encadrement.demo"),
    # The managers' anomaly view over the journal (docs/audit.md, « Anomalies »): its three
    # lists over the last 30 days, one reader's entries of the day, the thresholds.
    ("contrôle des accès", "/service/controle-des-acces/", "encadrement.demo"),
    ("journal d'un agent", "/service/controle-des-acces/agents/{cpip_demo}/", "encadrement.demo"),
    ("seuils du contrôle", "/service/parametres/controle-des-acces/", "encadrement.demo"),
]
# Bumped when the data changes shape in a way the code digest below cannot see.
DATA_VERSION = 5


def child_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        PROBATIO_VAR_DIR=str(var_dir),
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="config.settings",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        LOG_LEVEL="ERROR",
    )
    env.pop("PROBATIO_ENV", None)
    return env


def manage(var_dir: Path, *args: str, log) -> None:
    command = [sys.executable, str(BASE_DIR / "manage.py"), *args]
    with open(var_dir / "build.log", "a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(args)}\n")
        out.flush()
        result = subprocess.run(
            command, cwd=BASE_DIR, env=child_env(var_dir), stdout=out, stderr=subprocess.STDOUT
        )
    if result.returncode != 0:
        log(f"Échec de « manage.py {' '.join(args)} » : voir {var_dir / 'build.log'}")
        sys.exit(result.returncode)


# --- Building the databases. ---


def code_version() -> str:
    """A digest of what shapes a bench database (the migrations and the demo builder): a
    database built by other code is rebuilt rather than measured with a stale schema."""
    digest = hashlib.sha256()
    paths = sorted(BASE_DIR.glob("probatio/*/migrations/*.py")) + sorted(
        BASE_DIR.glob("probatio/demo/**/*.py")
    )
    for path in paths:
        digest.update(path.relative_to(BASE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def wanted_stamp(services: int, args) -> dict:
    return {
        "services": services,
        "seed": args.seed,
        "persons": args.persons,
        "data_version": DATA_VERSION,
        "code_version": code_version(),
    }


def is_built(var_dir: Path, stamp: dict) -> bool:
    stamp_file = var_dir / "build.json"
    if not (stamp_file.exists() and (var_dir / "probatio.sqlite3").exists()):
        return False
    built = json.loads(stamp_file.read_text())
    return all(built.get(key) == value for key, value in stamp.items())


def build(var_dir: Path, stamp: dict, log) -> subprocess.Popen | None:
    """Start building one database (in the background); None when it can be reused."""
    if is_built(var_dir, stamp):
        built = json.loads((var_dir / "build.json").read_text())
        log(
            f"{var_dir.name} : base réutilisée (construite le {built.get('built_on')}, "
            f"en {built.get('seconds', 0):.0f} s ; --rebuild pour la refaire)"
        )
        return None
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    log(
        f"{var_dir.name} : construction ({stamp['services']} service(s) de "
        f"{stamp['persons']} personnes)…"
    )
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--build-one",
        str(var_dir),
        "--seed",
        str(stamp["seed"]),
        "--persons",
        str(stamp["persons"]),
        "--services",
        str(stamp["services"]),
    ]
    return subprocess.Popen(command, cwd=BASE_DIR)


def build_one(var_dir: Path, services: int, args) -> None:
    """Child process: migrate and load the demo into an empty database, then stamp it (with
    the code as it was when the build began)."""
    stamp = wanted_stamp(services, args)
    started = time.monotonic()
    manage(var_dir, "migrate", "--noinput", log=print)
    manage(
        var_dir,
        "load_demo",
        "--services",
        str(services),
        "--seed",
        str(args.seed),
        "--persons",
        str(args.persons),
        log=print,
    )
    seconds = time.monotonic() - started
    stamp = {
        **stamp,
        "seconds": round(seconds, 1),
        "built_on": time.strftime("%Y-%m-%d %H:%M"),
    }
    (var_dir / "build.json").write_text(json.dumps(stamp, indent=2))
    print(f"{var_dir.name} : construite en {seconds:.0f} s")


# --- Measuring (in a child process, one per database). ---


def signed_in_client(user):
    """A test client signed in as ``user`` with the second factor proven (the demo's
    accounts have a TOTP device: ``force_login`` alone leaves the session at the code's page,
    and every page answered a redirect)."""
    from django.test import Client

    from probatio.accounts import second_factor

    client = Client()
    client.force_login(user)
    session = client.session
    session[second_factor.STATE_KEY] = second_factor.VERIFIED
    session.save()
    return client


def page_url(url: str, user) -> str:
    """The page's URL with its placeholders filled from the database (``{person}``: the first
    person of the user's caseload…); an ``AttributeError`` when the data has none."""
    from probatio.accounts.models import User
    from probatio.people.models import Person

    if "{person}" in url:
        person = (
            Person.objects.filter(assigned_cpip=user)
            .order_by("surname", "first_names", "pk")
            .first()
        )
        url = url.format(person=person.pk)
    if "{prisoner}" in url:
        prisoner = (
            Person.objects.filter(assigned_cpip=user, custody_records__release_date__isnull=True)
            .exclude(custody_records__isnull=True)
            .order_by("surname", "first_names", "pk")
            .first()
        )
        url = url.format(prisoner=prisoner.pk)
    if "{answer}" in url:
        from probatio.reports.models import Report

        answer = Report.objects.filter(judge=user, status="transmitted").order_by("pk").first()
        url = url.format(answer=answer.pk)
    if "{session}" in url:
        from probatio.sentences.models import CapSession

        session = CapSession.objects.filter(judge=user).order_by("date", "pk").first()
        url = url.format(session=session.pk)
    if "{cap}" in url:  # the first CAP session of the manager's service
        from probatio.sentences.models import CapSession

        service_id = user.memberships.get(role="manager").service_id
        cap = CapSession.objects.filter(establishment__service_id=service_id)
        url = url.format(cap=cap.order_by("date", "pk").first().pk)
    if "{queued}" in url:
        service_id = user.memberships.get(role="manager").service_id
        queued = Person.objects.filter(service_id=service_id, assigned_cpip__isnull=True)
        url = url.format(queued=queued.order_by("awaiting_since", "pk").first().pk)
    if "{cpip_demo}" in url:
        url = url.format(cpip_demo=User.objects.get(username="cpip.demo").pk)
    if "{free}" in url or "{held}" in url:
        from django.db.models import Exists, OuterRef

        from probatio.people.models import CustodyRecord

        service_id = user.memberships.get(role="manager").service_id
        # An open committal, as EXISTS: "NOT IN (the service's persons held)" was planned
        # as a nested loop over every person of the country on the national database.
        held = Exists(
            CustodyRecord.objects.filter(person_id=OuterRef("pk"), release_date__isnull=True)
        )
        persons = Person.objects.filter(service_id=service_id).order_by("pk")
        if "{held}" in url:
            url = url.format(held=persons.filter(held).first().pk)
        else:
            url = url.format(free=persons.exclude(held).first().pk)
    if "{assessment}" in url:  # the latest assessment of the user's caseload
        from probatio.assessments.models import Assessment

        found = (
            Assessment.objects.filter(person__assigned_cpip=user)
            .order_by("-assessed_on", "-pk")
            .first()
        )
        url = url.format(assessed=found.person_id, assessment=found.pk)
    if "{transfer}" in url:
        from probatio.transfers.models import Transfer

        service_id = user.memberships.get(role="manager").service_id
        incoming = Transfer.objects.filter(to_service_id=service_id).order_by("pk").first()
        url = url.format(transfer=incoming.pk)
    if "{long}" in url:
        from django.db.models import Count

        longest = (
            Person.objects.filter(assigned_cpip=user)
            .annotate(n=Count("appointments"))
            .order_by("-n", "pk")
            .first()
        )
        url = url.format(long=longest.pk)
    if "{tig}" in url:
        with_tig = (
            Person.objects.filter(assigned_cpip=user, tig_orders__isnull=False)
            .order_by("surname", "first_names", "pk")
            .first()
        )
        url = url.format(tig=with_tig.pk)
    if "{staff_member}" in url or "{site}" in url:
        from probatio.accounts.models import Membership

        service_id = user.memberships.get(role="manager").service_id
        cpip = Membership.objects.get(user__username="cpip.demo", service_id=service_id)
        url = url.format(staff_member=cpip.pk, site=cpip.site_id)
    if "{programme_group}" in url or "{group_session}" in url:
        # The service's group with the most participants, and its first session.
        from django.db.models import Count, Q

        from probatio.programmes.models import GroupSession, ProgrammeGroup

        service_id = user.memberships.first().service_id
        group = (
            ProgrammeGroup.objects.filter(programme__service_id=service_id)
            .annotate(n=Count("enrolments", filter=Q(enrolments__status="enrolled")))
            .order_by("-n", "pk")
            .first()
        )
        session = GroupSession.objects.filter(group=group).order_by("number").first()
        url = url.format(programme_group=group.pk, group_session=session.pk)
    if "{enrolled}" in url:  # a referral of the user's caseload, a finished one first
        from probatio.programmes.models import Enrolment

        referrals = Enrolment.objects.filter(person__assigned_cpip=user).order_by("pk")
        found = referrals.filter(status="completed").first() or referrals.first()
        url = url.format(enrolled=found.person_id, enrolment=found.pk)
    if "{programme}" in url:  # the service's programme with the most referrals
        from django.db.models import Count

        from probatio.programmes.models import Programme

        service_id = user.memberships.first().service_id
        programme = (
            Programme.objects.filter(service_id=service_id)
            .annotate(n=Count("enrolments"))
            .order_by("-n", "pk")
            .first()
        )
        url = url.format(programme=programme.pk)
    if "{kept}" in url:
        from probatio.demo.merges import duplicate_pair

        membership = user.memberships.get(role="manager")
        kept, absorbed = duplicate_pair(membership.service)
        url = url.format(kept=kept.pk, absorbed=absorbed.pk)
    return url


def measure(args) -> None:
    """Child process: time the pages against the database of PROBATIO_VAR_DIR."""
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from probatio.accounts.models import User

    assert not settings.DEBUG, "le banc se mesure avec DEBUG désactivé"
    results = []
    for label, url, username in PAGES:
        user = User.objects.get(username=username)
        url = page_url(url, user)
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
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        results.append(
            {
                "page": label,
                "url": url,
                "status": 200,
                "median": statistics.median(timings),
                "p90": statistics.quantiles(timings, n=10)[8],
                "queries": len(queries.captured_queries),
            }
        )
    print("RESULTS " + json.dumps(results))


def run_measure(var_dir: Path, args) -> list[dict]:
    return measure_in_child(__file__, child_env(var_dir), var_dir.name, args)


def measure_in_child(script: str, env: dict, name: str, args) -> list[dict]:
    """Run ``script --measure`` with ``env`` (its database) and read the results it prints."""
    command = [
        sys.executable,
        str(Path(script).resolve()),
        "--measure",
        "--repeat",
        str(args.repeat),
        "--warmup",
        str(args.warmup),
    ]
    result = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    for line in result.stdout.splitlines():
        if line.startswith("RESULTS "):
            return json.loads(line.removeprefix("RESULTS "))
    sys.stderr.write(result.stdout + result.stderr)
    sys.exit(f"La mesure sur {name} a échoué.")


# --- Report. ---


def report(measured: dict[int, list[dict]]) -> bool:
    small, large = SIZES
    header = (
        f"{'page':<18} {'taille':<12} {'médiane ms':>10} {'p90 ms':>8} {'requêtes':>9}"
        f"   {'ratio ' + str(large) + '/' + str(small):>10}  "
        f"{'≤ ' + str(TARGET_RATIO).replace('.', ',') + '×':<8}  "
        f"{'≤ ' + str(TARGET_QUERIES) + ' requêtes':<15}"
    )
    print()
    print(header)
    print("-" * len(header))
    all_ok = True
    for position, (label, _, _) in enumerate(PAGES):
        rows = {size: measured[size][position] for size in SIZES}
        for size in SIZES:
            row = rows[size]
            name = f"{size} service" + ("s" if size > 1 else "")
            if row["status"] != 200:
                unavailable = f"page indisponible (HTTP {row['status']})"
                print(f"{label:<18} {name:<12} {unavailable:>30}")
                continue
            line = (
                f"{label:<18} {name:<12} {row['median']:>10.1f} {row['p90']:>8.1f} "
                f"{row['queries']:>9}"
            )
            if size == large and rows[small]["status"] == 200 and row["status"] == 200:
                ratio = row["median"] / rows[small]["median"]
                ratio_ok = ratio <= TARGET_RATIO
                queries_ok = max(row["queries"], rows[small]["queries"]) <= TARGET_QUERIES
                all_ok &= ratio_ok and queries_ok
                line += (
                    f"   {ratio:>9.2f}×  {'OK' if ratio_ok else 'NOT OK':<8}  "
                    f"{'OK' if queries_ok else 'NOT OK':<15}"
                )
            print(line)
        if any(rows[size]["status"] != 200 for size in SIZES):
            all_ok = False
    print()
    return all_ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="refaire les bases même si elles existent pour ces paramètres",
    )
    parser.add_argument("--seed", type=int, default=2025, help="graine de load_demo")
    parser.add_argument("--persons", type=int, default=600, help="personnes par service")
    parser.add_argument("--repeat", type=int, default=30, help="requêtes mesurées par page")
    parser.add_argument("--warmup", type=int, default=3, help="requêtes de mise en route")
    parser.add_argument(
        "--check", action="store_true", help="code de sortie 1 si une cible n'est pas atteinte"
    )
    parser.add_argument("--build-only", action="store_true", help="construire sans mesurer")
    # Internal: the child processes.
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--build-one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--services", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        return measure(args)
    if args.build_one:
        return build_one(args.build_one, args.services, args)

    def log(message: str) -> None:
        print(message, flush=True)

    dirs = {size: BENCH_DIR / f"services-{size}" for size in SIZES}
    if args.rebuild:
        for var_dir in dirs.values():
            shutil.rmtree(var_dir, ignore_errors=True)
    # The two databases are independent files: build them side by side.
    started = time.monotonic()
    builds = {size: build(dirs[size], wanted_stamp(size, args), log) for size in SIZES}
    for size, process in builds.items():
        if process is not None and process.wait() != 0:
            sys.exit(
                f"La construction de {dirs[size].name} a échoué (voir {dirs[size] / 'build.log'})."
            )
    if any(builds.values()):
        log(f"Bases prêtes en {time.monotonic() - started:.0f} s.")
    if args.build_only:
        return
    measured = {}
    for size in SIZES:
        log(f"Mesure sur {dirs[size].name} ({args.repeat} requêtes par page)…")
        measured[size] = run_measure(dirs[size], args)
    ok = report(measured)
    # The reminder batch (10,000 due messages) on a copy of the one-service database.
    reminders = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve().parent / "bench_reminders.py"),
            "--database",
            str(dirs[SIZES[0]] / "probatio.sqlite3"),
        ],
        cwd=BASE_DIR,
    )
    ok &= reminders.returncode == 0
    # One report PDF (the transmission's rendering).
    pdf = subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parent / "bench_documents.py")],
        cwd=BASE_DIR,
        env=child_env(dirs[SIZES[0]]),
    )
    ok &= pdf.returncode == 0
    # Signing in, password then second factor (under 0.5 s of server time).
    sign_in = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve().parent / "bench_sign_in.py"),
        ],
        cwd=BASE_DIR,
    )
    ok &= sign_in.returncode == 0
    # The nightly recomputation of sentence dates (2,000 persons in prison), the date panel.
    sentences = subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parent / "bench_sentences.py"), "--check"],
        cwd=BASE_DIR,
    )
    ok &= sentences.returncode == 0
    # The retention job (dry-run, then run) on a copy of the ten-service database.
    retention = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve().parent / "bench_retention.py"),
            "--database",
            str(dirs[SIZES[1]] / "probatio.sqlite3"),
            "--check",
        ],
        cwd=BASE_DIR,
    )
    ok &= retention.returncode == 0
    if args.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
