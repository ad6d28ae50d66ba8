"""The states of a referral (orientation) and what they do to its need, without a database."""

from datetime import date

import pytest

from probatio.reintegration import rules

ALL = list(rules.REFERRAL_STATUSES)

# Every allowed move, written out by hand (not read from the table under test).
ALLOWED = {
    ("proposed", "sent"),
    ("proposed", "abandoned"),
    ("sent", "accepted"),
    ("sent", "refused"),
    ("sent", "abandoned"),
    ("accepted", "in_progress"),
    ("accepted", "completed"),
    ("accepted", "abandoned"),
    ("in_progress", "completed"),
    ("in_progress", "abandoned"),
}


def test_the_statuses_are_the_seven_of_the_specification():
    assert rules.REFERRAL_STATUSES == {
        "proposed": "Proposée",
        "sent": "Envoyée",
        "accepted": "Acceptée",
        "in_progress": "En cours",
        "completed": "Terminée",
        "refused": "Refusée",
        "abandoned": "Abandonnée",
    }
    assert set(rules.REFERRAL_MOVES) == set(rules.REFERRAL_STATUSES)


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("target", ALL)
def test_moves_are_exactly_the_allowed_ones(current, target):
    allowed = (current, target) in ALLOWED
    assert rules.can_move(current, target) is allowed
    assert (rules.move_error(current, target) is None) is allowed


@pytest.mark.parametrize("closed", ["completed", "refused", "abandoned"])
def test_a_closed_referral_never_changes_again(closed):
    assert rules.REFERRAL_MOVES[closed] == ()
    for target in ALL:
        assert rules.move_error(closed, target) == (
            f"L'orientation est close ({rules.REFERRAL_STATUSES[closed].lower()}) : "
            "elle ne change plus."
        )


def test_a_forbidden_move_says_which_move_in_french():
    assert rules.move_error("proposed", "accepted") == (
        "Une orientation « proposée » ne peut pas passer à « acceptée »."
    )
    assert rules.move_error("sent", "sent") == (
        "Une orientation « envoyée » ne peut pas passer à « envoyée »."
    )


def test_an_unknown_status_is_refused():
    assert rules.move_error("sent", "lost") == "Statut d'orientation inconnu."
    assert not rules.can_move("sent", "lost")


def test_every_status_is_reachable_from_proposed():
    reached, frontier = {"proposed"}, ["proposed"]
    while frontier:
        for target in rules.REFERRAL_MOVES[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(ALL)


# --- The need follows its referral ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("referral", "need", "expected"),
    [
        ("proposed", "identified", "identified"),
        ("sent", "identified", "in_progress"),
        ("accepted", "identified", "in_progress"),
        ("in_progress", "identified", "in_progress"),
        ("completed", "identified", "met"),
        ("completed", "in_progress", "met"),
        ("refused", "in_progress", "in_progress"),
        ("abandoned", "in_progress", "in_progress"),
        ("refused", "identified", "identified"),
        # A need met or refused by the person stays so, whatever its referrals do.
        ("sent", "met", "met"),
        ("completed", "refused", "refused"),
        ("accepted", "refused", "refused"),
    ],
)
def test_need_status_after_a_referral_moves(referral, need, expected):
    assert rules.need_status_after(referral, need) == expected


# --- Outcome and reminder ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", ALL)
def test_the_outcome_is_entered_once_the_partner_answered(status):
    answered = status in ("accepted", "in_progress", "completed", "refused")
    assert (rules.outcome_error(status) is None) is answered
    if not answered:
        assert "une fois l'orientation acceptée" in rules.outcome_error(status)


@pytest.mark.parametrize("status", ALL)
def test_only_a_sent_referral_waits_for_an_answer(status):
    due = rules.reminder_due(status, date(2025, 3, 1), 15)
    assert due == (date(2025, 3, 16) if status == "sent" else None)


def test_the_reminder_delay_is_the_services():
    assert rules.reminder_due("sent", date(2025, 12, 20), 30) == date(2026, 1, 19)
    assert rules.reminder_due("sent", date(2025, 12, 20), 0) == date(2025, 12, 20)
