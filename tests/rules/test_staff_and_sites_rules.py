"""Opening hours, closed days, staff absences and who a manager may appoint: pure rules, no
database."""

from datetime import date
from decimal import Decimal

from probatio.accounts import rules as staff
from probatio.caseloads import rules as caseloads
from probatio.organisation import rules as sites


def test_hours_of_a_normal_week_are_fine():
    hours = {"1": [["09:00", "12:30"], ["13:30", "17:00"]], "6": [["09:00", "12:00"]]}
    assert sites.opening_hours_errors(hours) == {}


def test_a_range_that_ends_before_it_starts_is_refused():
    errors = sites.opening_hours_errors({"2": [["14:00", "09:00"]]})
    assert errors == {"2": "Mardi : la plage 14:00 – 09:00 doit commencer avant de finir."}


def test_a_range_of_no_length_is_refused():
    assert "2" in sites.opening_hours_errors({"2": [["09:00", "09:00"]]})


def test_overlapping_ranges_are_refused_whatever_their_order():
    errors = sites.opening_hours_errors({"3": [["13:00", "17:00"], ["09:00", "13:30"]]})
    assert errors == {"3": "Mercredi : les plages 09:00 – 13:30 et 13:00 – 17:00 se chevauchent."}


def test_ranges_that_touch_do_not_overlap():
    assert sites.opening_hours_errors({"4": [["09:00", "12:30"], ["12:30", "17:00"]]}) == {}


def test_a_time_badly_written_and_an_unknown_day_are_refused():
    assert sites.opening_hours_errors({"1": [["9h", "12:00"]]}) == {
        "1": "Lundi : écrivez les heures sous la forme 09:00."
    }
    assert sites.opening_hours_errors({"1": [["25:00", "26:00"]]})
    assert "8" in sites.opening_hours_errors({"8": [["09:00", "12:00"]]})


def test_stored_hours_are_sorted_and_closed_days_left_out():
    assert sites.normalised_hours(
        {"5": [["14:00", "17:00"], ["09:00", "12:00"]], "6": [], "1": [["08:30", "12:00"]]}
    ) == {"1": [["08:30", "12:00"]], "5": [["09:00", "12:00"], ["14:00", "17:00"]]}


PONT = sites.Closure(start=date(2027, 5, 7), end=date(2027, 5, 7), reason="Pont de l'Ascension")
WORKS = sites.Closure(
    start=date(2027, 5, 10), end=date(2027, 5, 12), reason="Travaux", site_id=4, site_name="A"
)


def test_a_closure_of_the_whole_service_closes_every_site():
    assert sites.closure_on(date(2027, 5, 7), 4, [PONT, WORKS]) is PONT
    assert sites.closure_on(date(2027, 5, 7), 9, [PONT, WORKS]) is PONT
    assert sites.closure_on(date(2027, 5, 7), None, [PONT, WORKS]) is PONT


def test_a_closure_of_a_site_closes_that_site_only_on_its_days():
    assert sites.closure_on(date(2027, 5, 10), 4, [PONT, WORKS]) is WORKS
    assert sites.closure_on(date(2027, 5, 12), 4, [PONT, WORKS]) is WORKS
    assert sites.closure_on(date(2027, 5, 13), 4, [PONT, WORKS]) is None
    assert sites.closure_on(date(2027, 5, 11), 9, [PONT, WORKS]) is None
    assert sites.closure_on(date(2027, 5, 11), None, [PONT, WORKS]) is None


def test_the_refusal_of_a_closed_site_says_when_and_why():
    assert sites.closed_site_message(WORKS, "Antenne d'Amiens", date(2027, 5, 11)) == (
        "« Antenne d'Amiens » est fermée le 11/05/2027 (Travaux) : choisissez un autre jour ou "
        "un autre lieu."
    )
    assert sites.closed_site_message(PONT, "Antenne d'Amiens", date(2027, 5, 7)).startswith(
        "Le service est fermé le 07/05/2027 (Pont de l'Ascension)"
    )
    assert sites.closure_period(PONT) == "le 07/05/2027"
    assert sites.closure_period(WORKS) == "du 10/05/2027 au 12/05/2027"


def test_a_manager_grants_every_role_but_the_judges():
    assert staff.MANAGER_GRANTS == (
        "cpip",
        "manager",
        "secretariat",
        "monitoring",
        "psychologist",
        "social_worker",
    )
    assert staff.grant_refusal("cpip") == ""
    assert "administration de la plateforme" in staff.grant_refusal("judge")
    assert staff.grant_refusal("superuser") == "Rôle inconnu : choisissez un rôle dans la liste."


def test_identity_is_editable_only_when_every_membership_is_in_the_service():
    assert staff.identity_editable(3, [3, 3])
    assert staff.identity_editable(3, [])
    assert not staff.identity_editable(3, [3, 5])


def test_the_service_keeps_a_manager():
    assert staff.keeps_a_manager([1, 2], leaving=1)
    assert not staff.keeps_a_manager([1], leaving=1)
    assert not staff.keeps_a_manager([], leaving=1)


LEAVE = staff.Away(start=date(2027, 3, 8), end=date(2027, 3, 12), kind="leave", label="Congés")
TRAINING = staff.Away(
    start=date(2027, 3, 13), end=date(2027, 3, 16), kind="training", label="Formation"
)


def test_an_absence_covers_its_first_and_last_days():
    assert staff.absence_on(date(2027, 3, 8), [LEAVE]) is LEAVE
    assert staff.absence_on(date(2027, 3, 12), [LEAVE]) is LEAVE
    assert staff.absence_on(date(2027, 3, 7), [LEAVE]) is None


def test_absent_until_follows_an_absence_that_continues_the_first():
    assert staff.absent_until(date(2027, 3, 10), [TRAINING, LEAVE]) == date(2027, 3, 16)
    assert staff.absent_until(date(2027, 3, 7), [TRAINING, LEAVE]) is None
    later = staff.Away(start=date(2027, 3, 20), end=date(2027, 3, 25))
    assert staff.absent_until(date(2027, 3, 10), [LEAVE, later]) == date(2027, 3, 12)


def test_a_long_absence_is_a_week_or_more_counting_today():
    today = date(2027, 3, 8)
    assert staff.is_long_absence(date(2027, 3, 14), today)  # 7 days
    assert not staff.is_long_absence(date(2027, 3, 13), today)  # 6 days
    assert not staff.is_long_absence(date(2027, 3, 8), today)  # a day of training
    assert not staff.is_long_absence(None, today)


def test_the_refusal_of_an_absent_staff_member_names_the_absence():
    assert staff.absent_message("Camille Conseil", LEAVE, date(2027, 3, 9)) == (
        "Camille Conseil est absent·e le 09/03/2027 (congés, du 08/03/2027 au 12/03/2027) : "
        "choisissez un autre jour ou un·e autre professionnel·le."
    )


def cpip(user_id, points, *, absent_until=None):
    return caseloads.Candidate(
        user_id=user_id,
        name=f"CPIP {user_id}",
        points=Decimal(points),
        capacity=Decimal("60"),
        absent_until=absent_until,
    )


def test_the_suggestion_skips_a_cpip_away_for_a_long_time():
    today = date(2027, 3, 8)
    away = cpip(1, "10", absent_until=date(2027, 3, 19))
    busy = cpip(2, "40")
    assert caseloads.suggest([away, busy], in_custody=False, today=today) is busy


def test_the_suggestion_keeps_a_cpip_away_for_a_day_or_two():
    today = date(2027, 3, 8)
    training = cpip(1, "10", absent_until=date(2027, 3, 9))
    busy = cpip(2, "40")
    assert caseloads.suggest([training, busy], in_custody=False, today=today) is training


def test_no_suggestion_when_everyone_is_away_for_long():
    today = date(2027, 3, 8)
    away = cpip(1, "10", absent_until=date(2027, 4, 30))
    assert caseloads.suggest([away], in_custody=False, today=today) is None
    # Without a day, the absence is not read (the rule needs ``today``).
    assert caseloads.suggest([away], in_custody=False) is away
