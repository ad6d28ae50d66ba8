"""Staff of a service as its managers keep them: who a manager may appoint, whose identity
they may edit, and staff absences. Pure functions over plain values (no database, no clock:
``today`` is an argument)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

# The roles a manager grants in their service (every role of a SPIP's staff, not a judge's):
# the access policy's rule, named here for the staff pages.
from probatio.access.policy import MANAGER_GRANTS, kept_by_platform, may_grant

__all__ = ["MANAGER_GRANTS", "may_grant"]

# An absence that runs at least this many more days (today included) makes the allocation
# stop suggesting the CPIP (caseloads.rules.suggest): a file given now would wait for them.
# A day of training or a long weekend does not.
LONG_ABSENCE_DAYS = 7


def grant_refusal(role: str) -> str:
    """The French refusal of a role a manager may not grant ("" when they may)."""
    if may_grant(role):
        return ""
    if kept_by_platform(role):
        return (
            "Un compte de juge de l'application des peines est créé par l'administration de la "
            "plateforme, avec sa juridiction : l'encadrement ne peut pas attribuer ce rôle."
        )
    return "Rôle inconnu : choisissez un rôle dans la liste."


def identity_editable(service_id: int, membership_service_ids: Iterable[int]) -> bool:
    """A manager edits an account's identity (names, e-mail) only when every membership of the
    account is in their service: an account shared with another service is that service's
    too, and its identity is kept by the platform administration."""
    return set(membership_service_ids) <= {service_id}


def keeps_a_manager(active_managers: Iterable[int], leaving: int) -> bool:
    """Whether the service still has an active manager once membership ``leaving`` stops
    being one (deactivated, or given another role)."""
    return any(pk != leaving for pk in active_managers)


@dataclass(frozen=True)
class Away:
    """An absence as the rules see it (both days included)."""

    start: date
    end: date
    kind: str = ""
    label: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def absence_on(day: date, absences: Iterable[Away]) -> Away | None:
    for away in absences:
        if away.covers(day):
            return away
    return None


def absent_until(today: date, absences: Iterable[Away]) -> date | None:
    """The last day of the absence running ``today``, following absences that continue it
    without a day between (leave then training); None when present today."""
    ordered = sorted(absences, key=lambda a: a.start)
    current = absence_on(today, ordered)
    if current is None:
        return None
    end = current.end
    for away in ordered:
        if away.start <= end + timedelta(days=1) and away.end > end:
            end = away.end
    return end


def is_long_absence(until: date | None, today: date) -> bool:
    """Absent today and for at least ``LONG_ABSENCE_DAYS`` days counting today."""
    return until is not None and (until - today).days + 1 >= LONG_ABSENCE_DAYS


def absent_message(name: str, away: Away, day: date) -> str:
    """The French refusal of an appointment with a staff member absent that day."""
    what = away.label.lower() if away.label else "absence"
    return (
        f"{name} est absent·e le {day:%d/%m/%Y} ({what}, du {away.start:%d/%m/%Y} au "
        f"{away.end:%d/%m/%Y}) : choisissez un autre jour ou un·e autre professionnel·le."
    )
