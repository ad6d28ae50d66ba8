"""The échéancier's stored items of a service just written (docs/deadlines.md, « Stored
items »): computed by the providers, as the nightly job would, inside the service's
transaction, so that a service written is a service whose first échéancier page is fast."""

from datetime import date

from django.db.models import Exists, OuterRef

from probatio.deadlines.models import DueItemsState
from probatio.deadlines.services import refresh
from probatio.people.models import Person


def fill(service_id: int, today: date) -> int:
    """Every person of the service not yet computed for ``today``, batch after batch, and the
    service's own items. The number of rows written."""
    written = refresh.refresh_service_level(service_id, today)
    ids = list(
        Person.objects.filter(service_id=service_id)
        .exclude(Exists(DueItemsState.objects.filter(person_id=OuterRef("pk"), computed_on__gte=today)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return written + refresh.refresh(ids, today)
