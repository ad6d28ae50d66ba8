"""The access policy, checked cell by cell against the table of the access rules (docs).

No database: the policy is pure functions over facts. The expected tables below are written out
by hand from the reference table; they must not be derived from ``RULES``.
"""

import itertools

import pytest

from probatio.access.policy import (
    RULES,
    Action,
    NoteAccess,
    NoteFacts,
    PersonFacts,
    Scope,
    allows,
    note_access,
    restrictable_professions,
    scope_for,
    sees_person,
)
from probatio.access.roles import Role

ROLES = ["cpip", "manager", "secretariat", "monitoring", "psychologist", "social_worker", "judge"]

# S = the whole service, C = caseload only, J = judge's files only, H = the CAP sessions the
# user chairs, F = the groups the user facilitates, CF = caseload or those groups, - = refused.
SCOPE_TABLE = """
action            cpip  manager  secretariat  monitoring  psychologist  social_worker  judge
list_persons      S     S        S            S           S             S              J
read_file         S     S        S            S           S             S              J
create_person     S     S        S            -           -             -              -
create_record     C     S        S            -           -             -              -
edit_identity     C     S        S            -           -             C              -
read_notes        S     S        -            S           S             S              -
write_note        C     S        -            S           S             C              -
read_victim       C     S        -            S           -             -              J
assign_cpip       -     S        -            -           -             -              -
read_access_log   -     S        -            -           -             -              -
manage_service    -     S        -            -           -             -              -
book_appointment  OC    S        S            O           O             O              -
record_outcome    OC    S        S            O           O             O              -
register_proof    C     S        S            -           -             C              -
review_proof      C     S        -            -           -             -              -
record_incident   C     S        -            S           -             C              -
draft_report      C     S        -            -           C             -              -
read_reports      S     S        -            -           C             -              J
visa_report       -     S        -            -           -             -              -
record_answer     -     S        S            -           -             -              J
follow_up_answer  C     S        -            -           -             -              -
read_cap          S     S        S            -           -             -              H
prepare_cap       -     S        S            -           -             -              -
import_official_dates -  S       S            -           -             -              -
read_partners     S     S        S            S           S             S              -
manage_partners   -     S        -            -           -             -              -
record_reintegration C  S        -            -           -             C              -
read_service_figures -  S        -            -           -             -              -
manage_community_work C S        -            -           -             -              -
record_work_hours C     S        S            -           -             -              -
open_caseload     C     -        -            C           C             C              J
open_agenda       S     S        S            S           S             S              -
open_schedule     S     S        S            S           S             S              -
list_reports      S     S        S            -           C             -              J
list_community_work C   S        S            -           -             -              -
allocate_caseloads -    S        -            -           -             -              -
transfer_file     -     S        -            -           -             -              -
answer_transfer   -     S        -            -           -             -              -
merge_files       -     S        -            -           -             -              -
send_messages     -     -        -            -           -             -              -
recompute_dates   -     -        -            -           -             -              -
record_sms_stop   -     -        -            -           -             -              -
accept_transfers  -     -        -            -           -             -              -
read_activity_figures C S        -            -           -             -              -
export_list       S     S        S            -           -             -              -
store_figures     -     -        -            -           -             -              -
refresh_due_items -     -        -            -           -             -              -
read_assessments  S     S        -            -           S             C              -
read_intensity    S     S        -            S           S             C              -
write_assessment  C     S        -            -           -             -              -
write_psychologist_section - - -          -           S             -              -
validate_intensity -    S        -            -           -             -              -
manage_programmes -     S        -            -           -             -              -
refer_programme   C     S        -            -           -             -              -
record_attendance CF    S        S            -           F             F              -
reschedule_session F    S        -            -           F             F              -
list_programmes   S     S        S            -           S             S              -
read_anomalies    -     S        -            -           -             -              -
read_retention    -     S        -            -           -             -              -
manage_legal_hold -     S        -            -           -             -              -
apply_retention   -     -        -            -           -             -              -
"""


def _parse_scope_table() -> dict[tuple[str, str], str]:
    lines = [line.split() for line in SCOPE_TABLE.strip().splitlines()]
    header, rows = lines[0][1:], lines[1:]
    assert header == ROLES
    return {
        (row[0], role): cell for row in rows for role, cell in zip(header, row[1:], strict=True)
    }


EXPECTED_SCOPE = _parse_scope_table()
SCOPE_LETTERS = {
    "S": Scope.SERVICE,
    "C": Scope.CASELOAD,
    "J": Scope.JUDGE_FILES,
    "O": Scope.OWN,
    "OC": Scope.OWN_OR_CASELOAD,
    "H": Scope.CHAIRED,
    "F": Scope.FACILITATED,
    "CF": Scope.CASELOAD_OR_FACILITATED,
    "-": None,
}

# For a scope letter, whether the action is allowed on a person with these facts:
# (is_caseload, is_judge_file, is_own) -> allowed, written out for each letter.
FACTS = [
    PersonFacts(is_caseload=c, is_judge_file=j, is_own=o)
    for c in (False, True)
    for j in (False, True)
    for o in (False, True)
]
_F, _T = False, True
ALLOWED = {
    # (caseload, judge_file, own): allowed
    "S": {(c, j, o): _T for c in (_F, _T) for j in (_F, _T) for o in (_F, _T)},
    "-": {(c, j, o): _F for c in (_F, _T) for j in (_F, _T) for o in (_F, _T)},
    # Chaired sessions: no fact about a person grants it (only ``is_chair``, tested below).
    "H": {(c, j, o): _F for c in (_F, _T) for j in (_F, _T) for o in (_F, _T)},
    # Facilitated groups: only ``is_facilitator`` grants it (tested below).
    "F": {(c, j, o): _F for c in (_F, _T) for j in (_F, _T) for o in (_F, _T)},
    "C": {
        (_F, _F, _F): _F, (_F, _F, _T): _F, (_F, _T, _F): _F, (_F, _T, _T): _F,
        (_T, _F, _F): _T, (_T, _F, _T): _T, (_T, _T, _F): _T, (_T, _T, _T): _T,
    },
    "J": {
        (_F, _F, _F): _F, (_F, _F, _T): _F, (_F, _T, _F): _T, (_F, _T, _T): _T,
        (_T, _F, _F): _F, (_T, _F, _T): _F, (_T, _T, _F): _T, (_T, _T, _T): _T,
    },
    "O": {
        (_F, _F, _F): _F, (_F, _F, _T): _T, (_F, _T, _F): _F, (_F, _T, _T): _T,
        (_T, _F, _F): _F, (_T, _F, _T): _T, (_T, _T, _F): _F, (_T, _T, _T): _T,
    },
    "OC": {
        (_F, _F, _F): _F, (_F, _F, _T): _T, (_F, _T, _F): _F, (_F, _T, _T): _T,
        (_T, _F, _F): _T, (_T, _F, _T): _T, (_T, _T, _F): _T, (_T, _T, _T): _T,
    },
    "CF": {
        (_F, _F, _F): _F, (_F, _F, _T): _F, (_F, _T, _F): _F, (_F, _T, _T): _F,
        (_T, _F, _F): _T, (_T, _F, _T): _T, (_T, _T, _F): _T, (_T, _T, _T): _T,
    },
}  # fmt: skip
# With the user among the facilitators of the group at hand (and no other fact): allowed for
# these letters only.
ALLOWED_TO_A_FACILITATOR = {"S", "F", "CF"}


def test_table_covers_every_role_and_action():
    assert {action for action, _ in EXPECTED_SCOPE} == {a.value for a in Action}
    assert set(ROLES) == {r.value for r in Role}
    assert set(RULES) == set(Action)


@pytest.mark.parametrize(("action", "role"), sorted(EXPECTED_SCOPE))
def test_scope_of_each_role_and_action(action, role):
    assert scope_for(role, Action(action)) == SCOPE_LETTERS[EXPECTED_SCOPE[action, role]]


@pytest.mark.parametrize(
    ("action", "role", "facts"),
    [(action, role, facts) for (action, role) in sorted(EXPECTED_SCOPE) for facts in FACTS],
    ids=lambda v: (
        f"caseload={v.is_caseload}-judge_file={v.is_judge_file}-own={v.is_own}"
        if isinstance(v, PersonFacts)
        else str(v)
    ),
)
def test_allows_on_a_person(action, role, facts):
    letter = EXPECTED_SCOPE[action, role]
    expected = ALLOWED[letter][facts.is_caseload, facts.is_judge_file, facts.is_own]
    assert allows(role, Action(action), facts) is expected


@pytest.mark.parametrize(("action", "role"), sorted(EXPECTED_SCOPE))
def test_allows_without_facts_answers_for_some_person(action, role):
    """List pages show a button when the role may do the action on at least some person."""
    assert allows(role, Action(action)) is (EXPECTED_SCOPE[action, role] != "-")


@pytest.mark.parametrize(("action", "role"), sorted(EXPECTED_SCOPE))
def test_the_facilitator_fact(action, role):
    """« Groups they facilitate »: the fact grants the F and CF scopes, and nothing else."""
    letter = EXPECTED_SCOPE[action, role]
    assert allows(role, Action(action), PersonFacts(is_facilitator=True)) is (
        letter in ALLOWED_TO_A_FACILITATOR
    )


def test_a_few_cells_spelled_out():
    """Readable spot checks of the most sensitive cells."""
    outside = PersonFacts(is_caseload=False, is_judge_file=False)
    mine = PersonFacts(is_caseload=True, is_judge_file=False)
    judge_file = PersonFacts(is_caseload=False, is_judge_file=True)
    assert not allows("cpip", Action.CREATE_RECORD, outside)
    assert allows("cpip", Action.CREATE_RECORD, mine)
    assert allows("cpip", Action.CREATE_PERSON, outside)
    assert not allows("secretariat", Action.WRITE_NOTE, mine)
    assert not allows("judge", Action.READ_FILE, outside)
    assert allows("judge", Action.READ_FILE, judge_file)
    assert allows("judge", Action.READ_VICTIM, judge_file)
    assert not allows("judge", Action.READ_NOTES, judge_file)
    assert not allows("psychologist", Action.READ_VICTIM, mine)
    assert not allows("cpip", Action.ASSIGN_CPIP, mine)
    assert allows("manager", Action.READ_ACCESS_LOG, outside)
    # The CAP: a judge reads the sessions they chair, and those only.
    assert allows("judge", Action.READ_CAP, PersonFacts(is_chair=True))
    assert not allows("judge", Action.READ_CAP, PersonFacts(is_judge_file=True))
    assert not allows("judge", Action.PREPARE_CAP, PersonFacts(is_chair=True))
    # Programmes: a psychologist records the attendance of a group they facilitate only; a
    # CPIP, of their caseload or of a group they facilitate; monitoring staff never.
    facilitator = PersonFacts(is_facilitator=True)
    assert allows("psychologist", Action.RECORD_ATTENDANCE, facilitator)
    assert not allows("psychologist", Action.RECORD_ATTENDANCE, mine)
    assert allows("social_worker", Action.RESCHEDULE_SESSION, facilitator)
    assert allows("cpip", Action.RECORD_ATTENDANCE, facilitator)
    assert allows("cpip", Action.RECORD_ATTENDANCE, mine)
    assert not allows("cpip", Action.RESCHEDULE_SESSION, mine)
    assert not allows("monitoring", Action.RECORD_ATTENDANCE, facilitator)
    assert not allows("judge", Action.LIST_PROGRAMMES, judge_file)


def test_unknown_role_is_an_error_not_an_access():
    with pytest.raises(ValueError):
        allows("administrator", Action.READ_FILE, PersonFacts())


# sees_person: does the person exist at all (else 404)? Only the judge is limited.
SEES = {
    # role: {(is_caseload, is_judge_file): sees}
    **{
        role: {(False, False): True, (False, True): True, (True, False): True, (True, True): True}
        for role in ROLES
        if role != "judge"
    },
    "judge": {(False, False): False, (False, True): True, (True, False): False, (True, True): True},
}


@pytest.mark.parametrize(
    ("role", "is_caseload", "is_judge_file"),
    [(r, c, j) for r in ROLES for c in (False, True) for j in (False, True)],
)
def test_sees_person(role, is_caseload, is_judge_file):
    facts = PersonFacts(is_caseload=is_caseload, is_judge_file=is_judge_file)
    assert sees_person(role, facts) is SEES[role][is_caseload, is_judge_file]


# note_access. Columns: the reader's role (mgr = manager, sec = secretariat, mon = monitoring,
# psy = psychologist, sw = social worker, jap = judge). F = full content, E = existence only
# ("note réservée"), N = not listed at all. Row key: is the reader the author, is the note
# confidential, the profession it is restricted to (- = none), is the reader the person's
# assigned CPIP.
NOTE_TABLE = """
author  confidential  restricted  assigned    cpip mgr  sec  mon  psy  sw   jap
no      no            -           no          F    F    N    F    F    F    N
no      no            -           yes         F    F    N    F    F    F    N
no      no            psy         no          E    E    N    E    F    E    N
no      no            psy         yes         E    E    N    E    F    E    N
no      no            sw          no          E    E    N    E    E    F    N
no      no            sw          yes         E    E    N    E    E    F    N
no      yes           -           no          E    F    N    E    E    E    N
no      yes           -           yes         F    F    N    E    E    E    N
no      yes           psy         no          E    E    N    E    E    E    N
no      yes           psy         yes         E    E    N    E    E    E    N
no      yes           sw          no          E    E    N    E    E    E    N
no      yes           sw          yes         E    E    N    E    E    E    N
yes     no            -           no          F    F    N    F    F    F    N
yes     no            -           yes         F    F    N    F    F    F    N
yes     no            psy         no          F    F    N    F    F    F    N
yes     no            psy         yes         F    F    N    F    F    F    N
yes     no            sw          no          F    F    N    F    F    F    N
yes     no            sw          yes         F    F    N    F    F    F    N
yes     yes           -           no          F    F    N    F    F    F    N
yes     yes           -           yes         F    F    N    F    F    F    N
yes     yes           psy         no          F    F    N    F    F    F    N
yes     yes           psy         yes         F    F    N    F    F    F    N
yes     yes           sw          no          F    F    N    F    F    F    N
yes     yes           sw          yes         F    F    N    F    F    F    N
"""
ACCESS_LETTERS = {"F": NoteAccess.FULL, "E": NoteAccess.EXISTENCE, "N": NoteAccess.NONE}
SHORT = {
    "cpip": "cpip",
    "mgr": "manager",
    "sec": "secretariat",
    "mon": "monitoring",
    "psy": "psychologist",
    "sw": "social_worker",
    "jap": "judge",
    "-": "",
}


def _parse_note_table():
    lines = [line.split() for line in NOTE_TABLE.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert [SHORT[h] for h in header[4:]] == ROLES
    cases = []
    for row in rows:
        facts = NoteFacts(
            is_author=row[0] == "yes",
            confidential=row[1] == "yes",
            restricted_to=SHORT[row[2]],
            is_assigned_cpip=row[3] == "yes",
        )
        for role, cell in zip(ROLES, row[4:], strict=True):
            cases.append((role, facts, ACCESS_LETTERS[cell]))
    return cases


NOTE_CASES = _parse_note_table()


def test_note_table_covers_every_combination():
    combos = {
        (role, f.is_author, f.confidential, f.restricted_to, f.is_assigned_cpip)
        for role, f, _ in NOTE_CASES
    }
    every = set(
        itertools.product(
            ROLES,
            (False, True),
            (False, True),
            ("", "psychologist", "social_worker"),
            (False, True),
        )
    )
    assert combos == every
    assert len(NOTE_CASES) == 7 * 2 * 2 * 3 * 2


@pytest.mark.parametrize(
    ("role", "facts", "expected"),
    NOTE_CASES,
    ids=[
        f"{r}-author={f.is_author}-conf={f.confidential}-restr={f.restricted_to or 'none'}"
        f"-assigned={f.is_assigned_cpip}"
        for r, f, _ in NOTE_CASES
    ],
)
def test_note_access(role, facts, expected):
    assert note_access(role, facts) is expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("cpip", []),
        ("manager", []),
        ("secretariat", []),
        ("monitoring", []),
        ("psychologist", ["psychologist"]),
        ("social_worker", ["social_worker"]),
        ("judge", []),
    ],
)
def test_a_note_may_be_restricted_only_to_the_authors_own_profession(role, expected):
    assert restrictable_professions(role) == expected
