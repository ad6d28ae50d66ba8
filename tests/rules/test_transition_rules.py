"""Committal and release as pure rules (no database): which release fits the measures granted,
the safety period (CP 132-23), the dates of a release, what a committal suspends (CP 132-43,
131-22), the days held and the end « au plus tôt » of a suspended measure, and the legal
deadline of the first interview after a release (CPP 741-1, 741-2, 763-7-1; D. 546-2,
D. 546-3, D. 147-17-5; C. pénit. R. 621-1, R. 621-2), counted in jours ouvrables where the
text says so (Sundays and public holidays out, Saturdays in, the release day not counted)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probatio.core.workdays import add_jours_ouvrables, add_jours_ouvres, is_jour_ouvrable
from probatio.measures.first_interview import first_interview_deadline
from probatio.measures.rules import end_if_released_on
from probatio.people.models import CustodyRecord
from probatio.transitions import rules
from probatio.transitions.rules import RELEASE_KINDS, ReleaseFacts, check_release

COMMITTAL = date(2025, 1, 10)
TODAY = date(2026, 3, 20)  # a Friday
SAFETY_END = date(2026, 4, 10)

# What the judge must have granted for each release (one of them), and the refusal's words.
GRANTED_FOR = {
    "lc": ("LC",),
    "lsc": ("LSC",),
    "lsc_plein_droit": ("LSC_PLEIN_DROIT",),
    "adjustment": ("SEMI_LIBERTE", "PLACEMENT_EXTERIEUR", "DDSE_AMENAGEMENT"),
}
BLOCKED_BY_SAFETY = ("lc", "lsc", "lsc_plein_droit", "adjustment")
SAFETY_MESSAGE = (
    "Période de sûreté en cours jusqu'au 10/04/2026 : aucune libération conditionnelle, sous "
    "contrainte ni aucun aménagement avant cette date (CP 132-23). Seules la fin de peine ou la "
    "fin de la détention provisoire sont possibles."
)
# Measures a person in prison usually has open whatever the release: they grant nothing.
ALWAYS_THERE = ("EMPRISONNEMENT", "SURSIS_PROBATOIRE")


def facts(*granted, safety_end=None, has_sentence=True, today=TODAY) -> ReleaseFacts:
    return ReleaseFacts(
        committal_date=COMMITTAL,
        today=today,
        granted=frozenset((*ALWAYS_THERE, *granted)),
        safety_end=safety_end,
        has_sentence=has_sentence,
    )


def not_granted(label: str, basis: str) -> str:
    return (
        f"Aucune mesure « {label} » n'est enregistrée pour cette personne : enregistrez d'abord "
        f"la décision du juge (réponse à l'avis du SPIP, ou nouvelle mesure) ({basis})."
    )


# --- The kinds of release ---------------------------------------------------------------------


def test_the_kinds_are_those_stored_on_the_committal_with_their_labels():
    assert set(RELEASE_KINDS) == set(CustodyRecord.ReleaseKind.values)
    assert set(RELEASE_KINDS) == {
        "end_of_sentence", "lc", "lsc", "lsc_plein_droit", "adjustment", "end_of_remand",
    }  # fmt: skip
    for code, kind in RELEASE_KINDS.items():
        assert kind.label == CustodyRecord.ReleaseKind(code).label
        assert kind.basis
    # Only an adjustment served outside a cell keeps the person under écrou.
    assert [c for c, k in RELEASE_KINDS.items() if not k.closes_committal] == ["adjustment"]
    assert {c for c, k in RELEASE_KINDS.items() if k.blocked_by_safety_period} == set(
        BLOCKED_BY_SAFETY
    )


@pytest.mark.parametrize(
    ("kind", "granted"),
    [
        ("end_of_sentence", ()),
        ("lc", ("LC",)),
        ("lsc", ("LSC",)),
        ("lsc_plein_droit", ("LSC_PLEIN_DROIT",)),
        ("adjustment", ("SEMI_LIBERTE",)),
        ("adjustment", ("PLACEMENT_EXTERIEUR",)),
        ("adjustment", ("DDSE_AMENAGEMENT",)),
    ],
)
def test_each_release_fits_the_measure_granted(kind, granted):
    assert check_release(kind, TODAY, facts(*granted)) == {}


def test_the_end_of_remand_fits_a_committal_without_sentence():
    assert check_release("end_of_remand", TODAY, facts(has_sentence=False)) == {}


@pytest.mark.parametrize(
    ("kind", "granted", "message"),
    [
        (
            "lc",
            ("LSC",),
            not_granted("libération conditionnelle", "CPP 729 à 733"),
        ),
        (
            "lsc",
            ("LC", "LSC_PLEIN_DROIT"),
            not_granted("libération sous contrainte", "CPP 720 I"),
        ),
        (
            "lsc_plein_droit",
            ("LSC",),
            not_granted("libération sous contrainte de plein droit", "CPP 720 II–III"),
        ),
        (
            # A DDSE pronounced as a sentence of its own is not an adjustment under écrou.
            "adjustment",
            ("DDSE", "LC"),
            not_granted(
                "aménagement sous écrou : semi-liberté, placement à l'extérieur ou DDSE",
                "CPP 723-1, 723-7",
            ),
        ),
    ],
)
def test_a_release_without_the_measure_granted_is_refused_naming_the_rule(kind, granted, message):
    assert check_release(kind, TODAY, facts(*granted)) == {"kind": message}


def test_an_unknown_kind_asks_for_the_kind():
    assert check_release("evasion", TODAY, facts()) == {
        "kind": "Choisissez la nature de la sortie."
    }
    assert check_release("", TODAY, facts()) == {"kind": "Choisissez la nature de la sortie."}


# --- The safety period (CP 132-23) ------------------------------------------------------------


@pytest.mark.parametrize("kind", BLOCKED_BY_SAFETY)
def test_parole_lsc_and_adjustments_are_refused_during_a_safety_period(kind):
    granted = GRANTED_FOR[kind][:1]
    assert check_release(kind, TODAY, facts(*granted, safety_end=SAFETY_END)) == {
        "kind": SAFETY_MESSAGE
    }
    # The day before the end still runs; on its last day the period is over.
    late = facts(*granted, safety_end=SAFETY_END, today=SAFETY_END)
    assert check_release(kind, SAFETY_END - timedelta(days=1), late) == {"kind": SAFETY_MESSAGE}
    assert check_release(kind, SAFETY_END, late) == {}
    # A period already over does not block.
    assert check_release(kind, TODAY, facts(*granted, safety_end=TODAY)) == {}


def test_the_end_of_the_sentence_is_never_refused_for_the_safety_period():
    assert check_release("end_of_sentence", TODAY, facts(safety_end=date(2040, 1, 1))) == {}


def test_the_end_of_remand_is_never_refused_for_the_safety_period():
    assert (
        check_release(
            "end_of_remand", TODAY, facts(safety_end=date(2040, 1, 1), has_sentence=False)
        )
        == {}
    )


def test_without_the_measure_and_during_the_safety_period_the_safety_period_is_named():
    assert check_release("lc", TODAY, facts(safety_end=SAFETY_END)) == {"kind": SAFETY_MESSAGE}


@given(
    kind=st.sampled_from(BLOCKED_BY_SAFETY),
    release=st.dates(min_value=COMMITTAL, max_value=date(2030, 12, 31)),
    safety_end=st.dates(min_value=COMMITTAL, max_value=date(2031, 12, 31)),
)
def test_a_blocked_release_is_refused_exactly_before_the_end_of_the_safety_period(
    kind, release, safety_end
):
    errors = check_release(kind, release, facts(GRANTED_FOR[kind][-1], safety_end=safety_end,
                                                today=date(2031, 1, 1)))  # fmt: skip
    assert ("CP 132-23" in errors.get("kind", "")) is (release < safety_end)
    assert set(errors) <= {"kind"}


@given(
    release=st.dates(min_value=COMMITTAL, max_value=TODAY),
    safety_end=st.none() | st.dates(min_value=COMMITTAL, max_value=date(2060, 12, 31)),
)
def test_the_end_of_the_sentence_fits_whatever_the_safety_period(release, safety_end):
    assert check_release("end_of_sentence", release, facts(safety_end=safety_end)) == {}


# --- Dates of the release ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(RELEASE_KINDS))
def test_a_release_before_the_committal_or_in_the_future_is_refused(kind):
    granted = GRANTED_FOR.get(kind, ())[:1]
    fit = facts(*granted, has_sentence=kind != "end_of_remand")
    assert check_release(kind, COMMITTAL - timedelta(days=1), fit) == {
        "release_date": "La levée d'écrou ne peut pas précéder l'écrou du 10/01/2025."
    }
    assert check_release(kind, TODAY + timedelta(days=1), fit) == {
        "release_date": "La date de levée d'écrou ne peut pas être future."
    }
    assert check_release(kind, None, fit) == {
        "release_date": "Indiquez la date de la levée d'écrou."
    }
    # The day of the committal (a release the same day) and today fit.
    assert check_release(kind, COMMITTAL, fit) == {}
    assert check_release(kind, TODAY, fit) == {}


def test_a_bad_date_and_a_bad_kind_are_both_reported():
    errors = check_release("lsc", TODAY + timedelta(days=3), facts())
    assert errors == {
        "release_date": "La date de levée d'écrou ne peut pas être future.",
        "kind": not_granted("libération sous contrainte", "CPP 720 I"),
    }


# --- Sentence or remand -----------------------------------------------------------------------


def test_the_end_of_remand_is_refused_when_a_sentence_is_recorded():
    assert check_release("end_of_remand", TODAY, facts(has_sentence=True)) == {
        "kind": "Une peine d'emprisonnement est enregistrée sur cet écrou : la personne n'est pas "
        "en détention provisoire. Choisissez la nature de la sortie parmi les autres."
    }


def test_the_end_of_sentence_is_refused_without_a_sentence():
    assert check_release("end_of_sentence", TODAY, facts(has_sentence=False)) == {
        "kind": "Aucune peine n'est enregistrée sur cet écrou (onglet « Peine et dates ») : s'il "
        "s'agit d'une détention provisoire, choisissez « fin de la détention provisoire »."
    }


# --- What a committal suspends (CP 132-43, CP 131-22) -----------------------------------------


@pytest.mark.parametrize(
    ("code", "suspended", "reported"),
    [
        ("SURSIS_PROBATOIRE", True, False),  # CP 132-43
        ("SURSIS_PROBATOIRE_RENFORCE", True, False),
        ("TIG", True, False),  # CP 131-22
        ("SSJ", True, False),
        ("LC", False, True),  # not suspended: an incident for the judge
        ("DDSE", False, True),
        ("DDSE_AMENAGEMENT", False, True),
        ("SEMI_LIBERTE", False, True),
        ("PLACEMENT_EXTERIEUR", False, True),
        ("EMPRISONNEMENT", False, False),
        ("CJ", False, False),
        ("INTERDICTION_SEJOUR", False, False),
    ],
)
def test_what_a_committal_suspends_and_what_it_signals(code, suspended, reported):
    assert rules.suspended_by_committal(code) is suspended
    assert rules.reported_on_committal(code) is reported


def test_days_held_count_from_the_committal_the_release_day_being_a_day_out():
    assert rules.days_held(date(2025, 10, 22), date(2025, 10, 24)) == 2
    assert rules.days_held(date(2025, 10, 22), date(2025, 10, 22)) == 0
    assert rules.days_held(date(2025, 12, 31), date(2026, 3, 1)) == 60
    assert rules.days_held(date(2025, 10, 22), date(2025, 10, 1)) == 0  # never negative


# --- The end « au plus tôt » of a suspended measure -------------------------------------------


def test_the_earliest_end_is_pushed_by_the_days_held_so_far():
    end, since = date(2027, 1, 10), date(2026, 1, 10)
    assert end_if_released_on(end, since, date(2026, 3, 20)) == date(2027, 3, 20)  # 69 days
    assert end_if_released_on(end, since, since) == end  # released the day of the committal
    assert end_if_released_on(end, since, date(2026, 1, 1)) == end  # not before the committal


def test_without_an_end_or_a_suspension_the_end_stays():
    assert end_if_released_on(None, date(2026, 1, 10), TODAY) is None
    assert end_if_released_on(date(2027, 1, 10), None, TODAY) == date(2027, 1, 10)


@given(
    end=st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31)),
    since=st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31)),
    held=st.integers(min_value=0, max_value=3650),
)
def test_the_earliest_end_grows_one_day_per_day_held_and_is_never_before_the_end(end, since, held):
    on = since + timedelta(days=held)
    earliest = end_if_released_on(end, since, on)
    assert earliest >= end
    assert earliest == end + timedelta(days=rules.days_held(since, on))
    assert end_if_released_on(end, since, on + timedelta(days=1)) == earliest + timedelta(days=1)


# --- The first appointment after a release ----------------------------------------------------


def test_a_first_appointment_on_the_deadline_is_in_time():
    assert rules.first_appointment_warning(date(2026, 3, 26), date(2026, 3, 26), "x") == ""
    assert rules.first_appointment_warning(date(2026, 3, 23), date(2026, 3, 26), "x") == ""


def test_a_first_appointment_after_the_deadline_is_a_warning_with_the_rule():
    text = "5 jours ouvrables après la sortie, libération sous contrainte, D. 147-17-5"
    assert rules.first_appointment_warning(date(2026, 3, 27), date(2026, 3, 26), text) == (
        "Le premier rendez-vous est fixé après le délai légal (5 jours ouvrables après la "
        "sortie, libération sous contrainte, D. 147-17-5) : au plus tard le 26/03/2026."
    )


@given(
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    due=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
)
def test_a_warning_exactly_when_the_appointment_is_after_the_deadline(day, due):
    assert bool(rules.first_appointment_warning(day, due, "règle")) is (day > due)


# --- The first-interview deadline after a release (workflows: the table) ----------------------

RELEASE = date(2026, 3, 20)  # a Friday
DECIDED = date(2024, 6, 3)  # the judgment, long before the release


def after_release(code, release=RELEASE, *, decided=DECIDED, **facts_of_the_judgment):
    """The deadline of a measure that starts at the release (as the release opens it)."""
    return first_interview_deadline(
        code,
        decision_date=decided,
        start_date=release,
        release_date=release,
        default_days=10,
        **facts_of_the_judgment,
    )


def test_probation_after_prison_one_month_after_the_release():
    deadline = after_release("SURSIS_PROBATOIRE")
    assert deadline.due == date(2026, 4, 20)
    assert deadline.delay == "1 mois"
    assert deadline.basis == "CPP 741-1 ; C. pénit. R. 621-1, R. 621-2"


@pytest.mark.parametrize("fact", ["ssj_incurred", "ssj_on_record", "reinforced_follow_up"])
def test_probation_after_prison_eight_days_when_a_fact_of_the_judgment_says_so(fact):
    """8 days when the offence allows socio-judicial follow-up, when the record shows such a
    conviction, or when follow-up is reinforced (C. pénit. R. 621-1, R. 621-2)."""
    deadline = after_release("SURSIS_PROBATOIRE", **{fact: True})
    assert deadline.due == date(2026, 3, 28)
    assert deadline.delay == "8 jours"


def test_reinforced_probation_8_days_with_provisional_execution_else_15():
    """CPP 741-2; D. 546-2, D. 546-3: from the judgment."""
    decided = date(2026, 3, 2)

    def not_after_prison(**facts):
        return first_interview_deadline(
            "SURSIS_PROBATOIRE_RENFORCE", decision_date=decided, start_date=decided,
            release_date=None, default_days=10, **facts,
        )  # fmt: skip

    with_provisional = not_after_prison(provisional=True)
    assert with_provisional.due == date(2026, 3, 10)
    without = not_after_prison()
    assert without.due == date(2026, 3, 17)
    assert without.basis == "CPP 741-2 ; D. 546-2, D. 546-3"


def test_reinforced_probation_following_a_prison_term_8_days_after_the_release():
    """CPP 741-1; C. pénit. R. 621-2: follow-up reinforced after release, 8 days."""
    assert after_release("SURSIS_PROBATOIRE_RENFORCE").due == date(2026, 3, 28)


def test_socio_judicial_follow_up_8_days_after_the_release():
    """CPP 763-7-1."""
    deadline = after_release("SSJ")
    assert deadline.due == date(2026, 3, 28)
    assert deadline.basis == "CPP 763-7-1"


@pytest.mark.parametrize("code", ["LSC", "LSC_PLEIN_DROIT"])
def test_release_under_constraint_5_jours_ouvrables_saturday_counted(code):
    """Released on Friday 20 March 2026: Saturday 21 (1), Sunday out, Monday 23 (2) to
    Thursday 26 (5); the release day is not counted (D. 147-17-5). In jours ouvrés it would be
    Friday 27."""
    deadline = after_release(code)
    assert deadline.due == date(2026, 3, 26)
    assert deadline.delay == "5 jours ouvrables"
    assert deadline.basis == "D. 147-17-5"
    assert add_jours_ouvres(RELEASE, 5) == date(2026, 3, 27)


@pytest.mark.parametrize(
    ("release", "due"),
    [
        (date(2026, 3, 23), date(2026, 3, 28)),  # Monday → the Saturday
        (date(2026, 4, 30), date(2026, 5, 7)),  # 1 May out, Saturday 2 May in
        (date(2026, 5, 6), date(2026, 5, 13)),  # 8 May out
        (date(2026, 5, 11), date(2026, 5, 18)),  # Ascension (14 May) out
        (date(2026, 5, 22), date(2026, 5, 29)),  # Whit Monday (25 May) out
        (date(2026, 12, 23), date(2026, 12, 30)),  # Christmas out, Saturday 26 in
        (date(2026, 12, 31), date(2027, 1, 7)),  # New Year's Day out
    ],
)
def test_release_under_constraint_across_public_holidays(release, due):
    assert after_release("LSC", release).due == due


@pytest.mark.parametrize(
    ("release", "metropolitan", "alsace_moselle"),
    [
        (date(2026, 4, 1), date(2026, 4, 8), date(2026, 4, 9)),  # Good Friday (3 April)
        (date(2026, 12, 23), date(2026, 12, 30), date(2026, 12, 31)),  # 26 December
    ],
)
def test_alsace_moselle_holidays_push_the_lsc_deadline(release, metropolitan, alsace_moselle):
    assert after_release("LSC", release).due == metropolitan
    assert after_release("LSC", release, alsace_moselle=True).due == alsace_moselle


# --- Jours ouvrables and jours ouvrés ---------------------------------------------------------

DAYS = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


@given(day=DAYS, count=st.integers(min_value=0, max_value=30), alsace=st.booleans())
def test_jours_ouvrables_come_no_later_than_jours_ouvres(day, count, alsace):
    ouvrables = add_jours_ouvrables(day, count, alsace_moselle=alsace)
    assert ouvrables <= add_jours_ouvres(day, count, alsace_moselle=alsace)
    assert (ouvrables > day) is (count > 0)


@given(day=DAYS, count=st.integers(min_value=1, max_value=30), alsace=st.booleans())
def test_the_nth_jour_ouvrable_is_one_and_exactly_n_lie_after_the_start(day, count, alsace):
    due = add_jours_ouvrables(day, count, alsace_moselle=alsace)
    assert is_jour_ouvrable(due, alsace_moselle=alsace)
    between = [day + timedelta(days=n) for n in range(1, (due - day).days + 1)]
    assert sum(is_jour_ouvrable(d, alsace_moselle=alsace) for d in between) == count
    # At most one Sunday and the holidays in the way: never more than two weeks for 5 days.
    if count == 5:
        assert (due - day).days <= 14
