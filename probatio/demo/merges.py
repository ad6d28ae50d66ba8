"""A pair of files of the same person, opened twice by mistake, for a manager to merge: Julien
LEFÈVRE, followed by cpip.demo (a decision, a sursis probatoire, an interview note), and
« Julien LEFEVRE », opened by the secretariat months later without the accent, with his new
address and e-mail, a court number and a second judgment. The two share the birth date and the
phone: encadrement.demo finds the pair from either file (« Fusionner avec un autre dossier »,
then « Fusionner ces dossiers »). Uses no random draw: the rest of the demo is unchanged."""

import random
from datetime import date, timedelta

from probatio.access.roles import Role
from probatio.demo.gates import court_name, gate
from probatio.measures import services as measure_services
from probatio.notes import services as note_services
from probatio.people import services as people_services
from probatio.people.models import Person

BIRTH_DATE = date(1987, 3, 9)
PHONE = "06 52 18 74 30"
FOLLOWED = {
    "surname": "Lefèvre",
    "first_names": "Julien",
    "sex": "M",
    "birth_date": BIRTH_DATE,
    "birth_place": "Amiens",
    "phone": PHONE,
    "sms_consent": True,
}
ENTERED_AGAIN = {
    "surname": "LEFEVRE",
    "first_names": "Julien Marc",
    "sex": "M",
    "birth_date": BIRTH_DATE,
    "birth_place": "Amiens (Somme)",
    "phone": PHONE,
    "email": "julien.lefevre@exemple.fr",
}


def duplicate_pair(service) -> list[Person]:
    """The two files of the pair in ``service`` (the tests' and the tour's way to find them)."""
    return list(
        Person.objects.filter(
            service=service, birth_date=BIRTH_DATE, surname__in=["Lefèvre", "LEFEVRE"]
        ).order_by("pk")
    )


def _judgment(membership, person, *, day: date, court: str, code: str, months: int, today):
    decision = measure_services.decision_create(
        gated=gate(membership, person),
        data={
            "kind": "judgment",
            "jurisdiction": court,
            "date": day,
            "enforceable_date": day + timedelta(days=10),
            "recidivism": "none",
        },
        offences=[{"label": "Vol simple", "qualification": "delit", "natinf": "7875"}],
        today=today,
    )
    measure_services.measure_create(
        gated=gate(membership, person),
        decision=decision,
        measure_type_code=code,
        data={"start_date": day + timedelta(days=10), "duration_months": months},
        today=today,
    )


def build_duplicate_pair(*, service, staff, rng: random.Random, fake, today: date) -> None:
    """Two files of the same person in the service (to be merged by encadrement.demo)."""
    secretariat = staff[Role.SECRETARIAT][0]
    cpip = staff[Role.CPIP][0]
    court = court_name(service)
    followed = people_services.person_create(
        membership=cpip,
        data=FOLLOWED,
        address={
            "line1": "14 rue des Jacobins",
            "postcode": "80000",
            "city": "Amiens",
            "valid_from": today - timedelta(days=400),
        },
        today=today,
    )
    _judgment(
        cpip,
        followed,
        day=today - timedelta(days=300),
        court=court,
        code="SURSIS_PROBATOIRE",
        months=24,
        today=today,
    )
    note_services.note_create(
        gated=gate(cpip, followed),
        data={
            "interview_date": today - timedelta(days=20),
            "subject": "Entretien de suivi",
            "body": "Recherche d'emploi en cours ; a déménagé récemment chez sa sœur.",
        },
        today=today,
    )
    entered = people_services.person_create(
        membership=secretariat,
        data=ENTERED_AGAIN,
        address={
            "line1": "3 allée des Tilleuls",
            "postcode": "80090",
            "city": "Amiens",
            "valid_from": today - timedelta(days=30),
        },
        today=today,
    )
    people_services.court_number_add(
        gated=gate(secretariat, entered), kind="parquet", number="25/0312/17"
    )
    _judgment(
        secretariat,
        entered,
        day=today - timedelta(days=45),
        court=court,
        code="SURSIS_PROBATOIRE",
        months=12,
        today=today,
    )
