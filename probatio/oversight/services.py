"""Writes of the anomaly view: the service's thresholds, kept by its managers (journaled)."""

from datetime import time
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from probatio.access.policy import Action, allows
from probatio.audit import services as audit
from probatio.core.errors import field_errors
from probatio.oversight import rules
from probatio.oversight.models import OversightSettings


def _minute(value: Any) -> Any:
    """A time to the minute (the working hours are compared minute by minute)."""
    return value.replace(second=0, microsecond=0) if isinstance(value, time) else value


@transaction.atomic
def thresholds_update(*, membership, data: dict[str, Any]) -> OversightSettings:
    """Set the service's thresholds, all at once (``rules.FIELDS``): a refused value stores
    nothing. Journaled with the values before and after."""
    if not allows(membership.role, Action.MANAGE_SERVICE):
        raise PermissionDenied("Les seuils du contrôle des accès sont tenus par l'encadrement.")
    values = {name: _minute(data.get(name)) for name in rules.FIELDS}
    errors = rules.threshold_errors(values)
    if errors:
        raise field_errors(**errors)
    row = OversightSettings.objects.select_for_update().filter(pk=membership.service_id).first()
    created = row is None
    if created:
        row = OversightSettings(service_id=membership.service_id)  # the defaults until now
    before = audit.snapshot(row, list(rules.FIELDS))
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    changes = audit.diff(before, audit.snapshot(row, list(rules.FIELDS)))
    if changes or created:
        audit.record_by(
            membership,
            audit.Action.CREATE if created else audit.Action.UPDATE,
            row,
            person_id=None,
            summary="Seuils du contrôle des accès modifiés",
            changes=changes,
        )
    return row
