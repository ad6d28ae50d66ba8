"""The assessment's pure rules: answers checked against their type, the intensity proposal
(never moved by a sensitive answer), the expected contacts of a level. No database."""

from datetime import date, timedelta

import pytest

from probatio.assessments import rules
from probatio.assessments.grids import GRIDS, RNR_2026
from probatio.assessments.rules import ContactRule, Level

DEFINITION = RNR_2026.definition()
ITEMS = rules.item_map(DEFINITION)
SENSITIVE = [code for code, item in ITEMS.items() if item["sensitive"]]
TODAY = date(2026, 12, 7)


def lowest_answers() -> dict:
    """Every required item answered with its lightest option."""
    answers = {}
    for code, item in ITEMS.items():
        if item["sensitive"] or not item["required"]:
            continue
        if item["type"] == "choice":
            answers[code] = min(item["options"], key=lambda o: o["weight"])["code"]
        elif item["type"] == "yes_no":
            answers[code] = "yes" if item["weight"] < 0 else "no"
        elif item["type"] == "number":
            answers[code] = "0"
    return answers


def heaviest_answers() -> dict:
    answers = {}
    for code, item in ITEMS.items():
        if item["sensitive"] or not item["required"]:
            continue
        if item["type"] == "choice":
            answers[code] = max(item["options"], key=lambda o: o["weight"])["code"]
        elif item["type"] == "yes_no":
            answers[code] = "yes" if item["weight"] > 0 else "no"
        elif item["type"] == "number":
            answers[code] = "5"
    return answers


def proposal(raw: dict) -> rules.Proposal:
    clean, sensitive, errors = rules.validate(DEFINITION, raw)
    assert errors == {}
    return rules.propose_intensity(RNR_2026.proposal_version, DEFINITION, clean)


# --- The grid ---------------------------------------------------------------------------------


def test_the_grid_covers_the_domains_the_practice_framework_names():
    codes = [d["code"] for d in DEFINITION["domains"]]
    for domain in (
        "housing", "work", "resources", "family", "leisure", "history", "attitudes",
        "protective", "needs", "responsivity", "sensitive",
    ):  # fmt: skip
        assert domain in codes
    assert SENSITIVE  # health, substance use, sexual life, origin…
    assert {"health", "substance_use", "sexual_life"} <= set(SENSITIVE)


def test_grid_codes_are_unique_and_sensitive_items_never_weigh_nor_are_required():
    for grid in GRIDS:
        definition = grid.definition()
        codes = [item["code"] for item in rules.items(definition)]
        assert len(codes) == len(set(codes))
        for item in rules.items(definition):
            if item["sensitive"]:
                assert not item["required"]
            if item["type"] == "choice":
                assert item["options"], item["code"]


def test_the_definition_is_plain_json():
    import json

    assert json.loads(json.dumps(DEFINITION)) == DEFINITION


# --- Answers ----------------------------------------------------------------------------------


def test_answers_are_cleaned_to_their_type_and_split():
    raw = lowest_answers() | {"prior_convictions": "2", "health": "Suivi cardiologique"}
    clean, sensitive, errors = rules.validate(DEFINITION, raw)
    assert errors == {}
    assert clean["prior_convictions"] == 2
    assert clean["housing_moves"] is False
    assert sensitive == {"health": "Suivi cardiologique"}
    assert "health" not in clean


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("housing_status", "castle", "ne fait pas partie des choix"),
        ("housing_moves", "peut-être", "oui ou par non"),
        ("prior_convictions", "deux", "nombre entier"),
        ("prior_convictions", "-1", "entre 0 et 99"),
        ("prior_convictions", "100", "entre 0 et 99"),
    ],
)
def test_an_answer_outside_its_type_is_refused_in_french(code, value, message):
    clean, sensitive, errors = rules.validate(DEFINITION, lowest_answers() | {code: value})
    assert message in errors[code]


def test_required_and_unknown_items():
    raw = lowest_answers()
    del raw["housing_status"]
    raw["shoe_size"] = "42"
    _, _, errors = rules.validate(DEFINITION, raw)
    assert errors["housing_status"] == "Cette question est obligatoire."
    assert errors["shoe_size"] == "Cette question ne fait pas partie de la grille."


def test_answer_labels():
    assert rules.answer_label(ITEMS["housing_status"], "none") == "Sans domicile stable"
    assert rules.answer_label(ITEMS["debts"], True) == "Oui"
    assert rules.answer_label(ITEMS["debts"], False) == "Non"
    assert rules.answer_label(ITEMS["prior_convictions"], 3) == "3"
    assert rules.answer_label(ITEMS["health"], None) == "—"


# --- The proposal -----------------------------------------------------------------------------


def test_light_answers_propose_light_and_heavy_ones_reinforced():
    assert proposal(lowest_answers()).level is Level.LIGHT
    heavy = proposal(heaviest_answers())
    assert heavy.level is Level.REINFORCED
    assert heavy.score >= DEFINITION["thresholds"]["reinforced"]
    assert heavy.version == "2026-1"


# No protective factor: the score starts at 0.
NEUTRAL = {
    "family_support": "some",
    "leisure": "some",
    "motivation": "ambivalent",
    "protective_bond": "no",
    "protective_project": "no",
    "protective_compliance": "no",
}


def test_a_neutral_situation_scores_nothing():
    assert proposal(lowest_answers() | NEUTRAL).score == 0


def test_a_middle_situation_proposes_standard_with_its_reasons():
    raw = (
        lowest_answers()
        | NEUTRAL
        | {
            "housing_status": "none",
            "work_status": "none",
            "breach_history": "yes",
        }
    )
    result = proposal(raw)
    assert result.level is Level.STANDARD
    # The heaviest answers first, as they read.
    assert result.reasons[0].startswith("Mesures antérieures non respectées")
    assert any(r == "Logement actuel : Sans domicile stable (+2)" for r in result.reasons)


def test_the_number_of_prior_convictions_counts_up_to_its_cap():
    base = proposal(lowest_answers() | {"prior_convictions": "0"}).score
    assert proposal(lowest_answers() | {"prior_convictions": "1"}).score == base + 1
    assert proposal(lowest_answers() | {"prior_convictions": "40"}).score == base + 3


SENSITIVE_VALUES = {
    "text": ["", "Traitement au long cours", "x" * 300],
    "choice": None,  # every option
}


def sensitive_variants():
    for code in SENSITIVE:
        item = ITEMS[code]
        values = (
            [o["code"] for o in item["options"]]
            if item["type"] == "choice"
            else SENSITIVE_VALUES["text"]
        )
        for value in values:
            yield code, value


@pytest.mark.parametrize("base", [lowest_answers(), heaviest_answers()], ids=["light", "heavy"])
def test_no_sensitive_answer_ever_changes_the_proposal(base):
    """Decree R. 113-49 model: no selection based on sensitive data. Whatever a sensitive item
    says, and even when a caller passes it among the ordinary answers, the proposal stays."""
    reference = proposal(base)
    for code, value in sensitive_variants():
        raw = base | {code: value}
        assert proposal(raw) == reference, (code, value)
        # Passed straight to the proposal among the ordinary answers: still skipped.
        smuggled = rules.propose_intensity("2026-1", DEFINITION, base | {code: value})
        assert smuggled.level == rules.propose_intensity("2026-1", DEFINITION, base).level
        assert smuggled.score == rules.propose_intensity("2026-1", DEFINITION, base).score


def test_a_different_level_needs_a_reason():
    assert rules.needs_reason("standard", "reinforced")
    assert not rules.needs_reason("standard", "standard")
    assert not rules.needs_reason("", "light")  # no proposal to depart from


# --- Expected contacts ------------------------------------------------------------------------

STANDARD = ContactRule("standard", "*", 30, 1, 0, 180)
REINFORCED = ContactRule("reinforced", "*", 30, 2, 1, 90)


def test_rule_for_takes_the_closest_follow_up_among_the_measures():
    chosen = rules.rule_for(rules.DEFAULT_RULES, "reinforced", ["SURSIS_PROBATOIRE_RENFORCE"])
    assert chosen.measure_kind == "SURSIS_PROBATOIRE_RENFORCE"
    assert chosen.home_visits == 1
    assert rules.rule_for(rules.DEFAULT_RULES, "light", ["TIG"]).measure_kind == "*"
    closer = ContactRule("standard", "TIG", 21, 1, 0, 180)
    farther = ContactRule("standard", "DDSE", 60, 1, 0, 180)
    picked = rules.rule_for([STANDARD, closer, farther], "standard", ["TIG", "DDSE"])
    assert picked is closer
    assert rules.rule_for([STANDARD], "reinforced", []) is None


def test_next_interview_is_one_interval_after_the_last_held():
    status = rules.contact_status(
        REINFORCED,
        level_since=TODAY - timedelta(days=100),
        held=[(TODAY - timedelta(days=20), "follow_up"), (TODAY - timedelta(days=5), "video")],
        today=TODAY,
    )
    assert REINFORCED.interval_days == 15
    assert status.next_interview_due == TODAY + timedelta(days=10)
    assert status.interviews_held == 2
    # Two interviews but no home visit in the period.
    assert status.below_level
    assert status.missing == ("0 visite à domicile sur 1 attendue en 30 jours",)


def test_contacts_below_the_level_only_after_a_whole_period():
    fresh = rules.contact_status(
        STANDARD, level_since=TODAY - timedelta(days=10), held=[], today=TODAY
    )
    assert not fresh.below_level
    assert fresh.next_interview_due == TODAY + timedelta(days=20)
    old = rules.contact_status(
        STANDARD, level_since=TODAY - timedelta(days=60), held=[], today=TODAY
    )
    assert old.below_level
    assert old.next_interview_due == TODAY - timedelta(days=30)  # overdue


def test_contacts_not_held_and_other_kinds_do_not_count():
    status = rules.contact_status(
        STANDARD,
        level_since=TODAY - timedelta(days=90),
        held=[
            (TODAY - timedelta(days=3), "partner"),  # a partner's appointment
            (TODAY - timedelta(days=2), "hearing"),
            (TODAY + timedelta(days=2), "follow_up"),  # not held yet
        ],
        today=TODAY,
    )
    assert status.interviews_held == 0
    assert status.below_level


def test_interviews_before_the_level_count_in_the_period_not_for_the_next_one():
    """A change of level restarts the interval from its start; the period still counts what
    was held."""
    status = rules.contact_status(
        STANDARD,
        level_since=TODAY - timedelta(days=2),
        held=[(TODAY - timedelta(days=10), "follow_up")],
        today=TODAY,
    )
    assert status.next_interview_due == TODAY - timedelta(days=2) + timedelta(days=30)
    assert status.interviews_held == 1


def test_review_due():
    assert rules.review_due(date(2026, 1, 31), REINFORCED) == date(2026, 5, 1)
