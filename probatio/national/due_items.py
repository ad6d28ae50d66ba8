"""The échéancier's stored items of a service just written (docs/deadlines.md, « Stored
items »): computed by the providers, as the nightly job would, inside the service's
transaction, so that a service written is a service whose first échéancier page is fast.

Only the files that may fall due (``refresh.may_fall_due``, the rule the nightly job uses:
an open measure or custody, an appointment to come, a report under way) are computed; the
closed files, ten for each file followed, get the state the nightly job gives a file with
nothing that could fall due (``DORMANT``), as it would have after computing them, without
running the providers for them."""

from datetime import date

from django.db.models import Exists, OuterRef

from probatio.deadlines.models import DueItemsState
from probatio.deadlines.services import refresh
from probatio.people.models import Person


def fill(service_id: int, today: date) -> int:
    """Every person of the service not yet computed: the files that may fall due computed
    batch after batch, the others marked dormant; and the service's own items. The number of
    rows written."""
    written = refresh.refresh_service_level(service_id, today)
    pending = Person.objects.filter(service_id=service_id).exclude(
        Exists(DueItemsState.objects.filter(person_id=OuterRef("pk"), computed_on__gte=today))
    )
    ids = list(
        pending.filter(refresh.may_fall_due(today)).order_by("pk").values_list("pk", flat=True)
    )
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
