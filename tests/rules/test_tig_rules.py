"""The pure rules of community work (TIG), without a database: the bounds of an order, its
deadline (calendar months clamped at month ends, extended by suspensions until stable), the
pace check and its statuses, the hours of a session, weekly schedules typed as text, and the
matching of placements (compatibility, ranking)."""

from datetime import date, time
from decimal import Decimal

import pytest

from probatio.community_work import rules
from probatio.community_work.rules import Candidate, Slot, Wishes

D = Decimal


# --- Bounds of an order ---------------------------------------------------------------------


@pytest.mark.parametrize(("hours", "months"), [(20, 1), (400, 18), (120, 12)])
def test_orders_within_the_legal_bounds_have_no_error(hours, months):
    assert rules.order_errors(hours, months) == {}


@pytest.mark.parametrize("hours", [0, 19, 401, 1000])
def test_hours_outside_20_to_400_are_refused_in_french(hours):
    errors = rules.order_errors(hours, 12)
    assert set(errors) == {"hours_ordered"}
    assert errors["hours_ordered"] == (
        f"Un TIG compte de 20 à 400 heures (CP 131-8) : {hours} h n'est pas possible."
    )


@pytest.mark.parametrize("months", [0, 19, 24])
def test_a_period_beyond_18_months_or_empty_is_refused(months):
    errors = rules.order_errors(100, months)
    assert errors == {
        "period_months": "Le délai d'exécution d'un TIG est d'un mois à 18 mois (CP 131-22) : "
        f"{months} mois n'est pas possible."
    }


def test_missing_hours_and_period_are_both_named():
    assert rules.order_errors(None, None) == {
        "hours_ordered": "Indiquez le nombre d'heures prononcé.",
        "period_months": "Indiquez le délai d'exécution fixé par la juridiction.",
    }


# --- Deadline ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counted_from", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # clamped at the end of February
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 8, 31), 18, date(2027, 2, 28)),
        (date(2026, 8, 31), 18, date(2028, 2, 29)),  # 2028 is a leap year
        (date(2025, 3, 31), 6, date(2025, 9, 30)),
        (date(2025, 1, 10), 12, date(2026, 1, 10)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),  # across a new year
    ],
)
def test_the_deadline_counts_calendar_months_clamped_at_month_ends(counted_from, months, expected):
    result = rules.deadline(counted_from, months)
    assert result == rules.Deadline(expected, expected, 0, 0)


def test_a_suspension_inside_the_period_extends_the_deadline_by_its_days():
    # 10 days of custody (1st to 10th of March, both included).
    result = rules.deadline(date(2025, 1, 10), 12, [(date(2025, 3, 1), date(2025, 3, 10))])
    assert result.base == date(2026, 1, 10)
    assert result.suspended_days == 10
    assert result.day == date(2026, 1, 20)


def test_only_the_days_of_a_suspension_overlapping_the_start_count():
    # In custody from 1st January, the period counted from the 10th: days 10 to 19 count.
    result = rules.deadline(date(2025, 1, 10), 1, [(date(2025, 1, 1), date(2025, 1, 19))])
    assert result.suspended_days == 10
    assert result.day == date(2025, 2, 20)


def test_a_suspension_before_the_period_or_after_the_deadline_does_not_count():
    result = rules.deadline(
        date(2025, 1, 10),
        1,
        [(date(2024, 12, 1), date(2025, 1, 9)), (date(2025, 2, 11), date(2025, 3, 1))],
    )
    assert result == rules.Deadline(date(2025, 2, 10), date(2025, 2, 10), 0, 0)


def test_a_one_day_suspension_on_the_deadline_itself_counts():
    result = rules.deadline(date(2025, 1, 10), 1, [(date(2025, 2, 10), date(2025, 2, 10))])
    assert result.suspended_days == 1
    assert result.day == date(2025, 2, 11)


def test_an_extension_into_another_suspension_extends_again_until_stable():
    # Base deadline 1 February 2025. Custody 15-24 January (10 days) brings it to 11 February,
    # inside a house arrest from 5 to 20 February (16 days): 26 days in all.
    result = rules.deadline(
        date(2025, 1, 1),
        1,
        [(date(2025, 1, 15), date(2025, 1, 24)), (date(2025, 2, 5), date(2025, 2, 20))],
    )
    assert result.base == date(2025, 2, 1)
    assert result.suspended_days == 26
    assert result.day == date(2025, 2, 27)


def test_the_judges_suspension_is_added_and_may_itself_reach_a_suspension():
    # 1 February + 10 days = 11 February, which reaches custody from 5 to 8 February.
    result = rules.deadline(
        date(2025, 1, 1), 1, [(date(2025, 2, 5), date(2025, 2, 8))], extra_days=10
    )
    assert result == rules.Deadline(date(2025, 2, 15), date(2025, 2, 1), 4, 10)


def test_judges_suspension_alone():
    result = rules.deadline(date(2025, 1, 31), 1, extra_days=3)
    assert result == rules.Deadline(date(2025, 3, 3), date(2025, 2, 28), 0, 3)


def test_overlapping_suspensions_count_each_day_once():
    # In custody from 1 to 10 March and, on the same days from the 5th, under a house arrest
    # measure recorded until the 15th: the TIG was suspended 15 days, not 10 + 11 = 21.
    result = rules.deadline(
        date(2025, 1, 10),
        12,
        [(date(2025, 3, 1), date(2025, 3, 10)), (date(2025, 3, 5), date(2025, 3, 15))],
    )
    assert result.suspended_days == 15
    assert result.day == date(2026, 1, 25)


@pytest.mark.parametrize(
    ("counted_from", "expected"),
    [
        (date(2025, 1, 10), date(2025, 3, 10)),
        (date(2024, 12, 31), date(2025, 2, 28)),
        (date(2023, 12, 31), date(2024, 2, 29)),
    ],
)
def test_no_placement_becomes_an_alert_two_calendar_months_after_the_decision(
    counted_from, expected
):
    assert rules.no_placement_alert_day(counted_from) == expected


# --- Pace --------------------------------------------------------------------------------------


def pace(ordered=100, done="0", today=date(2025, 3, 3), deadline=date(2025, 3, 16), offered="6"):
    return rules.pace(
        hours_ordered=ordered,
        hours_done=D(done),
        today=today,
        deadline_day=deadline,
        offered_per_week=D(offered),
    )


def test_weeks_left_count_today_and_the_deadline_both_included():
    # Monday 3 March to Sunday 16 March: 14 days, two weeks.
    result = pace(ordered=20, done="8", offered="6")
    assert result.weeks_left == D(2)
    assert result.remaining == D(12)
    assert result.needed_per_week == D("6.0")
    # 12 h in two weeks at 6 h a week: exactly on pace.
    assert result.status == rules.ON_PACE
    assert not result.at_risk
    assert result.label == "Dans les temps"


def test_late_when_the_hours_left_per_week_exceed_what_the_placement_offers():
    result = pace(ordered=20, done="8", offered="5.75")
    assert result.status == rules.LATE
    assert result.at_risk
    assert result.label == "En retard sur le rythme"
    assert result.needed_per_week == D("6.0")
    assert result.offered_per_week == D("5.75")


def test_needed_per_week_is_rounded_to_a_tenth():
    # 10 h left over 21 days (three weeks): 3.33… shown 3.3.
    result = pace(ordered=30, done="20", deadline=date(2025, 3, 23), offered="2")
    assert result.weeks_left == D(3)
    assert result.needed_per_week == D("3.3")
    assert result.status == rules.LATE


def test_a_part_week_is_counted_as_a_fraction():
    # 10 days left (today included): 10/7 weeks. 10 h left needs 7 h a week.
    result = pace(ordered=30, done="20", deadline=date(2025, 3, 12), offered="7")
    assert result.weeks_left == D(10) / D(7)
    assert result.needed_per_week == D("7.0")
    assert result.status == rules.ON_PACE


def test_without_placement_nothing_is_offered():
    result = pace(ordered=100, done="0", offered="0")
    assert result.status == rules.NO_PLACEMENT
    assert result.at_risk
    assert result.label == "Sans poste"
    assert result.needed_per_week == D("50.0")


def test_all_hours_done_is_completed_whatever_the_date():
    for today in (date(2025, 3, 3), date(2025, 6, 1)):
        result = pace(ordered=20, done="20", today=today)
        assert result.status == rules.COMPLETED
        assert result.remaining == 0
        assert result.needed_per_week is None
        assert not result.at_risk
        assert result.label == "Heures effectuées"


def test_more_hours_than_ordered_leave_nothing_to_do():
    result = pace(ordered=20, done="21")
    assert result.status == rules.COMPLETED
    assert result.remaining == 0


def test_the_day_after_the_deadline_is_overdue_the_deadline_itself_is_not():
    # On the deadline itself one day is left (1/7 week): 1 h needs 7 h a week.
    on_the_day = pace(ordered=20, done="19", today=date(2025, 3, 16), offered="10")
    assert on_the_day.status == rules.ON_PACE
    assert on_the_day.weeks_left == D(1) / D(7)
    assert on_the_day.needed_per_week == D("7.0")
    late = pace(ordered=20, done="19", today=date(2025, 3, 16), offered="3")
    assert late.status == rules.LATE

    after = pace(ordered=20, done="19", today=date(2025, 3, 17), offered="30")
    assert after.status == rules.OVERDUE
    assert after.weeks_left == 0
    assert after.needed_per_week is None
    assert after.remaining == D(1)
    assert after.at_risk
    assert after.label == "Délai dépassé"


def test_overdue_even_without_placement():
    result = pace(ordered=20, done="0", today=date(2025, 4, 1), offered="0")
    assert result.status == rules.OVERDUE


# --- Hours of a session ------------------------------------------------------------------------


@pytest.mark.parametrize("hours", ["0.25", "3.5", "2.75", "10", "7"])
def test_work_hours_in_quarters_up_to_ten_are_accepted(hours):
    assert rules.hours_error(D(hours), remaining=D(50), kind="work") is None


@pytest.mark.parametrize("hours", [None, D(0), D(-2)])
def test_a_work_session_needs_some_hours(hours):
    assert rules.hours_error(hours, remaining=D(50), kind="work") == (
        "Indiquez les heures effectuées."
    )


def test_more_than_ten_hours_a_session_are_refused():
    assert rules.hours_error(D("10.25"), remaining=D(50), kind="work") == (
        "Une séance compte 10 heures au plus."
    )


@pytest.mark.parametrize("hours", ["3.3", "1.1", "2.2", "0.1"])
def test_hours_not_in_quarters_are_refused(hours):
    assert rules.hours_error(D(hours), remaining=D(50), kind="work") == (
        "Les heures se comptent par quarts d'heure (par exemple 3,5 ou 2,25)."
    )


def test_never_more_than_the_hours_left():
    assert rules.hours_error(D("2"), remaining=D("2"), kind="work") is None
    assert rules.hours_error(D("2.25"), remaining=D("2"), kind="work") == (
        "Ces heures dépassent celles qui restent à effectuer (2 h) : vérifiez la feuille d'heures."
    )
    assert rules.hours_error(D("3"), remaining=D("2.5"), kind="work").startswith(
        "Ces heures dépassent celles qui restent à effectuer (2,5 h)"
    )
    assert rules.hours_error(D("1"), remaining=D(0), kind="work") is not None


@pytest.mark.parametrize("kind", ["absence_excused", "absence_unexcused", "incident"])
def test_absences_and_incidents_have_no_hours(kind):
    assert rules.hours_error(None, remaining=D(10), kind=kind) is None
    assert rules.hours_error(D(0), remaining=D(10), kind=kind) is None
    assert rules.hours_error(D(3), remaining=D(10), kind=kind) == (
        "Une absence ou un incident ne compte pas d'heures."
    )
    # Even when no hour is left to do.
    assert rules.hours_error(None, remaining=D(0), kind=kind) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [(D("3.50"), "3,5 h"), (70, "70 h"), (D("100.00"), "100 h"), (D("2.25"), "2,25 h"),
     (D(0), "0 h"), (D("0.00"), "0 h")],
)  # fmt: skip
def test_hours_are_written_the_french_way(value, text):
    assert rules.hours_text(value) == text


# --- Schedules -----------------------------------------------------------------------------------


def slot(day, start, end):
    return Slot(day, time.fromisoformat(start), time.fromisoformat(end))


def test_a_slot_counts_its_hours_and_parses_from_storage():
    assert slot(0, "09:00", "12:30").hours == D("3.5")
    assert slot(2, "14:00", "14:15").hours == D("0.25")
    assert rules.parse_slots([{"day": 2, "start": "14:00", "end": "17:30"}]) == [
        slot(2, "14:00", "17:30")
    ]
    assert rules.parse_slots([]) == []


def test_weekly_hours_and_text_of_a_schedule():
    slots = [slot(2, "14:00", "17:30"), slot(0, "09:00", "12:00"), slot(0, "13:00", "14:00")]
    assert rules.weekly_hours(slots) == D("7.5")
    assert rules.weekly_hours([]) == 0
    assert (
        rules.schedule_text(slots) == "lundi 09:00–12:00, lundi 13:00–14:00, mercredi 14:00–17:30"
    )


def test_slots_errors():
    assert rules.slots_error([]) == (
        "Indiquez au moins un créneau (jour, heure de début, heure de fin)."
    )
    assert rules.slots_error([slot(7, "09:00", "10:00")]) == "Jour de la semaine inconnu."
    assert rules.slots_error([slot(1, "12:00", "09:00")]) == (
        "Le créneau du mardi doit finir après son début."
    )
    assert rules.slots_error([slot(1, "09:00", "09:00")]) == (
        "Le créneau du mardi doit finir après son début."
    )
    assert rules.slots_error([slot(3, "09:00", "12:00"), slot(3, "11:00", "13:00")]) == (
        "Deux créneaux du jeudi se chevauchent."
    )
    # Given in any order.
    assert rules.slots_error([slot(3, "11:00", "13:00"), slot(3, "09:00", "12:00")]) == (
        "Deux créneaux du jeudi se chevauchent."
    )
    # Back to back, or the same hours on other days: fine.
    assert rules.slots_error([slot(3, "09:00", "12:00"), slot(3, "12:00", "13:00")]) is None
    assert rules.slots_error([slot(3, "09:00", "12:00"), slot(4, "09:00", "12:00")]) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lundi 9:00-12:00 ; mercredi 14h-17h30",
         [slot(0, "09:00", "12:00"), slot(2, "14:00", "17:30")]),
        ("Mardi 9h à 12h", [slot(1, "09:00", "12:00")]),
        ("jeudi 8-12\nvendredi 13:30 – 16:45", [slot(3, "08:00", "12:00"),
                                                slot(4, "13:30", "16:45")]),
        ("  samedi   9h00 - 12h00 ;  ; ", [slot(5, "09:00", "12:00")]),
        ("DIMANCHE 10:00-11:00", [slot(6, "10:00", "11:00")]),
        ("lundi 9:00-12:00 ; lundi 13:00-17:00",
         [slot(0, "09:00", "12:00"), slot(0, "13:00", "17:00")]),
    ],
)  # fmt: skip
def test_schedules_typed_as_text_are_read(text, expected):
    slots, error = rules.parse_schedule_text(text)
    assert error is None
    assert slots == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("funday 9:00-12:00", "Créneau « funday 9:00-12:00 » non compris : écrivez par exemple "
                              "« lundi 9:00-12:00 ; mercredi 14:00-17:00 »."),
        ("lundi 9:00-12:00 ; mercredi matin", "Créneau « mercredi matin » non compris : écrivez "
         "par exemple « lundi 9:00-12:00 ; mercredi 14:00-17:00 »."),
        ("lundi", "Créneau « lundi » non compris : écrivez par exemple « lundi 9:00-12:00 ; "
                  "mercredi 14:00-17:00 »."),
        ("lundi 25:00-26:00", "Heure impossible dans « lundi 25:00-26:00 »."),
        ("lundi 9:75-10:00", "Heure impossible dans « lundi 9:75-10:00 »."),
        ("lundi 12:00-9:00", "Le créneau du lundi doit finir après son début."),
        ("mardi 9-12 ; mardi 11-13", "Deux créneaux du mardi se chevauchent."),
        ("", "Indiquez au moins un créneau (jour, heure de début, heure de fin)."),
        (" ; ", "Indiquez au moins un créneau (jour, heure de début, heure de fin)."),
    ],
)  # fmt: skip
def test_schedules_not_understood_say_which_part_in_french(text, message):
    assert rules.parse_schedule_text(text) == ([], message)


def test_the_text_shown_in_a_form_reads_back_to_the_same_slots():
    slots = [slot(4, "13:30", "16:00"), slot(0, "09:00", "12:00"), slot(2, "14:00", "17:30")]
    text = rules.schedule_input_text(slots)
    assert text == "lundi 09:00-12:00 ; mercredi 14:00-17:30 ; vendredi 13:30-16:00"
    assert rules.parse_schedule_text(text) == (sorted(slots, key=lambda s: (s.day, s.start)), None)


# --- Matching ------------------------------------------------------------------------------------


def test_skills_are_folded_words_separated_by_commas():
    assert rules.skill_set("Permis B,  Hygiène alimentaire , ,") == frozenset(
        {"permis b", "hygiene alimentaire"}
    )
    assert rules.skill_set("") == frozenset()
    assert rules.skill_set(None) == frozenset()


def candidate(pk, *, postcode="80000", department="80", days=(0, 2), skills=(),
              transport=True, free=1, available=date(2025, 3, 3)) -> Candidate:  # fmt: skip
    return Candidate(
        placement_id=pk,
        postcode=postcode,
        department=department,
        days=frozenset(days),
        skills=frozenset(skills),
        public_transport=transport,
        free_places=free,
        available_on=available,
    )


def wishes(*, postcode="80000", department="80", days=(0, 1, 2), skills=(),
           transport=False) -> Wishes:  # fmt: skip
    return Wishes(
        postcode=postcode,
        department=department,
        days=frozenset(days),
        skills=frozenset(skills),
        needs_public_transport=transport,
    )


def test_a_placement_that_suits_has_no_reason_against():
    assert rules.compatible(candidate(1), wishes()) == []


def test_each_reason_a_placement_does_not_suit_is_given_in_french():
    assert rules.compatible(candidate(1, department="60", postcode="60000"), wishes()) == [
        "hors du département de la personne"
    ]
    assert rules.compatible(candidate(1, days=(3, 4)), wishes()) == [
        "aucun jour commun avec les disponibilités"
    ]
    assert rules.compatible(
        candidate(1, skills=("permis b", "hygiene alimentaire")), wishes(skills=("permis b",))
    ) == ["compétence requise : hygiene alimentaire"]
    assert rules.compatible(candidate(1, transport=False), wishes(transport=True)) == [
        "non desservi par les transports en commun"
    ]
    everything = rules.compatible(
        candidate(1, department="60", days=(5,), skills=("cuisine",), transport=False),
        wishes(transport=True),
    )
    assert everything == [
        "hors du département de la personne",
        "aucun jour commun avec les disponibilités",
        "compétence requise : cuisine",
        "non desservi par les transports en commun",
    ]


def test_what_the_person_did_not_say_does_not_exclude():
    # No département known, no days given: any area, any day.
    assert rules.compatible(candidate(1, department="60", days=(6,)), wishes(
        postcode="", department="", days=())) == []  # fmt: skip
    # Skills the person has beyond those required, a served placement without need: fine.
    assert rules.compatible(candidate(1, skills=("permis b",), transport=True),
                            wishes(skills=("permis b", "cuisine"))) == []  # fmt: skip


def test_ranking_soonest_first_then_same_postcode_then_most_days_in_common():
    today = date(2025, 3, 3)
    later = candidate(1, available=date(2025, 4, 1), postcode="80000", days=(0, 1, 2))
    elsewhere = candidate(2, postcode="80100", days=(0, 1, 2))
    one_day = candidate(3, days=(0,))
    two_days = candidate(4, days=(0, 2))
    unsuitable = candidate(5, skills=("permis c",))
    ranked = rules.rank([later, elsewhere, one_day, two_days, unsuitable], wishes())
    assert [c.placement_id for c in ranked] == [4, 3, 2, 1]
    assert all(c.available_on == today for c in ranked[:3])


def test_ranking_breaks_ties_by_placement_id_and_keeps_only_suitable_ones():
    ranked = rules.rank([candidate(9), candidate(3), candidate(5, department="02")], wishes())
    assert [c.placement_id for c in ranked] == [3, 9]
    assert rules.rank([], wishes()) == []
