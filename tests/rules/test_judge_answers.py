"""The judge's answers by matter (pure, no database), checked against a table written from the
law, not from the module's own table.

Which decisions a JAP can take depends on the matter (CPP 712-4 to 712-7):

- parole (CPP 729 to 733): granted (obligations, licence length, possibly a probationary step of
  SL, PE or DDSE), refused or adjourned; decided by the TAP for sentences over 10 years with more
  than 3 years left (CPP 730, 712-7);
- release under constraint (CPP 720 I): granted in a form (LC, DDSE, PE, SL), refused only by a
  specially reasoned order; it does not apply to a person who refused it beforehand;
- release under constraint as of right (CPP 720 II–III): the form and the date, or material
  impossibility for lack of housing;
- semi-liberty, outside placement, home detention (CPP 723-1, 723-7): granted, modified,
  refused, adjourned;
- reductions (CPP 721, 721-1-1, 721-1-2): granted in days within the caps (or not granted:
  they reward good conduct and reintegration efforts), withdrawn within a year of the grant;
- an adjustment of a sentence not yet served (CPP 723-15): granted in a form, refused, adjourned;
- an incident: reminder, warning, change of obligations, extension (of a probation: CPP 742,
  743, at most 3 years in all), suspension (a community-work period: CP 131-22), arrest or
  appearance warrant, provisional incarceration (a hearing within 15 days: CPP 712-19), partial
  or full revocation of a probation or a parole (CP 132-47 to 132-52, CPP 742, 733), withdrawal
  of SL, PE or DDSE, enforcement of the prison term set in advance for a TIG or a DDSE imposed
  as a sentence (CP 131-9, 131-4-1);
- a reinforced probation's 3-month report (CPP 741-2; D. 546-3): the JAP sets the obligations;
- a progress or end-of-measure report: acknowledged, or any answer to an incident;
- a rapid social enquiry (CPP 41) goes to the trial court, which records its own decision.

Where the law leaves a pair open (a suspension of a probation, a warrant on a measure the JAP
does not supervise, a revocation of a release under constraint carried out as parole…), the
table below says nothing and the test asserts nothing.
"""

import re
from datetime import date, timedelta

import pytest

from probatio.reports import answers as a
from probatio.reports import rules as report_rules
from probatio.sentences.rules import (
    AUTHORITY,
    CRIME,
    DELIT,
    TERRORISM,
    SentenceLength,
    reduction_cap_days,
)

TODAY = date(2026, 3, 20)
TRANSMITTED = date(2026, 3, 10)

# --- The catalogue's measures, grouped by what the law lets the judge do with them -----------

PROBATIONS = frozenset({"SURSIS_PROBATOIRE", "SURSIS_PROBATOIRE_RENFORCE"})
PAROLE_MEASURES = frozenset({"LC"})
# SL, PE and DDSE as ways of serving a prison sentence (CPP 723-1, 723-7): withdrawn on a breach.
ADJUSTMENT_MEASURES = frozenset({"SEMI_LIBERTE", "PLACEMENT_EXTERIEUR", "DDSE_AMENAGEMENT"})
# Carried out as LC, DDSE, PE or SL (CPP 720): revoked or withdrawn according to the form.
UNDER_CONSTRAINT = frozenset({"LSC", "LSC_PLEIN_DROIT"})
# Sentences of their own whose prison term (or fine) the court set in advance.
WITH_TERM = frozenset({"TIG", "DDSE"})
OTHER_COMMUNITY = frozenset(
    {"SSJ", "SURVEILLANCE_JUDICIAIRE", "INTERDICTION_SEJOUR", "AJOURNEMENT_PROBATION"}
)
NOT_IN_THE_COMMUNITY = frozenset(
    {"STAGE", "CJ", "ARSE", "ENQUETE", "AMENAGEMENT_723_15", "EMPRISONNEMENT"}
)
COMMUNITY = PROBATIONS | PAROLE_MEASURES | ADJUSTMENT_MEASURES | UNDER_CONSTRAINT | WITH_TERM
COMMUNITY |= OTHER_COMMUNITY
CATALOGUE = COMMUNITY | NOT_IN_THE_COMMUNITY
# None: the report names no measure.
MEASURES = [*sorted(CATALOGUE), None]

ANSWER_CODES = (
    a.GRANTED,
    a.REFUSED,
    a.ADJOURNED,
    a.MODIFIED,
    a.IMPOSSIBLE,
    a.REDUCTIONS_WITHDRAWN,
    a.ACKNOWLEDGED,
    a.OBLIGATIONS_SET,
    a.COURT_DECISION,
    a.REMINDER,
    a.WARNING,
    a.MODIFY_OBLIGATIONS,
    a.EXTEND,
    a.SUSPENSION,
    a.WARRANT_APPEAR,
    a.WARRANT,
    a.PROVISIONAL_DETENTION,
    a.REVOCATION_PARTIAL,
    a.REVOCATION_FULL,
    a.WITHDRAWAL,
    a.ENFORCE_TERM,
)
BREACH_CODES = frozenset(ANSWER_CODES[ANSWER_CODES.index(a.REMINDER) :])

# --- Matters -----------------------------------------------------------------------------------

OPINIONS = (
    a.PAROLE,
    a.LSC,
    a.LSC_PLEIN_DROIT,
    a.SEMI_LIBERTY,
    a.OUTSIDE_PLACEMENT,
    a.HOME_DETENTION,
    a.REDUCTIONS,
    a.ADJUSTMENT_723_15,
)
ALL_MATTERS = (
    *OPINIONS,
    a.INCIDENT,
    a.REINFORCED_ASSESSMENT,
    a.FOLLOW_UP,
    a.END_OF_MEASURE,
    a.PRE_SENTENCE,
)

# The article each matter's refusal must name (the rule the judge decides under).
MATTER_ARTICLE = {
    a.PAROLE: "729",
    a.LSC: "720 I",
    a.LSC_PLEIN_DROIT: "720 II",
    a.SEMI_LIBERTY: "723-1",
    a.OUTSIDE_PLACEMENT: "723-1",
    a.HOME_DETENTION: "723-7",
    a.REDUCTIONS: "721",
    a.ADJUSTMENT_723_15: "723-15",
    a.INCIDENT: "712-4",
    a.REINFORCED_ASSESSMENT: "741-2",
    a.FOLLOW_UP: "712-4",
    a.END_OF_MEASURE: "712-4",
    a.PRE_SENTENCE: "CPP 41",
}

# What the judge may answer on an opinion (before looking at the report's measure).
OPINION_ANSWERS = {
    a.PAROLE: {a.GRANTED, a.REFUSED, a.ADJOURNED},
    a.LSC: {a.GRANTED, a.REFUSED},
    a.LSC_PLEIN_DROIT: {a.GRANTED, a.IMPOSSIBLE},
    a.SEMI_LIBERTY: {a.GRANTED, a.MODIFIED, a.REFUSED, a.ADJOURNED},
    a.OUTSIDE_PLACEMENT: {a.GRANTED, a.MODIFIED, a.REFUSED, a.ADJOURNED},
    a.HOME_DETENTION: {a.GRANTED, a.MODIFIED, a.REFUSED, a.ADJOURNED},
    a.REDUCTIONS: {a.GRANTED, a.REFUSED, a.REDUCTIONS_WITHDRAWN},
    a.ADJUSTMENT_723_15: {a.GRANTED, a.REFUSED, a.ADJOURNED},
}
# A modification is of the measure in force: SL, PE or DDSE already granted.
MODIFIED_MEASURE = {
    a.SEMI_LIBERTY: "SEMI_LIBERTE",
    a.OUTSIDE_PLACEMENT: "PLACEMENT_EXTERIEUR",
    a.HOME_DETENTION: "DDSE_AMENAGEMENT",
}
# The measures an opinion is usually written on: none, the prison sentence being served, or the
# 723-15 referral of a sentence not yet served.
OPINION_CONTEXT = {m: (None, "EMPRISONNEMENT") for m in OPINIONS}
OPINION_CONTEXT[a.ADJUSTMENT_723_15] = (None, "AMENAGEMENT_723_15")

ALLOW, REFUSE, OPEN = "allowed", "refused", None


def breach_expectation(code: str, measure: str | None):
    """The answers to a breach of a measure (CPP 712-4 to 712-8, 712-17 to 712-19)."""
    if code in (a.REMINDER, a.WARNING):
        return ALLOW if measure is None or measure in COMMUNITY else OPEN
    if code == a.MODIFY_OBLIGATIONS:
        if measure is None:
            return REFUSE
        return ALLOW if measure in PROBATIONS | PAROLE_MEASURES else OPEN
    if code == a.EXTEND:  # CPP 742, 743: a probation period
        return ALLOW if measure in PROBATIONS else REFUSE
    if code == a.SUSPENSION:  # CP 131-22: a community-work period
        if measure is None:
            return REFUSE
        return ALLOW if measure == "TIG" else OPEN
    if code in (a.WARRANT_APPEAR, a.WARRANT):
        supervised = PROBATIONS | PAROLE_MEASURES | ADJUSTMENT_MEASURES | WITH_TERM
        return ALLOW if measure in supervised else OPEN
    if code == a.PROVISIONAL_DETENTION:  # CPP 712-19
        if measure is None:
            return REFUSE
        return ALLOW if measure in PROBATIONS | PAROLE_MEASURES | ADJUSTMENT_MEASURES else OPEN
    if code in (a.REVOCATION_PARTIAL, a.REVOCATION_FULL):  # a probation or a parole only
        if measure in UNDER_CONSTRAINT:
            return OPEN
        return ALLOW if measure in PROBATIONS | PAROLE_MEASURES else REFUSE
    if code == a.WITHDRAWAL:  # SL, PE or DDSE
        if measure in UNDER_CONSTRAINT:
            return OPEN
        return ALLOW if measure in ADJUSTMENT_MEASURES else REFUSE
    if code == a.ENFORCE_TERM:  # a TIG or a DDSE imposed as a sentence
        return ALLOW if measure in WITH_TERM else REFUSE
    raise AssertionError(code)


def expectation(matter: str, measure: str | None, code: str):
    if matter in OPINION_ANSWERS:
        if code not in OPINION_ANSWERS[matter]:
            return REFUSE
        if code == a.MODIFIED:
            return ALLOW if measure == MODIFIED_MEASURE[matter] else REFUSE
        return ALLOW if measure in OPINION_CONTEXT[matter] else OPEN
    if matter == a.INCIDENT:
        return breach_expectation(code, measure) if code in BREACH_CODES else REFUSE
    if matter in (a.FOLLOW_UP, a.END_OF_MEASURE):
        if code == a.ACKNOWLEDGED:
            return ALLOW
        return breach_expectation(code, measure) if code in BREACH_CODES else REFUSE
    if matter == a.REINFORCED_ASSESSMENT:
        if code == a.OBLIGATIONS_SET:
            return ALLOW if measure == "SURSIS_PROBATOIRE_RENFORCE" else REFUSE
        return REFUSE
    if matter == a.PRE_SENTENCE:
        if code == a.COURT_DECISION:
            return ALLOW if measure in (None, "ENQUETE") else OPEN
        return REFUSE
    raise AssertionError(matter)


# Every asserted (matter, measure, answer) triple, and the (matter, measure) pairs to run them by.
TRIPLES = {
    (matter, measure, code): expected
    for matter in ALL_MATTERS
    for measure in MEASURES
    for code in ANSWER_CODES
    if (expected := expectation(matter, measure, code)) is not OPEN
}
PAIRS = [
    pytest.param(matter, measure, id=f"{matter}-{measure}")
    for matter in ALL_MATTERS
    for measure in MEASURES
]


def facts(matter, **values):
    base = {"matter": matter, "today": TODAY, "transmitted_on": TRANSMITTED}
    base.update(values)
    return a.Facts(**base)


def given(code, **values):
    values.setdefault("answered_on", TODAY)
    return a.Input(code=code, **values)


# --- The table --------------------------------------------------------------------------------


def test_the_matters_are_those_of_the_law():
    assert set(a.MATTERS) == set(ALL_MATTERS)
    assert tuple(a.OPINION_MATTERS) == OPINIONS


def test_the_table_covers_every_matter_measure_and_answer():
    """Every matter has triples asserted both ways, and every answer code is asserted somewhere
    as allowed and somewhere as refused."""
    for matter in ALL_MATTERS:
        outcomes = {e for (m, _, _), e in TRIPLES.items() if m == matter}
        assert outcomes == {ALLOW, REFUSE}, matter
    for code in ANSWER_CODES:
        outcomes = {e for (_, _, c), e in TRIPLES.items() if c == code}
        assert outcomes == {ALLOW, REFUSE}, code
    assert len(TRIPLES) > 4000


@pytest.mark.parametrize(("matter", "measure"), PAIRS)
def test_allowed_and_check_follow_the_law(matter, measure):
    """For each answer code the law settles on this matter and measure: ``allowed`` offers it
    or not, and ``check`` refuses what is not offered with a message naming the matter's rule.
    Every difference is listed."""
    offered = {answer.code for answer in a.allowed(matter, measure)}
    assert offered <= set(ANSWER_CODES)
    situation = facts(matter, measure_type=measure, measure_open=True)
    wrong = []
    for code in ANSWER_CODES:
        expected = TRIPLES.get((matter, measure, code))
        if expected is None:
            continue
        message = a.check(situation, given(code)).get("code", "")
        if expected == ALLOW:
            if code not in offered:
                wrong.append(f"{code}: allowed by law, not offered")
            if "ne répond pas" in message:
                wrong.append(f"{code}: allowed by law, refused by check: {message}")
        else:
            if code in offered:
                wrong.append(f"{code}: refused by law, offered")
            if "ne répond pas" not in message or MATTER_ARTICLE[matter] not in message:
                wrong.append(f"{code}: refused by law, check says {message!r}")
    assert wrong == []


def test_answers_on_a_measure_need_it_open():
    """An extension, a revocation, a withdrawal… change a measure in force."""
    bound = {
        (a.INCIDENT, a.EXTEND, "SURSIS_PROBATOIRE"),
        (a.INCIDENT, a.REVOCATION_FULL, "LC"),
        (a.INCIDENT, a.WITHDRAWAL, "SEMI_LIBERTE"),
        (a.INCIDENT, a.ENFORCE_TERM, "TIG"),
        (a.INCIDENT, a.SUSPENSION, "TIG"),
        (a.SEMI_LIBERTY, a.MODIFIED, "SEMI_LIBERTE"),
    }
    for matter, code, measure in bound:
        assert a.answer_for(matter, code).needs_measure, (matter, code)
        errors = a.check(facts(matter, measure_type=measure, measure_open=False), given(code))
        assert "mesure en cours" in errors["code"]


def test_a_partial_revocation_keeps_the_probation_a_full_one_ends_it():
    """CP 132-47 to 132-52, CPP 742: the revoked part is served and the probation period goes
    on; only a full revocation ends the measure as revoked."""
    partial = a.answer_for(a.INCIDENT, a.REVOCATION_PARTIAL)
    full = a.answer_for(a.INCIDENT, a.REVOCATION_FULL)
    assert partial.effect == a.E_PARTIAL
    assert full.effect == a.E_END_REVOKED
    assert partial.effect != full.effect
    assert re.search(r"132-4[7-9]|132-5[0-2]", partial.basis)


def test_labels_say_what_the_law_says():
    assert "hébergement" in a.label_of(a.LSC_PLEIN_DROIT, a.IMPOSSIBLE)
    assert "motivée" in a.label_of(a.LSC, a.REFUSED)
    assert "720 I" in a.answer_for(a.LSC, a.REFUSED).basis
    assert "742" in a.answer_for(a.INCIDENT, a.EXTEND).basis
    assert "712-19" in a.answer_for(a.INCIDENT, a.PROVISIONAL_DETENTION).basis
    assert "131-4-1" in a.answer_for(a.INCIDENT, a.ENFORCE_TERM).basis
    assert "741-2" in a.answer_for(a.REINFORCED_ASSESSMENT, a.OBLIGATIONS_SET).basis
    for matter in ALL_MATTERS:
        for answer in a.allowed(matter, "SURSIS_PROBATOIRE"):
            assert answer.label and answer.basis


def test_a_rapid_social_enquiry_is_decided_by_the_court():
    assert a.MATTERS[a.PRE_SENTENCE].decided_by == "court"
    assert all(a.MATTERS[m].decided_by == "jap" for m in ALL_MATTERS if m != a.PRE_SENTENCE)


# --- matter_of ---------------------------------------------------------------------------------


@pytest.mark.parametrize("matter", OPINIONS)
def test_an_opinion_carries_its_matter(matter):
    assert a.matter_of(report_rules.OPINION, opinion_matter=matter) == matter


def test_an_opinion_without_a_known_matter_has_none():
    assert a.matter_of(report_rules.OPINION) == ""
    assert a.matter_of(report_rules.OPINION, opinion_matter=a.INCIDENT) == ""


@pytest.mark.parametrize(
    ("kind", "measure", "matter"),
    [
        (report_rules.INCIDENT, "SURSIS_PROBATOIRE", a.INCIDENT),
        (report_rules.INCIDENT, "SURSIS_PROBATOIRE_RENFORCE", a.INCIDENT),
        # The assessment of a reinforced probation is its 3-month report (CPP 741-2).
        (report_rules.EVALUATION, "SURSIS_PROBATOIRE_RENFORCE", a.REINFORCED_ASSESSMENT),
        (report_rules.EVALUATION, "SURSIS_PROBATOIRE", a.FOLLOW_UP),
        (report_rules.EVALUATION, None, a.FOLLOW_UP),
        (report_rules.SITUATION, "SURSIS_PROBATOIRE_RENFORCE", a.FOLLOW_UP),
        (report_rules.SITUATION, "LC", a.FOLLOW_UP),
        (report_rules.END_OF_MEASURE, "SURSIS_PROBATOIRE_RENFORCE", a.END_OF_MEASURE),
        (report_rules.END_OF_MEASURE, "TIG", a.END_OF_MEASURE),
        (report_rules.ESR, None, a.PRE_SENTENCE),
    ],
)
def test_matter_of_each_report_kind(kind, measure, matter):
    assert a.matter_of(kind, measure_type=measure) == matter


def test_every_report_kind_has_a_matter():
    for kind in report_rules.KIND_LABELS:
        if kind != report_rules.OPINION:
            assert a.matter_of(kind) in a.MATTERS


# --- check: the input of an answer -------------------------------------------------------------

START = date(2024, 9, 10)  # the sentence's start (committal 2025-01-10 after 122 days of remand)
COMMITTAL = date(2025, 1, 10)
OLD_START = date(2022, 6, 1)  # committed then, held continuously since: the earlier regime


@pytest.mark.parametrize(
    ("sentence", "start", "cap"),
    [
        # CPP 721 (since 2023): 6 months per year, 14 days per month under a year.
        (SentenceLength(years=3), START, 546),  # 18 months: 2024-09-10 → 2026-03-10
        (SentenceLength(months=8), START, 112),  # 8 × 14
        (SentenceLength(years=1, months=6), START, 181 + 84),  # → 2025-03-10, then 6 × 14
        # CPP 721-1-1, terrorism: 3 months per year, 7 days per month.
        (SentenceLength(years=3, category=TERRORISM), START, 273),  # 9 months → 2025-06-10
        (SentenceLength(months=8, category=TERRORISM), START, 56),
        # CPP 721-1-2, violence against holders of public authority.
        (SentenceLength(years=2, category=AUTHORITY, qualification=CRIME), START, 181),
        (SentenceLength(months=5, category=AUTHORITY, qualification=CRIME), START, 35),
        (SentenceLength(years=2, category=AUTHORITY, qualification=DELIT), START, 242),
        (SentenceLength(months=6, category=AUTHORITY, qualification=DELIT), START, 54),
        # Before 2023: 3 months the first year, 2 months the following, 7 days per month.
        (SentenceLength(years=3), OLD_START, 214),  # 7 months: 2022-06-01 → 2023-01-01
        (SentenceLength(years=1), OLD_START, 92),  # 3 months → 2022-09-01
        (SentenceLength(months=8), OLD_START, 56),
        (SentenceLength(years=2, months=4), OLD_START, 153 + 28),  # 5 months, then 4 × 7
    ],
)
def test_reductions_are_granted_within_the_caps(sentence, start, cap):
    committal = COMMITTAL if start == START else start
    assert reduction_cap_days([sentence], start=start, committal_date=committal) == cap
    situation = facts(a.REDUCTIONS, measure_type="EMPRISONNEMENT", measure_open=True, held=True,
                      sentence_end=date(2028, 1, 1), reductions_cap_days=cap)  # fmt: skip
    assert a.check(situation, given(a.GRANTED, reduction_days=cap)) == {}
    errors = a.check(situation, given(a.GRANTED, reduction_days=cap + 1))
    assert set(errors) == {"reduction_days"}
    assert "CPP 721" in errors["reduction_days"]
    assert f"{cap} jours" in errors["reduction_days"]


def test_reductions_already_granted_count_towards_the_cap():
    situation = facts(a.REDUCTIONS, held=True, sentence_end=date(2028, 1, 1),
                      reductions_cap_days=546, reductions_net_days=500)  # fmt: skip
    assert a.check(situation, given(a.GRANTED, reduction_days=46)) == {}
    errors = a.check(situation, given(a.GRANTED, reduction_days=47))
    assert "721" in errors["reduction_days"]
    assert "46 jours au plus" in errors["reduction_days"]


def test_reductions_are_withdrawn_within_a_year_of_their_grant():
    situation = facts(a.REDUCTIONS, held=True, sentence_end=date(2028, 1, 1),
                      reductions_cap_days=546, reductions_net_days=90,
                      reductions_withdrawable_days=30)  # fmt: skip
    assert a.check(situation, given(a.REDUCTIONS_WITHDRAWN, reduction_days=30)) == {}
    errors = a.check(situation, given(a.REDUCTIONS_WITHDRAWN, reduction_days=31))
    assert set(errors) == {"reduction_days"}
    assert "CPP 721" in errors["reduction_days"]
    assert "moins d'un an" in errors["reduction_days"]


SAFETY_END = date(2027, 6, 1)


@pytest.mark.parametrize(
    ("matter", "modality"),
    [
        (a.PAROLE, ""),
        (a.LSC, "LC"),
        (a.LSC_PLEIN_DROIT, "DDSE"),
        (a.SEMI_LIBERTY, ""),
        (a.OUTSIDE_PLACEMENT, ""),
        (a.HOME_DETENTION, ""),
    ],
)
def test_no_release_or_adjustment_while_a_safety_period_runs(matter, modality):
    """CP 132-23: a safety period blocks any release or adjustment before its end."""
    situation = facts(matter, measure_type="EMPRISONNEMENT", measure_open=True, held=True,
                      sentence_end=date(2029, 1, 1), safety_end=SAFETY_END)  # fmt: skip
    answer = given(a.GRANTED, effective_on=date(2026, 4, 1), end_on=date(2029, 1, 1),
                   modality=modality)  # fmt: skip
    errors = a.check(situation, answer)
    assert "CP 132-23" in errors["effective_on"]
    after = given(a.GRANTED, effective_on=date(2027, 7, 1), end_on=date(2029, 1, 1),
                  modality=modality)  # fmt: skip
    assert "effective_on" not in a.check(situation, after)


def test_an_lsc_refusal_needs_a_specially_reasoned_order():
    situation = facts(a.LSC, held=True, sentence_end=date(2027, 1, 1))
    for reasons in ("", "   "):
        errors = a.check(situation, given(a.REFUSED, reasons=reasons))
        assert set(errors) == {"reasons"}
        assert "CPP 720 I" in errors["reasons"]
        assert "motivée" in errors["reasons"]
    reasoned = given(a.REFUSED, reasons="Aucun hébergement, aucun projet : aucune mesure.")
    assert a.check(situation, reasoned) == {}


@pytest.mark.parametrize("matter", [a.LSC, a.LSC_PLEIN_DROIT])
def test_an_lsc_grant_chooses_its_form(matter):
    situation = facts(matter, held=True, sentence_end=date(2027, 1, 1))
    errors = a.check(situation, given(a.GRANTED, effective_on=date(2026, 4, 1)))
    assert "CPP 720" in errors["modality"]
    for form in ("LC", "DDSE", "PE", "SL"):
        answer = given(a.GRANTED, effective_on=date(2026, 4, 1), modality=form)
        assert a.check(situation, answer) == {}, form


def test_lsc_does_not_apply_to_a_person_who_refused_it_beforehand():
    situation = facts(a.LSC, held=True, sentence_end=date(2027, 1, 1),
                      lsc_refused_beforehand=True)  # fmt: skip
    errors = a.check(situation, given(a.GRANTED, effective_on=date(2026, 4, 1), modality="LC"))
    assert "CPP 720 I" in errors["code"]


def test_lsc_as_of_right_does_not_apply_in_the_excluded_cases():
    situation = facts(a.LSC_PLEIN_DROIT, held=True, sentence_end=date(2027, 1, 1),
                      lsc_plein_droit_excluded=True)  # fmt: skip
    errors = a.check(situation, given(a.GRANTED, effective_on=date(2026, 4, 1), modality="SL"))
    assert "CPP 720 III" in errors["code"]
    # Material impossibility (no housing) is always an answer.
    assert a.check(situation, given(a.IMPOSSIBLE)) == {}


@pytest.mark.parametrize(
    ("months", "days", "extra", "ok"),
    [
        (24, 0, 13, False),  # 37 months
        (24, 0, 12, True),  # exactly 3 years
        (12, 0, 24, True),
        (24, 10, 12, False),  # 36 months and 10 days
        (36, 0, 1, False),  # already 3 years
        (60, 0, 1, False),  # a recidivist's 5-year period: the court's bound, not the JAP's
        (84, 0, 1, False),
    ],
)
def test_an_extension_never_brings_the_probation_past_three_years(months, days, extra, ok):
    """CPP 742, 743: the JAP's extension is bounded by a 3-year total."""
    situation = facts(a.INCIDENT, measure_type="SURSIS_PROBATOIRE", measure_open=True,
                      period_months=months, period_days=days)  # fmt: skip
    errors = a.check(situation, given(a.EXTEND, extra_months=extra))
    if ok:
        assert errors == {}
    else:
        assert set(errors) == {"extra_months"}
        assert "CPP 742, 743" in errors["extra_months"]
        assert "3 ans" in errors["extra_months"]


def test_a_report_is_answered_once():
    situation = facts(a.INCIDENT, measure_type="SURSIS_PROBATOIRE", measure_open=True,
                      already_answered=True)  # fmt: skip
    errors = a.check(situation, given(a.WARNING))
    assert set(errors) == {"code"}
    assert "déjà reçu une réponse" in errors["code"]


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (TODAY + timedelta(days=1), "futur"),
        (TRANSMITTED - timedelta(days=1), "transmission du rapport (10/03/2026)"),
        (None, "date de la décision"),
    ],
)
def test_the_decision_date_is_between_transmission_and_today(day, words):
    situation = facts(a.INCIDENT, measure_type="SURSIS_PROBATOIRE", measure_open=True)
    errors = a.check(situation, given(a.WARNING, answered_on=day))
    assert set(errors) == {"answered_on"}
    assert words in errors["answered_on"]
    for fine in (TODAY, TRANSMITTED):
        assert a.check(situation, given(a.WARNING, answered_on=fine)) == {}


# Parole: the licence lasts at least the unserved part, at most one year beyond it, 10 years at
# most (CPP 732).
UNSERVED_END = date(2027, 6, 30)
RELEASE = date(2026, 4, 1)


@pytest.mark.parametrize(
    ("end", "words"),
    [
        (UNSERVED_END - timedelta(days=1), "au moins la partie de peine non exécutée"),
        (date(2028, 7, 1), "d'au plus un an"),
        (None, "Indiquez la fin"),
        (RELEASE, "suit son début"),
    ],
)
def test_parole_licence_bounds(end, words):
    situation = facts(a.PAROLE, held=True, sentence_end=UNSERVED_END)
    errors = a.check(situation, given(a.GRANTED, effective_on=RELEASE, end_on=end))
    assert set(errors) == {"end_on"}
    assert words in errors["end_on"]
    if end is not None and end > RELEASE:
        assert "CPP 732" in errors["end_on"]


@pytest.mark.parametrize("end", [UNSERVED_END, date(2028, 1, 1), date(2028, 6, 30)])
def test_parole_licence_within_its_bounds(end):
    situation = facts(a.PAROLE, held=True, sentence_end=UNSERVED_END)
    assert a.check(situation, given(a.GRANTED, effective_on=RELEASE, end_on=end)) == {}


def test_parole_licence_lasts_ten_years_at_most():
    unserved_end = date(2035, 10, 1)  # 9 and a half years left
    situation = facts(a.PAROLE, held=True, sentence_end=unserved_end)
    too_long = given(a.GRANTED, effective_on=RELEASE, end_on=date(2036, 4, 2))
    errors = a.check(situation, too_long)
    assert set(errors) == {"end_on"}
    assert "dix ans" in errors["end_on"]
    assert "CPP 732" in errors["end_on"]
    ten_years = given(a.GRANTED, effective_on=RELEASE, end_on=date(2036, 4, 1))
    assert a.check(situation, ten_years) == {}


@pytest.mark.parametrize("form", ["SL", "PE", "DDSE"])
def test_a_probationary_step_lasts_one_year_at_most(form):
    """CPP 723-1, 723-7: SL, PE or DDSE as a probationary step of parole, at most one year."""
    situation = facts(a.PAROLE, held=True, sentence_end=date(2028, 6, 30))
    over = given(a.GRANTED, effective_on=RELEASE, step_form=form, step_end=date(2027, 4, 2),
                 end_on=date(2028, 6, 30))  # fmt: skip
    errors = a.check(situation, over)
    assert set(errors) == {"step_end"}
    assert "CPP 723-1, 723-7" in errors["step_end"]
    one_year = given(a.GRANTED, effective_on=RELEASE, step_form=form, step_end=date(2027, 4, 1),
                     end_on=date(2028, 6, 30))  # fmt: skip
    assert a.check(situation, one_year) == {}


def test_a_probationary_step_is_sl_pe_or_ddse():
    situation = facts(a.PAROLE, held=True, sentence_end=date(2028, 6, 30))
    answer = given(a.GRANTED, effective_on=RELEASE, step_form="LC", step_end=date(2026, 10, 1),
                   end_on=date(2028, 6, 30))  # fmt: skip
    assert "step_form" in a.check(situation, answer)


@pytest.mark.parametrize("measure", sorted(PROBATIONS | PAROLE_MEASURES))
def test_a_partial_revocation_names_the_part_to_serve(measure):
    situation = facts(a.INCIDENT, measure_type=measure, measure_open=True)
    errors = a.check(situation, given(a.REVOCATION_PARTIAL))
    assert set(errors) == {"term_months"}
    assert re.search(r"CP 132-4[7-9]|CP 132-5[0-2]|CPP 742|CPP 733", errors["term_months"])
    assert a.check(situation, given(a.REVOCATION_PARTIAL, term_months=4)) == {}


@pytest.mark.parametrize("measure", sorted(WITH_TERM))
def test_enforcing_the_term_set_in_advance_names_it(measure):
    situation = facts(a.INCIDENT, measure_type=measure, measure_open=True)
    errors = a.check(situation, given(a.ENFORCE_TERM))
    assert set(errors) == {"term_months"}
    assert "CP 131-" in errors["term_months"]
    assert a.check(situation, given(a.ENFORCE_TERM, term_months=3)) == {}


# --- Who decides parole; the hearing after a provisional incarceration ------------------------

DECIDED = date(2026, 3, 20)
THREE_YEARS_ON = date(2029, 3, 20)


@pytest.mark.parametrize(
    ("months", "days", "end", "court"),
    [
        (121, 0, THREE_YEARS_ON + timedelta(days=1), "tap"),  # over 10 years, more than 3 left
        (240, 0, date(2035, 1, 1), "tap"),
        (121, 0, THREE_YEARS_ON, "jap"),  # exactly 3 years left
        (121, 0, date(2027, 1, 1), "jap"),
        (120, 0, date(2035, 1, 1), "jap"),  # exactly 10 years: not over 10
        (120, 1, date(2035, 1, 1), "tap"),  # 10 years and a day
        (119, 30, date(2035, 1, 1), "jap"),
        (60, 0, date(2030, 1, 1), "jap"),
        (None, 0, date(2035, 1, 1), "jap"),  # unknown sentence: the JAP by default
        (240, 0, None, "jap"),
    ],
)
def test_parole_is_decided_by_the_tap_for_long_sentences(months, days, end, court):
    """CPP 730, 712-7: TAP for sentences over 10 years with more than 3 years left."""
    decided_by = a.parole_decided_by(
        total_months=months, total_days=days, decided_on=DECIDED, end=end
    )
    assert decided_by == court


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (date(2026, 3, 20), date(2026, 4, 4)),
        (date(2026, 12, 25), date(2027, 1, 9)),
        (date(2028, 2, 20), date(2028, 3, 6)),  # across 29 February
    ],
)
def test_the_hearing_after_provisional_incarceration_is_within_15_days(day, due):
    """CPP 712-19."""
    assert a.hearing_due(day) == due
    assert (a.hearing_due(day) - day).days == 15
