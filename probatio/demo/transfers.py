"""A transfer waiting for the demonstration service: from the second demo service when it is
built, otherwise from a small neighbouring service built for it.

The demonstration service (the first département, where ``encadrement.demo`` works) finds an
incoming request in its « Transferts » page (``/transferts/``), its allocation queue and its
échéancier, proposed three days ago by a manager of the sending service, for a new residence
in the département; accepting it puts the file in the queue. Everything is written through
the services (persons, their decision and measure, the request); no random draw, so the rest
of the demo is unchanged and the same day gives the same data."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from probatio.access.policy import Action
from probatio.access.roles import Role
from probatio.accounts.models import Membership, User
from probatio.demo import vocabulary as voc
from probatio.measures import services as measure_services
from probatio.organisation import services as organisation_services
from probatio.organisation.models import Service
from probatio.people import services as people_services
from probatio.people.selectors import person_get_for
from probatio.transfers import services as transfer_services
from probatio.transfers.models import Transfer

# The neighbouring service of the default demo (one service): no département of
# ``vocabulary.DEPARTMENTS`` (so that ``--services 2`` and more never meet it), no demo login.
NEIGHBOUR = {
    "name": "SPIP voisin (démonstration)",
    "department_code": "800",
    "address": "2 rue du Marché\n60000 Beauvais",
    "phone": "03 44 00 00 00",
}
NEIGHBOUR_MANAGER = ("encadrement.voisin", "Régine", "Vasseur")
# A handful of persons of the neighbouring service; the first one's file is proposed.
NEIGHBOUR_PERSONS = [
    {"surname": "Delmotte", "first_names": "Kevin", "sex": "M", "birth_date": date(1994, 2, 11),
     "birth_place": "Beauvais"},
    {"surname": "Carpentier", "first_names": "Laura", "sex": "F", "birth_date": date(1988, 9, 3),
     "birth_place": "Creil"},
    {"surname": "Lemaire", "first_names": "Yannick", "sex": "M", "birth_date": date(1979, 12, 21),
     "birth_place": "Compiègne"},
    {"surname": "Boulanger", "first_names": "Inès", "sex": "F", "birth_date": date(2000, 6, 30),
     "birth_place": "Senlis"},
]  # fmt: skip
COMMENT = (
    "La personne a déménagé dans votre département (hébergée chez sa sœur). Sursis probatoire "
    "en cours ; prochain rendez-vous non encore fixé."
)
PROPOSED_DAYS_AGO = 3


def build_incoming_transfer(*, today: date, log: Callable[[str], None]) -> None:
    """An incoming transfer request waiting for the demonstration service's managers."""
    demo = Service.objects.filter(department_code=voc.DEPARTMENTS[0].code).first()
    if demo is None:
        return
    second = Service.objects.filter(department_code=voc.DEPARTMENTS[1].code).first()
    if second is not None:
        if Transfer.objects.filter(from_service=second, to_service=demo).exists():
            return
        sender, manager = second, _manager_of(second)
        person = _person_to_send(second)
    else:
        if Transfer.objects.filter(to_service=demo, status=Transfer.Status.PENDING).exists():
            return
        sender, manager, person = _neighbour(today)
    if manager is None or person is None:
        return
    proposed = timezone.make_aware(
        datetime.combine(today - timedelta(days=PROPOSED_DAYS_AGO), time(11, 15))
    )
    transfer = transfer_services.transfer_propose(
        gated=person_get_for(manager, person.pk, action=Action.TRANSFER_FILE),
        to_service=demo,
        reason=Transfer.Reason.RESIDENCE,
        comment=COMMENT,
        now=min(proposed, timezone.now()),
    )
    log(f"Transfert entrant : « {sender} » propose à « {demo} » le dossier de {transfer.person}.")


def _manager_of(service: Service) -> Membership | None:
    return (
        Membership.objects.filter(service=service, role=Role.MANAGER, is_active=True)
        .select_related("user", "service")
        .order_by("pk")
        .first()
    )


def _person_to_send(service: Service):
    """The first file (by id) of the second service with an open measure, in the community,
    not already proposed elsewhere."""
    from probatio.people.models import Person

    return (
        Person.objects.filter(service=service, measures__status="active")
        .exclude(custody_records__release_date__isnull=True, custody_records__isnull=False)
        .exclude(transfers__status=Transfer.Status.PENDING)
        .order_by("pk")
        .first()
    )


def _neighbour(today: date):
    """The neighbouring service, its manager (no login: an unusable password) and its
    persons, written through the services; the file to propose."""
    service = Service.objects.filter(department_code=NEIGHBOUR["department_code"]).first()
    if service is not None:  # built before, its request answered since: leave it
        return service, None, None
    service = organisation_services.service_create(is_sandbox=True, **NEIGHBOUR)
    username, first_name, surname = NEIGHBOUR_MANAGER
    user = User.objects.create(
        username=username,
        first_name=first_name,
        last_name=surname,
        email=f"{username}@demo.probatio.localhost",
        password=make_password(None),
    )
    manager = Membership.objects.create(user=user, service=service, role=Role.MANAGER)
    persons = [
        people_services.person_create(membership=manager, data=dict(identity), today=today)
        for identity in NEIGHBOUR_PERSONS
    ]
    sent = persons[0]
    gated = person_get_for(manager, sent.pk, action=Action.CREATE_RECORD)
    judged = today - timedelta(days=200)
    decision = measure_services.decision_create(
        gated=gated,
        data={
            "kind": "judgment",
            "jurisdiction": "Tribunal judiciaire de Beauvais",
            "date": judged,
            "enforceable_date": judged + timedelta(days=10),
            "recidivism": "none",
        },
        offences=[{"label": "Vol simple", "qualification": "delit", "natinf": "7875"}],
        today=today,
    )
    measure_services.measure_create(
        gated=gated,
        decision=decision,
        measure_type_code="SURSIS_PROBATOIRE",
        data={"start_date": judged + timedelta(days=10), "duration_months": 24},
        today=today,
    )
    return service, manager, sent
