"""Test data: factory_boy factories (French fake data) and helpers that go through the services.

Rows that the application always writes through a service (persons, decisions, measures) are
best made with the ``make_*`` helpers below, so that tests see exactly what production code
writes (search text, audit entries, timeline events, computed end dates). The raw factories are
for setting up states that services would refuse, or when speed matters more than realism.

Catalogue rows (measure and obligation types) come from the data migration: use their codes.
"""

import datetime as dt
from datetime import date, timedelta
from functools import cache

import factory
from django.contrib.auth.hashers import make_password

from probatio.accounts.models import Membership, User
from probatio.core.text import fold
from probatio.measures import rules
from probatio.measures import services as measure_services
from probatio.measures.models import Decision, Measure, Obligation
from probatio.notes.models import InterviewNote
from probatio.organisation import services as organisation_services
from probatio.organisation.models import Establishment, Service, Site
from probatio.people import services as people_services
from probatio.people.models import CustodyRecord, Person
from probatio.people.selectors import person_get_for

PASSWORD = "demo-probatio-test"
LOCALE = "fr_FR"


def gate(membership, person):
    """The person as a service requires it, for test data written by ``membership``: through
    the dossier gate (another service's person: 404), with the facts of a person in the
    member's charge, so that a factory may write on any person of the service as the member
    named (who then appears in the journal). Tests of who may do what go through the gate
    itself (``person_get_for``) or the pages, never through this."""
    from dataclasses import replace

    from probatio.access.policy import PersonFacts

    gated = person_get_for(membership, person.pk)
    return replace(gated, facts=PersonFacts(is_caseload=True, is_judge_file=True))


def stop_reply_gate(person):
    """The person as the SMS provider's webhook gates them: the service's system actor."""
    from probatio.access.policy import Action
    from probatio.accounts.system import SystemActor

    actor = SystemActor(service_id=person.service_id, reason="Réponse STOP au SMS")
    return person_get_for(actor, person.pk, action=Action.RECORD_SMS_STOP)


def fr(provider: str, **kwargs) -> factory.Faker:
    return factory.Faker(provider, locale=LOCALE, **kwargs)


@cache
def _password_hash() -> str:
    # Hashing is deliberately slow: do it once for the whole run.
    return make_password(PASSWORD)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"SPIP de test n° {n}")
    # 100-969: not a real department code, so never clashes with demo data.
    department_code = factory.Sequence(lambda n: str(100 + n % 870))
    address = fr("address")
    phone = fr("phone_number")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the service: a service starts its journal chain when created.
        return organisation_services.service_create(**kwargs)


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Maison d'arrêt de Test-{n}")
    code = factory.Sequence(lambda n: f"ETB{n:05d}")
    kind = Establishment.Kind.MA
    address = fr("address")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Antenne {n}")
    kind = Site.Kind.COMMUNITY
    address = fr("street_address")
    postcode = fr("postcode")
    city = fr("city")
    opening_hours = factory.LazyFunction(
        lambda: {str(day): [["09:00", "12:30"], ["13:30", "17:00"]] for day in range(1, 6)}
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = fr("first_name")
    last_name = fr("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@justice.test")
    password = factory.LazyFunction(_password_hash)


class MembershipFactory(factory.django.DjangoModelFactory):
    """``MembershipFactory(role="judge", service=...)``; a new user each time by default."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    service = factory.SubFactory(ServiceFactory)
    role = "cpip"
    is_active = True


def _search_text(person) -> str:
    return fold(
        " ".join(
            [
                person.surname,
                person.birth_surname,
                person.first_names,
                person.aliases.replace(",", " "),
            ]
        )
    )


class PersonFactory(factory.django.DjangoModelFactory):
    """A raw person row (no audit entry, no timeline): prefer ``make_person``."""

    class Meta:
        model = Person
        skip_postgeneration_save = True

    service = factory.SubFactory(ServiceFactory)
    surname = fr("last_name")
    birth_surname = ""
    first_names = fr("first_name")
    aliases = ""
    sex = Person.Sex.MALE
    birth_date = fr("date_of_birth", minimum_age=18, maximum_age=70)
    birth_place = fr("city")
    search_text = factory.LazyAttribute(_search_text)


def person_data(**overrides) -> dict:
    """Identity fields accepted by ``person_create`` (French fake values)."""
    from faker import Faker

    fake = Faker(LOCALE)
    data = {
        "surname": fake.last_name(),
        "first_names": fake.first_name_male(),
        "sex": "M",
        "birth_date": fake.date_of_birth(minimum_age=18, maximum_age=70),
        "birth_place": fake.city(),
    }
    data.update(overrides)
    return data


def make_person(
    membership: Membership,
    *,
    address: dict | None = None,
    assigned_cpip: User | None = None,
    today: date | None = None,
    **overrides,
) -> Person:
    """A person created by ``person_create`` as ``membership`` (a CPIP gets it in their
    caseload). Any identity field may be overridden: ``make_person(cpip, surname="Ménard")``."""
    return people_services.person_create(
        membership=membership,
        data=person_data(**overrides),
        address=address,
        assigned_cpip=assigned_cpip,
        today=today,
    )


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    person = factory.SubFactory(PersonFactory)
    kind = Decision.Kind.JUDGMENT
    jurisdiction = "Tribunal judiciaire de Test"
    date = dt.date(2025, 1, 6)
    enforceable_date = dt.date(2025, 1, 10)
    recidivism = Decision.Recidivism.NONE
    judge_name = fr("name")


class MeasureFactory(factory.django.DjangoModelFactory):
    """A 24-month sursis probatoire (valid bounds) starting on the decision's enforceable date."""

    class Meta:
        model = Measure

    person = factory.SubFactory(PersonFactory)
    decision = factory.SubFactory(DecisionFactory, person=factory.SelfAttribute("..person"))
    measure_type_id = "SURSIS_PROBATOIRE"
    start_date = factory.LazyAttribute(lambda m: m.decision.enforceable_date or m.decision.date)
    duration_months = 24
    duration_days = None
    hours = None
    end_date = factory.LazyAttribute(
        lambda m: rules.end_date(m.start_date, m.duration_months, m.duration_days)
    )
    status = Measure.Status.ACTIVE
    setting = "community"


class ObligationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Obligation

    measure = factory.SubFactory(MeasureFactory)
    decision = factory.SelfAttribute("measure.decision")
    obligation_type_id = "TRAVAIL_FORMATION"
    start_date = factory.SelfAttribute("measure.start_date")
    proof_frequency = "monthly"


class InterviewNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterviewNote

    person = factory.SubFactory(PersonFactory)
    author = factory.SubFactory(UserFactory)
    author_role = "cpip"
    interview_date = date(2025, 3, 3)
    subject = "Entretien de suivi"
    body = fr("paragraph")
    confidential = False
    restricted_to = ""


class CustodyRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustodyRecord

    person = factory.SubFactory(PersonFactory)
    establishment = factory.SubFactory(
        EstablishmentFactory, service=factory.SelfAttribute("..person.service")
    )
    committal_number = factory.Sequence(lambda n: f"{n:06d}")
    committal_date = date(2024, 6, 1)
    release_date = None


def make_decision(
    membership: Membership,
    person: Person,
    *,
    offences: list | None = None,
    today: date | None = None,
    **overrides,
) -> Decision:
    """A judgment created by ``decision_create`` (dated 2025-01-06, enforceable 2025-01-10)."""
    data = {
        "kind": Decision.Kind.JUDGMENT,
        "jurisdiction": "Tribunal judiciaire de Test",
        "date": date(2025, 1, 6),
        "enforceable_date": date(2025, 1, 10),
        "recidivism": Decision.Recidivism.NONE,
    }
    data.update(overrides)
    if offences is None:
        offences = [{"label": "Vol simple", "qualification": "delit", "natinf": "7875"}]
    return measure_services.decision_create(
        gated=gate(membership, person), data=data, offences=offences, today=today
    )


def make_measure(
    membership: Membership,
    person: Person,
    *,
    code: str = "SURSIS_PROBATOIRE",
    decision: Decision | None = None,
    judge: User | None = None,
    today: date | None = None,
    **data,
) -> Measure:
    """A measure created by ``measure_create`` (24-month sursis probatoire by default).
    ``judge`` becomes the assigning judge (and so the person one of the judge's files)."""
    if decision is None:
        decision = make_decision(membership, person, today=today)
    data.setdefault("start_date", decision.enforceable_date or decision.date)
    if code in {"SURSIS_PROBATOIRE", "SURSIS_PROBATOIRE_RENFORCE"}:
        data.setdefault("duration_months", 24)
    if judge is not None:
        data["assigning_judge"] = judge
    return measure_services.measure_create(
        gated=gate(membership, person),
        decision=decision,
        measure_type_code=code,
        data=data,
        today=today,
    )


def make_prisoner(
    membership: Membership,
    *,
    establishment: Establishment | None = None,
    committal_number: str | None = None,
    committal_date: date = date(2025, 1, 10),
    sentences: tuple[dict, ...] = ({"years": 3},),
    remand_days: int = 0,
    person: Person | None = None,
    **person_overrides,
) -> Person:
    """A person in prison, created through the services: committal (écrou), a judgment, the
    sentence(s) served and the remand to deduct (worked example A of the sentence-dates
    convention with ``sentences=({"years": 3},), remand_days=122``)."""
    from probatio.sentences import services as sentence_services

    if person is None:
        # A fixed birth date: a random one could make a 70th birthday move the LC date.
        person_overrides.setdefault("birth_date", date(1985, 4, 12))
        person = make_person(membership, **person_overrides)
    if establishment is None:
        establishment = Establishment.objects.filter(
            service_id=membership.service_id
        ).first() or EstablishmentFactory(service_id=membership.service_id)
    custody = people_services.custody_open(
        gated=gate(membership, person),
        establishment_id=establishment.pk,
        committal_number=committal_number or f"{person.pk:06d}",
        committal_date=committal_date,
    )
    decision = make_decision(
        membership,
        person,
        date=committal_date - timedelta(days=30),
        enforceable_date=committal_date - timedelta(days=20),
    )
    for length in sentences:
        sentence_services.sentence_add(
            gated=gate(membership, person),
            custody=custody,
            data={"decision": decision, "description": "Emprisonnement ferme", **length},
        )
    if remand_days:
        sentence_services.terms_update(
            gated=gate(membership, person), custody=custody, data={"remand_days": remand_days}
        )
    return person


def make_transmitted_report(
    membership: Membership,
    person: Person,
    kind: str,
    *,
    today: date,
    measure: Measure | None = None,
    matter: str = "",
    urgency: str = "",
    court=None,
    texts: dict | None = None,
    days_ago: int = 3,
):
    """A report transmitted to the judge ``days_ago`` days ago: created (and its sections
    saved) through the services, then set to « transmis » directly — the frozen PDF is left to
    the report tests. An incident report is on a breach of ``measure`` recorded first."""
    from django.utils import timezone

    from probatio.compliance import services as compliance_services
    from probatio.people.selectors import person_get_for
    from probatio.reports import rules as report_rules
    from probatio.reports import services as report_services
    from probatio.reports.models import Report
    from probatio.reports.selectors import report_get_for

    incident = None
    if kind == report_rules.INCIDENT:
        incident = compliance_services.incident_record(
            membership=membership,
            gated=person_get_for(membership, person.pk),
            data={
                "kind": "new_offence",
                "occurred_on": today - timedelta(days=10),
                "source": "police",
                "description": "Interpellé pour conduite sans permis.",
                "measure": measure,
            },
            today=today,
        )
    report = report_services.report_create(
        membership=membership,
        gated=person_get_for(membership, person.pk),
        kind=kind,
        measure=measure,
        matter=matter,
        urgency=urgency,
        court=court,
        incident=incident,
        today=today,
    )
    if texts:
        report_services.report_save(
            membership=membership, gated_report=report_get_for(membership, report.pk), texts=texts
        )
    Report.objects.filter(pk=report.pk).update(
        status=report_rules.TRANSMITTED,
        transmitted_at=timezone.now() - timedelta(days=days_ago),
    )
    return Report.objects.get(pk=report.pk)


def make_sent_sms(membership, *, provider_id: str = "1511882900176220", **person_data):
    """An SMS reminder already sent to a new person of the membership's service (the provider
    gave it ``provider_id``): what a delivery report or a STOP reply comes back about."""
    from probatio.messaging.models import Message

    person_data.setdefault("phone", "06 12 34 56 78")
    person = make_person(membership, sms_consent=True, **person_data)
    return Message.objects.create(
        service_id=membership.service_id,
        person=person,
        purpose="reminder",
        channel="sms",
        recipient=person.phone,
        body="Rappel",
        scheduled_at="2025-10-25T08:00:00Z",
        next_attempt_at="2025-10-25T08:00:00Z",
        status="sent",
        provider_id=provider_id,
    )


# --- Assessments and follow-up intensity (docs/assessments.md) --------------------------------


def assessment_answers(definition: dict) -> dict:
    """Answers to every required item of a grid (the first option, « non », the minimum)."""
    from probatio.assessments import rules as assessment_rules

    answers = {}
    for item in assessment_rules.items(definition):
        if not item.get("required"):
            continue
        if item["type"] == "choice":
            answers[item["code"]] = item["options"][0]["code"]
        elif item["type"] == "yes_no":
            answers[item["code"]] = "no"
        elif item["type"] == "number":
            answers[item["code"]] = str(item["min"])
    return answers


def make_intensity_change(
    membership, person, *, first="standard", then="reinforced", reason="Récidive récente"
):
    """A person at ``first`` (applied at once, months ago) with a change to ``then`` waiting
    for a manager, chosen after an assessment of today (with ``reason``)."""
    from django.utils import timezone

    from probatio.assessments import selectors as assessment_selectors
    from probatio.assessments import services as assessment_services

    today = timezone.localdate()
    grid = assessment_selectors.grid_in_use(today)
    gated = gate(membership, person)
    assessment_services.intensity_choose(
        gated=gated, level=first, today=today - timedelta(days=200)
    )
    assessment = assessment_services.assessment_create(
        gated=gated,
        grid_version=grid.code,
        reason="periodic",
        assessed_on=today,
        answers=assessment_answers(grid.definition),
        summary="Situation stable, quelques fragilités.",
    )
    return assessment_services.intensity_choose(
        gated=gated, level=then, reason=reason, assessment=assessment, today=today
    )


def make_programme(manager, **overrides):
    """A programme of ``manager``'s service, through the catalogue's service."""
    from probatio.programmes import services as programme_services

    data = {
        "name": "Programme de prévention de la récidive",
        "aim": "Prévenir la récidive des violences conjugales.",
        "public": "Personnes condamnées pour violences conjugales.",
        "modules": "1. Les émotions\n2. La relation\n3. La loi",
        "session_count": 4,
        "session_minutes": 120,
        "mode": "group",
        "is_active": True,
        **overrides,
    }
    return programme_services.programme_save(membership=manager, data=data)


def make_group(manager, programme, *, start_date, room=None, site=None, capacity=8, **extra):
    """A group of ``programme`` (Tuesdays at 14:00 unless ``slots``), with its sessions."""
    from probatio.programmes import services as programme_services

    if site is None:
        site = room.site if room is not None else SiteFactory(service=manager.service)
    return programme_services.group_create(
        membership=manager,
        programme=programme,
        site=site,
        room=room,
        start_date=start_date,
        slots=extra.pop("slots", [{"weekday": 1, "start": "14:00", "minutes": 120}]),
        capacity=capacity,
        **extra,
    )


def make_enrolled(membership, person, group, *, compulsory=False):
    """``person`` referred to ``group``'s programme and enrolled in ``group`` by ``membership``."""
    from probatio.programmes import services as programme_services

    gated = gate(membership, person)
    enrolment = programme_services.enrolment_propose(
        gated=gated, programme=group.programme, compulsory=compulsory
    )
    programme_services.enrolment_move(gated=gated, enrolment=enrolment, status="suitable")
    return programme_services.enrolment_move(
        gated=gated, enrolment=enrolment, status="enrolled", group=group
    )


def journal_at(member, action, at, person=None, **fields):
    """A journal entry of ``member`` at a past moment ``at``: a read of ``person``'s file, or
    a page refused (for the anomaly view's tests)."""
    from django.db import transaction

    from probatio.audit import services as audit

    with transaction.atomic():
        return audit.record(
            actor=member.user,
            action=action,
            service_id=member.service_id,
            role=member.role,
            object_type="people.person" if person else "page",
            object_id=person.pk if person else None,
            person_id=person.pk if person else None,
            summary="Consultation du dossier (identite)" if person else "Accès refusé",
            at=at,
            **fields,
        )
