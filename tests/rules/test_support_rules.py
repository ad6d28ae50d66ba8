"""Support in prison as pure rules, without a database: the arrival interview's screening and
the needs it calls for, its deadline, the aids to destitute persons, the codes of family ties,
and what a referral does to the release plan (plus the housing flag and the expected
release)."""

from datetime import date
from decimal import Decimal

import pytest

from probatio.reintegration import rules

# Every answer that calls for a need, written out by hand (not read from the table under test).
CALLS_FOR = {
    ("destitution", "yes"): "finances",
    ("destitution", "at_risk"): "finances",
    ("literacy", "difficulties"): "education",
    ("literacy", "cannot_read"): "education",
    ("addiction", "declared_no_care"): "health",
    ("family_ties", "weakened"): "family",
    ("family_ties", "broken"): "family",
    ("identity_documents", "expired"): "rights",
    ("identity_documents", "none"): "rights",
}

EVERY_ANSWER = [
    (domain, answer) for domain, (_, answers) in rules.SCREENING.items() for answer in answers
]


# --- The screening --------------------------------------------------------------------------------


def test_the_screening_has_the_five_domains_each_with_not_discussed():
    assert list(rules.SCREENING) == [
        "destitution",
        "literacy",
        "addiction",
        "family_ties",
        "identity_documents",
    ]
    for domain, (label, answers) in rules.SCREENING.items():
        assert label, domain
        assert answers[rules.NOT_DISCUSSED] == "Non abordé"
    assert rules.SCREENING["addiction"][1] == {
        "none": "Aucune addiction déclarée",
        "declared_no_care": "Addiction déclarée, sans suivi",
        "care_in_place": "Addiction déclarée, suivi en place",
        "not_discussed": "Non abordé",
    }


def test_the_table_of_needs_is_the_one_of_the_specification():
    assert {key: pathway for key, (pathway, _) in rules.SCREENING_NEEDS.items()} == CALLS_FOR
    for (domain, answer), (pathway, details) in rules.SCREENING_NEEDS.items():
        assert answer in rules.SCREENING[domain][1]
        assert pathway in rules.PATHWAYS
        assert details.endswith(".")


@pytest.mark.parametrize(("domain", "answer"), EVERY_ANSWER)
def test_each_answer_alone_calls_for_its_need_or_none(domain, answer):
    needs = rules.arrival_needs({domain: answer})
    if (domain, answer) in CALLS_FOR:
        assert needs == [(CALLS_FOR[(domain, answer)], rules.SCREENING_NEEDS[(domain, answer)][1])]
    else:
        assert needs == []


def test_the_details_say_what_was_screened():
    assert rules.arrival_needs({"destitution": "yes"}) == [
        ("finances", "Sans ressources à l'arrivée en détention.")
    ]
    assert rules.arrival_needs({"identity_documents": "expired"}) == [
        ("rights", "Pièce d'identité expirée.")
    ]
    assert rules.arrival_needs({"family_ties": "broken"}) == [
        ("family", "Liens familiaux rompus, reprise souhaitée.")
    ]


def test_nothing_discussed_or_no_difficulty_calls_for_nothing():
    assert rules.arrival_needs({d: rules.NOT_DISCUSSED for d in rules.SCREENING}) == []
    calm = {
        "destitution": "no",
        "literacy": "no_difficulty",
        "addiction": "care_in_place",
        "family_ties": "none_wished",
        "identity_documents": "valid",
    }
    assert rules.arrival_needs(calm) == []
    assert rules.arrival_needs({}) == []


def test_every_difficulty_gives_one_need_per_pathway_in_the_screenings_order():
    answers = {
        "identity_documents": "none",
        "family_ties": "weakened",
        "addiction": "declared_no_care",
        "literacy": "cannot_read",
        "destitution": "at_risk",
    }
    needs = rules.arrival_needs(answers)
    assert [pathway for pathway, _ in needs] == [
        "finances",
        "education",
        "health",
        "family",
        "rights",
    ]
    assert len({pathway for pathway, _ in needs}) == len(needs)


def test_two_answers_of_the_same_pathway_give_one_need_the_first_wins(monkeypatch):
    # No two domains share a pathway today: make them share one to check the rule itself.
    monkeypatch.setitem(
        rules.SCREENING_NEEDS, ("identity_documents", "none"), ("finances", "Sans papiers.")
    )
    needs = rules.arrival_needs({"destitution": "yes", "identity_documents": "none"})
    assert needs == [("finances", "Sans ressources à l'arrivée en détention.")]
    assert rules.arrival_needs({"identity_documents": "none"}) == [("finances", "Sans papiers.")]


def test_an_answer_of_another_domain_calls_for_nothing():
    # "yes" is an answer of destitution only; "none" of addiction means no addiction.
    assert rules.arrival_needs({"literacy": "yes", "addiction": "none"}) == []


@pytest.mark.parametrize(("domain", "answer"), EVERY_ANSWER)
def test_every_listed_answer_is_accepted(domain, answer):
    assert rules.screening_error(domain, answer) is None


@pytest.mark.parametrize(
    ("domain", "answer", "message"),
    [
        ("destitution", "maybe", "Choisissez une réponse."),
        ("destitution", None, "Choisissez une réponse."),
        ("destitution", "", "Choisissez une réponse."),
        ("literacy", "yes", "Choisissez une réponse."),  # an answer of another domain
        ("addiction", "Addiction déclarée, sans suivi", "Choisissez une réponse."),  # a label
        ("housing", "no", "Domaine de repérage inconnu."),
        ("", None, "Domaine de repérage inconnu."),
    ],
)
def test_unknown_answers_and_domains_are_refused_in_french(domain, answer, message):
    assert rules.screening_error(domain, answer) == message


# --- The arrival interview's deadline -------------------------------------------------------------


def test_the_interview_is_due_the_committal_plus_the_services_delay():
    assert rules.arrival_interview_due(date(2026, 3, 16), 7) == date(2026, 3, 23)
    assert rules.arrival_interview_due(date(2026, 3, 16), 0) == date(2026, 3, 16)
    assert rules.arrival_interview_due(date(2026, 2, 25), 7) == date(2026, 3, 4)
    assert rules.arrival_interview_due(date(2025, 12, 28), 10) == date(2026, 1, 7)


def test_committals_are_chased_for_ninety_days():
    assert rules.ARRIVAL_LOOKBACK_DAYS == 90


# --- Aids to destitute persons --------------------------------------------------------------------


def test_the_kinds_of_aid():
    assert list(rules.AID_KINDS) == [
        "cash",
        "clothing",
        "hygiene",
        "correspondence",
        "phone",
        "television",
        "other",
    ]


@pytest.mark.parametrize(
    ("kind", "amount", "item"),
    [
        ("cash", Decimal("20.00"), ""),
        ("cash", Decimal("0.01"), "Virement sur le compte nominatif"),
        ("hygiene", None, "Kit d'hygiène arrivant"),
        ("clothing", Decimal("35.00"), ""),
        ("phone", Decimal("10"), "Crédit de 10 €"),
        ("other", None, "Paquet de timbres"),
    ],
)
def test_a_good_aid_has_no_error(kind, amount, item):
    assert rules.aid_error(kind, amount, item) == {}


def test_a_negative_amount_is_refused():
    assert rules.aid_error("cash", Decimal("-5.00"), "") == {
        "amount": "Le montant ne peut pas être négatif."
    }
    assert rules.aid_error("clothing", Decimal("-0.01"), "Pull") == {
        "amount": "Le montant ne peut pas être négatif."
    }


@pytest.mark.parametrize("amount", [None, Decimal("0"), Decimal("0.00")])
def test_cash_needs_an_amount(amount):
    assert rules.aid_error("cash", amount, "Une aide") == {
        "amount": "Indiquez le montant de l'aide financière."
    }


@pytest.mark.parametrize("item", ["", "   "])
@pytest.mark.parametrize("amount", [None, Decimal("0")])
def test_other_aids_need_an_item_or_an_amount(item, amount):
    assert rules.aid_error("hygiene", amount, item) == {
        "item": "Indiquez ce qui a été remis, ou son montant."
    }


def test_an_item_given_for_nothing_is_an_aid():
    assert rules.aid_error("clothing", Decimal("0"), "Un manteau") == {}


def test_the_applications_words_join_staffs_comment_without_cutting_it():
    assert rules.joined_comment("", "Rendez-vous le 08/12/2026.") == "Rendez-vous le 08/12/2026."
    assert rules.joined_comment("Voir le SIAO.", "Orientation acceptée.") == (
        "Voir le SIAO. — Orientation acceptée."
    )
    long = "x" * 290
    assert rules.joined_comment(long, "Orientation acceptée.") == long


@pytest.mark.parametrize("kind", ["", None, "food", "Vêtements"])
def test_an_unknown_kind_is_refused(kind):
    errors = rules.aid_error(kind, None, "")
    assert errors == {"kind": "Choisissez le type d'aide."}


def test_an_unknown_kind_and_a_negative_amount_are_both_reported():
    assert rules.aid_error("food", Decimal("-1"), "") == {
        "kind": "Choisissez le type d'aide.",
        "amount": "Le montant ne peut pas être négatif.",
    }


# --- Family ties ----------------------------------------------------------------------------------


def test_the_codes_of_family_ties():
    assert list(rules.CONTACT_MODES) == ["visits", "phone_calls", "mail"]
    assert rules.CONTACT_STATES == {"none": "Non", "wished": "Souhaité", "in_place": "En place"}
    assert {"partner", "child", "parent", "sibling", "friend", "other"} <= set(rules.RELATIONSHIPS)
    assert rules.FAMILY_STEPS["visit_permit_requested"] == "Permis de visite demandé"
    assert "family_mediation" in rules.FAMILY_STEPS
    for labels in (rules.RELATIONSHIPS, rules.CONTACT_MODES, rules.FAMILY_STEPS):
        assert all(label and label[0].isupper() for label in labels.values())


# --- The release plan follows the referrals -------------------------------------------------------

TAKEN_UP = ("accepted", "in_progress", "completed")
NOT_TAKEN_UP = ("proposed", "sent", "refused", "abandoned")


def test_each_item_of_the_plan_with_a_pathway():
    assert rules.RELEASE_ITEM_PATHWAYS == {
        "identity_documents": "rights",
        "health_insurance": "rights",
        "housing": "housing",
        "income": "finances",
        "employment_training": "employment",
        "care_continuity": "health",
        "bank_account": "finances",
    }
    assert set(rules.RELEASE_ITEM_PATHWAYS) <= set(rules.RELEASE_ITEMS)
    assert set(rules.RELEASE_ITEM_PATHWAYS.values()) <= set(rules.PATHWAYS)
    # Transport and the appointment after release are no partner's business.
    assert "transport" not in rules.RELEASE_ITEM_PATHWAYS
    assert "community_appointment" not in rules.RELEASE_ITEM_PATHWAYS


@pytest.mark.parametrize("referral", TAKEN_UP)
def test_an_item_to_do_is_in_progress_once_the_partner_took_it_up(referral):
    assert rules.release_item_after("to_do", referral) == "in_progress"


@pytest.mark.parametrize("referral", NOT_TAKEN_UP)
def test_an_item_to_do_stays_to_do_before_the_partner_took_it_up(referral):
    assert rules.release_item_after("to_do", referral) == "to_do"


@pytest.mark.parametrize("item", ["in_progress", "done", "not_applicable"])
@pytest.mark.parametrize("referral", TAKEN_UP + NOT_TAKEN_UP)
def test_only_an_item_to_do_moves_and_never_to_done(item, referral):
    # A completed referral does not mark the item done: only staff do.
    assert rules.release_item_after(item, referral) == item


def test_housing_flag_bounds():
    today = date(2026, 3, 20)
    assert rules.HOUSING_FLAG_DAYS == 31
    assert rules.housing_at_risk(date(2026, 4, 19), "to_do", today)  # 30 days
    assert not rules.housing_at_risk(date(2026, 4, 20), "to_do", today)  # 31 days
    assert rules.housing_at_risk(today, "in_progress", today)  # a place being sought
    assert rules.housing_at_risk(date(2026, 3, 1), None, today)  # overdue, still inside
    assert not rules.housing_at_risk(date(2026, 3, 25), "done", today)


def test_the_expected_release_ignores_an_estimated_release_date_when_lsc_applies():
    dates = {
        "release_date": date(2027, 6, 10),
        "lsc_plein_droit_date": date(2027, 3, 10),
        "official_fields": {"lsc_plein_droit_date"},
    }
    assert rules.expected_release(dates) == (date(2027, 3, 10), "lsc_plein_droit")
    assert rules.expected_release({}) == (None, "")


def test_a_lsc_de_plein_droit_already_past_gives_way_to_the_end_of_the_sentence():
    dates = {
        "release_date": date(2026, 9, 10),
        "lsc_plein_droit_date": date(2026, 3, 10),
        "official_fields": set(),
    }
    assert rules.expected_release(dates, date(2026, 3, 20)) == (date(2026, 9, 10), "end")
    assert rules.expected_release(dates, date(2026, 3, 10)) == (
        date(2026, 3, 10),
        "lsc_plein_droit",
    )
    assert rules.expected_release(dates) == (date(2026, 3, 10), "lsc_plein_droit")
    official = {**dates, "official_fields": {"release_date"}}
    assert rules.expected_release(official, date(2026, 3, 20)) == (date(2026, 9, 10), "official")
