"""The échéancier's scope: whose items a membership sees."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.core.deadlines import DueItem, Query, collect
from probatio.people.models import Person
from probatio.people.selectors import person_list_for

SERVICE_WIDE = (Role.MANAGER, Role.SECRETARIAT)


def caseload_of(membership: Membership, user_id: int) -> QuerySet[Person]:
    """Persons followed by ``user_id`` (as CPIP or as another professional), in the service."""
    return person_list_for(membership).filter(
        Q(assigned_cpip_id=user_id)
        | Exists(
            Person.support_staff.through.objects.filter(person_id=OuterRef("pk"), user_id=user_id)
        )
    )


@dataclass
class Schedule:
    items: list[DueItem]
    staff_id: int | None


def schedule_for(
    membership: Membership,
    *,
    today: date,
    until: date,
    cpip_id: int | None = None,
    kinds: list[str] | None = None,
) -> Schedule:
    """A CPIP (or another professional): their caseload and their own appointments. Managers
    and the secretariat: the whole service, or one CPIP's share."""
    if membership.role in SERVICE_WIDE:
        staff_id = cpip_id
        persons = caseload_of(membership, cpip_id) if cpip_id else person_list_for(membership)
    else:
        staff_id = membership.user_id
        persons = caseload_of(membership, membership.user_id)
    query = Query(
        persons=persons,
        today=today,
        until=until,
        service_id=membership.service_id,
        staff_id=staff_id,
        service=membership.service,
    )
    return Schedule(items=collect(query, kinds), staff_id=staff_id)
