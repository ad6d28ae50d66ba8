"""How many staff a demo service has, from the number of persons it follows (no database).

A CPIP follows about ``PERSONS_PER_CPIP`` persons; a service keeps at least the ten CPIPs of
the default demo (600 persons), so that the default demo stays as it was. The other roles grow
in the proportions of that default service: two managers, two secretaries, two members of the
electronic monitoring team, a psychologist, a social worker and two judges for ten CPIPs.

Each member is placed on an antenne of the service: ``"a"`` and ``"b"`` (the two community
offices), ``"prison"`` (the team inside the first establishment), ``None`` for judges. The
default service's members come first, in the same order; the members added for a larger
service repeat that pattern, so that each antenne keeps its share.
"""

import math

from probatio.access.roles import Role

PERSONS_PER_CPIP = 65

# The default demo service (600 persons): role -> antenne of each member.
BASE_STAFF: dict[Role, tuple[str | None, ...]] = {
    Role.CPIP: ("a", "a", "a", "a", "a", "b", "b", "b", "prison", "prison"),
    Role.MANAGER: ("a", "b"),
    Role.SECRETARIAT: ("a", "b"),
    Role.PSYCHOLOGIST: ("a",),
    Role.SOCIAL_WORKER: ("prison",),
    Role.MONITORING: ("a", "a"),
    Role.JUDGE: (None, None),
}
BASE_CPIPS = len(BASE_STAFF[Role.CPIP])

# Share of the persons whose assigning judge is the first judge (``juge.demo`` in the
# demonstration service) when the service has two judges; with more judges, the first keeps
# a share of two judges' worth, the others share the rest evenly.
JUDGE_DEMO_SHARE = 0.7


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


def cpips_for(persons: int) -> int:
    """The CPIPs of a service of ``persons`` persons: about 65 each, ten at least."""
    return max(BASE_CPIPS, _half_up(persons / PERSONS_PER_CPIP))


def staff_plan(persons: int) -> dict[Role, list[str | None]]:
    """Role -> antenne of each member, for a service of ``persons`` persons."""
    cpips = cpips_for(persons)
    plan = {}
    for role, sites in BASE_STAFF.items():
        wanted = cpips if role == Role.CPIP else _half_up(len(sites) * cpips / BASE_CPIPS)
        count = max(len(sites), wanted)
        plan[role] = [sites[position % len(sites)] for position in range(count)]
    return plan


def first_cpip_share(persons: int, cpips: int) -> int:
    """How many files the first CPIP (``cpip.demo``) is given: a tenth in the default
    service, one CPIP's share in a larger one."""
    return max(1, round(persons / max(BASE_CPIPS, cpips)))


def judge_index(draw: float, judges: int) -> int:
    """The assigning judge of a person, from a draw in [0, 1): the first judge for
    ``JUDGE_DEMO_SHARE`` of the persons with two judges (the others to the second); with more
    judges, the first keeps two judges' worth of that share, the rest spread evenly."""
    if judges <= 1:
        return 0
    first = min(1.0, JUDGE_DEMO_SHARE * 2 / judges)
    if draw < first:
        return 0
    others = judges - 1
    return 1 + min(others - 1, int((draw - first) / (1 - first) * others))
