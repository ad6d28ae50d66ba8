"""The allocation in the demonstration service (encadrement.demo, « Le service » → « À
attribuer », « La semaine », « Capacités »):

- Yanis MOREAU, sentenced to a sursis probatoire, entered by the secretariat and waiting for a
  CPIP, his first interview due in three days (the queue's first, marked urgent);
- the second community CPIP works part-time (80 %), the third has a union duty of 20 % and a
  training week coming: their capacity and workload say so.

The other files of the queue come from the demo's plans (pending measures left to allocate).
Uses no random draw: the rest of the demo is unchanged."""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from probatio.access.roles import Role
from probatio.caseloads import services as caseload_services
from probatio.demo.gates import court_name, gate
from probatio.measures import first_interview
from probatio.measures import services as measure_services
from probatio.organisation.models import Site
from probatio.people import services as people_services
from probatio.people.models import Person

URGENT = {
    "surname": "Moreau",
    "first_names": "Yanis",
    "sex": "M",
    "birth_date": date(1998, 11, 23),
    "birth_place": "Beauvais",
    "phone": "06 71 42 58 09",
}
URGENT_IN_DAYS = 3
MEASURE = "SURSIS_PROBATOIRE"


def _start_for_deadline(service, today: date) -> tuple[date, date]:
    """The judgment and start dates that put the first interview three days from today, by the
    same rule as the échéancier (``measures.first_interview``)."""
    for days_ago in range(1, 200):
        start = today - timedelta(days=days_ago)
        judgment = start - timedelta(days=10)
        deadline = first_interview.first_interview_deadline(
            MEASURE,
            decision_date=judgment,
            start_date=start,
            release_date=None,
            default_days=service.first_interview_default_days,
            alsace_moselle=service.alsace_moselle,
        )
        if deadline is not None and deadline.due == today + timedelta(days=URGENT_IN_DAYS):
            return judgment, start
    raise RuntimeError("Aucune date de jugement ne donne un premier entretien dans 3 jours.")


def build_allocation(*, service, staff, rng: random.Random, fake, today: date) -> None:
    """A file waiting in the queue, a part-time CPIP and one with reductions."""
    secretariat = staff[Role.SECRETARIAT][0]
    manager = staff[Role.MANAGER][0]
    judgment, start = _start_for_deadline(service, today)
    person = people_services.person_create(
        membership=secretariat,
        data=URGENT,
        address={
            "line1": "22 rue Jean Jaurès",
            "postcode": "80100",
            "city": "Abbeville",
            "valid_from": today - timedelta(days=60),
        },
        today=today,
    )
    decision = measure_services.decision_create(
        gated=gate(secretariat, person),
        data={
            "kind": "judgment",
            "jurisdiction": court_name(service),
            "date": judgment,
            "enforceable_date": start,
            "recidivism": "none",
        },
        offences=[
            {
                "label": "Conduite d'un véhicule sous l'empire d'un état alcoolique",
                "qualification": "delit",
            }
        ],
        today=today,
    )
    measure_services.measure_create(
        gated=gate(secretariat, person),
        decision=decision,
        measure_type_code=MEASURE,
        data={"start_date": start, "duration_months": 18},
        today=today,
    )
    # The judgment reached the service the day it became enforceable.
    arrived = timezone.make_aware(datetime.combine(start, time(9, 30)))
    Person.objects.filter(pk=person.pk).update(awaiting_since=arrived, created_at=arrived)
    community = [m for m in staff[Role.CPIP] if not _in_prison(m.site)]
    if len(community) >= 3:
        caseload_services.working_time_set(
            membership=manager, target_id=community[1].pk, working_time=80
        )
        caseload_services.capacity_reduction_add(
            membership=manager,
            target_id=community[2].pk,
            reason="union",
            share=20,
            start_date=today - timedelta(days=90),
            end_date=None,
            comment="Décharge syndicale (mandat départemental)",
        )
        caseload_services.capacity_reduction_add(
            membership=manager,
            target_id=community[2].pk,
            reason="training",
            share=100,
            start_date=today + timedelta(days=14),
            end_date=today + timedelta(days=18),
            comment="Formation « Entretien motivationnel » (ENAP)",
        )


def _in_prison(site) -> bool:
    return site is not None and site.kind == Site.Kind.PRISON
