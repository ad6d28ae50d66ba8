"""How long does the nightly recomputation of sentence dates take for a service with 2,000
persons in prison, and does the dossier's date panel cost a fixed number of queries?

    .venv/bin/python bench/bench_sentences.py [--persons N] [--runs R] [--check]

Builds a throwaway SQLite database under var/bench/sentences/ (migrated, then filled in bulk:
one service with N persons in prison, 2,000 by default, each with one to three sentences
served consecutively, remand for about half of them, the reductions granted at each year of
detention, a few withdrawn, safety periods and exclusions; a second service with a tenth as
many persons, which the recomputation of the first must leave alone), then measures:

- ``services.recompute_all(actor=…)`` (the service's system actor): wall time and SQL queries of a first run (no date
  stored yet), of R cold runs (every date changes: each person's remand moved by a day before
  the run, as after a day of decisions) and of R warm runs (nothing changed since the last
  run), and the peak of Python memory of a cold run (tracemalloc, a run of its own);
- the SQL queries of the dossier's date panel (``selectors.panel_for``) for a person with one
  sentence and for one with three sentences, five reductions and official dates with history,
  which must be equal.

Prints the figures and stores them in var/bench/sentences.json. Exit code 1 with ``--check``
when a check fails (panel queries differ, a run does not change what it should).
"""

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"
VAR_DIR = BENCH_DIR / "sentences"
RESULTS = BENCH_DIR / "sentences.json"
SEED = 2025

# First sentence (months) and its weight: most between six months and three years.
LENGTHS = [(4, 6), (6, 10), (8, 10), (10, 8), (12, 12), (15, 8), (18, 12), (24, 12), (30, 6),
           (36, 8), (48, 4), (60, 2), (72, 1), (96, 1)]  # fmt: skip


def _gate(membership, person):
    """The person through the dossier gate, as the services require."""
    from probatio.people.selectors import person_get_for

    return person_get_for(membership, person.pk)


def setup_django() -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("PROBATIO_ENV", None)
    os.environ.update(
        PROBATIO_VAR_DIR=str(VAR_DIR),
        DEBUG="0",
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


# --- Building the database (in bulk: the services are measured, not used to build). ---


def build(persons: int, today: date) -> dict:
    """Two services, ``persons`` persons in prison in the first, a tenth as many in the
    second; returns what the measures need."""
    from django.db import transaction

    from probatio.accounts.models import Membership, User
    from probatio.organisation.models import Establishment
    from probatio.organisation.services import service_create

    rng = random.Random(SEED)
    with transaction.atomic():
        services = []
        for position, code in enumerate(("990", "991")):
            service = service_create(
                name=f"SPIP de mesure n° {position + 1}", department_code=code, is_sandbox=True
            )
            establishments = [
                Establishment.objects.create(
                    service=service, name=f"{kind} de mesure {code}-{n}", code=f"B{code}{n}",
                    kind=kind,
                )
                for n, kind in enumerate(("CP", "MA"))
            ]  # fmt: skip
            user = User.objects.create(
                username=f"greffe.mesure.{code}", first_name="Greffe", last_name=f"Mesure {code}"
            )
            membership = Membership.objects.create(user=user, service=service, role="secretariat")
            count = persons if position == 0 else max(1, persons // 10)
            _fill(service, establishments, count, rng, today)
            services.append((service, membership))
    return {"service": services[0][0], "membership": services[0][1], "other": services[1][0]}


def _fill(service, establishments, count: int, rng: random.Random, today: date) -> None:
    from probatio.core.dates import add_months
    from probatio.measures.models import Decision
    from probatio.people.models import CustodyRecord, Person
    from probatio.sentences import engine
    from probatio.sentences.models import PenalSituation, Reduction, Sentence

    people = Person.objects.bulk_create(
        [
            Person(
                service=service,
                surname=f"MESURE{number:05d}",
                first_names="Camille",
                sex=rng.choice("MMMMMMMMMF"),
                birth_date=today - timedelta(days=rng.randint(19 * 365, 65 * 365)),
                legal_status="condamne",
                search_text=f"mesure{number:05d} camille",
            )
            for number in range(count)
        ]
    )
    plans = []
    for person in people:
        months = [rng.choices([m for m, _ in LENGTHS], [w for _, w in LENGTHS])[0]]
        draw = rng.random()
        if draw < 0.25:
            months.append(rng.choice([4, 6, 8, 10, 12]))
        if draw < 0.05:
            months.append(rng.choice([3, 4, 6]))
        span = (add_months(today, sum(months)) - today).days
        committal = today - timedelta(days=rng.randint(5, max(6, min(span - 20, 2000))))
        remand = rng.randint(2, 300) if rng.random() < 0.5 else 0
        start = committal - timedelta(days=remand)
        grants = []
        year = 1
        while (day := add_months(start, 12 * year) + timedelta(days=20)) <= today:
            grants.append((max(day, committal), rng.choice([30, 45, 60, 90, 120])))
            year += 1
        withdrawn = rng.randint(10, 30) if grants and rng.random() < 0.03 else 0
        safety = sum(months) // 24 if sum(months) >= 60 and rng.random() < 0.3 else 0
        data = engine.SentenceInput(
            sentences=tuple(engine.Length(months=m) for m in months),
            committal_date=committal,
            pretrial_detention_days=remand,
            reductions_granted_days=sum(d for _, d in grants),
            reductions_withdrawn_days=withdrawn,
            safety_period=engine.Length(years=safety) if safety else None,
        )
        try:
            engine.check(data)
        except engine.InputError:
            grants, withdrawn = [], 0
        plans.append((person, months, committal, remand, grants, withdrawn, safety))

    custodies = CustodyRecord.objects.bulk_create(
        [
            CustodyRecord(
                person=person,
                establishment=establishments[0 if rng.random() < 0.65 else 1],
                committal_number=f"{committal:%Y}-{number:06d}",
                committal_date=committal,
            )
            for number, (person, _, committal, *_rest) in enumerate(plans)
        ]
    )
    situations = PenalSituation.objects.bulk_create(
        [
            PenalSituation(
                custody=custody,
                remand_days=remand,
                safety_years=safety,
                lsc_plein_droit_exclusions=["partner_violence"] if rng.random() < 0.15 else [],
                lsc_exclusions=["lsc_refused"] if rng.random() < 0.02 else [],
            )
            for custody, (_, _, _, remand, _, _, safety) in zip(custodies, plans, strict=True)
        ]
    )
    judgments, orders, wanted = [], [], []
    for situation, (person, months, committal, _, grants, withdrawn, _) in zip(
        situations, plans, strict=True
    ):
        for index, length in enumerate(months):
            day = committal - timedelta(days=30 + 90 * index)
            judgments.append(
                Decision(
                    person=person,
                    kind=Decision.Kind.JUDGMENT,
                    jurisdiction="Tribunal correctionnel de Mesure",
                    date=day,
                    enforceable_date=day,
                    summary=f"{length} mois d'emprisonnement",
                )
            )
            wanted.append(("sentence", situation, length))
        items = [(day, Reduction.Kind.GRANTED, days) for day, days in grants]
        if withdrawn:
            day = min(today, grants[-1][0] + timedelta(days=10))
            items.append((day, Reduction.Kind.WITHDRAWN, withdrawn))
        for day, kind, days in items:
            orders.append(
                Decision(
                    person=person,
                    kind=Decision.Kind.JAP_ORDER,
                    jurisdiction="Juge de l'application des peines",
                    date=day,
                    enforceable_date=day,
                    summary=f"Réduction de peine : {days} jour(s)",
                )
            )
            wanted.append(("reduction", situation, (kind, days)))
    decisions = iter(Decision.objects.bulk_create(judgments + orders, batch_size=1000))
    # The judgments come first in ``decisions``, in the order of ``wanted``'s sentences.
    sentence_rows, reduction_rows = [], []
    for _, situation, value in [w for w in wanted if w[0] == "sentence"]:
        sentence_rows.append(
            Sentence(
                person_id=situation.custody.person_id,
                situation=situation,
                decision=next(decisions),
                years=value // 12,
                months=value % 12,
                description="Emprisonnement ferme",
            )
        )
    for _, situation, (kind, days) in [w for w in wanted if w[0] == "reduction"]:
        reduction_rows.append(
            Reduction(situation=situation, decision=next(decisions), kind=kind, days=days)
        )
    Sentence.objects.bulk_create(sentence_rows, batch_size=1000)
    Reduction.objects.bulk_create(reduction_rows, batch_size=1000)


def panel_persons(built: dict, today: date):
    """Two persons of the first service for the date panel: one with a single sentence (as
    built), one given three sentences, five reductions (one withdrawn) and official dates
    with history, through the services."""
    from django.db import transaction

    from probatio.measures.services import decision_create
    from probatio.people.models import CustodyRecord
    from probatio.sentences import rules, services
    from probatio.sentences.models import OfficialDate, PenalSituation

    membership = built["membership"]
    held = CustodyRecord.objects.filter(person__service=built["service"]).select_related("person")
    single = next(
        c
        for c in held.filter(penal_situation__reductions__isnull=True).order_by("pk")
        if c.penal_situation.sentences.count() == 1
    )
    # Held for more than two years on a long sentence (room for five reductions); its first
    # sentence kept, the rest recorded again through the services.
    rich = next(
        c
        for c in held.filter(committal_date__lte=today - timedelta(days=800)).order_by("pk")
        if c.pk != single.pk and c.penal_situation.sentences.first().years >= 4
    )
    person = rich.person
    with transaction.atomic():
        situation = rich.penal_situation
        situation.reductions.all().delete()
        situation.sentences.exclude(pk=situation.sentences.first().pk).delete()
        for length in ({"months": 8}, {"months": 4}):
            decision = decision_create(
                gated=_gate(membership, person),
                data={
                    "kind": "judgment",
                    "jurisdiction": "Tribunal correctionnel de Mesure",
                    "date": rich.committal_date - timedelta(days=200),
                    "enforceable_date": rich.committal_date - timedelta(days=200),
                },
                offences=[],
                today=today,
            )
            services.sentence_add(
                gated=_gate(membership, person),
                custody=rich,
                data={"decision": decision, "description": "Emprisonnement ferme", **length},
            )
        for number, (kind, days) in enumerate(
            [("granted", 60), ("granted", 45), ("granted", 60), ("withdrawn", 15), ("granted", 30)]
        ):
            services.reduction_add(
                gated=_gate(membership, person),
                custody=rich,
                data={
                    "kind": kind,
                    "days": days,
                    "date": rich.committal_date + timedelta(days=120 * (number + 1)),
                },
            )
        computed = PenalSituation.objects.get(custody=rich).computed()
        for kind in (rules.FIN_PEINE, rules.LIBERATION, rules.LC):
            day = computed[rules.OFFICIAL_TO_COMPUTED[kind]]
            if kind == rules.FIN_PEINE:  # an earlier registry date, kept as history
                services.official_date_set(gated=_gate(membership, person), custody=rich, kind=kind, day=day + timedelta(days=30), source=OfficialDate.Source.IMPORTED)  # fmt: skip
            services.official_date_set(gated=_gate(membership, person), custody=rich, kind=kind, day=day, source=OfficialDate.Source.IMPORTED)  # fmt: skip
    return single, rich


# --- Measuring. ---


def counted(function):
    """Run ``function``: (its result, seconds, SQL queries)."""
    from django.db import connection

    executed = []

    def count(execute, sql, params, many, context):
        executed.append(1)
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count):
        result = function()
    return result, time.perf_counter() - started, len(executed)


def shift_remand(service, step: int) -> None:
    """Every person's remand moved by ``step`` days: every stored date changes."""
    from django.db.models import F

    from probatio.sentences.models import PenalSituation

    PenalSituation.objects.filter(custody__person__service=service).update(
        remand_days=F("remand_days") + step
    )


def measure(args) -> dict:
    import gc
    import tracemalloc

    from django.core.management import call_command
    from django.utils import timezone

    from probatio.accounts.system import SystemActor
    from probatio.people.models import CustodyRecord
    from probatio.sentences import selectors, services
    from probatio.sentences.models import PenalSituation

    today = timezone.localdate()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter() - started
    built = build(args.persons, today)
    single, rich = panel_persons(built, today)
    prepared = time.perf_counter() - started
    service, other = built["service"], built["other"]
    held = CustodyRecord.objects.filter(person__service=service, release_date__isnull=True)
    persons = held.count()
    inputs = inputs_summary(service)

    def recompute():
        return services.recompute_all(
            actor=SystemActor(service_id=service.pk, reason="recalcul de nuit des dates de peine")
        )

    # The two panel persons were recorded through the services (estimates stored): first run.
    first, first_seconds, first_queries = counted(recompute)
    cold, warm = [], []
    for run in range(args.runs):
        shift_remand(service, 1 if run % 2 == 0 else -1)
        gc.collect()
        cold.append(counted(recompute))
        gc.collect()
        warm.append(counted(recompute))
    shift_remand(service, 1 if args.runs % 2 == 0 else -1)
    gc.collect()
    tracemalloc.start()
    memory_counts = recompute()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    untouched = not PenalSituation.objects.filter(
        custody__person__service=other, computed_at__isnull=False
    ).exists()

    panels = {}
    for name, custody in (("single", single), ("rich", rich)):
        selectors.panel_for(custody.person, custody)  # warm-up
        panel, seconds, queries = counted(lambda c=custody: selectors.panel_for(c.person, c))
        panels[name] = {
            "queries": queries,
            "ms": seconds * 1000,
            "sentences": len(panel.sentences),
            "reductions": len(panel.reductions),
            "official_dates": len(panel.official_history),
            "rows": len(panel.rows),
        }
    return {
        "date": f"{today:%Y-%m-%d}",
        "persons": persons,
        "other_service_persons": CustodyRecord.objects.filter(person__service=other).count(),
        "build_seconds": {"migrate": migrated, "total": prepared},
        "first": {"seconds": first_seconds, "queries": first_queries, "counts": first},
        "cold": [{"seconds": s, "queries": q, "counts": c} for c, s, q in cold],
        "warm": [{"seconds": s, "queries": q, "counts": c} for c, s, q in warm],
        "tracemalloc_peak_mb": peak / 1e6,
        "memory_run_changed": memory_counts["changed"],
        "other_service_untouched": untouched,
        "panel": panels,
        "inputs": inputs,
    }


def inputs_summary(service) -> dict:
    from probatio.sentences.models import PenalSituation, Reduction, Sentence

    mine = {"situation__custody__person__service": service}
    return {
        "sentences": Sentence.objects.filter(**mine).count(),
        "reductions": Reduction.objects.filter(**mine).count(),
        "with_remand": PenalSituation.objects.filter(
            custody__person__service=service, remand_days__gt=0
        ).count(),
    }


def report(data: dict) -> bool:
    n = data["persons"]
    cold_s = [r["seconds"] for r in data["cold"]]
    warm_s = [r["seconds"] for r in data["warm"]]
    checks = {
        "chaque passe à froid recalcule et modifie chaque écrou": all(
            r["counts"]["computed"] == n and r["counts"]["changed"] == n for r in data["cold"]
        ),
        "chaque passe à chaud ne modifie rien": all(
            r["counts"]["changed"] == 0 for r in data["warm"]
        ),
        "aucune erreur de calcul": all(
            r["counts"]["errors"] == 0 for r in [data["first"], *data["cold"], *data["warm"]]
        ),
        "l'autre service n'est pas touché": data["other_service_untouched"],
        "panneau des dates : même nombre de requêtes": data["panel"]["single"]["queries"]
        == data["panel"]["rich"]["queries"],
    }
    inputs = data["inputs"]
    single, rich = data["panel"]["single"], data["panel"]["rich"]
    print(
        f"Recalcul de nuit des dates de peine : {n} personnes écrouées dans le service "
        f"({inputs['sentences']} peines, {inputs['reductions']} réductions, "
        f"{inputs['with_remand']} avec détention provisoire) ; base construite en {data['build_seconds']['total']:.0f} s\n"
        f"  première passe (aucune date stockée) : {data['first']['seconds']:.2f} s, "
        f"{data['first']['queries']} requêtes, {data['first']['counts']}\n"
        f"  à froid (toutes les dates changent), {len(cold_s)} passes : médiane "
        f"{statistics.median(cold_s):.2f} s (min {min(cold_s):.2f}, max {max(cold_s):.2f}), "
        f"soit {n / statistics.median(cold_s):.0f} écrous/s ; "
        f"{data['cold'][0]['queries']} requêtes\n"
        f"  à chaud (rien ne change), {len(warm_s)} passes : médiane "
        f"{statistics.median(warm_s):.2f} s (min {min(warm_s):.2f}, max {max(warm_s):.2f}) ; "
        f"{data['warm'][0]['queries']} requêtes\n"
        f"  mémoire Python au plus haut (tracemalloc, passe à froid) : "
        f"{data['tracemalloc_peak_mb']:.1f} Mo\n"
        f"  panneau « Peine et dates » : {single['queries']} requêtes pour 1 peine "
        f"({single['ms']:.1f} ms), {rich['queries']} requêtes pour {rich['sentences']} peines, "
        f"{rich['reductions']} réductions et {rich['official_dates']} dates officielles "
        f"({rich['ms']:.1f} ms)"
    )
    for label, ok in checks.items():
        print(f"  {label} : {'OK' if ok else 'NOT OK'}")
    print(f"  Résultats enregistrés dans {RESULTS.relative_to(BASE_DIR)}")
    return all(checks.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3, help="passes à froid et à chaud")
    parser.add_argument(
        "--check", action="store_true", help="code de sortie 1 si une vérification échoue"
    )
    args = parser.parse_args()
    shutil.rmtree(VAR_DIR, ignore_errors=True)
    VAR_DIR.mkdir(parents=True)
    print(f"Dates de peine : construction d'une base de {args.persons} personnes écrouées…")
    setup_django()
    data = measure(args)
    RESULTS.write_text(json.dumps(data, indent=2, default=str))
    ok = report(data)
    if args.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
