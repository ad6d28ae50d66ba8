"""Planning a demo person: what their file will hold, drawn at random before anything is
written (see ``builder.py``, which writes the plans through the application's services).

Every date is chosen so that the services accept it: measures start on or after their
decision, durations keep to the legal bounds of the catalogue, statuses agree with the dates.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import phonenumbers
from faker import Faker

from probatio.core.dates import add_months
from probatio.core.text import fold
from probatio.demo import vocabulary as voc
from probatio.demo.staffing import first_cpip_share, judge_index
from probatio.demo.vocabulary import of_place
from probatio.measures import rules
from probatio.measures.models import Measure
from probatio.organisation.models import Establishment

# Rules of the reformed measures apply to decisions from this day on (see the catalogue).
EARLIEST_DECISION = date(2020, 5, 1)

# The first running TIG measures: (days since the period started, or days before its end when
# negative; fewest and most hours). Late: the deadline in six weeks with many hours left;
# completed: a short TIG started seven months ago; then two started two to three months ago.
TIG_SHOWCASE = [(-45, 105, 280), (210, 35, 70), (100, 35, 280), (75, 35, 280)]

# Share of each measure as the main measure of a person (percent).
MAIN_MEASURES = [
    ("SURSIS_PROBATOIRE", 40),
    ("TIG", 15),
    ("EMPRISONNEMENT", 12),
    ("DDSE", 10),
    ("LC", 7),
    ("SURSIS_PROBATOIRE_RENFORCE", 4),
    ("CJ", 2.5),
    ("LSC", 2),
    ("SSJ", 2),
    ("STAGE", 2),
    ("AMENAGEMENT_723_15", 2),
    ("ARSE", 1.5),
]
CONTROLS = [
    "CTRL_CONVOCATION",
    "CTRL_VISITE_DOCS",
    "CTRL_CHANGEMENT_EMPLOI",
    "CTRL_CHANGEMENT_RESIDENCE",
    "CTRL_AUTORISATION_JAP",
    "CTRL_INFO_ETRANGER",
]
PROBATION_LIKE = {"SURSIS_PROBATOIRE", "SURSIS_PROBATOIRE_RENFORCE", "LC", "LSC", "SSJ"}


# --- Plans: what a person's file will hold, drawn before anything is written. ---


@dataclass
class MeasurePlan:
    code: str
    start: date
    status: str
    months: int | None = None
    days: int | None = None
    hours: int | None = None
    setting: str = ""
    obligations: list[str] = field(default_factory=list)
    with_judge: bool = True  # the person's JAP assigned it (not an investigating judge)

    @property
    def end(self) -> date | None:
        if self.months is None and self.days is None:
            return None
        return rules.end_date(self.start, self.months, self.days)

    @property
    def is_open(self) -> bool:
        return self.status in Measure.OPEN_STATUSES


@dataclass
class DecisionPlan:
    kind: str
    date: date
    jurisdiction: str
    offences: list[voc.Offence]
    measures: list[MeasurePlan]
    enforceable: date | None = None
    recidivism: str = "none"
    summary: str = ""
    court_number: tuple[str, str] | None = None  # (kind, number)


@dataclass
class CustodyPlan:
    establishment: Establishment
    committal: date
    release: date | None = None


@dataclass
class PersonPlan:
    identity: dict
    female: bool
    family: str  # family of the main offence
    decisions: list[DecisionPlan]  # in date order
    custody: list[CustodyPlan]
    main: MeasurePlan
    court_city: str
    addresses: list[dict] = field(default_factory=list)
    situation: list[tuple[str, str, str, date]] = field(default_factory=list)
    cpip_index: int | None = None  # index in the service's CPIPs
    judge_index: int = 0
    opened: date | None = None

    @property
    def in_custody(self) -> bool:
        return any(c.release is None for c in self.custody)


def mobile_number(rng) -> str:
    """A metropolitan French mobile number, as people write it (06 12 34 56 78)."""
    while True:
        prefix = rng.choice(["06", "06", "07"])
        first = rng.randint(10, 99) if prefix == "06" else rng.randint(50, 99)
        number = "{} {:02d} {:02d} {:02d} {:02d}".format(
            prefix, first, *(rng.randint(0, 99) for _ in range(3))
        )
        parsed = phonenumbers.parse(number, "FR")
        if phonenumbers.region_code_for_number(parsed) == "FR" and phonenumbers.is_valid_number(
            parsed
        ):
            return number


class Planner:
    """Draws the persons of one service. Uses the service's random generator and Faker, in a
    fixed order, so that a seed and a day always give the same plans."""

    def __init__(
        self,
        department: voc.Department,
        *,
        rng: random.Random,
        fake: Faker,
        today: date,
        establishments: list[Establishment],
        judges: int = 2,
    ):
        self.department = department
        self.judges = judges
        self.rng = rng
        self.fake = fake
        self.today = today
        self.establishments = establishments
        self.area = department.name.removeprefix("SPIP ")  # "de la Somme"
        self.used_numbers: set[str] = set()
        # The first running TIG measures are spread over the stages the community-work demo
        # shows, so that even a small demo, loaded on any day, has each of them.
        self.tig_showcase = list(TIG_SHOWCASE)

    def _days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def plan_person(self) -> PersonPlan:
        rng = self.rng
        code = rng.choices([c for c, _ in MAIN_MEASURES], [w for _, w in MAIN_MEASURES])[0]
        serious = (code in {"EMPRISONNEMENT", "LC"} and rng.random() < 0.15) or (
            code == "SSJ" and rng.random() < 0.4
        )
        offence = self._offence(
            serious=serious, families={"sexual", "violence"} if code == "SSJ" else None
        )
        court_city = rng.choice(self.department.courts)
        female = rng.random() < (0.04 if code in {"EMPRISONNEMENT", "LC", "LSC", "SSJ"} else 0.14)
        planner = getattr(self, f"_plan_{code.lower()}", None) or self._plan_community
        decisions, custody, main = planner(code, offence, court_city)
        if not any(c.release is None for c in custody) and rng.random() < 0.25:
            prior = self._plan_prior_case(before=decisions[0].date, court_city=court_city)
            if prior is not None:
                decisions.insert(0, prior)
        plan = PersonPlan(
            identity={},
            female=female,
            family=offence.family,
            decisions=decisions,
            custody=custody,
            main=main,
            court_city=court_city,
        )
        self._make_statuses_fit_dates(plan)
        plan.identity = self._plan_identity(plan, prevenu=code in {"CJ", "ARSE"})
        plan.judge_index = judge_index(rng.random(), self.judges)
        first = min(d.date for d in decisions)
        plan.opened = min(self.today, first + timedelta(days=rng.randint(3, 30)))
        self._plan_addresses_and_situation(plan)
        return plan

    def _make_statuses_fit_dates(self, plan: PersonPlan) -> None:
        """A last check of each status against the dates (a long period cannot be over yet,
        a short one cannot still run)."""
        for measure in (m for d in plan.decisions for m in d.measures):
            end = measure.end
            if measure.code == "EMPRISONNEMENT":
                continue  # a prison sentence ends early, at release (parole, reductions)
            if measure.status in {"ended", "void"} and end and end >= self.today:
                measure.status = "active"
            elif measure.status in {"active", "suspended"} and end and end < self.today:
                measure.status = "void" if measure.code.startswith("SURSIS") else "ended"
            elif measure.status == "pending" and measure.start <= self.today:
                measure.status = "active"

    def _offence(self, *, serious: bool = False, families: set[str] | None = None) -> voc.Offence:
        pool = voc.SERIOUS_OFFENCES if serious else voc.OFFENCES
        if families:
            pool = [o for o in pool if o.family in families] or pool
        return self.rng.choices(pool, [o.weight for o in pool])[0]

    def _status(self, code: str) -> str:
        if code in {"EMPRISONNEMENT", "CJ", "ARSE"}:
            return "active"
        if code == "AMENAGEMENT_723_15":
            return "pending" if self.rng.random() < 0.4 else "active"
        if code in {"LC", "LSC", "SSJ"}:
            choices = [("active", 85), ("suspended", 3), ("ended", 9), ("revoked", 3)]
        else:
            choices = [
                ("active", 78),
                ("pending", 7),
                ("suspended", 3),
                ("ended", 9),
                ("revoked", 3),
            ]
        status = self.rng.choices([s for s, _ in choices], [w for _, w in choices])[0]
        if status == "ended" and code in {"SURSIS_PROBATOIRE", "SURSIS_PROBATOIRE_RENFORCE"}:
            return "void"  # deemed void at the end of the probation period (not revoked)
        return status

    def _start_for(self, status: str, months: int | None, days: int | None) -> date:
        """A start date consistent with the status: running today, still to come, or over."""
        rng = self.rng
        if months is None and days is None:
            span = 365
        else:
            span = (rules.end_date(self.today, months, days) - self.today).days
        if status == "pending":
            return self.today + timedelta(days=rng.randint(3, 40))
        if status in {"ended", "void"}:
            start = self.today - timedelta(days=span + rng.randint(15, 700))
        else:
            start = self.today - timedelta(days=rng.randint(3, max(4, span - 3)))
        # Long periods (repeat recidivism) would start before the rules of 2020.
        return max(start, EARLIEST_DECISION + timedelta(days=30))

    def _decision_for(self, measure_start: date, status: str) -> tuple[date, date]:
        """(decision date, enforceable date) of a judgment leading to a measure."""
        rng = self.rng
        if status == "pending":
            decided = self._days_ago(1, 20)
            return decided, decided + timedelta(days=10)
        gap = rng.randint(0, 45)
        decided = max(EARLIEST_DECISION, measure_start - timedelta(days=gap))
        decided = min(decided, measure_start)
        return decided, min(measure_start, decided + timedelta(days=10))

    def _judgment(
        self,
        *,
        offence: voc.Offence,
        court_city: str,
        day: date,
        enforceable: date | None,
        measures: list[MeasurePlan],
        summary: str,
        recidivism: str = "none",
    ) -> DecisionPlan:
        offences = [offence]
        if self.rng.random() < 0.2:
            extra = self._offence()
            if extra.label != offence.label:
                offences.append(extra)
        if offence.qualification == "crime":
            jurisdiction = f"Cour criminelle départementale {self.area}"
        else:
            jurisdiction = f"Tribunal correctionnel {of_place(court_city)}"
        return DecisionPlan(
            kind="judgment",
            date=day,
            enforceable=enforceable,
            jurisdiction=jurisdiction,
            offences=offences,
            measures=measures,
            recidivism=recidivism,
            summary=summary,
            court_number=("parquet", self._parquet_number(day)),
        )

    def _parquet_number(self, day: date) -> str:
        while True:
            number = f"{day:%y}{self.rng.randint(1, 365):03d}{self.rng.randint(1, 99999):06d}"
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def _obligations(self, code: str, family: str) -> list[str]:
        rng = self.rng
        chosen: list[str] = []
        specific = voc.OBLIGATIONS_BY_FAMILY[family]
        if code in PROBATION_LIKE:
            chosen += CONTROLS
            count = (
                rng.randint(2, 4)
                if code == "SURSIS_PROBATOIRE_RENFORCE"
                else rng.choices([1, 2, 3], [35, 45, 20])[0]
            )
            # The first obligations of the family are the most usual ones.
            pool = list(specific)
            picked = [pool.pop(0)] if rng.random() < 0.7 else []
            picked += rng.sample(pool, min(len(pool), count - len(picked)))
            chosen += picked
            if code == "SSJ" and "SOINS" not in chosen:
                chosen.append("SOINS")
        elif code == "TIG":
            chosen += ["CTRL_CONVOCATION", "CTRL_CHANGEMENT_RESIDENCE"]
        elif code in {"DDSE", "ARSE"}:
            chosen += ["CTRL_CONVOCATION", "RESIDENCE"]
            if code == "ARSE" and family in voc.FAMILIES_WITH_VICTIM:
                chosen.append("NE_PAS_CONTACTER")
            elif rng.random() < 0.6:
                chosen.append("TRAVAIL_FORMATION")
        elif code == "CJ":
            chosen += ["CTRL_CONVOCATION"] + rng.sample(specific, min(2, len(specific)))
        return list(dict.fromkeys(chosen))

    def _probation_months(self, recidivism: str) -> int:
        if recidivism == "legal":
            return self.rng.choice([24, 36, 48, 60])
        if recidivism == "repeat":
            return self.rng.choice([36, 60, 72, 84])
        return self.rng.choice([12, 18, 18, 24, 24, 24, 30, 36])

    def _plan_community(self, code: str, offence: voc.Offence, court_city: str):
        """Sentences served in the community, pronounced by the trial court."""
        rng = self.rng
        status = self._status(code)
        recidivism = "none"
        months = days = hours = None
        if code in {"SURSIS_PROBATOIRE", "SURSIS_PROBATOIRE_RENFORCE"}:
            recidivism = rng.choices(["none", "legal", "repeat"], [90, 8, 2])[0]
            months = self._probation_months(recidivism)
            summary = (
                f"{rng.randint(3, 18)} mois d'emprisonnement assortis en totalité d'un "
                f"sursis probatoire pendant {months} mois"
            )
            if code == "SURSIS_PROBATOIRE_RENFORCE":
                summary += " (suivi renforcé)"
        elif code == "TIG":
            hours = rng.choice([35, 70, 70, 105, 140, 140, 175, 210, 280])
            months = rng.choice([12, 18, 18])
            summary = (
                f"Travail d'intérêt général de {hours} heures, à accomplir dans un "
                f"délai de {months} mois"
            )
        elif code == "DDSE":
            months, days = rng.choice([(0, 45), (1, 0), (2, 0), (3, 0), (3, 0), (4, 0), (6, 0)])
            length = f"{months} mois" if months else f"{days} jours"
            summary = f"Détention à domicile sous surveillance électronique pendant {length}"
        elif code == "STAGE":
            months = 6
            summary = "Obligation d'accomplir un " + voc.STAGE_KINDS.get(
                offence.family, voc.DEFAULT_STAGE
            )
        else:  # AMENAGEMENT_723_15
            summary = (
                f"{rng.randint(3, 12)} mois d'emprisonnement ; peine aménageable "
                "(CPP 723-15), dossier transmis au JAP"
            )
        start = self._start_for(status, months, days)
        decided, enforceable = self._decision_for(start, status)
        if code == "TIG" and status == "active" and self.tig_showcase:
            age, min_hours, max_hours = self.tig_showcase.pop(0)
            span = (rules.end_date(self.today, months, None) - self.today).days
            start = self.today - timedelta(days=span + age if age < 0 else age)
            hours = max(min_hours, min(max_hours, hours))
            summary = (
                f"Travail d'intérêt général de {hours} heures, à accomplir dans un "
                f"délai de {months} mois"
            )
            decided, enforceable = self._decision_for(start, status)
        if code == "TIG" and status != "pending":
            # The TIG period runs from the enforceable date: make it the drawn start, so
            # that the status drawn for the period holds.
            enforceable = start
        start = max(start, enforceable)
        main = MeasurePlan(
            code=code,
            start=start,
            status=status,
            months=months,
            days=days,
            hours=hours,
            obligations=self._obligations(code, offence.family),
        )
        measures = [main]
        if (
            code == "SURSIS_PROBATOIRE"
            and offence.family in voc.STAGE_KINDS
            and rng.random() < 0.15
        ):
            stage = MeasurePlan(code="STAGE", start=start, status=status, months=6)
            if status in {"ended", "void", "revoked"} or stage.end < self.today:
                stage.status = "ended"
            measures.append(stage)
            summary += " ; " + voc.STAGE_KINDS[offence.family]
        decision = self._judgment(
            offence=offence,
            court_city=court_city,
            day=decided,
            enforceable=enforceable,
            measures=measures,
            summary=summary,
            recidivism=recidivism,
        )
        return [decision], [], main

    def _plan_emprisonnement(self, code: str, offence: voc.Offence, court_city: str):
        """A prison sentence being served: open committal in one of the establishments."""
        rng = self.rng
        months = (
            rng.randint(60, 180)
            if offence.qualification == "crime"
            else rng.choice([4, 6, 8, 10, 12, 15, 18, 24, 30, 36])
        )
        span = (rules.end_date(self.today, months, None) - self.today).days
        start = self.today - timedelta(days=rng.randint(5, max(6, min(span - 20, 1200))))
        decided = start if rng.random() < 0.5 else start - timedelta(days=rng.randint(20, 200))
        main = MeasurePlan(
            code=code, start=start, status="active", months=months, setting="custody"
        )
        summary = f"{months} mois d'emprisonnement" + (
            " avec mandat de dépôt" if decided == start else ""
        )
        decisions = [
            self._judgment(
                offence=offence,
                court_city=court_city,
                day=decided,
                enforceable=decided,
                measures=[main],
                summary=summary,
            )
        ]
        establishment = self.establishments[0 if rng.random() < 0.65 else 1]
        custody = [CustodyPlan(establishment, committal=start)]
        revoked_start = decided - timedelta(days=rng.randint(120, 700))
        if rng.random() < 0.2 and revoked_start - timedelta(days=40) > EARLIEST_DECISION:
            earlier = self._offence()
            sp = MeasurePlan(
                code="SURSIS_PROBATOIRE",
                start=revoked_start,
                status="revoked",
                months=24,
                obligations=self._obligations("SURSIS_PROBATOIRE", earlier.family),
            )
            decisions.insert(
                0,
                self._judgment(
                    offence=earlier,
                    court_city=court_city,
                    day=revoked_start - timedelta(days=rng.randint(0, 40)),
                    enforceable=revoked_start,
                    measures=[sp],
                    summary="8 mois d'emprisonnement assortis d'un sursis probatoire pendant "
                    "24 mois (révoqué)",
                ),
            )
        return decisions, custody, main

    def _plan_release(self, code: str, offence: voc.Offence, court_city: str):
        """Parole or release under constraint after a prison sentence served in part here."""
        rng = self.rng
        status = self._status(code)
        if code == "LC":
            sentence = (
                rng.randint(60, 144)
                if offence.qualification == "crime"
                else rng.choice([12, 18, 24, 30, 36, 48])
            )
            served = round(sentence * rng.uniform(0.5, 0.66))
            months = max(3, sentence - served + rng.randint(0, 6))
        else:
            sentence = rng.choice([6, 9, 12, 18, 24, 36])
            served = round(sentence * 2 / 3)
            months = max(1, min(20, sentence - served))
        start = self._start_for(status, months, None)
        committal = add_months(start, -served)
        first = self._judgment(
            offence=offence,
            court_city=court_city,
            day=committal,
            enforceable=committal,
            measures=[
                MeasurePlan(
                    code="EMPRISONNEMENT",
                    start=committal,
                    status="ended",
                    months=sentence,
                    setting="custody",
                )
            ],
            summary=f"{sentence} mois d'emprisonnement avec mandat de dépôt",
        )
        main = MeasurePlan(
            code=code,
            start=start,
            status=status,
            months=months,
            obligations=self._obligations(code, offence.family),
        )
        order_day = max(committal, start - timedelta(days=rng.randint(3, 30)))
        label = "libération conditionnelle" if code == "LC" else "libération sous contrainte"
        tap = code == "LC" and sentence > 36 and rng.random() < 0.5
        order = DecisionPlan(
            kind="tap_judgment" if tap else "jap_order",
            date=order_day,
            enforceable=order_day,
            jurisdiction=(
                f"Tribunal de l'application des peines {of_place(court_city)}"
                if tap
                else f"Juge de l'application des peines {of_place(court_city)}"
            ),
            offences=[offence],
            measures=[main],
            summary=f"Octroi d'une {label} ; mesures d'assistance et de contrôle pendant {months} mois",
        )
        establishment = self.establishments[0 if rng.random() < 0.65 else 1]
        return [first, order], [CustodyPlan(establishment, committal, release=start)], main

    _plan_lc = _plan_release
    _plan_lsc = _plan_release

    def _plan_ssj(self, code: str, offence: voc.Offence, court_city: str):
        """A long sentence served, followed by socio-judicial supervision since release."""
        rng = self.rng
        status = self._status(code)
        months = rng.choice([60, 84, 120])
        sentence = rng.choice([24, 36, 48, 60, 96])
        release = self._start_for(status, months, None)
        committal = add_months(release, -round(sentence * 0.75))
        prison = MeasurePlan(
            code="EMPRISONNEMENT",
            start=committal,
            status="ended",
            months=sentence,
            setting="custody",
        )
        main = MeasurePlan(
            code=code,
            start=release,
            status=status,
            months=months,
            obligations=self._obligations(code, offence.family),
        )
        decision = self._judgment(
            offence=offence,
            court_city=court_city,
            day=committal,
            enforceable=committal,
            measures=[prison, main],
            summary=f"{sentence} mois d'emprisonnement et suivi socio-judiciaire pendant "
            f"{months // 12} ans avec injonction de soins",
        )
        establishment = self.establishments[0]
        return [decision], [CustodyPlan(establishment, committal, release=release)], main

    def _plan_pretrial(self, code: str, offence: voc.Offence, court_city: str):
        """Judicial supervision or house arrest ordered before trial."""
        rng = self.rng
        months = 6 if code == "ARSE" else None
        start = self._start_for("active", months, None)
        decided = start - timedelta(days=rng.randint(0, 3))
        main = MeasurePlan(
            code=code,
            start=start,
            status="active",
            months=months,
            obligations=self._obligations(code, offence.family),
            with_judge=False,
        )
        number = f"{decided:%y}/{rng.randint(1, 99999):05d}"
        decision = DecisionPlan(
            kind="investigating_judge",
            date=decided,
            enforceable=decided,
            jurisdiction=(
                f"Juge des libertés et de la détention {of_place(court_city)}"
                if code == "ARSE"
                else f"Juge d'instruction {of_place(court_city)}"
            ),
            offences=[offence],
            measures=[main],
            court_number=("instruction", number),
            summary=(
                "Assignation à résidence sous surveillance électronique pour six mois"
                if code == "ARSE"
                else "Placement sous contrôle judiciaire"
            ),
        )
        return [decision], [], main

    _plan_cj = _plan_pretrial
    _plan_arse = _plan_pretrial

    def _plan_prior_case(self, *, before: date, court_city: str) -> DecisionPlan | None:
        """An older measure, over before the current one was pronounced."""
        rng = self.rng
        code = rng.choices(["SURSIS_PROBATOIRE", "TIG", "STAGE"], [55, 30, 15])[0]
        months = {"SURSIS_PROBATOIRE": rng.choice([12, 18, 24]), "TIG": 18, "STAGE": 6}[code]
        end_before = before - timedelta(days=rng.randint(30, 400))
        start = add_months(end_before, -months)
        if start - timedelta(days=40) < EARLIEST_DECISION:
            return None
        offence = self._offence()
        measure = MeasurePlan(
            code=code,
            start=start,
            months=months,
            status="void" if code == "SURSIS_PROBATOIRE" else "ended",
            hours=rng.choice([70, 105, 140]) if code == "TIG" else None,
        )
        if code == "SURSIS_PROBATOIRE":
            measure.obligations = self._obligations(code, offence.family)
        summary = {
            "SURSIS_PROBATOIRE": f"6 mois d'emprisonnement assortis d'un sursis probatoire "
            f"pendant {months} mois",
            "TIG": f"Travail d'intérêt général de {measure.hours} heures",
            "STAGE": "Obligation d'accomplir un "
            + voc.STAGE_KINDS.get(offence.family, voc.DEFAULT_STAGE),
        }[code]
        decided = start - timedelta(days=rng.randint(10, 40))
        return self._judgment(
            offence=offence,
            court_city=court_city,
            day=decided,
            enforceable=decided + timedelta(days=10),
            measures=[measure],
            summary=summary,
        )

    def _plan_identity(self, plan: PersonPlan, *, prevenu: bool) -> dict:
        rng, fake, female = self.rng, self.fake, plan.female
        extra = voc.EXTRA_FEMALE_NAMES if female else voc.EXTRA_MALE_NAMES
        first = (
            rng.choice(extra)
            if rng.random() < 0.25
            else (fake.first_name_female() if female else fake.first_name_male())
        )
        if rng.random() < 0.3:
            second = fake.first_name_female() if female else fake.first_name_male()
            if second != first:
                first = f"{first} {second}"
        surname = rng.choice(voc.EXTRA_SURNAMES) if rng.random() < 0.2 else fake.last_name()
        birth_surname = surname
        if female and rng.random() < 0.35:
            birth_surname = fake.last_name()
        aliases = ""
        if rng.random() < 0.06:
            aliases = rng.choice(voc.NICKNAMES)
            if rng.random() < 0.4:
                aliases += ", " + fake.last_name()
        age = rng.triangular(18.2, 75, 29)
        birth_date = self.today - timedelta(days=int(age * 365.25))
        data = dict(
            surname=surname,
            birth_surname=birth_surname,
            first_names=first,
            aliases=aliases,
            sex="F" if female else "M",
            birth_date=birth_date,
            legal_status="prevenu" if prevenu else "condamne",
        )
        if rng.random() < 0.13:
            country, nationality, language, cities = rng.choice(voc.FOREIGN_ORIGINS)
            data.update(
                birth_country=country,
                birth_place=rng.choice(cities),
                nationality="française" if rng.random() < 0.4 else nationality,
            )
            if language != "français":
                speaks_french = rng.random() < 0.7
                data["languages"] = f"{language}, français" if speaks_french else language
                data["interpreter_needed"] = not speaks_french
        else:
            data["birth_place"] = (
                rng.choice(self.department.communes)[0] if rng.random() < 0.6 else fake.city()
            )
        if rng.random() < 0.85:
            data["phone"] = mobile_number(rng)
            # Most people accept SMS reminders once the service explains them.
            data["sms_consent"] = rng.random() < 0.75
        if rng.random() < 0.35:
            data["email"] = (
                f"{fold(data['first_names']).split(' ')[0]}."
                f"{fold(surname).replace(' ', '')}{rng.randint(1, 99)}"
                "@example.org"
            )
            data["email_consent"] = rng.random() < 0.6
        return data

    def home_commune(self) -> tuple[str, str]:
        communes = self.department.communes
        weights = [6 if i == 0 else 3 if i < 4 else 1 for i in range(len(communes))]
        return self.rng.choices(communes, weights)[0]

    def _plan_addresses_and_situation(self, plan: PersonPlan) -> None:
        rng, today = self.rng, self.today
        opened = plan.opened
        custody_since = next((c.committal for c in plan.custody if c.release is None), None)
        age = (today - plan.identity["birth_date"]).days / 365.25

        housing = rng.choices(
            ["own_home", "hosted_family", "social_housing", "shelter", "homeless", "unknown"],
            [38, 26, 17, 8, 4, 3],
        )[0]
        if age > 62:
            employment = rng.choice(["retired", "retired", "disability", "not_registered"])
        elif custody_since:
            employment = rng.choices(["prison_work", "not_registered", "training"], [35, 50, 15])[0]
        else:
            employment = rng.choices(
                [
                    "employed_permanent",
                    "employed_temporary",
                    "training",
                    "job_seeker",
                    "not_registered",
                    "disability",
                    "unknown",
                ],
                [22, 20, 7, 28, 14, 4, 3],
            )[0]
        resources = {
            "employed_permanent": "salary",
            "employed_temporary": "salary",
            "training": rng.choice(["salary", "benefits"]),
            "retired": "pension",
            "job_seeker": rng.choice(["unemployment", "benefits"]),
            "disability": "benefits",
            "not_registered": rng.choice(["benefits", "none"]),
            "prison_work": "salary",
            "unknown": "unknown",
        }[employment]
        if custody_since and employment == "not_registered" and rng.random() < 0.5:
            resources = "indigent"
        family = rng.choices(
            ["single", "couple", "separated", "single_parent", "widowed", "unknown"],
            [40, 28, 20, 7, 1, 4],
        )[0]
        codes = {code for d in plan.decisions for m in d.measures for code in m.obligations}
        care = "SOINS" in codes
        health = (
            "care_followed"
            if care and rng.random() < 0.6
            else rng.choices(["no_known_need", "care_to_organise", "unknown"], [70, 10, 20])[0]
        )
        addiction_family = plan.family in {"alcohol_driving", "drug_driving", "drug_use"}
        addiction = (
            "care_followed"
            if addiction_family and care
            else "orientation_needed"
            if addiction_family
            else rng.choices(["no_known_need", "orientation_needed", "unknown"], [65, 10, 25])[0]
        )
        language_only = plan.identity.get("interpreter_needed")
        literacy = (
            "fle"
            if language_only
            else rng.choices(
                ["reads_writes", "difficulties", "illiterate", "unknown"], [80, 10, 4, 6]
            )[0]
        )
        foreign = plan.identity.get("nationality", "française") != "française"
        id_docs = rng.choices(
            ["residence_permit" if foreign else "valid_id", "expired", "none", "in_progress"],
            [80, 8, 4, 8],
        )[0]

        def later(base: date, low: int, high: int) -> date:
            return min(today, base + timedelta(days=rng.randint(low, high)))

        situation = plan.situation
        first_day = later(opened, 0, 20)
        # Housing: with a second entry when the person moved (or went to prison).
        moved = custody_since is None and housing != "homeless" and rng.random() < 0.3
        if custody_since:
            situation.append(
                (
                    "housing",
                    housing,
                    self._detail("housing", housing),
                    min(first_day, custody_since),
                )
            )
            situation.append(
                (
                    "housing",
                    "in_custody",
                    "Écroué·e",
                    max(custody_since, min(first_day, custody_since)),
                )
            )
        elif moved:
            before = rng.choice(["hosted_family", "shelter", "homeless"])
            situation.append(("housing", before, self._detail("housing", before), first_day))
            situation.append(
                ("housing", housing, self._detail("housing", housing), later(first_day, 60, 500))
            )
        else:
            situation.append(("housing", housing, self._detail("housing", housing), first_day))
        if (
            employment in {"employed_temporary", "employed_permanent", "training"}
            and rng.random() < 0.35
        ):
            situation.append(
                ("employment", "job_seeker", self._detail("employment", "job_seeker"), first_day)
            )
            situation.append(
                (
                    "employment",
                    employment,
                    self._detail("employment", employment),
                    later(first_day, 45, 400),
                )
            )
        else:
            situation.append(
                ("employment", employment, self._detail("employment", employment), first_day)
            )
        situation.append(("resources", resources, self._detail("resources", resources), first_day))
        situation.append(("family", family, self._detail("family", family), first_day))
        for domain, status in (
            ("health", health),
            ("addiction", addiction),
            ("literacy", literacy),
            ("id_documents", id_docs),
        ):
            if rng.random() < 0.3 or status not in {
                "no_known_need",
                "reads_writes",
                "valid_id",
                "unknown",
            }:
                situation.append(
                    (domain, status, self._detail(domain, status), later(first_day, 0, 60))
                )

        # Addresses: the current one, and for some an older one kept in the history.
        current = self._address(housing)
        if moved:
            old = self._address(situation[0][1])
            old["valid_from"] = first_day - timedelta(days=rng.randint(200, 2000))
            plan.addresses.append(old)
            current["valid_from"] = situation[1][3]
        else:
            current["valid_from"] = first_day - timedelta(days=rng.randint(30, 2500))
        plan.addresses.append(current)

    def _address(self, housing: str) -> dict:
        town, postcode = self.home_commune()
        address = dict(line1=self.fake.street_address(), postcode=postcode, city=town)
        if housing == "hosted_family":
            address["hosted_by"] = f"{self.rng.choice(['Mme', 'M.'])} {self.fake.last_name()}"
        elif housing == "shelter":
            address["line2"] = "CHRS " + self.fake.last_name()
        elif housing == "homeless":
            address.update(
                line1=f"CCAS {of_place(town)}, domiciliation administrative",
                hosted_by="Domiciliation",
            )
        return address

    def _detail(self, domain: str, status: str) -> str:
        options = voc.SITUATION_DETAILS.get((domain, status))
        if not options or self.rng.random() < 0.3:
            return ""
        return self.rng.choice(options).format(
            employer=self.rng.choice(voc.EMPLOYERS), training=self.rng.choice(voc.TRAININGS)
        )

    def assign_caseloads(
        self, plans: list[PersonPlan], *, community_cpips: list[int], prison_cpips: list[int]
    ) -> None:
        """Persons in custody to the prison team; the others to the community CPIPs, the
        first CPIP (``cpip.demo`` in the demonstration service) getting about a tenth (one
        CPIP's share in a service of more than ten CPIPs). CPIPs are given by their index
        among the service's CPIPs."""
        rng = self.rng
        outside: list[PersonPlan] = []
        for position, plan in enumerate(plans):
            if plan.in_custody:
                plan.cpip_index = prison_cpips[position % len(prison_cpips)]
            elif plan.main.status == "pending" and rng.random() < 0.5:
                plan.cpip_index = None  # not yet assigned: for the managers to do
            else:
                outside.append(plan)
        rng.shuffle(outside)
        first_share = first_cpip_share(len(plans), len(community_cpips) + len(prison_cpips))
        others = community_cpips[1:]
        for position, plan in enumerate(outside):
            if position < first_share:
                plan.cpip_index = community_cpips[0]
            else:
                plan.cpip_index = others[position % len(others)]
