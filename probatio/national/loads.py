"""What each file of a service just written weighs in its CPIP's caseload
(``assessments.FileLoad``), as the signals of the measures, committals and levels would have
kept it had the rows been written one by one: computed by ``assessments.loads`` itself, batch
after batch, inside the service's transaction, for the files that have any such fact (the
others have no row, as a file with none)."""

from django.db.models import Exists, OuterRef, Q

from probatio.assessments.loads import refresh_loads
from probatio.assessments.models import IntensityDecision
from probatio.measures.models import Measure
from probatio.people.models import CustodyRecord, Person

BATCH = 2000


def fill(service_id: int) -> int:
    """The facts of the service's files that have an open measure, an open committal or a
    level applied; the number of files written."""
    weighing = Person.objects.filter(service_id=service_id).filter(
        Q(
            Exists(
                Measure.objects.filter(person_id=OuterRef("pk"), status__in=Measure.OPEN_STATUSES)
            )
        )
        | Q(
            Exists(
                CustodyRecord.objects.filter(person_id=OuterRef("pk"), release_date__isnull=True)
            )
        )
        | Q(
            Exists(
                IntensityDecision.objects.filter(
                    person_id=OuterRef("pk"), status=IntensityDecision.Status.APPLIED
                )
            )
        )
    )
    ids = list(weighing.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        refresh_loads(ids[start : start + BATCH])
    return len(ids)
