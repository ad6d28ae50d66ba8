"""The access policy, as a table of scopes per role and action, and pure functions over it.

Scopes (see docs/access.md):
- ``SERVICE``: any person followed by the user's current service;
- ``CASELOAD``: persons assigned to the user (as CPIP or as another professional);
- ``JUDGE_FILES``: persons with a measure whose assigning judge is the user;
- ``OWN``: the user's own agenda (appointments where the user is one of the staff);
- ``OWN_OR_CASELOAD``: either of the two;
- ``CHAIRED``: the CAP sessions the user chairs (a judge);
- ``FACILITATED``: the group at hand is one the user facilitates (a programme's group);
- ``CASELOAD_OR_FACILITATED``: either the caseload or the group at hand;
- no entry: refused.

The functions take plain facts, never the database, so that the whole matrix is tested
without one; the gates in ``selectors.py`` gather the facts and raise 404 / 403.
"""

from dataclasses import dataclass
from enum import Enum, StrEnum

from probatio.access.roles import NOTE_RESTRICTABLE_ROLES, SYSTEM, Role


class Scope(StrEnum):
    SERVICE = "service"
    CASELOAD = "caseload"
    JUDGE_FILES = "judge_files"
    OWN = "own"
    OWN_OR_CASELOAD = "own_or_caseload"
    CHAIRED = "chaired"
    FACILITATED = "facilitated"
    CASELOAD_OR_FACILITATED = "caseload_or_facilitated"


class Action(StrEnum):
    LIST_PERSONS = "list_persons"
    READ_FILE = "read_file"
    CREATE_PERSON = "create_person"
    CREATE_RECORD = "create_record"  # decision, measure, obligation of an existing person
    EDIT_IDENTITY = "edit_identity"
    READ_NOTES = "read_notes"
    WRITE_NOTE = "write_note"
    READ_VICTIM = "read_victim"
    ASSIGN_CPIP = "assign_cpip"
    READ_ACCESS_LOG = "read_access_log"
    MANAGE_SERVICE = "manage_service"
    BOOK_APPOINTMENT = "book_appointment"
    RECORD_OUTCOME = "record_outcome"
    REGISTER_PROOF = "register_proof"
    REVIEW_PROOF = "review_proof"
    RECORD_INCIDENT = "record_incident"
    DRAFT_REPORT = "draft_report"
    READ_REPORTS = "read_reports"
    VISA_REPORT = "visa_report"
    RECORD_ANSWER = "record_answer"
    FOLLOW_UP_ANSWER = "follow_up_answer"
    READ_CAP = "read_cap"  # the CAP lists of the service's establishments
    PREPARE_CAP = "prepare_cap"  # schedule CAP sessions
    IMPORT_OFFICIAL_DATES = "import_official_dates"  # the registry's CSV of official dates
    READ_PARTNERS = "read_partners"  # the service's partner directory
    # Manage the directory: managers, and staff a manager authorised (PartnerEditor, checked
    # by the reintegration gate on top of this table).
    MANAGE_PARTNERS = "manage_partners"
    RECORD_REINTEGRATION = "record_reintegration"  # needs, referrals and their outcomes
    # The service's figures (destitution help per establishment, hosts of community work…).
    READ_SERVICE_FIGURES = "read_service_figures"
    # Community work (TIG): the order, placing the person, ending a placement.
    MANAGE_COMMUNITY_WORK = "manage_community_work"
    # The hours of community work (sessions signed by the supervisor, absences, incidents).
    RECORD_WORK_HOURS = "record_work_hours"
    # Pages of the menu (``access.menu``): a page admits exactly the roles its action allows,
    # and the menu shows its entry to them only.
    OPEN_CASELOAD = "open_caseload"  # « Mon portefeuille » (« Mes dossiers » for a judge)
    OPEN_AGENDA = "open_agenda"
    OPEN_SCHEDULE = "open_schedule"  # the échéancier
    LIST_REPORTS = "list_reports"
    LIST_COMMUNITY_WORK = "list_community_work"  # the TIG follow-up page and its imports
    ALLOCATE_CASELOADS = "allocate_caseloads"  # the service view: allocation and workload
    # Transfers between services (dessaisissement): propose or withdraw one (the sending
    # service), accept or refuse one coming in (the receiving service).
    TRANSFER_FILE = "transfer_file"
    ANSWER_TRANSFER = "answer_transfer"
    MERGE_FILES = "merge_files"  # two files of the same person become one
    # Non-interactive work, done by the system actor of a service (never by a person's role):
    SEND_MESSAGES = "send_messages"  # reminders and notices, by the worker or the safety net
    RECOMPUTE_DATES = "recompute_dates"  # the nightly recomputation of sentence dates
    RECORD_SMS_STOP = "record_sms_stop"  # a person's STOP reply turns SMS reminders off
    # A transfer left unanswered past the platform's delay is accepted for the receiving
    # service; its reminders go before.
    ACCEPT_TRANSFERS = "accept_transfers"
    # The activity figures (access.md « activity figures »): a CPIP's own caseload, the
    # manager's whole service.
    READ_ACTIVITY_FIGURES = "read_activity_figures"
    # A list or a table as a CSV or XLSX file (access.md « export a list or a table »): what the
    # list shows the user, no more; each list's own gate still applies.
    EXPORT_LIST = "export_list"
    # The nightly job that stores the figures of closed periods (system actor).
    STORE_FIGURES = "store_figures"
    REFRESH_DUE_ITEMS = "refresh_due_items"  # the nightly rebuild of the échéancier's items
    # Structured assessments and the follow-up intensity (access.md, docs/assessments.md).
    READ_ASSESSMENTS = "read_assessments"  # the assessments of a file (not their psy section)
    READ_INTENSITY = "read_intensity"  # the level in force (monitoring: nothing more)
    WRITE_ASSESSMENT = "write_assessment"  # a new assessment, and choosing the level
    WRITE_PSYCHOLOGIST_SECTION = "write_psychologist_section"  # and reading it
    VALIDATE_INTENSITY = "validate_intensity"  # a change of level waits for a manager
    # Programmes and group work (docs/access.md): the catalogue and its groups, referring a
    # person and moving their enrolment, recording attendance at a group's session (the
    # facilitators of a group too: the ``is_facilitator`` fact), moving a group's session.
    MANAGE_PROGRAMMES = "manage_programmes"
    REFER_PROGRAMME = "refer_programme"
    RECORD_ATTENDANCE = "record_attendance"
    RESCHEDULE_SESSION = "reschedule_session"
    LIST_PROGRAMMES = "list_programmes"  # the « Programmes » pages: catalogue, groups, sessions
    # The managers' anomaly view over the journal (docs/audit.md, « Anomalies »): unusual
    # reads, reads out of hours, bursts of denials, and each reader's entries of a day.
    READ_ANOMALIES = "read_anomalies"
    # Retention (docs/data-protection.md): the managers' page of the rules in force, the holds
    # and the dry-run; setting and lifting a legal hold on a file; the nightly job (system).
    READ_RETENTION = "read_retention"
    MANAGE_LEGAL_HOLD = "manage_legal_hold"
    APPLY_RETENTION = "apply_retention"


R = Role
S = Scope
_EVERY_STAFF = {
    r: S.SERVICE
    for r in (R.CPIP, R.MANAGER, R.SECRETARIAT, R.MONITORING, R.PSYCHOLOGIST, R.SOCIAL_WORKER)
}

RULES: dict[Action, dict[Role, Scope]] = {
    Action.LIST_PERSONS: {**_EVERY_STAFF, R.JUDGE: S.JUDGE_FILES},
    Action.READ_FILE: {**_EVERY_STAFF, R.JUDGE: S.JUDGE_FILES},
    # A CPIP may register a new person (who joins their caseload).
    Action.CREATE_PERSON: {R.CPIP: S.SERVICE, R.MANAGER: S.SERVICE, R.SECRETARIAT: S.SERVICE},
    Action.CREATE_RECORD: {R.CPIP: S.CASELOAD, R.MANAGER: S.SERVICE, R.SECRETARIAT: S.SERVICE},
    Action.EDIT_IDENTITY: {
        R.CPIP: S.CASELOAD,
        R.MANAGER: S.SERVICE,
        R.SECRETARIAT: S.SERVICE,
        R.SOCIAL_WORKER: S.CASELOAD,
    },
    Action.READ_NOTES: {
        R.CPIP: S.SERVICE,
        R.MANAGER: S.SERVICE,
        R.MONITORING: S.SERVICE,
        R.PSYCHOLOGIST: S.SERVICE,
        R.SOCIAL_WORKER: S.SERVICE,
    },
    Action.WRITE_NOTE: {
        R.CPIP: S.CASELOAD,
        R.MANAGER: S.SERVICE,
        R.MONITORING: S.SERVICE,
        R.PSYCHOLOGIST: S.SERVICE,
        R.SOCIAL_WORKER: S.CASELOAD,
    },
    Action.READ_VICTIM: {
        R.CPIP: S.CASELOAD,
        R.MANAGER: S.SERVICE,
        R.MONITORING: S.SERVICE,
        R.JUDGE: S.JUDGE_FILES,
    },
    Action.ASSIGN_CPIP: {R.MANAGER: S.SERVICE},
    Action.READ_ACCESS_LOG: {R.MANAGER: S.SERVICE},
    Action.MANAGE_SERVICE: {R.MANAGER: S.SERVICE},
    # "Own" = the appointment is in the user's agenda (the user is one of its staff).
    Action.BOOK_APPOINTMENT: {
        R.CPIP: S.OWN_OR_CASELOAD,
        R.MANAGER: S.SERVICE,
        R.SECRETARIAT: S.SERVICE,
        R.MONITORING: S.OWN,
        R.PSYCHOLOGIST: S.OWN,
        R.SOCIAL_WORKER: S.OWN,
    },
    Action.RECORD_OUTCOME: {
        R.CPIP: S.OWN_OR_CASELOAD,
        R.MANAGER: S.SERVICE,
        R.SECRETARIAT: S.SERVICE,
        R.MONITORING: S.OWN,
        R.PSYCHOLOGIST: S.OWN,
        R.SOCIAL_WORKER: S.OWN,
    },
    Action.REGISTER_PROOF: {
        R.CPIP: S.CASELOAD,
        R.MANAGER: S.SERVICE,
        R.SECRETARIAT: S.SERVICE,
        R.SOCIAL_WORKER: S.CASELOAD,
    },
    Action.REVIEW_PROOF: {R.CPIP: S.CASELOAD, R.MANAGER: S.SERVICE},
    Action.RECORD_INCIDENT: {
        R.CPIP: S.CASELOAD,
        R.MANAGER: S.SERVICE,
        R.MONITORING: S.SERVICE,
        R.SOCIAL_WORKER: S.CASELOAD,
    },
    # A psychologist drafts the assessments of the persons they follow.
    Action.DRAFT_REPORT: {R.CPIP: S.CASELOAD, R.MANAGER: S.SERVICE, R.PSYCHOLOGIST: S.CASELOAD},
    # Reports are further gated one by one (reports.selectors): others' drafts stay with their
    # author, and a judge reads only the reports transmitted to them.
    Action.READ_REPORTS: {
        R.CPIP: S.SERVICE,
        R.MANAGER: S.SERVICE,
        R.PSYCHOLOGIST: S.CASELOAD,
        R.JUDGE: S.JUDGE_FILES,
    },
    Action.VISA_REPORT: {R.MANAGER: S.SERVICE},
    Action.RECORD_ANSWER: {R.MANAGER: S.SERVICE, R.SECRETARIAT: S.SERVICE, R.JUDGE: S.JUDGE_FILES},
    # The judge's answer read by the person's CPIP (and the person told of changed
    # obligations): the échéancier item leaves.
    Action.FOLLOW_UP_ANSWER: {R.CPIP: S.CASELOAD, R.MANAGER: S.SERVICE},
    # The CAP list shows the CPIP in charge and the state of the SPIP's opinion (drafts
    # included) to the staff who prepare the commission; the judge who chairs a session reads
    # its list and the opinions transmitted to them (never a draft's state).
    Action.READ_CAP: {
        R.CPIP: S.SERVICE,
        R.MANAGER: S.SERVICE,
        R.SECRETARIAT: S.SERVICE,
        R.JUDGE: S.CHAIRED,
    },
    Action.PREPARE_CAP: {R.MANAGER: S.SERVICE, R.SECRETARIAT: S.SERVICE},
    Action.IMPORT_OFFICIAL_DATES: {R.MANAGER: S.SERVICE, R.SECRETARIAT: S.SERVICE},
    Action.READ_PARTNERS: dict(_EVERY_STAFF),
    Action.MANAGE_PARTNERS: {R.MANAGER: S.SERVICE},
    Action.RECORD_REINTEGRATION: {
        R.CPIP: S.CASELOAD,
        R.MANAGER: S.SERVICE,
        R.SOCIAL_WORKER: S.CASELOAD,
    },
    Action.READ_SERVICE_FIGURES: {R.MANAGER: S.SERVICE},
    Action.MANAGE_COMMUNITY_WORK: {R.CPIP: S.CASELOAD, R.MANAGER: S.SERVICE},
    # The secretariat registers the hour sheets hosts send (one by one or by file).
    Action.RECORD_WORK_HOURS: {R.CPIP: S.CASELOAD, R.MANAGER: S.SERVICE, R.SECRETARIAT: S.SERVICE},
    # The persons in the user's charge: those assigned to them (a CPIP, or another professional
    # of the person's support), a judge's files. Managers and the secretariat have none.
    Action.OPEN_CASELOAD: {
        R.CPIP: S.CASELOAD,
        R.MONITORING: S.CASELOAD,
        R.PSYCHOLOGIST: S.CASELOAD,
        R.SOCIAL_WORKER: S.CASELOAD,
        R.JUDGE: S.JUDGE_FILES,
    },
    # Every staff member books appointments (access.md: « book appointments »); not a judge.
    Action.OPEN_AGENDA: dict(_EVERY_STAFF),
    # What falls due for the persons followed and in the agenda: the service's staff.
    Action.OPEN_SCHEDULE: dict(_EVERY_STAFF),
    # The reports a role reads or answers (each report is then gated one by one).
    Action.LIST_REPORTS: {
        R.CPIP: S.SERVICE,
        R.MANAGER: S.SERVICE,
        R.SECRETARIAT: S.SERVICE,  # the answers received on paper
        R.PSYCHOLOGIST: S.CASELOAD,
        R.JUDGE: S.JUDGE_FILES,
    },
    # access.md: « read community work (TIG) orders, placements, sessions ». The judge reads
    # them in the files (the TIG tab), not in the staff's follow-up page.
    Action.LIST_COMMUNITY_WORK: {
        R.CPIP: S.CASELOAD,
        R.MANAGER: S.SERVICE,
        R.SECRETARIAT: S.SERVICE,
    },
    # access.md: « allocation queue, workload, move caseloads ».
    Action.ALLOCATE_CASELOADS: {R.MANAGER: S.SERVICE},
    # The journal's anomalies are read by the service's managers only (its self-monitoring).
    Action.READ_ANOMALIES: {R.MANAGER: S.SERVICE},
    # access.md: « assign or reassign a CPIP; transfer a file to another service », « accept
    # or refuse a transfer coming in » (the receiving service), « merge two files ».
    Action.TRANSFER_FILE: {R.MANAGER: S.SERVICE},
    Action.ANSWER_TRANSFER: {R.MANAGER: S.SERVICE},
    Action.MERGE_FILES: {R.MANAGER: S.SERVICE},
    # No role: the system actor's work (``SYSTEM_RULES``).
    Action.SEND_MESSAGES: {},
    Action.RECOMPUTE_DATES: {},
    Action.RECORD_SMS_STOP: {},
    Action.ACCEPT_TRANSFERS: {},
    Action.READ_ACTIVITY_FIGURES: {R.CPIP: S.CASELOAD, R.MANAGER: S.SERVICE},
    Action.EXPORT_LIST: {R.CPIP: S.SERVICE, R.MANAGER: S.SERVICE, R.SECRETARIAT: S.SERVICE},
    Action.STORE_FIGURES: {},
    Action.REFRESH_DUE_ITEMS: {},
    # access.md: « read structured assessments (their psychologist's section: psychologists
    # only) »: the judge reads them through reports only, the secretariat not at all.
    Action.READ_ASSESSMENTS: {
        R.CPIP: S.SERVICE,
        R.MANAGER: S.SERVICE,
        R.PSYCHOLOGIST: S.SERVICE,
        R.SOCIAL_WORKER: S.CASELOAD,
    },
    # « intensity level only » for monitoring.
    Action.READ_INTENSITY: {
        R.CPIP: S.SERVICE,
        R.MANAGER: S.SERVICE,
        R.MONITORING: S.SERVICE,
        R.PSYCHOLOGIST: S.SERVICE,
        R.SOCIAL_WORKER: S.CASELOAD,
    },
    # « write an assessment, choose the intensity »: the psychologist writes their own section.
    Action.WRITE_ASSESSMENT: {R.CPIP: S.CASELOAD, R.MANAGER: S.SERVICE},
    Action.WRITE_PSYCHOLOGIST_SECTION: {R.PSYCHOLOGIST: S.SERVICE},
    Action.VALIDATE_INTENSITY: {R.MANAGER: S.SERVICE},
    # access.md: « refer to a programme; record attendance of a group »: the catalogue and
    # its groups are the managers'; the facilitators of a group (``FACILITATOR_ROLES``) record
    # its attendance whatever their caseload, and move its sessions (« groups they
    # facilitate »: the ``is_facilitator`` fact, gathered by the programmes' gate).
    Action.MANAGE_PROGRAMMES: {R.MANAGER: S.SERVICE},
    # access.md: « retention: the rules, the holds and the dry-run; set or lift a legal hold ».
    Action.READ_RETENTION: {R.MANAGER: S.SERVICE},
    Action.MANAGE_LEGAL_HOLD: {R.MANAGER: S.SERVICE},
    Action.APPLY_RETENTION: {},
    Action.REFER_PROGRAMME: {R.CPIP: S.CASELOAD, R.MANAGER: S.SERVICE},
    Action.RECORD_ATTENDANCE: {
        R.CPIP: S.CASELOAD_OR_FACILITATED,
        R.MANAGER: S.SERVICE,
        R.SECRETARIAT: S.SERVICE,
        R.PSYCHOLOGIST: S.FACILITATED,
        R.SOCIAL_WORKER: S.FACILITATED,
    },
    Action.RESCHEDULE_SESSION: {
        R.CPIP: S.FACILITATED,
        R.MANAGER: S.SERVICE,
        R.PSYCHOLOGIST: S.FACILITATED,
        R.SOCIAL_WORKER: S.FACILITATED,
    },
    # The catalogue, its groups and their sessions are read by the staff who refer to them,
    # facilitate them or record their attendance; not by a judge (the programmes show in the
    # files) nor by monitoring staff.
    Action.LIST_PROGRAMMES: {
        R.CPIP: S.SERVICE,
        R.MANAGER: S.SERVICE,
        R.SECRETARIAT: S.SERVICE,
        R.PSYCHOLOGIST: S.SERVICE,
        R.SOCIAL_WORKER: S.SERVICE,
    },
}


# What a transition allowed by its own action entails on the file, whoever records it: the
# judge's answer (recorded by the judge, a manager or the secretariat) opens, changes and
# closes measures and obligations, reductions and sentences to serve, and flags the file
# (warrants, provisional incarceration): judge-answers.md.
IMPLIED: dict[Action, frozenset[Action]] = {
    Action.RECORD_ANSWER: frozenset({Action.CREATE_RECORD, Action.EDIT_IDENTITY}),
    # A transfer accepted (by the receiving managers or, past the delay, automatically): the
    # sending service's system actor cancels the appointments still to come in its agenda.
    Action.ACCEPT_TRANSFERS: frozenset({Action.RECORD_OUTCOME}),
}


# Roles a manager may authorise to manage the partner directory (a ``PartnerEditor`` row, on
# top of ``MANAGE_PARTNERS``): access.md, « partner directory ».
PARTNER_EDITOR_ROLES = frozenset({R.CPIP, R.SECRETARIAT, R.SOCIAL_WORKER})


def may_be_partner_editor(role: str) -> bool:
    return role in PARTNER_EDITOR_ROLES


# Roles whose members facilitate groups of a programme (the group form offers them): they
# record the attendance of the groups they facilitate and reschedule their sessions, as the
# scopes ``FACILITATED`` and ``CASELOAD_OR_FACILITATED`` of ``RECORD_ATTENDANCE`` and
# ``RESCHEDULE_SESSION`` say (the ``is_facilitator`` fact: a ``ProgrammeGroup.facilitators``
# row): access.md, « refer to a programme; record attendance of a group ».
FACILITATOR_ROLES = frozenset({R.CPIP, R.PSYCHOLOGIST, R.SOCIAL_WORKER})


# Roles a manager gives to the staff of their service (access.md, « manage staff, sites,
# settings of the service »): every role of the table but the judge's. A judge sits at a
# court, not in the service: the platform administration keeps judges' accounts and courts.
MANAGER_GRANTS = tuple(role for role in R if role is not R.JUDGE)


def may_grant(role: str) -> bool:
    """May a manager give this role to a member of their service?"""
    return role in MANAGER_GRANTS


def kept_by_platform(role: str) -> bool:
    """Is a membership of this role kept by the platform administration, not by the
    service's managers (a judge's)?"""
    return role in R.values and not may_grant(role)


def manages_service(role: str) -> bool:
    """Does this role keep the service's staff and settings (the service must keep one)?"""
    return allows(role, Action.MANAGE_SERVICE)


# Who may hold a file as its referent CPIP: the allocation offers them, their caseloads are
# weighed and moved (access.md, « assign or reassign a CPIP »).
REFERENT_ROLES = frozenset({R.CPIP})


def is_referent(role: str) -> bool:
    """May a member of this role hold files as their CPIP?"""
    return role in REFERENT_ROLES


def roles_allowed(action: Action) -> frozenset[str]:
    """The roles the table lets do ``action`` (to find who must hear of something: the
    managers told of a transfer coming in)."""
    return frozenset(role.value for role in RULES[action])


def follows_new_persons(role: str) -> bool:
    """A CPIP who registers a new person becomes their CPIP (the person joins their
    caseload); the other roles that register persons leave them to be allocated."""
    return role == R.CPIP


@dataclass(frozen=True)
class PersonFacts:
    """What the policy needs to know about one person, for one user."""

    is_caseload: bool = False
    is_judge_file: bool = False
    is_own: bool = False  # the appointment at hand is in the user's agenda
    is_chair: bool = False  # the CAP session at hand is chaired by the user
    is_facilitator: bool = False  # the programme's group at hand is facilitated by the user


# The system actor (``accounts.system.SystemActor``): tasks, commands and scheduled jobs act as
# it, for one service, with a reason, and are journaled as such. It is not a role anyone holds:
# it does only the work listed here, on the whole service. Purges and other nightly work join
# this table when they are built.
SYSTEM_RULES: dict[Action, Scope] = {
    Action.SEND_MESSAGES: S.SERVICE,
    Action.RECOMPUTE_DATES: S.SERVICE,
    Action.RECORD_SMS_STOP: S.SERVICE,
    Action.ACCEPT_TRANSFERS: S.SERVICE,
    Action.STORE_FIGURES: S.SERVICE,
    Action.REFRESH_DUE_ITEMS: S.SERVICE,
    Action.APPLY_RETENTION: S.SERVICE,
}


def scope_for(role: str, action: Action) -> Scope | None:
    if role == SYSTEM:
        return SYSTEM_RULES.get(action)
    return RULES[action].get(Role(role))


def allows(role: str, action: Action, facts: PersonFacts | None = None) -> bool:
    """May ``role`` do ``action``? Without ``facts``, answers for *some* person of the service
    (used to show or hide buttons on list pages)."""
    scope = scope_for(role, action)
    if scope is None:
        return False
    if facts is None:
        return True
    if scope is Scope.SERVICE:
        return True
    if scope is Scope.CASELOAD:
        return facts.is_caseload
    if scope is Scope.OWN:
        return facts.is_own
    if scope is Scope.OWN_OR_CASELOAD:
        return facts.is_own or facts.is_caseload
    if scope is Scope.CHAIRED:
        return facts.is_chair
    if scope is Scope.FACILITATED:
        return facts.is_facilitator
    if scope is Scope.CASELOAD_OR_FACILITATED:
        return facts.is_caseload or facts.is_facilitator
    return facts.is_judge_file


def sees_person(role: str, facts: PersonFacts) -> bool:
    """Does the person exist at all for this user (inside the service)? If not: 404."""
    if role == SYSTEM:
        return True
    if Role(role) is Role.JUDGE:
        return facts.is_judge_file
    return True


class NoteAccess(Enum):
    FULL = "full"
    EXISTENCE = "existence"  # "note réservée": shown as existing, content hidden
    NONE = "none"


@dataclass(frozen=True)
class NoteFacts:
    is_author: bool
    confidential: bool
    restricted_to: str  # a role code, or "" when not restricted
    is_assigned_cpip: bool  # the reader is the person's assigned CPIP


def note_access(role: str, note: NoteFacts) -> NoteAccess:
    role = Role(role)
    if RULES[Action.READ_NOTES].get(role) is None:
        return NoteAccess.NONE
    if note.is_author:
        return NoteAccess.FULL
    if note.restricted_to:
        if role is Role.MANAGER:
            return NoteAccess.EXISTENCE
        if role.value != note.restricted_to:
            return NoteAccess.EXISTENCE
    if note.confidential:
        if role is Role.MANAGER:
            return NoteAccess.FULL
        if role is Role.CPIP and note.is_assigned_cpip:
            return NoteAccess.FULL
        return NoteAccess.EXISTENCE
    return NoteAccess.FULL


def restrictable_professions(role: str) -> list[str]:
    """A note may be restricted only to the author's own profession."""
    return [r.value for r in NOTE_RESTRICTABLE_ROLES if r.value == role]


# --- Reports ---------------------------------------------------------------------------------
#
# Who opens a report is one rule over plain facts, as for notes; the report lists are derived
# from the same clauses (``reports.selectors.visible_reports`` turns each condition into a
# query), so that a list never shows a report its page refuses, nor hides one it opens.


class ReportAccess(Enum):
    FULL = "full"  # the page and the content
    ANSWER_ONLY = "answer_only"  # the page to record an answer on paper, not the content
    NONE = "none"


@dataclass(frozen=True)
class ReportFacts:
    is_author: bool = False
    is_addressee: bool = False  # the report is addressed to the user (a judge)
    editable: bool = False  # a draft, or sent back for correction: still its author's
    transmitted: bool = False  # with the judge, awaiting the answer
    frozen: bool = False  # transmitted or answered: never changes again


# Each role opens a report when every condition of one of its clauses holds (and the person's
# file allows it: ``read_reports``, or ``record_answer`` for ``ANSWER_ONLY``). A condition is
# a field of ``ReportFacts``, or ``not_<field>``.
REPORT_CLAUSES: dict[Role, tuple[frozenset[str], ...]] = {
    # Everything, drafts included (the visa).
    R.MANAGER: (frozenset(),),
    # Submitted reports of the service, and their own drafts.
    R.CPIP: (frozenset({"not_editable"}), frozenset({"is_author"})),
    # Their own assessments.
    R.PSYCHOLOGIST: (frozenset({"is_author"}),),
    # The reports transmitted to them, answered or not.
    R.JUDGE: (frozenset({"is_addressee", "frozen"}),),
}
# The page without the content, to record an answer received on paper.
REPORT_ANSWER_CLAUSES: tuple[frozenset[str], ...] = (frozenset({"transmitted"}),)


def _holds(clauses: tuple[frozenset[str], ...], report: ReportFacts) -> bool:
    def condition(name: str) -> bool:
        if name.startswith("not_"):
            return not getattr(report, name[4:])
        return bool(getattr(report, name))

    return any(all(condition(name) for name in clause) for clause in clauses)


def report_access(role: str, person: PersonFacts, report: ReportFacts) -> ReportAccess:
    """May ``role`` open this report of this person, and read its content? Where the role
    reads the person's reports (``read_reports``), its clauses decide; elsewhere, a role that
    records answers received on paper opens a transmitted report without its content."""
    if allows(role, Action.READ_REPORTS, person):
        if _holds(REPORT_CLAUSES.get(Role(role), ()), report):
            return ReportAccess.FULL
        return ReportAccess.NONE
    if allows(role, Action.RECORD_ANSWER, person) and _holds(REPORT_ANSWER_CLAUSES, report):
        return ReportAccess.ANSWER_ONLY
    return ReportAccess.NONE
