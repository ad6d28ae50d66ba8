"""The demo's committal: a person on probation followed by the first CPIP (``cpip.demo``) is
committed about a month ago (remand on new facts), through the committal transition: the
probation period suspended (its end « au plus tôt », explained), the appointments planned in the
community cancelled with their reminders, the CPIP kept; an interview in detention booked with
the first CPIP in a few days, for which no reminder is planned (a person held in a cell receives
no SMS nor e-mail).

And a reinforced probation of the first CPIP whose 3-month assessment report is due: the
échéancier shows it until the report is transmitted."""

import random
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from probatio.access.roles import Role
from probatio.agenda import services as agenda_services
from probatio.agenda.models import Appointment
from probatio.demo.gates import gate
from probatio.measures import services as measure_services
from probatio.measures.models import Decision, Measure
from probatio.people.models import CustodyRecord, Person
from probatio.people.selectors import person_get_for
from probatio.reintegration import support
from probatio.reports.models import JudgeAnswer, Report
from probatio.transitions import services as transition_services

COMMITTED_DAYS_AGO = 26


def build_transitions(*, service, staff, rng: random.Random, fake, today: date) -> None:
    _committal(service=service, staff=staff, rng=rng, today=today)
    _reinforced_probation(service=service, staff=staff, rng=rng, today=today)


def _committal(*, service, staff, rng, today: date) -> None:
    cpip = staff[Role.CPIP][0]
    manager = staff[Role.MANAGER][0]
    establishment = service.establishments.order_by("pk").first()
    if establishment is None:
        return
    # A person of the first CPIP on an active sursis probatoire begun a while ago, never in
    # prison, not the one whose probation the judge partly revoked (that file shows the
    # probation running).
    persons = (
        Person.objects.filter(service=service, assigned_cpip=cpip.user)
        .filter(
            Exists(
                Measure.objects.filter(
                    person_id=OuterRef("pk"),
                    measure_type_id="SURSIS_PROBATOIRE",
                    status=Measure.Status.ACTIVE,
                    start_date__lte=today - timedelta(days=45),
                )
            )
        )
        .exclude(Exists(CustodyRecord.objects.filter(person_id=OuterRef("pk"))))
        .exclude(
            Exists(
                JudgeAnswer.objects.filter(
                    report__person_id=OuterRef("pk"), kind="revocation_partial"
                )
            )
        )
        .order_by("pk")
    )
    person = persons.first()
    if person is None:
        return
    committed = today - timedelta(days=COMMITTED_DAYS_AGO)
    transition_services.committal_record(
        membership=manager,
        gated=person_get_for(manager, person.pk),
        data=transition_services.CommittalData(
            establishment_id=establishment.pk,
            committal_number=f"{committed:%Y}-8{rng.randint(1000, 9999)}",
            committal_date=committed,
            prison_cpip=None,  # the first CPIP keeps the file
        ),
        today=today,
    )
    # The arrival interview, held by the first CPIP three days after the committal.
    support.arrival_interview_record(
        gated=gate(cpip, person),
        data={
            "held_on": committed + timedelta(days=3),
            "destitution": "no",
            "literacy": "no_difficulty",
            "addiction": "none",
            "family_ties": "maintained",
            "identity_documents": "valid",
            "observations": "Connu du service (sursis probatoire en cours) ; placé en détention "
            "provisoire pour de nouveaux faits. Souhaite maintenir son emploi de retour.",
        },
        today=today,
    )
    day = today + timedelta(days=3)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    starts = timezone.make_aware(datetime.combine(day, time(14, 0)))
    agenda_services.appointment_book(
        gated=gate(cpip, person),
        data={
            "kind": Appointment.Kind.PRISON,
            "place_kind": Appointment.PlaceKind.PRISON,
            "establishment": establishment,
            "starts_at": starts,
            "ends_at": starts + timedelta(minutes=45),
        },
        staff=[cpip.user],
        confirmed=True,
    )


def _reinforced_probation(*, service, staff, rng, today: date) -> None:
    """A reinforced probation pronounced six weeks ago for a person of the first CPIP: its
    3-month assessment report is due (CPP 741-2 ; D. 546-3)."""
    cpip = staff[Role.CPIP][0]
    judge = staff[Role.JUDGE][0]
    recent = Measure.objects.filter(
        person__service=service,
        person__assigned_cpip=cpip.user,
        measure_type_id="SURSIS_PROBATOIRE_RENFORCE",
        status=Measure.Status.ACTIVE,
        decision__date__gte=today - timedelta(days=80),
    )
    if recent.exists():
        return
    person = (
        Person.objects.filter(service=service, assigned_cpip=cpip.user)
        .exclude(Exists(CustodyRecord.objects.filter(person_id=OuterRef("pk"))))
        # A file with nothing running first; in a larger demo every file of the CPIP may have
        # a measure running or a report (a new conviction then: the new measure's own
        # assessment is due all the same).
        .annotate(
            has_measure=Exists(Measure.objects.filter(person_id=OuterRef("pk"), status="active")),
            has_report=Exists(Report.objects.filter(person_id=OuterRef("pk"))),
        )
        .order_by("has_measure", "has_report", "pk")
        .first()
    )
    if person is None:
        return
    decided = today - timedelta(days=42)
    court = judge.court
    decision = measure_services.decision_create(
        gated=gate(cpip, person),
        data={
            "kind": Decision.Kind.JUDGMENT,
            "jurisdiction": f"Tribunal correctionnel — {court.name}"
            if court
            else "Tribunal correctionnel",
            "court": court,
            "date": decided,
            "enforceable_date": decided,
            "summary": "Dix mois d'emprisonnement assortis en totalité d'un sursis probatoire "
            "renforcé pendant deux ans ; exécution provisoire.",
            "provisional_execution": True,
        },
        offences=[{"label": "Violences volontaires par conjoint", "qualification": "delit"}],
        today=today,
    )
    measure_services.measure_create(
        gated=gate(cpip, person),
        decision=decision,
        measure_type_code="SURSIS_PROBATOIRE_RENFORCE",
        data={
            "start_date": decided,
            "duration_months": 24,
            "assigning_judge": judge.user,
            "assigned_cpip": cpip.user,
        },
        today=today,
    )
