"""The antenne a manager's tables of CPIPs show (service view, week and its overdue counts,
capacities): chosen in the page's address (« antenne »), by default ``rules.default_team``."""

from dataclasses import dataclass, field
from datetime import date

from probatio.caseloads import rules, selectors
from probatio.caseloads.forms import TeamForm


@dataclass
class TeamLoads:
    form: TeamForm
    team: str  # ``rules.team_key`` or ``rules.ALL_SITES``
    name: str  # the antenne's name, "" for the whole service
    members: list  # the antenne's CPIPs (memberships, with their user and site)
    cpips: list  # every active CPIP of the service (users)
    loads: list = field(default_factory=list)  # the antenne's CPIPs with their loads
    unassigned: int = 0  # the service's files waiting for a CPIP

    @property
    def narrowed(self) -> bool:
        """The tables show one antenne though the address asked for none."""
        return self.team != rules.ALL_SITES and not self.form.is_bound

    @property
    def cpip_ids(self) -> list[int] | None:
        """The antenne's CPIPs, whose files and items alone the pages read (None: every
        CPIP of the service)."""
        return None if self.team == rules.ALL_SITES else [m.user_id for m in self.members]

    @property
    def query(self) -> str:
        """The antenne in a link's address, when the address named one."""
        return f"antenne={self.team}" if self.form.is_bound else ""


def team_of(request, membership, *, today: date, with_reductions: bool = False) -> TeamLoads:
    """The antenne asked for (or the default) and its CPIPs, without their loads (one query;
    ``with_reductions``: one more)."""
    staff = selectors.service_staff(
        membership.service_id, today=today, with_reductions=with_reductions
    )
    teams = selectors.teams_of(staff)
    default = rules.default_team(len(staff), membership.site_id, [t.key for t in teams])
    form = TeamForm(request.GET, teams=teams, default=default)
    team = form.team()
    return TeamLoads(
        form=form,
        team=team,
        name=next((t.name for t in teams if t.key == team), ""),
        members=selectors.of_team(staff, team),
        cpips=[m.user for m in staff],
    )


def team_loads(request, membership, *, today: date, with_reductions: bool = False) -> TeamLoads:
    """``team_of`` with the loads of the antenne's CPIPs and the service's queue (one query
    more, and the cached scale)."""
    chosen = team_of(request, membership, today=today, with_reductions=with_reductions)
    chosen.loads, chosen.unassigned = selectors.loads_of(
        chosen.members,
        membership.service_id,
        today=today,
        narrowed=chosen.cpip_ids is not None,
    )
    return chosen
