"""The demo's support in prison, written through the services (journaled, in the chronology):

- an arrival interview for each person in prison, a few days after the committal, whose
  screening records the needs it calls for; committals of the last three weeks are left
  without one (the échéancier asks for it), and one person arrived three days ago in the
  first establishment, followed by the first CPIP (``cpip.demo``), is still to be seen;
- destitution: the persons screened without resources are assessed destitute and receive
  help through the year (cash, hygiene kits, clothing, stamps), some screened with low
  resources are assessed not destitute, so that the managers' figures per establishment show
  every column;
- family ties for most persons in prison and some in the community: relatives and close
  contacts, how the tie is kept, visit permits and family mediation.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef

from probatio.access.policy import Action, allows
from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.demo.gates import gate
from probatio.people import services as people_services
from probatio.people.models import CustodyRecord, Person
from probatio.reintegration import support
from probatio.reintegration.models import ArrivalInterview

# Committals more recent than this are still waiting for their arrival interview.
PENDING_DAYS = 21
FAMILY_SHARE_IN_PRISON = 0.7
FAMILY_SHARE_OUTSIDE = 0.15

SCREENING_WEIGHTS = {
    "destitution": {"no": 5, "at_risk": 2, "yes": 3},
    "literacy": {"no_difficulty": 6, "difficulties": 2, "cannot_read": 1},
    "addiction": {"none": 5, "declared_no_care": 3, "care_in_place": 2},
    "family_ties": {"maintained": 5, "weakened": 3, "broken": 1, "none_wished": 1},
    "identity_documents": {"valid": 5, "expired": 3, "none": 2},
}
OBSERVATIONS = [
    "Première incarcération, inquiet pour son logement et son emploi.",
    "Souhaite travailler en détention pour indemniser la partie civile.",
    "Demande à être inscrit au module de formation du bâtiment.",
    "Attend des nouvelles de sa compagne ; pas de parloir depuis l'écrou.",
    "",
]
AIDS = [
    ("cash", Decimal("20.00"), ""),
    ("hygiene", None, "Kit d'hygiène"),
    ("clothing", None, "Survêtement et sous-vêtements"),
    ("correspondence", Decimal("6.50"), "Timbres et enveloppes"),
    ("phone", Decimal("10.00"), ""),
    ("television", Decimal("9.00"), "Location du mois"),
]
RELATIVES = [
    ("partner", {"visits": "in_place", "phone_calls": "in_place", "mail": "in_place"}),
    ("child", {"visits": "wished", "phone_calls": "none", "mail": "in_place"}),
    ("parent", {"visits": "in_place", "phone_calls": "in_place", "mail": "none"}),
    ("sibling", {"visits": "none", "phone_calls": "wished", "mail": "none"}),
    ("grandparent", {"visits": "none", "phone_calls": "none", "mail": "in_place"}),
    ("friend", {"visits": "wished", "phone_calls": "in_place", "mail": "none"}),
]
STEPS = {
    "partner": [("visit_permit_requested", 5), ("visit_permit_granted", 20)],
    "child": [("family_mediation", 30), ("family_visit_unit", 60)],
    "parent": [("visit_permit_requested", 7), ("visit_permit_granted", 25)],
    "sibling": [("phone_authorised", 10)],
    "grandparent": [],
    "friend": [("visit_permit_requested", 12), ("visit_permit_refused", 40)],
}
STEP_COMMENTS = {
    "visit_permit_refused": "Refus du chef d'établissement (antécédents) ; recours possible.",
    "family_mediation": "Rencontre à la maison des familles, avec l'accord de la mère.",
    "family_visit_unit": "Demande transmise au greffe.",
}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _actor(person: Person, memberships: dict[int, Membership], manager: Membership):
    """Who records the support: the person's CPIP where the policy lets them, else a manager."""
    member = memberships.get(person.assigned_cpip_id)
    if member is not None and allows(member.role, Action.RECORD_REINTEGRATION):
        return member
    return manager


def build_support(*, service, staff, rng: random.Random, fake, today: date) -> None:
    memberships = {m.user_id: m for m in staff[Role.CPIP]}
    manager = staff[Role.MANAGER][0]
    _newcomer(service=service, staff=staff, rng=rng, fake=fake, today=today)
    custodies = list(
        CustodyRecord.objects.filter(person__service=service, release_date__isnull=True)
        .filter(~Exists(ArrivalInterview.objects.filter(custody_id=OuterRef("pk"))))
        .select_related("person")
        .order_by("pk")
    )
    destitute_shown = False
    for custody in custodies:
        person = custody.person
        actor = _actor(person, memberships, manager)
        if (today - custody.committal_date).days < PENDING_DAYS:
            continue  # still to be seen: the échéancier asks for the interview
        held_on = min(today, custody.committal_date + timedelta(days=rng.randint(1, 6)))
        answers = {domain: _pick(rng, w) for domain, w in SCREENING_WEIGHTS.items()}
        if not destitute_shown:
            # The first person seen is destitute: aids show in any demo, however small.
            answers["destitution"] = "yes"
            destitute_shown = True
        support.arrival_interview_record(
            gated=gate(actor, person),
            data={"held_on": held_on, "observations": rng.choice(OBSERVATIONS), **answers},
            today=today,
        )
        if answers["destitution"] in ("yes", "at_risk"):
            _destitution(actor, person, custody, answers["destitution"] == "yes", rng, today)
        if rng.random() < FAMILY_SHARE_IN_PRISON:
            _family(actor, person, rng, fake, since=held_on, today=today)
    outside = (
        Person.objects.filter(service=service)
        .filter(~Exists(CustodyRecord.objects.filter(person_id=OuterRef("pk"))))
        .order_by("pk")
    )
    for person in outside:
        if rng.random() < FAMILY_SHARE_OUTSIDE:
            actor = _actor(person, memberships, manager)
            _family(actor, person, rng, fake, since=today - timedelta(days=200), today=today)


def _newcomer(*, service, staff, rng, fake, today) -> None:
    """A person committed three days ago (on remand), followed by the first CPIP."""
    establishment = service.establishments.order_by("pk").first()
    if establishment is None:
        return
    secretariat = staff[Role.SECRETARIAT][0]
    cpip = staff[Role.CPIP][0]
    sex = rng.choice(["M", "F"])
    person = people_services.person_create(
        membership=secretariat,
        data={
            "surname": fake.last_name(),
            "first_names": fake.first_name_male() if sex == "M" else fake.first_name_female(),
            "sex": sex,
            "birth_date": fake.date_of_birth(minimum_age=19, maximum_age=45),
            "birth_place": fake.city(),
            "legal_status": Person.LegalStatus.PREVENU,
        },
        assigned_cpip=cpip.user,
        today=today,
    )
    people_services.custody_open(
        gated=gate(secretariat, person),
        establishment_id=establishment.pk,
        committal_number=f"{today:%Y}-9{rng.randint(1000, 9999)}",
        committal_date=today - timedelta(days=3),
        today=today,
    )


def _destitution(actor, person, custody, destitute: bool, rng, today: date) -> None:
    first = min(today, custody.committal_date + timedelta(days=rng.randint(7, 20)))
    support.destitution_assess(
        gated=gate(actor, person),
        data={
            "assessed_on": first,
            "is_destitute": destitute,
            "comment": "Ressources inférieures à 50 € le mois en cours et le mois précédent."
            if destitute
            else "Ressources faibles mais suffisantes (mandat familial mensuel).",
        },
        today=today,
    )
    if not destitute:
        return
    # Monthly help while destitute, the last twelve months at most.
    day = max(first, today - timedelta(days=330))
    while day <= today:
        kind, amount, item = AIDS[0] if rng.random() < 0.5 else rng.choice(AIDS)
        support.aid_grant(
            gated=gate(actor, person),
            data={"kind": kind, "amount": amount, "item": item, "granted_on": day},
            today=today,
        )
        day += timedelta(days=rng.randint(28, 45))


def _family(actor, person, rng, fake, *, since: date, today: date) -> None:
    for relationship, modes in rng.sample(RELATIVES, rng.randint(1, 3)):
        contact = support.family_contact_save(
            gated=gate(actor, person),
            data={
                "name": f"{fake.first_name()} "
                f"{person.surname if relationship != 'friend' else fake.last_name()}",
                "relationship": relationship,
                "phone": f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
                "city": fake.city(),
                "comment": "",
                **modes,
            },
        )
        for kind, after in STEPS[relationship]:
            on = since + timedelta(days=after)
            if on > today:
                break
            support.family_step_record(
                gated=gate(actor, person),
                data={
                    "kind": kind,
                    "contact": contact.pk,
                    "on": on,
                    "comment": STEP_COMMENTS.get(kind, ""),
                },
                today=today,
            )
