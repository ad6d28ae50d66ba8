"""The antenne a manager's tables of CPIPs open on (caseloads.rules.default_team)."""

from probatio.caseloads import rules

KEYS = ["12", "7", rules.NO_SITE]  # largest first, the CPIPs without an antenne last


def test_a_small_service_opens_on_every_cpip():
    assert rules.default_team(rules.TEAM_VIEW_FROM, 12, KEYS) == rules.ALL_SITES


def test_a_large_service_opens_on_the_managers_antenne():
    assert rules.default_team(rules.TEAM_VIEW_FROM + 1, 7, KEYS) == "7"


def test_a_manager_without_cpips_at_their_antenne_gets_the_largest():
    assert rules.default_team(200, 99, KEYS) == "12"
    assert rules.default_team(200, None, KEYS) == "12"


def test_one_antenne_is_the_whole_service():
    assert rules.default_team(200, 12, ["12"]) == rules.ALL_SITES


def test_the_key_of_no_antenne():
    assert rules.team_key(None) == rules.NO_SITE
    assert rules.team_key(5) == "5"
