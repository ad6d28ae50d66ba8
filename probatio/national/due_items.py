"""The échéancier's stored items of a service just written (docs/deadlines.md, « Stored
items »): computed by the providers, as the nightly job would, inside the service's
transaction, so that a service written is a service whose first échéancier page is fast.

Only the files that can have something due are computed (an open measure or custody, an
appointment to come, a report under way); the closed files, ten for each file followed, get
the state the nightly job gives a file with nothing that could fall due (``DORMANT``), as it
would have after computing them, without running the providers for them."""

from datetime import date

from django.db.models import Exists, OuterRef, Q

from probatio.agenda import rules as agenda_rules
from probatio.agenda.models import Appointment
from probatio.deadlines.models import DueItemsState
from probatio.deadlines.services import refresh
from probatio.measures.models import Measure
from probatio.people.models import CustodyRecord, Person
from probatio.reports import rules as report_rules
from probatio.reports.models import Report


def may_fall_due(today: date) -> Q:
    """Persons with something that could be or fall due (``refresh._dormant``'s converse)."""
    start, _ = agenda_rules.day_bounds(today)
    person = OuterRef("pk")
    return (
        Q(Exists(Measure.objects.filter(person=person, status__in=refresh.OPEN_MEASURE_STATUSES)))
        | Q(Exists(CustodyRecord.objects.filter(person=person, release_date__isnull=True)))
        | Q(
            Exists(
                Appointment.objects.filter(
                    person=person, status=Appointment.Status.PLANNED, starts_at__gte=start
                )
            )
        )
        | Q(Exists(Report.objects.filter(person=person).exclude(status=report_rules.ANSWERED)))
    )


def fill(service_id: int, today: date) -> int:
    """Every person of the service not yet computed: the files that may fall due computed
    batch after batch, the others marked dormant; and the service's own items. The number of
    rows written."""
    written = refresh.refresh_service_level(service_id, today)
    pending = Person.objects.filter(service_id=service_id).exclude(
        Exists(DueItemsState.objects.filter(person_id=OuterRef("pk"), computed_on__gte=today))
    )
    ids = list(pending.filter(may_fall_due(today)).order_by("pk").values_list("pk", flat=True))
    written += refresh.refresh(ids, today)
    closed = pending.order_by("pk").values_list("pk", flat=True)  # those left: nothing due
    DueItemsState.objects.bulk_create(
        [
            DueItemsState(service_id=service_id, person_id=pk, computed_on=refresh.DORMANT)
            for pk in closed.iterator(chunk_size=5000)
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    return written
