"""A victim's details awaiting the CPIP: secretariat.demo records, for a person in sursis
probatoire followed by cpip.demo, a no-contact order whose victim it may not enter (need to
know). The obligation says so on the measures tab, and cpip.demo's échéancier shows
« Coordonnées de la victime à renseigner » until the CPIP fills them in. Uses no random draw:
the rest of the demo is unchanged."""

import random
from datetime import date

from probatio.access.roles import Role
from probatio.demo.gates import gate
from probatio.measures import services as measure_services
from probatio.measures.models import Measure

NO_CONTACT = "NE_PAS_CONTACTER"


def build_victim_awaiting_cpip(*, service, staff, rng: random.Random, fake, today: date) -> None:
    secretariat = staff[Role.SECRETARIAT][0]
    cpip = staff[Role.CPIP][0]
    measure = (
        Measure.objects.filter(
            person__service=service,
            person__assigned_cpip=cpip.user,
            measure_type_id="SURSIS_PROBATOIRE",
            status=Measure.Status.ACTIVE,
        )
        .exclude(obligations__obligation_type_id=NO_CONTACT)
        .select_related("decision", "person")
        .order_by("pk")
        .first()
    )
    if measure is None:
        return
    measure_services.obligation_create(
        gated=gate(secretariat, measure.person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code=NO_CONTACT,
        data={
            "start_date": max(measure.start_date, measure.decision.date),
            "status": "active",
            "details": "Interdiction prononcée par le tribunal ; l'identité de la victime est "
            "au jugement, transmis au SPIP.",
        },
    )
