"""How big a national database is, as plain numbers (no database): the figures of
docs/performance.md (about 100 services, 300,000 persons followed at once, 3 million closed files
within retention, 30 million timeline and journal entries, one service of 12,000 persons), scaled
by a factor for smaller runs."""

import math
from dataclasses import dataclass

SERVICES = 100
ACTIVE_PERSONS = 300_000
LARGEST_SERVICE = 12_000
CLOSED_PER_ACTIVE = 10
# Per file: lines of the timeline and of the journal (30 million in all at scale 1).
EVENTS_PER_ACTIVE = 30
EVENTS_PER_CLOSED = 2
PERSONS_PER_CPIP = 65
PRISON_SHARE = 0.27  # about 81,000 of 300,000 persons followed are held


class PlanError(ValueError):
    pass


@dataclass(frozen=True)
class ServicePlan:
    number: int  # 1 … services
    active: int
    closed: int

    @property
    def cpips(self) -> int:
        return max(2, math.ceil(self.active / PERSONS_PER_CPIP))

    @property
    def staff(self) -> dict[str, int]:
        """Members per role: CPIPs for the caseloads, the other roles in the proportions of
        a service (about 7,000 staff nationwide)."""
        return {
            "cpip": self.cpips,
            "manager": 2 + self.active // 1500,
            "secretariat": 2 + self.active // 800,
            "monitoring": 1 + self.active // 2000,
            "psychologist": 1 + self.active // 4000,
            "social_worker": 1 + self.active // 4000,
            "judge": 2 + self.active // 3000,
        }

    @property
    def community_sites(self) -> int:
        return 1 + self.active // 2500

    @property
    def establishments(self) -> int:
        return 1 + self.active // 3000


@dataclass(frozen=True)
class Plan:
    scale: float
    services: tuple[ServicePlan, ...]

    @property
    def active(self) -> int:
        return sum(service.active for service in self.services)

    @property
    def closed(self) -> int:
        return sum(service.closed for service in self.services)

    @property
    def events(self) -> int:
        """Timeline and journal lines together."""
        return 2 * (self.active * EVENTS_PER_ACTIVE + self.closed * EVENTS_PER_CLOSED)

    @property
    def staff(self) -> int:
        return sum(sum(service.staff.values()) for service in self.services)


def plan_for(scale: float) -> Plan:
    """The national plan at ``scale`` (1 = the whole country). The first service is the
    largest (12,000 persons at scale 1); the others share the rest, unevenly (from half to
    one and a half of the mean), as départements do."""
    if not scale or scale <= 0:
        raise PlanError("L'échelle doit être strictement positive (1 = volumétrie nationale).")
    if scale > 2:
        raise PlanError("L'échelle ne peut pas dépasser 2.")
    services = max(2, round(SERVICES * min(1.0, scale * 10)))
    active = max(services * 20, round(ACTIVE_PERSONS * scale))
    largest = max(PERSONS_PER_CPIP, round(LARGEST_SERVICE * scale))
    others = services - 1
    rest = max(others * 10, active - largest)
    # Uneven shares that add up: weights 0.5 … 1.5 across the other services.
    weights = [0.5 + (index / max(1, others - 1)) for index in range(others)]
    total = sum(weights)
    sizes = [max(10, math.floor(rest * weight / total)) for weight in weights]
    sizes[-1] += rest - sum(sizes)
    plans = [ServicePlan(1, largest, largest * CLOSED_PER_ACTIVE)]
    plans += [
        ServicePlan(number, size, size * CLOSED_PER_ACTIVE)
        for number, size in enumerate(sizes, start=2)
    ]
    return Plan(scale=scale, services=tuple(plans))


# The départements in their official order: 01–19, Corsica's two, 21–95, then overseas.
DEPARTMENTS = (
    [f"{n:02d}" for n in range(1, 20)]
    + ["2A", "2B"]
    + [f"{n:02d}" for n in range(21, 96)]
    + ["971", "972", "973", "974", "976"]
)


def department_code(number: int) -> str:
    """The département of the national service ``number`` (1 … 101): each its own."""
    if not 1 <= number <= len(DEPARTMENTS):
        raise PlanError(f"Il n'y a que {len(DEPARTMENTS)} départements.")
    return DEPARTMENTS[number - 1]


def statistics_are_due(written: int, analyzed_at: int) -> bool:
    """Whether a process of the generator refreshes the planner's statistics after a service:
    once it has written as many rows again as at its last refresh (after its first service,
    then each time its rows double). The échéancier's providers, run for each service, choose
    their plans from these statistics; without them (autovacuum off, or far behind the
    ``COPY``) PostgreSQL assumes small tables and a service took three times as long."""
    return written > 0 and written >= 2 * analyzed_at
