"""The header menu, from the policy: an entry is shown exactly when its page admits the user
(the page's gate asks the same action). Pure: entries name their URL, the caller reverses it.

The landing page after sign-in is also decided here (``landing_for``)."""

from dataclasses import dataclass

from probatio.access.policy import Action, Scope, allows, scope_for
from probatio.access.roles import Role


@dataclass(frozen=True)
class Entry:
    key: str  # the ``nav`` value a page sets to mark its entry as current
    url_name: str
    action: Action
    label: str
    # A different label where the role's scope of the action is this one.
    scoped_labels: tuple[tuple[Scope, str], ...] = ()

    def label_for(self, role: str) -> str:
        scope = scope_for(role, self.action)
        return dict(self.scoped_labels).get(scope, self.label)


ENTRIES: tuple[Entry, ...] = (
    Entry(
        "caseload",
        "caseloads:mine",
        Action.OPEN_CASELOAD,
        "Mon portefeuille",
        ((Scope.JUDGE_FILES, "Mes dossiers"),),
    ),
    Entry("agenda", "agenda:home", Action.OPEN_AGENDA, "Agenda"),
    Entry("schedule", "deadlines:schedule", Action.OPEN_SCHEDULE, "Échéancier"),
    Entry("search", "caseloads:search", Action.LIST_PERSONS, "Rechercher une personne"),
    Entry("reports", "reports:list", Action.LIST_REPORTS, "Rapports"),
    Entry("partners", "partners:list", Action.READ_PARTNERS, "Partenaires"),
    Entry("tig", "community_work:index", Action.LIST_COMMUNITY_WORK, "TIG"),
    Entry("programmes", "programmes:catalogue", Action.LIST_PROGRAMMES, "Programmes"),
    Entry(
        "detention",
        "detention:index",
        Action.READ_CAP,
        "Détention et CAP",
        ((Scope.CHAIRED, "Séances de CAP"),),
    ),
    Entry("service", "caseloads:service", Action.ALLOCATE_CASELOADS, "Service"),
    Entry("figures", "figures:index", Action.READ_ACTIVITY_FIGURES, "Chiffres"),
    Entry("oversight", "oversight:anomalies", Action.READ_ANOMALIES, "Contrôle des accès"),
    Entry("settings", "organisation:settings", Action.MANAGE_SERVICE, "Paramètres"),
    Entry("create", "people:create", Action.CREATE_PERSON, "Nouvelle personne"),
)
BY_KEY = {entry.key: entry for entry in ENTRIES}

# Where each role starts: the page of its daily work, else its first entry.
LANDING = {
    Role.MANAGER: "service",
    Role.JUDGE: "reports",
    Role.SECRETARIAT: "search",
    Role.MONITORING: "search",
}


def menu_for(role: str) -> list[tuple[Entry, str]]:
    """The entries ``role`` may open, in order, each with its label for that role."""
    return [(entry, entry.label_for(role)) for entry in ENTRIES if allows(role, entry.action)]


def landing_for(role: str) -> Entry:
    entries = [entry for entry, _ in menu_for(role)]
    wanted = BY_KEY.get(LANDING.get(Role(role), "caseload"))
    return wanted if wanted in entries else entries[0]


# The pages a file is opened from: a file's « back » link returns to the last of them the
# user saw (with its query: the search results, the service view filtered by CPIP…).
ORIGINS = ("caseload", "agenda", "schedule", "search", "reports", "tig", "detention", "service")
BY_URL_NAME = {entry.url_name: entry for entry in ENTRIES if entry.key in ORIGINS}
SEARCH_RESULTS = "Résultats de la recherche"


def origin_for(url_name: str) -> Entry | None:
    """The entry of a page files are opened from (``"caseloads:search"``), else None."""
    return BY_URL_NAME.get(url_name)


def back_for(role: str, origin: str | None = None, *, searched: bool = False) -> tuple[Entry, str]:
    """Where a file's « back » link leads, with its label for that role: the page the user
    came from (``origin``: the key of an entry of ``ORIGINS``, when the role still opens it;
    ``searched``: it showed the results of a query), else the role's own files (« Mon
    portefeuille », « Mes dossiers »), else its landing page — never a page the role may not
    open."""
    allowed = {entry.key: label for entry, label in menu_for(role)}
    if origin in ORIGINS and origin in allowed:
        label = SEARCH_RESULTS if origin == "search" and searched else allowed[origin]
        return BY_KEY[origin], label
    if "caseload" in allowed:
        return BY_KEY["caseload"], allowed["caseload"]
    landing = landing_for(role)
    return landing, landing.label_for(role)
