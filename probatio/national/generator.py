"""The national data generator: a PostgreSQL database at the scale of the country, written
with ``COPY`` (``copying.TableWriter``), seeded and reproducible.

Service by service (one transaction each, so that a run stopped half-way leaves whole
services): its structure (sites, establishments, court), its staff (about 65 persons per
CPIP), its persons followed (their decision, measures, obligations, address, appointments,
notes, custody for the held ones) and its closed files, each file's timeline and the
service's audit chain — hashed exactly as ``audit.services`` does, so that
``verify_audit_chain`` passes.

What the generator writes keeps what the application relies on: the database's constraints
(dates in order, one membership per role and service, unique codes), persons' search text
and duplicate keys computed by the same functions as the services, a CPIP's files in their
service, measures whose status agrees with their dates, and a journal whose chains verify.
"""

import functools
import multiprocessing
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, connections, transaction
from faker import Faker

from probatio.access.roles import SYSTEM
from probatio.accounts.models import Membership, User
from probatio.agenda.models import Appointment
from probatio.audit.models import AuditChainHead, AuditEntry
from probatio.audit.services import GENESIS, chain_start_values, entry_digest
from probatio.core.text import fold
from probatio.measures.models import Decision, Measure, Obligation
from probatio.national import (
    activity,
    assessments,
    due_items,
    figures,
    loads,
    needs,
    oversight,
    programmes,
    reminders,
)
from probatio.national import retention as retention_holds
from probatio.national.copying import TableWriter, highest_id, move_sequences
from probatio.national.plan import (
    PRISON_SHARE,
    Plan,
    ServicePlan,
    department_code,
    statistics_are_due,
)
from probatio.notes.models import InterviewNote
from probatio.organisation.models import Court, Establishment, Service, Site
from probatio.people import rules as people_rules
from probatio.people.models import Address, CourtFileNumber, CustodyRecord, Person, TimelineEvent

# The first members of the largest service sign in under the demo's usernames, so that the
# bench measures the same pages with the same accounts on the demo and national databases.
BENCH_ACCOUNTS = {
    "cpip": "cpip.demo",
    "manager": "encadrement.demo",
    "secretariat": "secretariat.demo",
    "judge": "juge.demo",
}
SYSTEM_LABEL = "Traitement automatique (création des comptes)"
# The password of every generated account (a load test signs in with it); one hash for all.
PASSWORD = "national-probatio"

# The measures of a file followed in the community and in custody: (code, months, hours,
# share). Durations within the catalogue's bounds.
COMMUNITY_MEASURES = [
    ("SURSIS_PROBATOIRE", 24, None, 50),
    ("TIG", 18, 140, 18),
    ("DDSE", None, None, 12),
    ("LC", 24, None, 10),
    ("SSJ", 60, None, 4),
    ("SURSIS_PROBATOIRE_RENFORCE", 36, None, 6),
]
CUSTODY_MEASURE = "EMPRISONNEMENT"
OBLIGATIONS = [
    "TRAVAIL_FORMATION",
    "SOINS",
    "INDEMNISER_VICTIME",
    "RESIDENCE",
    "NE_PAS_FREQUENTER_DEBITS",
    "NE_PAS_PARAITRE",
]
NOTE_SUBJECTS = [
    "Entretien de suivi",
    "Point sur les obligations",
    "Situation professionnelle",
    "Hébergement",
    "Préparation du rapport",
]
TIMELINE_TITLES = {
    "appointment": "Rendez-vous honoré",
    "note": "Note d'entretien",
    "proof": "Justificatif reçu",
    "situation": "Situation mise à jour",
    "measure": "Mesure suivie",
    "message": "Rappel envoyé",
}


@dataclass
class Report:
    services: int = 0
    persons: int = 0
    rows: dict = field(default_factory=dict)
    seconds: float = 0.0


@functools.cache
def names_for(seed: int) -> "Names":
    return Names(seed)


class Names:
    """Pools of French names drawn once (Faker is slow per call), then picked at random."""

    def __init__(self, seed: int):
        faker = Faker("fr_FR")
        faker.seed_instance(seed)
        self.surnames = sorted({faker.last_name() for _ in range(4000)})
        self.female = sorted({faker.first_name_female() for _ in range(800)})
        self.male = sorted({faker.first_name_male() for _ in range(800)})
        self.streets = sorted({faker.street_name() for _ in range(1500)})
        self.cities = sorted({faker.city() for _ in range(1500)})


class Generator:
    def __init__(
        self,
        plan: Plan,
        *,
        seed: int = 1,
        today: date | None = None,
        log=print,
        check_foreign_keys: bool = True,
    ):
        self.check_foreign_keys = check_foreign_keys
        self.plan = plan
        self.seed = seed
        self.today = today or date.today()
        self.now = datetime.combine(self.today, datetime.min.time(), tzinfo=UTC) + timedelta(
            hours=7
        )
        self.log = log
        self.names = names_for(seed)
        self.password = make_password(PASSWORD, salt="nationalprobatio")
        self.report = Report()
        self.actors: dict[int, tuple[str, str]] = {}  # user id → (role, label in the journal)
        self.full_names: dict[int, str] = {}  # user id → ``get_full_name()``
        self.site_places: dict[int, tuple[str, str]] = {}  # site id → (place, address) in a message
        clock = lambda: self.now  # noqa: E731 - the rows' creation time by default
        models = [
            Service,
            Court,
            Establishment,
            Site,
            User,
            Membership,
            Person,
            Address,
            CourtFileNumber,
            CustodyRecord,
            Decision,
            Measure,
            Obligation,
            Appointment,
            Appointment.staff.through,
            InterviewNote,
            TimelineEvent,
            AuditEntry,
            AuditChainHead,
            *activity.MODELS,
            *assessments.MODELS,
            *programmes.MODELS,
            *retention_holds.MODELS,
            *oversight.MODELS,
            *needs.MODELS,
            *reminders.MODELS,
        ]
        self.w = {model: TableWriter(model, clock=clock) for model in models}
        self.first_ids = {
            model: highest_id(model) for model, writer in self.w.items() if writer.auto_pk
        }
        with connection.cursor() as cursor:
            cursor.execute("SELECT code FROM measures_measuretype")
            self.measure_types = {row[0] for row in cursor.fetchall()}
            cursor.execute("SELECT code FROM measures_obligationtype")
            self.obligation_types = {row[0] for row in cursor.fetchall()}
        self.obligations = [code for code in OBLIGATIONS if code in self.obligation_types]
        missing = {code for code, *_ in COMMUNITY_MEASURES} - self.measure_types
        if missing or len(self.obligations) < len(OBLIGATIONS):
            raise RuntimeError(
                "Catalogue incomplet (migrations non appliquées ?) : "
                f"{sorted(missing | (set(OBLIGATIONS) - self.obligation_types))}"
            )

    # --- The run ----------------------------------------------------------------------------

    def run(self, jobs: int = 1) -> Report:
        """Write every service of the plan, on ``jobs`` processes (each service on its own,
        in one transaction), then move the sequences and refresh the planner's statistics."""
        global _RUNNING
        started = time.monotonic()
        self.started = started
        AuditEntry.objects.ensure_partitions(from_month=self.now - timedelta(days=3000))
        if jobs <= 1:
            counts = self._run_services([plan.number for plan in self.plan.services])
        else:
            numbers = [plan.number for plan in self.plan.services]
            connections.close_all()  # each process opens its own connection
            _RUNNING = self
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                parts = pool.map(_run_part, [numbers[k::jobs] for k in range(jobs)])
            _RUNNING = None
            counts = {}
            for part in parts:
                for table, count in part.items():
                    counts[table] = counts.get(table, 0) + count
        self.report.services = len(self.plan.services)
        self.report.persons = self.plan.active + self.plan.closed
        with transaction.atomic():
            move_sequences(self.w)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.report.rows = counts
        self.report.seconds = time.monotonic() - started
        return self.report

    def _run_services(self, numbers: list[int]) -> dict[str, int]:
        plans = {plan.number: plan for plan in self.plan.services}
        analyzed_at = 0  # the rows this process had written at its last ANALYZE
        for number in numbers:
            service_plan = plans[number]
            rng = random.Random(f"{self.seed}:{number}")
            # Each service's rows take ids in their own block: the same ids whatever the
            # number of processes, and no two processes hand out the same.
            for model, writer in self.w.items():
                if writer.auto_pk:
                    writer.start_ids_after(self.first_ids[model] + (number - 1) * ID_BLOCK)
            with transaction.atomic():
                if not self.check_foreign_keys:
                    # The foreign-key triggers skipped for this transaction (the ids are
                    # handed out here; the small plans of the tests keep the checks).
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL session_replication_role = replica")
                self._service(service_plan, rng)
                self._flush()
                loads.fill(self.audit.service_id)  # what each file weighs in its caseload
                due_items.fill(self.audit.service_id, self.today)  # the échéancier's items
                # The closed periods' figures, journaled in the service's chain, then closed.
                figures.fill(self.audit, self.now)
                self.audit.close()
                self._flush()
            written = sum(writer.written for writer in self.w.values())
            if statistics_are_due(written, analyzed_at):
                # Outside the service's transaction: each table's ANALYZE commits on its own,
                # so the other process only waits for the table being sampled.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
                analyzed_at = written
            self.log(
                f"  service {number}/{len(self.plan.services)} : "
                f"{service_plan.active} suivies, {service_plan.closed} dossiers clos "
                f"({time.monotonic() - self.started:.0f} s)"
            )
        return {writer.table: writer.written for writer in self.w.values()}

    def _flush(self) -> None:
        for writer in self.w.values():
            writer.flush()

    # --- One service ------------------------------------------------------------------------

    def _service(self, plan: ServicePlan, rng: random.Random) -> None:
        number = plan.number
        department = department_code(number)
        name = f"SPIP national {number:03d}"
        service_id = self.w[Service].add(
            name=name, department_code=department, address=f"{number} rue de la République"
        )
        self.audit = AuditStream(self, service_id, name, department)
        court_name = f"Tribunal judiciaire {number:03d}"
        court_id = self.w[Court].add(service_id=service_id, name=court_name, city=f"Ville {number}")
        establishments = [
            self.w[Establishment].add(
                service_id=service_id,
                name=f"Centre pénitentiaire {number:03d}-{index}",
                code=f"N{number:03d}{index:02d}",
                kind="CP",
            )
            for index in range(1, plan.establishments + 1)
        ]
        head = self._site(service_id, "Siège", "head_office", rng)
        community = [
            self._site(service_id, f"Antenne {index}", "community", rng)
            for index in range(1, plan.community_sites + 1)
        ]
        prison_sites = [
            self._site(service_id, f"Antenne détention {index}", "prison", rng, establishment)
            for index, establishment in enumerate(establishments, start=1)
        ]
        staff = self._staff(plan, service_id, court_id, head, community, prison_sites, rng)
        oversight.thresholds(self, service_id=service_id, number=number)
        self.activity = activity.ServiceActivity(
            self,
            service_id=service_id,
            plan=plan,
            staff=staff,
            establishments=establishments,
            court=(court_id, court_name),
            rng=rng,
        )
        # Their own draws: the rest of the service is the same with or without them.
        self.assessments = assessments.ServiceAssessments(
            self, service_id=service_id, staff=staff, rng=random.Random(f"{self.seed}:{number}:a")
        )
        self.needs = needs.ServiceNeeds(
            self,
            staff=staff,
            partners=self.activity.partners,
            rng=random.Random(f"{self.seed}:{number}:n"),
        )
        self.reminders = reminders.ServiceReminders(
            self, service_id=service_id, name=name, rng=random.Random(f"{self.seed}:{number}:m")
        )
        self.holds = retention_holds.ServiceHolds(self, manager_id=staff["manager"][0])
        self.programmes = programmes.ServiceProgrammes(
            self,
            service_id=service_id,
            plan=plan,
            staff=staff,
            sites=community,
            rng=random.Random(f"{self.seed}:{number}:p"),
        )
        cpips = staff["cpip"]
        judges = staff["judge"]
        prison_cpips = cpips[: max(1, round(len(cpips) * PRISON_SHARE))]
        # The first CPIP (``cpip.demo`` in the largest service) follows files in prison and in
        # the community, like the demo's: the bench opens both kinds of pages under that name.
        community_cpips = cpips[:1] + cpips[len(prison_cpips) :]
        for index in range(plan.active):
            held = rng.random() < PRISON_SHARE
            cpip = (prison_cpips if held else community_cpips)[
                index % len(prison_cpips if held else community_cpips)
            ]
            self._person(
                service_id,
                rng,
                active=True,
                held=held,
                cpip=cpip,
                judge=rng.choice(judges),
                court_id=court_id,
                site_id=(rng.choice(prison_sites) if held else rng.choice(community)),
                establishment_id=rng.choice(establishments),
                unassigned=rng.random() < 0.02,
            )
        for _ in range(plan.closed):
            self._person(
                service_id,
                rng,
                active=False,
                held=False,
                cpip=rng.choice(cpips),
                judge=rng.choice(judges),
                court_id=court_id,
                site_id=rng.choice(community),
                establishment_id=None,
                unassigned=False,
            )

    def _site(self, service_id, name, kind, rng, establishment_id=None) -> int:
        address = f"{rng.randint(1, 120)} {rng.choice(self.names.streets)}"
        postcode = f"{rng.randint(1000, 95999):05d}"
        city = rng.choice(self.names.cities)
        site_id = self.w[Site].add(
            service_id=service_id,
            name=name,
            kind=kind,
            address=address,
            postcode=postcode,
            city=city,
            opening_hours={
                str(day): [["09:00", "12:30"], ["13:30", "17:30"]] for day in range(1, 6)
            },
            establishment_id=establishment_id,
        )
        # What a reminder says of the place (``Appointment.place_label``, ``place_address``).
        self.site_places[site_id] = (f"SPIP, {name}", f"{address}, {postcode} {city}")
        return site_id

    def _staff(self, plan, service_id, court_id, head, community, prison_sites, rng) -> dict:
        members: dict[str, list[int]] = {}
        for role, count in plan.staff.items():
            members[role] = []
            for index in range(count):
                female = rng.random() < 0.7
                first = rng.choice(self.names.female if female else self.names.male)
                surname = rng.choice(self.names.surnames)
                username = f"{role}.{plan.number:03d}.{index + 1:04d}"
                if plan.number == 1 and index == 0 and role in BENCH_ACCOUNTS:
                    username = BENCH_ACCOUNTS[role]
                user_id = self.w[User].add(
                    username=username,
                    password=self.password,
                    first_name=first,
                    last_name=surname,
                    email=f"{username}@justice.example",
                    is_active=True,
                    is_staff=False,
                    is_superuser=False,
                    date_joined=self.now - timedelta(days=rng.randint(30, 3000)),
                    last_login=None,
                )
                if role == "cpip":
                    site = (prison_sites + community)[index % len(prison_sites + community)]
                elif role == "judge":
                    site = None
                else:
                    site = head
                self.w[Membership].add(
                    user_id=user_id,
                    service_id=service_id,
                    role=role,
                    site_id=site,
                    court_id=court_id if role == "judge" else None,
                    working_time=100 if rng.random() < 0.85 else 80,
                )
                members[role].append(user_id)
                self.actors[user_id] = (role, f"{first} {surname.upper()}")
                self.full_names[user_id] = f"{first} {surname}"
                self.audit.add(
                    user_id=None,
                    action="create",
                    object_type="accounts.membership",
                    object_id=user_id,
                    summary=f"Création du compte {username}",
                    at=self.now - timedelta(days=3000),
                )
        return members

    # --- One file ---------------------------------------------------------------------------

    def _person(
        self,
        service_id,
        rng,
        *,
        active,
        held,
        cpip,
        judge,
        court_id,
        site_id,
        establishment_id,
        unassigned,
    ) -> None:
        female = rng.random() < 0.12
        first = rng.choice(self.names.female if female else self.names.male)
        surname = rng.choice(self.names.surnames)
        birth = self.today - timedelta(days=rng.randint(18 * 365, 70 * 365))
        opened = self.today - timedelta(
            days=rng.randint(30, 700) if active else rng.randint(400, 1800)
        )
        opened_at = datetime.combine(opened, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
        assigned = None if (unassigned or not active) else cpip
        birth_place = rng.choice(self.names.cities)
        phone = f"+336{rng.randint(10_000_000, 99_999_999)}"
        # Consent to reminders (and an email address for some), from the reminders' own draws.
        contact = self.reminders.contact(phone=phone, first=first, surname=surname)
        person_id = self.w[Person].add(
            service_id=service_id,
            surname=surname,
            first_names=first,
            sex="F" if female else "M",
            birth_date=birth,
            birth_place=birth_place,
            **contact,
            # ``people.services`` dates the consent when the file is created, given or not.
            consent_updated_at=opened_at,
            legal_status="condamne",
            assigned_cpip_id=assigned,
            assigned_at=opened_at if assigned else None,
            awaiting_since=opened_at if (active and unassigned) else None,
            awaiting_reason="new" if (active and unassigned) else "",
            # ``people.rules.is_followed``: a closed file's measure has ended, the person is free.
            is_followed=active,
            search_text=fold(f"{surname} {first}"),
            surname_key=people_rules.name_key(surname),
            first_names_key=people_rules.name_key(first),
            created_at=opened_at,
            updated_at=opened_at,
        )
        self.w[Address].add(
            person_id=person_id,
            line1=f"{rng.randint(1, 200)} {rng.choice(self.names.streets)}",
            postcode=f"{rng.randint(1000, 95999):05d}",
            city=rng.choice(self.names.cities),
            valid_from=opened,
            recorded_at=opened_at,
        )
        self.w[CourtFileNumber].add(
            person_id=person_id, kind="parquet", number=f"{opened:%y}{person_id:09d}"
        )
        judgment = opened - timedelta(days=rng.randint(10, 90))
        decision_id = self.w[Decision].add(
            person_id=person_id,
            kind="judgment",
            jurisdiction="Tribunal correctionnel",
            court_id=court_id,
            date=judgment,
            enforceable_date=judgment + timedelta(days=10),
            judge_id=None,
            recidivism="none",
            created_at=opened_at,
        )
        code, months, hours, _ = rng.choices(
            COMMUNITY_MEASURES, weights=[m[3] for m in COMMUNITY_MEASURES]
        )[0]
        if held:
            code, months, hours = CUSTODY_MEASURE, rng.choice([12, 18, 24, 36]), None
        days = rng.choice([120, 180, 240]) if code == "DDSE" else None
        start = opened
        end = _add_months(start, months) if months else start + timedelta(days=days)
        if active and end <= self.today:
            end = self.today + timedelta(days=rng.randint(30, 500))
        if not active:
            end = min(end, self.today - timedelta(days=rng.randint(1, 300)))
            end = max(end, start)
        measure_id = self.w[Measure].add(
            person_id=person_id,
            decision_id=decision_id,
            measure_type_id=code,
            start_date=start,
            duration_months=months,
            duration_days=days,
            hours=hours,
            end_date=end,
            status="active" if active else "ended",
            setting="prison" if held else "community",
            assigning_judge_id=judge,
            assigned_cpip_id=assigned,
            created_at=opened_at,
            updated_at=opened_at,
        )
        if held:
            self.w[CustodyRecord].add(
                person_id=person_id,
                establishment_id=establishment_id,
                committal_number=f"{person_id:08d}",
                committal_date=start,
            )
        obligations = []
        if not held:
            for obligation in rng.sample(self.obligations, rng.randint(1, 3)):
                obligation_id = self.w[Obligation].add(
                    measure_id=measure_id,
                    obligation_type_id=obligation,
                    decision_id=decision_id,
                    start_date=start,
                    end_date=None if active else end,
                    status="active" if active else "ended",
                    proof_frequency="quarterly",
                    created_at=opened_at,
                    updated_at=opened_at,
                )
                obligations.append((obligation_id, obligation))
        self.activity.person(
            person_id=person_id,
            measure_id=measure_id,
            code=code,
            start=start,
            hours=hours,
            active=active,
            held=held,
            obligations=obligations,
            cpip=cpip,
            judge=judge,
        )
        self.assessments.person(person_id=person_id, cpip=assigned, opened=opened, active=active)
        self.programmes.person(
            person_id=person_id, cpip=assigned, opened=opened, active=active, held=held
        )
        self.needs.person(person_id=person_id, cpip=assigned, opened=opened, active=active)
        self.holds.person(person_id=person_id, active=active)
        events = 30 if active else 2
        self._history(
            person_id, service_id, rng, opened_at, cpip, site_id, events, active, held, contact
        )

    def _history(
        self, person_id, service_id, rng, opened_at, cpip, site_id, events, active, held, contact
    ):
        """The file's appointments, notes, timeline and journal lines, spread from its
        opening to today (or to its closing)."""
        end = self.now if active else opened_at + timedelta(days=rng.randint(120, 360))
        span = max(1, int((end - opened_at).total_seconds()))
        moments = sorted(opened_at + timedelta(seconds=rng.randint(0, span)) for _ in range(events))
        self._timeline(person_id, opened_at, "person", "Dossier ouvert", cpip)
        self.audit.add(
            user_id=cpip,
            action="create",
            object_type="people.person",
            object_id=person_id,
            person_id=person_id,
            summary="Création du dossier",
            at=opened_at,
        )
        for index, moment in enumerate(moments[1:], start=1):
            kind = ("appointment", "note", "proof", "situation", "measure", "message")[index % 6]
            if active and kind == "appointment" and not held:
                starts = moment.replace(minute=0, second=0, microsecond=0)
                starts = starts.replace(hour=9 + index % 8)
                appointment_id = self.w[Appointment].add(
                    service_id=service_id,
                    person_id=person_id,
                    kind="follow_up",
                    place_kind="site",
                    site_id=site_id,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=45),
                    status="honoured" if rng.random() < 0.88 else "no_show",
                    created_by_id=cpip,
                    created_at=starts - timedelta(days=14),
                )
                self.w[Appointment.staff.through].add(appointment_id=appointment_id, user_id=cpip)
                self.reminders.appointment(
                    appointment_id=appointment_id,
                    person_id=person_id,
                    contact=contact,
                    site_id=site_id,
                    starts_at=starts,
                    booked_at=starts - timedelta(days=14),
                    planned=False,
                )
            if active and kind == "note":
                self.w[InterviewNote].add(
                    person_id=person_id,
                    author_id=cpip,
                    author_role="cpip",
                    interview_date=moment.date(),
                    subject=rng.choice(NOTE_SUBJECTS),
                    body="Entretien de suivi : la personne se présente, point sur ses obligations.",
                    created_at=moment,
                )
            self._timeline(person_id, moment, kind, TIMELINE_TITLES[kind], cpip)
            self.audit.add(
                user_id=cpip,
                action="read" if index % 2 else "update",
                object_type="people.person",
                object_id=person_id,
                person_id=person_id,
                summary="Consultation du dossier" if index % 2 else "Mise à jour du dossier",
                at=moment,
            )
        if active and not held:
            upcoming = (self.now + timedelta(days=rng.randint(1, 30))).replace(
                hour=9 + rng.randint(0, 7), minute=0, second=0, microsecond=0
            )
            appointment_id = self.w[Appointment].add(
                service_id=service_id,
                person_id=person_id,
                kind="follow_up",
                place_kind="site",
                site_id=site_id,
                starts_at=upcoming,
                ends_at=upcoming + timedelta(minutes=45),
                status="planned",
                created_by_id=cpip,
                created_at=self.now,
            )
            self.w[Appointment.staff.through].add(appointment_id=appointment_id, user_id=cpip)
            self.reminders.appointment(
                appointment_id=appointment_id,
                person_id=person_id,
                contact=contact,
                site_id=site_id,
                starts_at=upcoming,
                booked_at=self.now,
                planned=True,
            )

    def _timeline(self, person_id, moment, kind, title, actor_id) -> None:
        self.w[TimelineEvent].add(
            person_id=person_id,
            occurred_at=moment,
            kind=kind,
            title=title,
            actor_id=actor_id,
            created_at=moment,
        )


class AuditStream:
    """A service's journal, gathered then chained in the order of time (ids follow it), as
    ``audit.services.record_many`` would have written it entry by entry."""

    def __init__(self, generator: Generator, service_id: int, name: str, department_code: str):
        self.generator = generator
        self.service_id = service_id
        self.name = name
        self.department_code = department_code
        self.chain = f"service:{service_id}"
        self.entries: list[tuple] = []

    def add(
        self, *, user_id, action, object_type, object_id, summary, at, person_id=None, system=None
    ):
        """One entry. ``system``: (reason, context) of an entry of the service's system actor
        (``accounts.system.SystemActor``: no user, « Traitement automatique (reason) », the
        label also in the context's ``system_reason``, as ``audit.services`` journals it)."""
        self.entries.append(
            (at, user_id, action, object_type, object_id, person_id, summary, system)
        )

    def close(self) -> None:
        writer = self.generator.w[AuditEntry]
        self.entries.sort(key=lambda entry: entry[0])
        # The chain starts with the creation of the service, before its history (as
        # ``organisation.services.service_create`` writes it).
        start = chain_start_values(
            service_id=self.service_id,
            name=self.name,
            department_code=self.department_code,
            at=(self.entries[0][0] if self.entries else self.generator.now) - timedelta(seconds=1),
        )
        previous = entry_digest(
            previous_hash=GENESIS, fields={**start, "at": start["at"].isoformat()}
        )
        last_id = writer.add(**start, previous_hash=GENESIS, hash=previous)
        for at, user_id, action, object_type, object_id, person_id, summary, system in self.entries:
            context = {}
            if system is not None:
                reason, extra = system
                role, label = SYSTEM, f"Traitement automatique ({reason})"[:200]
                context = {**extra, "system_reason": label}
            else:
                role, label = self.generator.actors.get(user_id, ("system", SYSTEM_LABEL))
            fields = {
                "at": at.isoformat(),
                "chain": self.chain,
                "actor_id": user_id,
                "actor_label": label,
                "role": role,
                "service_id": self.service_id,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "person_id": person_id,
                "summary": summary,
                "changes": {},
                "context": context,
            }
            digest = entry_digest(previous_hash=previous, fields=fields)
            last_id = writer.add(
                at=at,
                chain=self.chain,
                actor_id=user_id,
                actor_label=label,
                role=role,
                service_id=self.service_id,
                action=action,
                object_type=object_type,
                object_id=object_id,
                person_id=person_id,
                summary=summary,
                changes={},
                context=context,
                previous_hash=previous,
                hash=digest,
            )
            previous = digest
        self.generator.w[AuditChainHead].add(
            chain=self.chain, last_hash=previous, last_entry_id=last_id
        )
        self.entries = []


# The ids each service's rows may take in every table (its largest table, the journal, holds
# about 600,000 rows for the largest service at scale 1).
ID_BLOCK = 20_000_000
_RUNNING: Generator | None = None  # the generator a forked process works for


def _run_part(numbers: list[int]) -> dict[str, int]:
    return _RUNNING._run_services(numbers)


def _add_months(day: date, months: int) -> date:
    from probatio.core.dates import add_months

    return add_months(day, months)


def database_is_empty() -> bool:
    return not Person.objects.exists() and not Service.objects.exists()
