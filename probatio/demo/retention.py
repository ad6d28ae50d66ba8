"""Closed files for the retention page (docs/data-protection.md): four files whose last measure
ended between four and five years ago — « Conservation des données » lists them among the files
to delete within a year — and one whose measure ended five years and a half ago, kept under a
legal hold set by the manager (the dossier says so, the page lists the hold, the job leaves it).
Each has a judgment, a sursis probatoire of twelve months, ended, and an interview note. Uses
no random draw: the rest of the demo is unchanged."""

import random
from datetime import date, timedelta

from probatio.access.roles import Role
from probatio.core.dates import add_months
from probatio.demo.gates import court_name, gate
from probatio.measures import services as measure_services
from probatio.notes import services as note_services
from probatio.people import services as people_services
from probatio.people.models import Person
from probatio.retention import services as retention_services

# (surname, first names, sex, birth date, months since the end of the measure)
CLOSED = (
    ("Vasseur", "Mickaël", "M", date(1979, 2, 11), 50),
    ("Carpentier", "Sandrine", "F", date(1985, 7, 3), 53),
    ("Delattre", "Kevin", "M", date(1992, 11, 24), 56),
    ("Boulanger", "Fabrice", "M", date(1974, 5, 30), 58),
)
HELD = ("Leclercq", "Jordan", "M", date(1990, 1, 17), 66)
HOLD_REASON = (
    "Recours de la personne contre la révocation : dossier à conserver jusqu'à la décision."
)


def closed_files(service) -> list[Person]:
    """The demo's closed files in ``service`` (the held one last), found by name and birth
    date (the demo's other persons may share a surname)."""
    found = []
    for surname, first_names, _, born, _ in (*CLOSED, HELD):
        person = Person.objects.filter(
            service=service, surname=surname, first_names=first_names, birth_date=born
        ).first()
        if person is not None:
            found.append(person)
    return found


def _closed_file(cpip, row, *, court: str, today: date) -> Person:
    surname, first_names, sex, born, months_ago = row
    ended = add_months(today, -months_ago)
    start = add_months(ended, -12)
    decided = start - timedelta(days=10)
    person = people_services.person_create(
        membership=cpip,
        data={"surname": surname, "first_names": first_names, "sex": sex, "birth_date": born},
        assigned_cpip=cpip.user,
        today=today,
    )
    decision = measure_services.decision_create(
        gated=gate(cpip, person),
        data={
            "kind": "judgment",
            "jurisdiction": court,
            "date": decided,
            "enforceable_date": start,
            "recidivism": "none",
        },
        offences=[{"label": "Vol simple", "qualification": "delit", "natinf": "7875"}],
        today=today,
    )
    measure_services.measure_create(
        gated=gate(cpip, person),
        decision=decision,
        measure_type_code="SURSIS_PROBATOIRE",
        data={"start_date": start, "duration_months": 12, "status": "ended"},
        today=today,
    )
    note_services.note_create(
        gated=gate(cpip, person),
        data={
            "interview_date": start + timedelta(days=30),
            "subject": "Entretien de suivi",
            "body": "Obligations respectées ; emploi stable.",
        },
        today=today,
    )
    return person


def build_retention(*, service, staff, rng: random.Random, fake, today: date) -> None:
    """The closed files, followed by the service's last CPIP (not cpip.demo's caseload)."""
    cpip = staff[Role.CPIP][-1]
    manager = staff[Role.MANAGER][0]
    court = court_name(service)
    for row in CLOSED:
        _closed_file(cpip, row, court=court, today=today)
    held = _closed_file(cpip, HELD, court=court, today=today)
    retention_services.hold_set(gated=gate(manager, held), reason=HOLD_REASON)
