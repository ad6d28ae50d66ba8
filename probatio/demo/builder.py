"""A synthetic SPIP, for demonstrations, training and benchmarks.

``build_demo`` creates one service per département of ``vocabulary.DEPARTMENTS`` (the first is
the demonstration service, which holds the demo accounts). For each, ``planning.Planner`` draws
the persons' files, then ``ServiceBuilder`` writes them through the application's own services,
so that every record passes the same validation as one typed in by a user and has its audit
entry and its line in the person's chronology.

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
from dataclasses import dataclass
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
from probatio.audit.models import AuditEntry
from probatio.core.text import fold
from probatio.demo import notes_text
from probatio.demo import vocabulary as voc
from probatio.demo.accounts import DEMO_ACCOUNTS, demo_devices
from probatio.demo.activity import build_activity
from probatio.demo.agenda import AgendaBuilder
from probatio.demo.allocation import build_allocation
from probatio.demo.assessments import build_assessments
from probatio.demo.community_work import build_community_work
from probatio.demo.compliance import ComplianceBuilder
from probatio.demo.drafts import build_drafts
from probatio.demo.duplicates import build_near_duplicate
from probatio.demo.gates import gate
from probatio.demo.merges import build_duplicate_pair
from probatio.demo.oversight import build_oversight
from probatio.demo.partners import build_partners
from probatio.demo.planning import CustodyPlan, DecisionPlan, MeasurePlan, PersonPlan, Planner
from probatio.demo.programmes import build_programmes
from probatio.demo.referrals import build_referrals
from probatio.demo.release import build_release_plans
from probatio.demo.reports import ReportsBuilder
from probatio.demo.retention import build_retention
from probatio.demo.sentences import SentencesBuilder, prison_caseloads
from probatio.demo.staff import build_staff_calendar
from probatio.demo.staffing import staff_plan
from probatio.demo.support import build_support
from probatio.demo.transfers import build_incoming_transfer
from probatio.demo.transitions import build_transitions
from probatio.demo.victims import build_victim_awaiting_cpip
from probatio.demo.vocabulary import of_place
from probatio.measures import services as measure_services
from probatio.measures.models import Decision, Measure, ObligationType
from probatio.notes import services as note_services
from probatio.notes.models import InterviewNote
from probatio.organisation import services as organisation_services
from probatio.organisation.models import Court, Establishment, Service, Site
from probatio.people import services as people_services
from probatio.people.models import CourtFileNumber, Person, TimelineEvent
from probatio.sentences import services as sentence_services
from probatio.sentences.deadlines import alert_months

DEFAULT_SEED = 2025
DEFAULT_PERSONS = 600
MAX_SERVICES = len(voc.DEPARTMENTS)

# The demonstration accounts of the first service: role -> (username, first name, surname,
# is a woman). See also probatio/demo/accounts.py.
DEMO_STAFF = {
    Role.CPIP: ("cpip.demo", "Claire", "Dumont", True),
    Role.MANAGER: ("encadrement.demo", "Marc", "Lefort", False),
    Role.SECRETARIAT: ("secretariat.demo", "Sandrine", "Petit", True),
    Role.JUDGE: ("juge.demo", "Hélène", "Garnier", True),
}
MULTI_DEMO = ("multi.demo", "Julien", "Roussel")

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

COURSES = {"STAGE_SECURITE_ROUTIERE", "STAGE_CITOYENNETE", "STAGE_VIOLENCES_COUPLE"}


@dataclass
class ServiceReport:
    code: str
    name: str
    skipped: bool = False
    persons: int = 0
    measures: int = 0
    obligations: int = 0
    notes: int = 0
    appointments: int = 0
    messages: int = 0
    proofs: int = 0
    incidents: int = 0
    reports: int = 0
    answers: int = 0
    audit_entries: int = 0
    seconds: float = 0.0


# --- Small helpers. ---


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
        self.seed = seed
        self.fake = Faker("fr_FR")
        self.fake.seed_instance(self.rng.getrandbits(32))
        self.report = ServiceReport(department.code, f"{department.name} (démonstration)")
        self.obligation_types = {t.code: t for t in ObligationType.objects.all()}
        # The staff grows with the persons followed (about 65 persons per CPIP): see staffing.
        self.staff_plan = staff_plan(persons)
        self.committal_counters: dict[tuple[int, int], int] = {}

    # --- Structure and staff. ---

    def build(self) -> ServiceReport:
        started = time.monotonic()
        with transaction.atomic(), _few_collections(), _constraints_left_to_the_database():
            self._create_structure()
            self._create_staff()
            # The last person arrives in prison three days ago, once everything else is
            # written (demo/support.py: the arrival interview still to hold).
            plans = [self.planner.plan_person() for _ in range(max(1, self.person_count - 1))]
            self.planner.assign_caseloads(
                plans, community_cpips=self.community_cpips, prison_cpips=self.prison_cpips
            )
            prison_caseloads(
                plans,
                planner=self.planner,
                today=self.today,
                months=alert_months(self.service),
                prison_cpips=self.prison_cpips,
                first_cpip=self.community_cpips[0],
            )
            for number, plan in enumerate(plans, start=1):
                self._write_person(plan)
                if number % 50 == 0:
                    gc.collect(1)
                if number % 100 == 0:
                    self.log(f"  {self.department.code} : {number}/{len(plans)} personnes")
            agenda = AgendaBuilder(
                service=self.service,
                sites=self.sites,
                staff=self.staff,
                rng=self.rng,
                today=self.today,
                now=self.now,
            ).build()
            self.report.appointments = agenda.appointments
            self.report.messages = agenda.messages
            compliance = ComplianceBuilder(
                service=self.service, staff=self.staff, rng=self.rng, today=self.today
            ).build()
            self.report.proofs = compliance.proofs
            self.report.incidents = compliance.incidents
            reports = ReportsBuilder(
                service=self.service, staff=self.staff, rng=self.rng, today=self.today
            ).build()
            self.report.reports = reports.reports
            self.report.answers = reports.answers
            SentencesBuilder(
                service=self.service,
                staff=self.staff,
                rng=self.rng,
                fake=self.fake,
                today=self.today,
                prison_lengths=self.prison_lengths,
            ).build()
            # The partner directory, needs and referrals to those partners, support in prison
            # (arrival interviews, destitution, family ties), then release plans and a release;
            # community work (hosts, placements, TIG at every stage).
            for build in (
                build_partners,
                build_referrals,
                build_support,
                build_release_plans,
                build_community_work,
                build_transitions,
                build_drafts,  # a note begun from an appointment, not finished
                build_victim_awaiting_cpip,  # a victim the secretariat could not enter
                build_duplicate_pair,  # a file opened twice, for a manager to merge
                build_retention,  # closed files near the end of their retention, one held
                build_near_duplicate,  # a person the secretariat may enter again
                build_activity,  # a year of reports, answers, incidents (the figures)
                build_allocation,  # last: the queue, part-time and reduced capacities
                build_staff_calendar,  # a closed day, absences: what was booked there moved
            ):
                build(
                    service=self.service,
                    staff=self.staff,
                    rng=self.rng,
                    fake=self.fake,
                    today=self.today,
                )
            # Assessments and levels, once the caseloads, the appointments held and the
            # incidents are final (their own draws: the rest of the demo is unchanged).
            build_assessments(
                service=self.service,
                staff=self.staff,
                rng=random.Random(f"probatio-demo-assessments:{self.seed}:{self.department.code}"),
                fake=self.fake,
                today=self.today,
            )
            # Programmes and their groups, once the caseloads and the staff's calendar (closed
            # days) are final (their own draws too).
            build_programmes(
                service=self.service,
                staff=self.staff,
                rng=random.Random(f"probatio-demo-programmes:{self.seed}:{self.department.code}"),
                fake=self.fake,
                today=self.today,
            )
            # Last: a day of unusual reads and a burst of refusals for the managers' anomaly
            # view (its journal entries dated in the past; its own draws).
            build_oversight(
                service=self.service,
                staff=self.staff,
                rng=random.Random(f"probatio-demo-oversight:{self.seed}:{self.department.code}"),
                fake=self.fake,
                today=self.today,
            )
        self.report.persons = Person.objects.filter(service=self.service).count()
        self.report.audit_entries = AuditEntry.objects.filter(service_id=self.service.pk).count()
        self.report.seconds = time.monotonic() - started
        return self.report

    def _create_structure(self) -> None:
        dept, fake = self.department, self.fake
        # The sentence pronounced with each prison measure (months, days), for the prison side.
        self.prison_lengths: dict[int, tuple] = {}
        self.service = organisation_services.service_create(
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
        # The tribunaux judiciaires of the département: their judges' orders name them.
        self.courts = [
            Court.objects.create(
                service=self.service,
                name=f"Tribunal judiciaire {of_place(town)}",
                city=town,
                appeal_court_city=voc.APPEAL_COURTS.get(dept.code, town),
            )
            for town in dict.fromkeys(dept.courts)
        ]
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
        self.planner = Planner(
            dept,
            rng=self.rng,
            fake=fake,
            today=self.today,
            establishments=self.establishments,
            judges=len(self.staff_plan[Role.JUDGE]),
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
        for role, sites in self.staff_plan.items():
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
                        # A judge sits at one of the département's courts.
                        court=self.courts[position % len(self.courts)]
                        if role == Role.JUDGE and self.courts
                        else None,
                    )
                )
            self.staff[role] = members
        cpip_sites = self.staff_plan[Role.CPIP]
        self.community_cpips = [i for i, site in enumerate(cpip_sites) if site != "prison"]
        self.prison_cpips = [i for i, site in enumerate(cpip_sites) if site == "prison"]
        if self.index == 0:
            self._create_two_role_account()

    def _create_two_role_account(self) -> None:
        """``multi.demo``: a CPIP who also stands in for the office manager, so that the demo
        shows how a user with several memberships chooses (and switches) the one they work
        with."""
        username, first_name, surname = MULTI_DEMO
        if User.objects.filter(username=username).exists():
            return
        user = self._new_user(username, first_name, surname, Role.CPIP, female=False)
        user.title = "CPIP, faisant fonction de chef d'antenne"
        user.save(update_fields=["title"])
        for role in (Role.CPIP, Role.MANAGER):
            Membership.objects.create(
                user=user, service=self.service, role=role, site=self.sites["a"]
            )

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
                gated=gate(self._member(Role.MANAGER), person), cpip=cpip.user
            )
            dates[("people.person", person.pk, "assignment")] = min(
                self.today, plan.opened + timedelta(days=rng.randint(1, 10))
            )

        for data in plan.addresses:
            address = people_services.address_add(gated=gate(writer, person), data=data)
            dates[("people.address", address.pk, "situation")] = data["valid_from"]
        for domain, status, details, day in plan.situation:
            entry = people_services.situation_record(
                gated=gate(writer, person),
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
                    gated=gate(secretariat, person), kind=kind, number=number
                )
        if any(m.with_judge for d in plan.decisions for m in d.measures):
            people_services.court_number_add(
                gated=gate(secretariat, person),
                kind=CourtFileNumber.Kind.JAP,
                number=f"{plan.opened:%Y}/{rng.randint(1, 9999):05d}",
            )

        custody_by_day = {c.committal: c for c in plan.custody}
        written: list[tuple[Measure, list]] = []
        for decision_plan in plan.decisions:
            decision = self._write_decision(secretariat, person, decision_plan, judge)
            for measure_plan in decision_plan.measures:
                prison = measure_plan.code == "EMPRISONNEMENT"
                custody_plan = custody_by_day.get(measure_plan.start) if prison else None
                if custody_plan is not None:
                    self._write_custody(secretariat, person, custody_plan)
                measure = measure_services.measure_create(
                    gated=gate(secretariat, person),
                    decision=decision,
                    measure_type_code=measure_plan.code,
                    today=self.today,
                    data=dict(
                        start_date=measure_plan.start,
                        # A prison sentence's end comes from its sentences (no duration typed).
                        duration_months=None if prison else measure_plan.months,
                        duration_days=None if prison else measure_plan.days,
                        hours=measure_plan.hours,
                        status=measure_plan.status,
                        setting=measure_plan.setting,
                        assigning_judge=judge if measure_plan.with_judge else None,
                    ),
                )
                self.report.measures += 1
                if prison:
                    # The sentence pronounced, for the prison side (the measure has no duration).
                    self.prison_lengths[measure.pk] = (measure_plan.months, measure_plan.days)
                if prison and custody_plan is not None and custody_plan.release is not None:
                    sentence_services.prison_measure_close(
                        gated=gate(secretariat, measure.person),
                        measure=measure,
                        released_on=custody_plan.release,
                        today=self.today,
                    )
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
            gated=gate(membership, person), data=data, offences=offences, today=self.today
        )

    def _write_custody(self, membership: Membership, person: Person, plan: CustodyPlan) -> None:
        year = plan.committal.year
        key = (plan.establishment.pk, year)
        counter = self.committal_counters.get(key, self.rng.randint(100, 900))
        counter += self.rng.randint(1, 25)
        self.committal_counters[key] = counter
        people_services.custody_open(
            gated=gate(membership, person),
            establishment_id=plan.establishment.pk,
            committal_number=f"{year}-{counter:05d}",
            committal_date=plan.committal,
            today=self.today,
        )
        if plan.release is not None:
            people_services.custody_close(
                gated=gate(membership, person), release_date=plan.release, today=self.today
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
        # The control measures of CP 132-44 came with the measure (measure_create).
        present = set(measure.obligations.values_list("obligation_type_id", flat=True))
        for code in plan.obligations:
            if code in present:
                continue
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
            if data.get("end_date") and measure.end_date:
                # An obligation ends with its measure at the latest (the stored end date:
                # for community work it runs from the enforceable date, not the start).
                data["end_date"] = min(data["end_date"], measure.end_date)
            town = self.planner.home_commune()[0]
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
                gated=gate(membership, measure.person),
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
        town = self.planner.home_commune()[0]
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
                gated=gate(author, person),
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

    def _add_support_staff(self, person: Person, member: Membership) -> None:
        """Another professional follows the person too, named by a manager."""
        people_services.support_staff_set(
            gated=gate(self._member(Role.MANAGER), person),
            users=[*person.support_staff.all(), member.user],
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
            # The file was given to its CPIP, or began waiting for one, when it was opened.
            cursor.execute(
                f"UPDATE {person_table} SET created_at = %s, updated_at = %s, "
                "assigned_at = CASE WHEN assigned_at IS NULL THEN NULL ELSE %s END, "
                "awaiting_since = CASE WHEN awaiting_since IS NULL THEN NULL ELSE %s END "
                "WHERE id = %s",
                [opened, opened, opened, opened, person.pk],
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
            f"{report.appointments} rendez-vous, {report.messages} rappels, "
            f"{report.proofs} justificatifs, {report.incidents} manquements, "
            f"{report.reports} rapports au magistrat ({report.answers} réponses), "
            f"{report.audit_entries} entrées d'audit en {report.seconds:.1f} s"
        )
        reports.append(report)
    if any(not r.skipped for r in reports):
        build_incoming_transfer(today=today, log=log)
    # Their second factor: the public demo key (docs/security.md, « In the demo »).
    demo_devices(User.objects.filter(username__in=[a[0] for a in DEMO_ACCOUNTS]))
    return reports
