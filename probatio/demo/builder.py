"""A synthetic SPIP, for demonstrations, training and benchmarks.

``build_demo`` creates one service per département of ``vocabulary.DEPARTMENTS`` (the first is
the demonstration service, which holds the demo accounts) and fills it through the
application's own services, so that every record passes the same validation as one typed in by
a user and has its audit entry and its line in the person's chronology.

Reproducible: each service draws from its own random generator, seeded by the seed and the
département code, so a service's data do not depend on how many services are built. Dates are
relative to ``today``: the same seed on the same day gives the same data.

Idempotent: a service whose département code already exists is left untouched.
"""

import gc
import random
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import ForeignKey, Model
from django.utils import timezone
from faker import Faker

from probatio.access.roles import Role
from probatio.accounts.models import Membership, User
from probatio.audit import services as audit
from probatio.audit.models import AuditEntry
from probatio.core.dates import add_months
from probatio.core.text import fold
from probatio.demo import notes_text
from probatio.demo import vocabulary as voc
from probatio.measures import rules
from probatio.measures import services as measure_services
from probatio.measures.models import Decision, Measure, ObligationType
from probatio.notes import services as note_services
from probatio.notes.models import InterviewNote
from probatio.organisation.models import Establishment, Service, Site
from probatio.people import services as people_services
from probatio.people.models import CourtFileNumber, Person, TimelineEvent

DEFAULT_SEED = 2025
DEFAULT_PERSONS = 600
MAX_SERVICES = len(voc.DEPARTMENTS)

# Rules of the reformed measures apply to decisions from this day on (see the catalogue).
EARLIEST_DECISION = date(2020, 5, 1)

# The demonstration accounts of the first service: role -> (username, first name, surname,
# is a woman). See also probatio/demo/accounts.py.
DEMO_STAFF = {
    Role.CPIP: ("cpip.demo", "Claire", "Dumont", True),
    Role.MANAGER: ("encadrement.demo", "Marc", "Lefort", False),
    Role.SECRETARIAT: ("secretariat.demo", "Sandrine", "Petit", True),
    Role.JUDGE: ("juge.demo", "Hélène", "Garnier", True),
}
MULTI_DEMO = ("multi.demo", "Julien", "Roussel")

# Staff of each service: role -> antenne of each member ("a", "b": community offices;
# "prison": the team inside the first establishment; None: no antenne, for judges).
STAFF_PLAN = {
    Role.CPIP: ["a", "a", "a", "a", "a", "b", "b", "b", "prison", "prison"],
    Role.MANAGER: ["a", "b"],
    Role.SECRETARIAT: ["a", "b"],
    Role.PSYCHOLOGIST: ["a"],
    Role.SOCIAL_WORKER: ["prison"],
    Role.MONITORING: ["a", "a"],
    Role.JUDGE: [None, None],
}
TITLES = {
    Role.CPIP: ("CPIP", "CPIP"),
    Role.MANAGER: (
        "Directeur pénitentiaire d'insertion et de probation",
        "Directrice pénitentiaire d'insertion et de probation",
    ),
    Role.SECRETARIAT: ("Secrétaire administratif", "Secrétaire administrative"),
    Role.PSYCHOLOGIST: ("Psychologue", "Psychologue"),
    Role.SOCIAL_WORKER: ("Assistant de service social", "Assistante de service social"),
    Role.MONITORING: (
        "Surveillant, pôle de surveillance électronique",
        "Surveillante, pôle de surveillance électronique",
    ),
    Role.JUDGE: ("Juge de l'application des peines", "Juge de l'application des peines"),
}

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
COURSES = {"STAGE_SECURITE_ROUTIERE", "STAGE_CITOYENNETE", "STAGE_VIOLENCES_COUPLE"}
JUDGE_DEMO_SHARE = 0.7  # share of persons whose assigning judge is the first judge


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


@dataclass
class ServiceReport:
    code: str
    name: str
    skipped: bool = False
    persons: int = 0
    measures: int = 0
    obligations: int = 0
    notes: int = 0
    audit_entries: int = 0
    seconds: float = 0.0


# --- Small helpers. ---


def of_place(town: str) -> str:
    """French "of" before a place name: d'Amiens, du Havre, des Andelys, de Laon, de Ham."""
    if town.startswith("Le "):
        return "du " + town[3:]
    if town.startswith("Les "):
        return "des " + town[4:]
    if town[0].lower() in "aeiouyéèêàâîôû" or town in voc.MUTE_H_TOWNS:
        return "d'" + town
    return "de " + town


def username_for(first_name: str, surname: str) -> str:
    return f"{fold(first_name).replace(' ', '-')}.{fold(surname).replace(' ', '-')}"


@contextmanager
def _few_collections():
    """The ORM makes many short-lived objects: the cyclic garbage collector, left to itself,
    takes a quarter of the build time. Collect by hand (see ``build``) while building."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


@contextmanager
def _constraints_left_to_the_database():
    """``full_clean`` asks the database, one query each, whether every foreign key exists and
    whether each ``Meta.constraints`` (CHECK and UNIQUE) holds: about a third of the build
    time. The database enforces both itself (foreign keys when the transaction commits,
    constraints on insert), so while the builder writes its own data, leave these two checks to
    it: a mistake in the builder still fails, with an IntegrityError. Everything else still
    runs: field validation, choices, and every rule of the services."""

    def validate_foreign_key(field, value, model_instance):
        if not field.remote_field.parent_link:
            super(ForeignKey, field).validate(value, model_instance)

    def validate_constraints(instance, exclude=None):
        return None

    originals = ForeignKey.validate, Model.validate_constraints
    ForeignKey.validate, Model.validate_constraints = validate_foreign_key, validate_constraints
    try:
        yield
    finally:
        ForeignKey.validate, Model.validate_constraints = originals


def demo_refused_reason() -> str | None:
    """Why the demo data may not be written here (a production instance), or None."""
    import os

    if not settings.DEBUG and os.environ.get("PROBATIO_ENV") == "production":
        return (
            "Refusé : les données et les comptes de démonstration ne peuvent pas être "
            "créés sur une instance de production (PROBATIO_ENV=production, DEBUG "
            "désactivé)."
        )
    return None


class ServiceBuilder:
    """Builds one service: structure, staff, then persons one by one."""

    def __init__(
        self,
        department: voc.Department,
        *,
        index: int,
        seed: int,
        persons: int,
        today: date,
        password_hash: str,
        usernames: set[str],
        log: Callable[[str], None],
    ):
        self.department = department
        self.index = index
        self.is_demo = index == 0
        self.person_count = persons
        self.today = today
        self.now = timezone.now()
        self.password_hash = password_hash
        self.usernames = usernames
        self.log = log
        self.rng = random.Random(f"probatio-demo:{seed}:{department.code}")
        self.fake = Faker("fr_FR")
        self.fake.seed_instance(self.rng.getrandbits(32))
        self.area = department.name.removeprefix("SPIP ")  # "de la Somme"
        self.report = ServiceReport(department.code, f"{department.name} (démonstration)")
        self.obligation_types = {t.code: t for t in ObligationType.objects.all()}
        self.committal_counters: dict[tuple[int, int], int] = {}
        self.used_numbers: set[str] = set()

    # --- Structure and staff. ---

    def build(self) -> ServiceReport:
        started = time.monotonic()
        with transaction.atomic(), _few_collections(), _constraints_left_to_the_database():
            self._create_structure()
            self._create_staff()
            plans = [self._plan_person() for _ in range(self.person_count)]
            self._assign_caseloads(plans)
            for number, plan in enumerate(plans, start=1):
                self._write_person(plan)
                if number % 50 == 0:
                    gc.collect(1)
                if number % 100 == 0:
                    self.log(f"  {self.department.code} : {number}/{len(plans)} personnes")
        self.report.persons = len(plans)
        self.report.audit_entries = AuditEntry.objects.filter(service_id=self.service.pk).count()
        self.report.seconds = time.monotonic() - started
        return self.report

    def _create_structure(self) -> None:
        dept, fake = self.department, self.fake
        self.service = Service.objects.create(
            name=self.report.name,
            department_code=dept.code,
            is_sandbox=True,
            address=f"{fake.street_address()}\n{dept.communes[0][1]} {dept.communes[0][0]}",
            phone=self._office_phone(),
        )
        self.establishments = []
        for number, (kind, name, town, postcode) in enumerate(dept.establishments, start=1):
            self.establishments.append(
                Establishment.objects.create(
                    service=self.service,
                    name=name,
                    kind=kind,
                    code=f"{dept.code.zfill(3)}-{kind}-{number}",
                    address=f"{fake.street_address()}\n{postcode} {town}",
                )
            )
        self.sites = {}
        for key, (town, postcode) in zip(("a", "b"), dept.communes[:2], strict=True):
            self.sites[key] = Site.objects.create(
                service=self.service,
                name=f"Antenne {of_place(town)}",
                kind=Site.Kind.COMMUNITY,
                address=fake.street_address(),
                postcode=postcode,
                city=town,
                phone=self._office_phone(),
                opening_hours=voc.COMMUNITY_HOURS,
            )
        prison = self.establishments[0]
        _, _, town, postcode = dept.establishments[0]
        self.sites["prison"] = Site.objects.create(
            service=self.service,
            name=f"Antenne en détention ({prison.name})",
            kind=Site.Kind.PRISON,
            address=prison.address.split("\n")[0],
            postcode=postcode,
            city=town,
            phone=self._office_phone(),
            opening_hours=voc.PRISON_TEAM_HOURS,
            establishment=prison,
        )

    def _office_phone(self) -> str:
        return (
            f"03 {self.rng.randint(10, 99)} {self.rng.randint(10, 99)} "
            f"{self.rng.randint(10, 99)} {self.rng.randint(10, 99)}"
        )

    def _new_user(
        self, username: str, first_name: str, surname: str, role: Role, female: bool
    ) -> User:
        base, suffix = username, 2
        while username in self.usernames:
            username, suffix = f"{base}{suffix}", suffix + 1
        self.usernames.add(username)
        return User.objects.create(
            username=username,
            first_name=first_name,
            last_name=surname,
            email=f"{username}@demo.probatio.localhost",
            password=self.password_hash,
            title=TITLES[role][1 if female else 0],
            phone=self._office_phone(),
        )

    def _create_staff(self) -> None:
        self.staff: dict[Role, list[Membership]] = {}
        for role, sites in STAFF_PLAN.items():
            members = []
            for position, site_key in enumerate(sites):
                if self.is_demo and position == 0 and role in DEMO_STAFF:
                    username, first_name, surname, female = DEMO_STAFF[role]
                else:
                    female = self.rng.random() < (0.75 if role != Role.JUDGE else 0.6)
                    first_name = (
                        self.fake.first_name_female() if female else self.fake.first_name_male()
                    )
                    surname = self.fake.last_name()
                    username = username_for(first_name, surname)
                user = self._new_user(username, first_name, surname, role, female)
                members.append(
                    Membership.objects.create(
                        user=user,
                        service=self.service,
                        role=role,
                        site=self.sites[site_key] if site_key else None,
                    )
                )
            self.staff[role] = members
        self.community_cpips = [
            i for i, site in enumerate(STAFF_PLAN[Role.CPIP]) if site != "prison"
        ]
        self.prison_cpips = [i for i, site in enumerate(STAFF_PLAN[Role.CPIP]) if site == "prison"]
        if self.index == 1:
            self._create_multi_service_account()

    def _create_multi_service_account(self) -> None:
        """``multi.demo``: CPIP in the demonstration service, manager in this one."""
        demo_service = Service.objects.filter(department_code=voc.DEPARTMENTS[0].code).first()
        username, first_name, surname = MULTI_DEMO
        if demo_service is None or User.objects.filter(username=username).exists():
            return
        user = self._new_user(username, first_name, surname, Role.CPIP, female=False)
        user.title = "CPIP, chargé de mission auprès de la direction"
        user.save(update_fields=["title"])
        Membership.objects.create(
            user=user,
            service=demo_service,
            role=Role.CPIP,
            site=demo_service.sites.filter(kind="community").first(),
        )
        Membership.objects.create(
            user=user, service=self.service, role=Role.MANAGER, site=self.sites["a"]
        )

    # --- Planning a person (pure drawing, nothing written). ---

    def _days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def _plan_person(self) -> PersonPlan:
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
        plan.judge_index = 0 if rng.random() < JUDGE_DEMO_SHARE else 1
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
            summary=f"Octroi d'une {label} ; délai d'épreuve de {months} mois",
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
            data["phone"] = "0{} {:02d} {:02d} {:02d} {:02d}".format(
                rng.choice("67"), *(rng.randint(0, 99) for _ in range(4))
            )
        if rng.random() < 0.35:
            data["email"] = (
                f"{fold(data['first_names']).split(' ')[0]}."
                f"{fold(surname).replace(' ', '')}{rng.randint(1, 99)}"
                "@example.org"
            )
        return data

    def _home_commune(self) -> tuple[str, str]:
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
        town, postcode = self._home_commune()
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

    def _assign_caseloads(self, plans: list[PersonPlan]) -> None:
        """Persons in custody to the prison team; the others to the community CPIPs, the
        first CPIP (``cpip.demo`` in the demonstration service) getting about a tenth."""
        rng = self.rng
        community: list[PersonPlan] = []
        for position, plan in enumerate(plans):
            if plan.in_custody:
                plan.cpip_index = self.prison_cpips[position % len(self.prison_cpips)]
            elif plan.main.status == "pending" and rng.random() < 0.5:
                plan.cpip_index = None  # not yet assigned: for the managers to do
            else:
                community.append(plan)
        rng.shuffle(community)
        first_share = max(1, round(len(plans) / 10))
        others = self.community_cpips[1:]
        for position, plan in enumerate(community):
            if position < first_share:
                plan.cpip_index = self.community_cpips[0]
            else:
                plan.cpip_index = others[position % len(others)]

    # --- Writing a person through the services. ---

    def _member(self, role: Role) -> Membership:
        return self.rng.choice(self.staff[role])

    def _write_person(self, plan: PersonPlan) -> None:
        rng = self.rng
        secretariat = self._member(Role.SECRETARIAT)
        cpip = self.staff[Role.CPIP][plan.cpip_index] if plan.cpip_index is not None else None
        writer = cpip or secretariat
        judge = self.staff[Role.JUDGE][plan.judge_index].user
        dates: dict[tuple[str, int, str], date] = {}

        person = people_services.person_create(
            membership=secretariat, data=plan.identity, today=self.today
        )
        dates[("people.person", person.pk, "person")] = plan.opened
        if cpip is not None:
            people_services.cpip_assign(
                membership=self._member(Role.MANAGER), person=person, cpip=cpip.user
            )
            dates[("people.person", person.pk, "assignment")] = min(
                self.today, plan.opened + timedelta(days=rng.randint(1, 10))
            )

        for data in plan.addresses:
            address = people_services.address_add(membership=writer, person=person, data=data)
            dates[("people.address", address.pk, "situation")] = data["valid_from"]
        for domain, status, details, day in plan.situation:
            entry = people_services.situation_record(
                membership=writer,
                person=person,
                domain=domain,
                status=status,
                details=details,
                effective_date=day,
                today=self.today,
            )
            dates[("people.situationentry", entry.pk, "situation")] = day

        numbers = set()
        for decision_plan in plan.decisions:
            if decision_plan.court_number and decision_plan.court_number not in numbers:
                numbers.add(decision_plan.court_number)
                kind, number = decision_plan.court_number
                people_services.court_number_add(
                    membership=secretariat, person=person, kind=kind, number=number
                )
        if any(m.with_judge for d in plan.decisions for m in d.measures):
            people_services.court_number_add(
                membership=secretariat,
                person=person,
                kind=CourtFileNumber.Kind.JAP,
                number=f"{plan.opened:%Y}/{rng.randint(1, 9999):05d}",
            )

        custody_by_day = {c.committal: c for c in plan.custody}
        written: list[tuple[Measure, list]] = []
        for decision_plan in plan.decisions:
            decision = self._write_decision(secretariat, person, decision_plan, judge)
            for measure_plan in decision_plan.measures:
                if measure_plan.code == "EMPRISONNEMENT" and measure_plan.start in custody_by_day:
                    self._write_custody(secretariat, person, custody_by_day[measure_plan.start])
                measure = measure_services.measure_create(
                    membership=secretariat,
                    person=person,
                    decision=decision,
                    measure_type_code=measure_plan.code,
                    today=self.today,
                    data=dict(
                        start_date=measure_plan.start,
                        duration_months=measure_plan.months,
                        duration_days=measure_plan.days,
                        hours=measure_plan.hours,
                        status=measure_plan.status,
                        setting=measure_plan.setting,
                        assigning_judge=judge if measure_plan.with_judge else None,
                    ),
                )
                self.report.measures += 1
                if measure_plan.start > self.today:
                    dates[("measures.measure", measure.pk, "measure")] = decision.date
                obligations = self._write_obligations(
                    secretariat, person, measure, measure_plan, decision, plan, dates
                )
                written.append((measure, obligations))

        self._write_notes(person, plan, cpip, written, dates)
        self._backdate(person, plan, dates)

    def _write_decision(
        self, membership: Membership, person: Person, plan: DecisionPlan, judge: User
    ) -> Decision:
        by_jap = plan.kind in {"jap_order", "tap_judgment"}
        if self.rng.random() < 0.55:
            presiding = f"Mme {self.fake.first_name_female()} {self.fake.last_name()}"
        else:
            presiding = f"M. {self.fake.first_name_male()} {self.fake.last_name()}"
        data = dict(
            kind=plan.kind,
            jurisdiction=plan.jurisdiction,
            date=plan.date,
            enforceable_date=plan.enforceable,
            recidivism=plan.recidivism,
            summary=plan.summary,
            judge=judge if by_jap else None,
            judge_name="" if by_jap else presiding,
            court_file_number=plan.court_number[1] if plan.court_number else "",
        )
        offences = [dict(label=o.label, qualification=o.qualification) for o in plan.offences]
        return measure_services.decision_create(
            membership=membership, person=person, data=data, offences=offences, today=self.today
        )

    def _write_custody(self, membership: Membership, person: Person, plan: CustodyPlan) -> None:
        year = plan.committal.year
        key = (plan.establishment.pk, year)
        counter = self.committal_counters.get(key, self.rng.randint(100, 900))
        counter += self.rng.randint(1, 25)
        self.committal_counters[key] = counter
        people_services.custody_open(
            membership=membership,
            person=person,
            establishment_id=plan.establishment.pk,
            committal_number=f"{year}-{counter:05d}",
            committal_date=plan.committal,
            today=self.today,
        )
        if plan.release is not None:
            people_services.custody_close(
                membership=membership, person=person, release_date=plan.release, today=self.today
            )

    def _write_obligations(
        self,
        membership: Membership,
        person: Person,
        measure: Measure,
        plan: MeasurePlan,
        decision: Decision,
        person_plan: PersonPlan,
        dates: dict,
    ) -> list:
        rng = self.rng
        written = []
        victim = None
        for code in plan.obligations:
            data = dict(start_date=plan.start)
            if plan.status == "revoked":
                elapsed = (self.today - plan.start).days
                data.update(
                    status="ended",
                    end_date=plan.start + timedelta(days=round(elapsed * rng.uniform(0.4, 0.9))),
                )
            elif not plan.is_open:
                data.update(status="ended", end_date=plan.end or plan.start)
            elif code in COURSES and plan.start < self.today - timedelta(days=240):
                data.update(
                    status="ended", end_date=plan.start + timedelta(days=rng.randint(60, 180))
                )
            town = self._home_commune()[0]
            detail = self.obligation_types[code].detail
            if detail == "victim":
                if victim is None:
                    victim = self._victim(person_plan)
                data["victim_name"] = victim
                if code == "NE_PAS_CONTACTER":
                    data["victim_contact"] = self._place(voc.VICTIM_CONTACTS, town)
                if code == "INDEMNISER_VICTIME":
                    data["details"] = (
                        f"Partie civile ; dommages et intérêts fixés à {rng.randint(3, 60) * 50} €"
                    )
            elif detail == "zone":
                data["zone"] = self._place(voc.ZONES, town)
            elif detail == "care":
                data["care_structure"] = (
                    rng.choice(voc.PROGRAMMES)
                    if code == "PRISE_EN_CHARGE"
                    else self._place(voc.CARE_STRUCTURES, town)
                )
            elif detail == "persons":
                data["details"] = f"Coauteurs : {self.fake.name()}, {self.fake.name()}"
            if code == "PAYER_TRESOR":
                data["details"] = f"Amende et frais de justice : {rng.randint(2, 30) * 50} €"
            elif code == "CHARGES_FAMILIALES":
                data["details"] = f"Pension alimentaire de {rng.randint(3, 12) * 25} € par mois"
            elif code == "NE_PAS_CONDUIRE" and person_plan.family == "alcohol_driving":
                data["details"] = "Sauf véhicule équipé d'un éthylotest anti-démarrage"
            elif code == "INTERDICTION_ACTIVITE":
                data["details"] = "Toute activité impliquant un contact habituel avec des mineurs"
            obligation = measure_services.obligation_create(
                membership=membership,
                measure=measure,
                decision=decision,
                obligation_type_code=code,
                data=data,
            )
            dates[("measures.obligation", obligation.pk, "obligation")] = (
                plan.start if plan.start <= self.today else decision.date
            )
            self.report.obligations += 1
            written.append(obligation)
        return written

    def _place(self, formats: list[str], town: str) -> str:
        return self.rng.choice(formats).format(city=town, of_city=of_place(town))

    def _victim(self, plan: PersonPlan) -> str:
        fake, rng = self.fake, self.rng
        if plan.family in {"theft", "fraud", "damage"} and rng.random() < 0.5:
            return fake.company()
        victim_female = not plan.female if plan.family == "domestic" else rng.random() < 0.5
        if victim_female:
            return f"Mme {fake.first_name_female()} {fake.last_name()}"
        return f"M. {fake.first_name_male()} {fake.last_name()}"

    # --- Interview notes. ---

    def _note_context(
        self, person: Person, plan: PersonPlan, written: list
    ) -> notes_text.NoteContext:
        main_measure, main_obligations = next(
            (
                (m, o)
                for m, o in written
                if m.measure_type_id == plan.main.code and m.start_date == plan.main.start
            ),
            written[-1],
        )
        decision = main_measure.decision
        measure = main_measure.measure_type.label.lower()
        if main_measure.hours:
            phrase = f"du travail d'intérêt général de {main_measure.hours} heures"
        elif main_measure.duration_months:
            phrase = f"de la mesure ({measure}, {main_measure.duration_months} mois)"
        else:
            phrase = f"de la mesure ({measure})"
        housing = next((s[1] for s in reversed(plan.situation) if s[0] == "housing"), "")
        employment = next((s[1] for s in reversed(plan.situation) if s[0] == "employment"), "")
        care = next((o.care_structure for o in main_obligations if o.care_structure), "")
        custody = next((c for c in plan.custody if c.release is None), None)
        town = self._home_commune()[0]
        return notes_text.NoteContext(
            female=plan.female,
            name=f"{'Mme' if plan.female else 'M.'} {person.surname.upper()}",
            measure_phrase=phrase,
            decision_phrase=f"le {decision.date:%d/%m/%Y} ({decision.jurisdiction})",
            obligation_codes=[o.obligation_type_id for o in main_obligations],
            obligation_labels=[
                self.obligation_types[o.obligation_type_id].label
                for o in main_obligations
                if not o.obligation_type_id.startswith("CTRL_")
            ],
            housing=housing,
            employment=employment,
            care_structure=care,
            in_custody=custody is not None,
            establishment=custody.establishment.name if custody else "",
            tig_host=self._place(voc.TIG_HOSTS, town),
            tig_hours=main_measure.hours or 0,
            electronic=plan.main.code in {"DDSE", "ARSE"},
        )

    def _note_days(self, plan: PersonPlan, count: int) -> list[date]:
        main = plan.main
        first = max(main.start, plan.opened) if main.start <= self.today else plan.opened
        last = self.today
        if main.end and not main.is_open:
            last = min(last, main.end)
        if first > last:
            first = last
        span = (last - first).days
        return sorted(first + timedelta(days=self.rng.randint(0, span)) for _ in range(count))

    def _write_notes(
        self, person: Person, plan: PersonPlan, cpip: Membership | None, written: list, dates: dict
    ) -> None:
        rng = self.rng
        ctx = self._note_context(person, plan, written)
        notes: list[tuple[Membership, date, tuple[str, str], bool, str]] = []
        if cpip is not None:
            if plan.main.status == "pending":
                count = rng.choice([0, 0, 1])
            else:
                count = rng.choices(range(7), [8, 14, 20, 22, 16, 12, 8])[0]
                if cpip.user.username == DEMO_STAFF[Role.CPIP][0]:
                    count = max(count, 2)
            days = self._note_days(plan, count)
            for position, day in enumerate(days):
                if position == 0:
                    content = notes_text.first_interview(ctx, rng)
                elif rng.random() < 0.05:
                    content = notes_text.confidential(ctx)
                    notes.append((cpip, day, content, True, ""))
                    continue
                else:
                    content = notes_text.follow_up(ctx, rng, day)
                notes.append((cpip, day, content, False, ""))
        if ctx.electronic and plan.main.start <= self.today:
            monitoring = self._member(Role.MONITORING)
            day = min(self.today, plan.main.start + timedelta(days=rng.randint(0, 2)))
            notes.append((monitoring, day, notes_text.monitoring_setup(ctx, day), False, ""))
        support = []
        if rng.random() < 0.015 and plan.main.status != "pending":
            psychologist = self.staff[Role.PSYCHOLOGIST][0]
            support.append(psychologist)
            for day in self._note_days(plan, rng.randint(1, 2)):
                restricted = Role.PSYCHOLOGIST.value if rng.random() < 0.8 else ""
                notes.append(
                    (psychologist, day, notes_text.psychologist(ctx, rng), False, restricted)
                )
        if rng.random() < (0.12 if ctx.in_custody else 0.03) and plan.main.status != "pending":
            social_worker = self.staff[Role.SOCIAL_WORKER][0]
            support.append(social_worker)
            for day in self._note_days(plan, rng.randint(1, 2)):
                notes.append((social_worker, day, notes_text.social_worker(ctx, rng), False, ""))
        for member in support:
            self._add_support_staff(person, member)
        if len(notes) > 6:  # at most six notes a person: keep the first interview
            notes = notes[:1] + rng.sample(notes[1:], 5)
        for author, day, (subject, body), confidential, restricted in sorted(
            notes, key=lambda n: n[1]
        ):
            note = note_services.note_create(
                membership=author,
                person=person,
                today=self.today,
                data=dict(
                    interview_date=day,
                    subject=subject,
                    body=body,
                    confidential=confidential,
                    restricted_to=restricted,
                ),
            )
            dates[("notes.interviewnote", note.pk, "note")] = day
            self.report.notes += 1

    @transaction.atomic
    def _add_support_staff(self, person: Person, member: Membership) -> None:
        """Another professional follows the person too (recorded like the services do)."""
        manager = self._member(Role.MANAGER)
        person.support_staff.add(member.user)
        audit.record(
            actor=manager.user,
            action=audit.Action.UPDATE,
            service_id=self.service.pk,
            role=manager.role,
            instance=person,
            person_id=person.pk,
            summary="Ajout d'un intervenant",
            changes={"support_staff": [None, member.user_id]},
        )
        people_services.timeline_add(
            person=person,
            kind=TimelineEvent.Kind.ASSIGNMENT,
            actor=manager.user,
            title=f"Suivi partagé avec {member.user} ({member.role_label})",
            instance=person,
        )

    # --- Dates of the chronology. ---

    def _moment(self, day: date) -> datetime:
        """A working-hours moment of that day, never later than now."""
        moment = timezone.make_aware(
            datetime.combine(
                day, clock(self.rng.randint(8, 17), self.rng.choice([0, 10, 15, 20, 30, 40, 45]))
            )
        )
        return min(moment, self.now)

    def _backdate(self, person: Person, plan: PersonPlan, dates: dict) -> None:
        """The services date the chronology of what they record "now"; for a file built in
        one go, date each line on the day the fact happened (the audit journal keeps the
        real time of writing). Plain ``executemany``: ``bulk_update`` is ten times slower."""
        ops = connection.ops
        events, notes = [], []
        for (object_type, pk, kind), day in dates.items():
            events.append(
                (ops.adapt_datetimefield_value(self._moment(day)), person.pk, object_type, pk, kind)
            )
            if object_type == "notes.interviewnote":
                written = min(self.today, day + timedelta(days=self.rng.choice([0, 0, 1, 2])))
                notes.append((ops.adapt_datetimefield_value(self._moment(written)), pk))
        opened = ops.adapt_datetimefield_value(self._moment(plan.opened))
        timeline = ops.quote_name(TimelineEvent._meta.db_table)
        note_table = ops.quote_name(InterviewNote._meta.db_table)
        person_table = ops.quote_name(Person._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {timeline} SET occurred_at = %s WHERE person_id = %s "
                "AND object_type = %s AND object_id = %s AND kind = %s",
                events,
            )
            cursor.executemany(f"UPDATE {note_table} SET created_at = %s WHERE id = %s", notes)
            cursor.execute(
                f"UPDATE {person_table} SET created_at = %s, updated_at = %s WHERE id = %s",
                [opened, opened, person.pk],
            )


def build_demo(
    *,
    seed: int = DEFAULT_SEED,
    services: int = 1,
    persons: int = DEFAULT_PERSONS,
    today: date | None = None,
    log: Callable[[str], None] = print,
) -> list[ServiceReport]:
    """Build the first ``services`` demo services (those already present are skipped)."""
    if not 1 <= services <= MAX_SERVICES:
        raise ValueError(f"Le nombre de services doit être compris entre 1 et {MAX_SERVICES}.")
    today = today or timezone.localdate()
    password_hash = make_password(settings.PROBATIO_DEMO_PASSWORD)
    usernames = set(User.objects.values_list("username", flat=True))
    reports = []
    for index, department in enumerate(voc.DEPARTMENTS[:services]):
        existing = Service.objects.filter(department_code=department.code).first()
        if existing is not None:
            log(f"{existing.name} : déjà présent, laissé tel quel.")
            reports.append(ServiceReport(department.code, existing.name, skipped=True))
            continue
        log(f"{department.name} (démonstration) : création de {persons} personnes…")
        builder = ServiceBuilder(
            department,
            index=index,
            seed=seed,
            persons=persons,
            today=today,
            password_hash=password_hash,
            usernames=usernames,
            log=log,
        )
        report = builder.build()
        log(
            f"  {report.persons} personnes, {report.measures} mesures, "
            f"{report.obligations} obligations, {report.notes} notes, "
            f"{report.audit_entries} entrées d'audit en {report.seconds:.1f} s"
        )
        reports.append(report)
    return reports
