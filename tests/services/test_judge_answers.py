"""The judge's answer as a transition, on a real database: each answer changes everything it
must (the decision of the judge's court, the measures it opens, the obligations, the sentence
to serve, the reductions and the dates, the suspension and the flag) and nothing else, in one
transaction; a refused answer stores nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from probatio.audit.models import AuditEntry
from probatio.measures import services as measure_services
from probatio.measures.models import Decision, Measure, Obligation
from probatio.people.models import Person, TimelineEvent
from probatio.people.selectors import person_get_for
from probatio.reports import answers, rules
from probatio.reports import services as report_services
from probatio.reports.models import JudgeAnswer, Report
from probatio.reports.selectors import report_get_for
from probatio.sentences.models import PenalSituation, Reduction, Sentence
from probatio.sentences.services import terms_update
from probatio.transitions import services
from probatio.transitions.services import AnswerData
from tests.factories import (
    gate,
    make_decision,
    make_measure,
    make_person,
    make_prisoner,
    make_transmitted_report,
)

TODAY = date(2026, 3, 20)
CONTROL_CODES = {
    "CTRL_CONVOCATION",
    "CTRL_VISITE_DOCS",
    "CTRL_CHANGEMENT_EMPLOI",
    "CTRL_CHANGEMENT_RESIDENCE",
    "CTRL_AUTORISATION_JAP",
    "CTRL_INFO_ETRANGER",
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 3, 20, 10, 0, tzinfo=UTC), tick=False):
        yield


def transmitted(membership, person, kind, *, measure=None, matter="", urgency="", court=None):
    """A report transmitted to the judge (``tests.factories.make_transmitted_report``)."""
    return make_transmitted_report(membership, person, kind, today=TODAY, measure=measure,
                                   matter=matter, urgency=urgency, court=court)  # fmt: skip


def answer(membership, report, code, *, details=None, text="", **fields):
    fields.setdefault("answered_on", TODAY)
    return services.answer_record(
        membership=membership,
        gated_report=report_get_for(membership, report.pk),
        data=AnswerData(
            input=answers.Input(code=code, text=text, **fields),
            text=text,
            obligation_details=details or {},
        ),
        today=TODAY,
    )


def snapshot(person: Person) -> dict:
    """What an answer may change, to check that a refused one changed nothing."""
    return {
        "decisions": Decision.objects.filter(person=person).count(),
        "measures": list(Measure.objects.filter(person=person).values_list("pk", "status")),
        "obligations": list(
            Obligation.objects.filter(measure__person=person).values_list("pk", "status")
        ),
        "sentences": Sentence.objects.filter(person=person).count(),
        "reductions": Reduction.objects.filter(situation__custody__person=person).count(),
        "answers": JudgeAnswer.objects.filter(report__person=person).count(),
        "alert": Person.objects.get(pk=person.pk).judicial_alert,
        "reports": list(Report.objects.filter(person=person).values_list("pk", "status")),
    }


# --- A person in prison (worked example A: 3 years, 122 days of remand) ------------------------


@pytest.fixture
def prisoner(cpip, judge, court):
    person = make_prisoner(cpip, sentences=({"years": 3},), remand_days=122)
    decision = make_decision(
        cpip, person, date=date(2024, 12, 1), enforceable_date=date(2024, 12, 11)
    )
    custody_measure = make_measure(
        cpip, person, code="EMPRISONNEMENT", decision=decision, judge=judge.user,
        start_date=date(2025, 1, 10), today=TODAY,
    )  # fmt: skip
    return {"person": person, "measure": custody_measure}


def test_parole_granted_opens_the_lc_with_its_obligations_and_control_measures(
    cpip, judge, prisoner, court
):
    person = prisoner["person"]
    report = transmitted(cpip, person, rules.OPINION, measure=prisoner["measure"],
                         matter=answers.PAROLE)  # fmt: skip
    before = snapshot(person)
    result = answer(
        judge, report, answers.GRANTED, effective_on=date(2026, 4, 1), end_on=date(2027, 9, 10),
        new_obligations=("SOINS", "NE_PAS_PARAITRE"),
        details={"NE_PAS_PARAITRE": {"zone": "Commune de Testville"},
                 "SOINS": {"care_structure": "CSAPA de Testville"}},
    )  # fmt: skip
    decision = result.decision
    assert decision.kind == Decision.Kind.JAP_ORDER
    assert decision.court == court
    assert (
        decision.jurisdiction
        == "Juge de l'application des peines — Tribunal judiciaire de Testville"
    )
    assert "SPIP" not in decision.jurisdiction
    lc = Measure.objects.get(decision=decision)
    assert lc.measure_type_id == "LC" and lc.status == "pending"
    assert (lc.start_date, lc.end_date) == (date(2026, 4, 1), date(2027, 9, 10))
    assert lc.assigning_judge == judge.user and lc.assigned_cpip == cpip.user
    codes = set(lc.obligations.values_list("obligation_type_id", flat=True))
    assert codes == CONTROL_CODES | {"SOINS", "NE_PAS_PARAITRE"}
    zone = lc.obligations.get(obligation_type_id="NE_PAS_PARAITRE")
    assert zone.zone == "Commune de Testville" and zone.decision == decision
    assert set(result.new_obligations.values_list("obligation_type_id", flat=True)) == {
        "SOINS", "NE_PAS_PARAITRE",
    }  # fmt: skip
    assert result.obligations_changed and result.seen_at is None
    report.refresh_from_db()
    assert report.status == rules.ANSWERED
    after = snapshot(person)
    # Nothing else moved: the prison sentence and the custody measure are as they were.
    assert after["sentences"] == before["sentences"] and after["reductions"] == 0
    assert (prisoner["measure"].pk, "active") in after["measures"]
    assert after["decisions"] == before["decisions"] + 1
    assert TimelineEvent.objects.filter(
        person=person, title__startswith="Réponse du magistrat : libération conditionnelle accordée"
    ).exists()
    assert AuditEntry.objects.filter(
        object_type="reports.judgeanswer", object_id=result.pk
    ).exists()


def test_parole_may_start_with_a_probationary_semi_liberty(cpip, judge, prisoner):
    report = transmitted(cpip, prisoner["person"], rules.OPINION, measure=prisoner["measure"],
                         matter=answers.PAROLE)  # fmt: skip
    result = answer(judge, report, answers.GRANTED, effective_on=date(2026, 4, 1),
                    step_form="SL", step_end=date(2026, 10, 1), end_on=date(2027, 12, 1))  # fmt: skip
    opened = {m.measure_type_id: m for m in Measure.objects.filter(decision=result.decision)}
    assert set(opened) == {"SEMI_LIBERTE", "LC"}
    assert (opened["SEMI_LIBERTE"].start_date, opened["SEMI_LIBERTE"].end_date) == (
        date(2026, 4, 1), date(2026, 10, 1),
    )  # fmt: skip
    assert (opened["LC"].start_date, opened["LC"].end_date) == (
        date(2026, 10, 1),
        date(2027, 12, 1),
    )


def test_parole_of_a_long_sentence_with_more_than_three_years_left_is_the_tap(cpip, judge, court):
    person = make_prisoner(cpip, sentences=({"years": 12},), committal_date=date(2020, 1, 10))
    measure = make_measure(cpip, person, code="EMPRISONNEMENT", judge=judge.user,
                           decision=make_decision(cpip, person, date=date(2019, 12, 1),
                                                  enforceable_date=date(2019, 12, 1)),
                           start_date=date(2020, 1, 10), today=TODAY)  # fmt: skip
    report = transmitted(cpip, person, rules.OPINION, measure=measure, matter=answers.PAROLE)
    result = answer(judge, report, answers.REFUSED)
    assert result.decision.kind == Decision.Kind.TAP_JUDGMENT
    assert result.decision.jurisdiction.startswith("Tribunal de l'application des peines")
    assert "Grandville" in result.decision.jurisdiction


def test_no_grant_while_a_safety_period_runs_and_nothing_is_stored(cpip, judge, prisoner):
    person = prisoner["person"]
    custody = person.custody_records.get()
    terms_update(gated=gate(cpip, person), custody=custody, data={"safety_years": 2})
    report = transmitted(cpip, person, rules.OPINION, measure=prisoner["measure"],
                         matter=answers.PAROLE)  # fmt: skip
    before = snapshot(person)
    with pytest.raises(ValidationError) as error:
        answer(judge, report, answers.GRANTED, effective_on=date(2026, 4, 1),
               end_on=date(2027, 9, 10))  # fmt: skip
    assert "CP 132-23" in str(error.value) and "10/09/2026" in str(error.value)
    assert snapshot(person) == before


def test_lsc_granted_chooses_its_form_and_runs_to_the_end_of_the_sentence(cpip, judge, prisoner):
    report = transmitted(cpip, prisoner["person"], rules.OPINION, measure=prisoner["measure"],
                         matter=answers.LSC)  # fmt: skip
    result = answer(judge, report, answers.GRANTED, effective_on=date(2026, 9, 10), modality="DDSE")
    lsc = Measure.objects.get(decision=result.decision)
    assert lsc.measure_type_id == "LSC" and lsc.modality == "DDSE"
    assert lsc.end_date == PenalSituation.objects.get(custody__person=prisoner["person"]).end_date


def test_an_lsc_refusal_needs_its_specially_reasoned_order(cpip, judge, prisoner):
    report = transmitted(cpip, prisoner["person"], rules.OPINION, measure=prisoner["measure"],
                         matter=answers.LSC)  # fmt: skip
    with pytest.raises(ValidationError, match="720 I"):
        answer(judge, report, answers.REFUSED)
    result = answer(judge, report, answers.REFUSED,
                    reasons="Aucun hébergement ni projet : aucune mesure n'est possible.")  # fmt: skip
    assert result.reasons.startswith("Aucun hébergement")
    assert not Measure.objects.filter(decision=result.decision).exists()


def test_lsc_plein_droit_impossible_for_lack_of_housing_opens_nothing(cpip, judge, court):
    person = make_prisoner(cpip, sentences=({"months": 18},), committal_date=date(2025, 1, 10))
    measure = make_measure(cpip, person, code="EMPRISONNEMENT", judge=judge.user,
                           decision=make_decision(cpip, person), start_date=date(2025, 1, 10),
                           today=TODAY)  # fmt: skip
    report = transmitted(cpip, person, rules.OPINION, measure=measure,
                         matter=answers.LSC_PLEIN_DROIT)  # fmt: skip
    with pytest.raises(ValidationError, match="ne répond pas"):
        answer(judge, report, answers.REFUSED, reasons="Non.")
    result = answer(judge, report, answers.IMPOSSIBLE, reasons="Aucun hébergement trouvé.")
    assert not Measure.objects.filter(decision=result.decision).exists()
    assert result.label == "Impossibilité matérielle : absence d'hébergement"


def test_reductions_granted_move_the_dates_within_the_caps(cpip, judge, prisoner):
    person = prisoner["person"]
    situation = PenalSituation.objects.get(custody__person=person)
    assert situation.end_date == date(2027, 9, 10)
    report = transmitted(cpip, person, rules.OPINION, measure=prisoner["measure"],
                         matter=answers.REDUCTIONS)  # fmt: skip
    # 3 years, since 2023: 6 months a year, 18 months from the start (2024-09-10) = 546 days.
    with pytest.raises(ValidationError, match="plafond de 546 jours"):
        answer(judge, report, answers.GRANTED, reduction_days=547)
    result = answer(judge, report, answers.GRANTED, reduction_days=90)
    reduction = Reduction.objects.get(situation=situation)
    assert reduction.decision == result.decision and reduction.days == 90
    situation.refresh_from_db()
    # Worked example A with 90 days granted: E = 2027-06-12, LC = 2026-01-26.
    assert situation.end_date == date(2027, 6, 12)
    assert situation.lc_eligibility_date == date(2026, 1, 26)
    assert Decision.objects.filter(person=person, kind=Decision.Kind.JAP_ORDER).count() == 1


def test_reductions_withdrawn_only_within_a_year_of_their_grant(cpip, judge, prisoner):
    person = prisoner["person"]
    first = transmitted(cpip, person, rules.OPINION, measure=prisoner["measure"],
                        matter=answers.REDUCTIONS)  # fmt: skip
    answer(judge, first, answers.GRANTED, reduction_days=60)
    second = transmitted(cpip, person, rules.OPINION, measure=prisoner["measure"],
                         matter=answers.REDUCTIONS)  # fmt: skip
    with pytest.raises(ValidationError, match="60 jour"):
        answer(judge, second, answers.REDUCTIONS_WITHDRAWN, reduction_days=61)
    answer(judge, second, answers.REDUCTIONS_WITHDRAWN, reduction_days=20)
    situation = PenalSituation.objects.get(custody__person=person)
    assert situation.end_date == date(2027, 9, 10) - timedelta(days=40)


# --- A person on probation ----------------------------------------------------------------------


@pytest.fixture
def probation(cpip, judge, court):
    person = make_person(cpip)
    measure = make_measure(cpip, person, judge=judge.user, today=TODAY)
    return {"person": person, "measure": measure}


def test_a_probation_carries_the_control_measures_which_cannot_be_lifted(cpip, probation):
    measure = probation["measure"]
    controls = measure.obligations.filter(obligation_type__kind="control")
    assert set(controls.values_list("obligation_type_id", flat=True)) == CONTROL_CODES
    with pytest.raises(ValidationError, match="132-44"):
        measure_services.obligation_update(gated=gate(cpip, measure.decision.person), obligation=controls.first(), decision=measure.decision, data={"status": "ended", "end_date": TODAY})  # fmt: skip


def test_a_tig_has_no_control_measures(cpip):
    person = make_person(cpip)
    tig = make_measure(cpip, person, code="TIG", hours=100, duration_months=12, today=TODAY)
    assert not tig.obligations.exists()


def test_partial_revocation_keeps_the_probation_and_adds_the_part_to_serve(cpip, judge, probation):
    person, measure = probation["person"], probation["measure"]
    report = transmitted(cpip, person, rules.INCIDENT, measure=measure, urgency="high")
    with pytest.raises(ValidationError, match="part de la peine révoquée"):
        answer(judge, report, answers.REVOCATION_PARTIAL)
    result = answer(judge, report, answers.REVOCATION_PARTIAL, term_months=4)
    measure.refresh_from_db()
    assert measure.status == "active"  # the probation goes on
    sentence = Sentence.objects.get(person=person)
    assert (sentence.months, sentence.situation, sentence.decision) == (4, None, result.decision)
    assert not Measure.objects.filter(decision=result.decision).exists()


def test_partial_revocation_of_a_person_held_joins_the_committal(cpip, judge, court):
    person = make_prisoner(cpip, sentences=({"years": 1},), committal_date=date(2026, 1, 10))
    measure = make_measure(cpip, person, judge=judge.user, today=TODAY)
    report = transmitted(cpip, person, rules.INCIDENT, measure=measure)
    situation = PenalSituation.objects.get(custody__person=person)
    end_before = situation.end_date
    answer(judge, report, answers.REVOCATION_PARTIAL, term_months=6)
    situation.refresh_from_db()
    assert Sentence.objects.filter(situation=situation).count() == 2
    assert situation.end_date > end_before


def test_full_revocation_ends_the_measure_as_revoked(cpip, judge, probation):
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    answer(judge, report, answers.REVOCATION_FULL, term_years=1)
    probation["measure"].refresh_from_db()
    assert probation["measure"].status == "revoked"
    assert Sentence.objects.get(person=probation["person"]).years == 1


def test_an_extension_stays_within_three_years_in_all(cpip, judge, probation):
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    before = snapshot(probation["person"])
    with pytest.raises(ValidationError, match="3 ans au total") as error:
        answer(judge, report, answers.EXTEND, extra_months=13)  # 24 + 13 > 36
    assert "12 mois au plus" in str(error.value)
    assert snapshot(probation["person"]) == before
    answer(judge, report, answers.EXTEND, extra_months=12)
    probation["measure"].refresh_from_db()
    assert probation["measure"].duration_months == 36


def test_provisional_incarceration_suspends_flags_and_sets_the_hearing(cpip, judge, probation):
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    result = answer(judge, report, answers.PROVISIONAL_DETENTION)
    assert result.hearing_due == TODAY + timedelta(days=15)
    probation["measure"].refresh_from_db()
    assert probation["measure"].status == "suspended"
    person = Person.objects.get(pk=probation["person"].pk)
    assert (
        "Incarcération provisoire" in person.judicial_alert
        and "04/04/2026" in person.judicial_alert
    )


def test_an_answer_that_does_not_fit_the_matter_is_refused_naming_the_rule(cpip, judge, prisoner):
    report = transmitted(cpip, prisoner["person"], rules.OPINION, measure=prisoner["measure"],
                         matter=answers.PAROLE)  # fmt: skip
    before = snapshot(prisoner["person"])
    with pytest.raises(ValidationError) as error:
        answer(judge, report, answers.REVOCATION_FULL)
    message = str(error.value)
    assert "ne répond pas" in message and "CPP 729" in message
    assert "Libération conditionnelle accordée" in message
    assert snapshot(prisoner["person"]) == before


def test_a_withdrawal_fits_an_adjustment_not_a_probation(cpip, judge, probation):
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    with pytest.raises(ValidationError, match="Retrait de la mesure"):
        answer(judge, report, answers.WITHDRAWAL)


def test_a_report_is_answered_once(cpip, judge, probation):
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    answer(judge, report, answers.WARNING)
    with pytest.raises(ValidationError, match="déjà reçu une réponse"):
        answer(judge, report, answers.REMINDER)
    assert JudgeAnswer.objects.filter(report=report).count() == 1


def test_changed_obligations_add_with_details_and_never_lift_control_measures(
    cpip, judge, probation
):
    measure = probation["measure"]
    work = measure_services.obligation_create(gated=gate(cpip, measure.person), measure=measure, decision=measure.decision, obligation_type_code="TRAVAIL_FORMATION", data={"start_date": measure.start_date})  # fmt: skip
    control = measure.obligations.get(obligation_type_id="CTRL_INFO_ETRANGER")
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=measure)
    with pytest.raises(ValidationError, match="132-44"):
        answer(judge, report, answers.MODIFY_OBLIGATIONS, ended_obligations=(control.pk,))
    result = answer(
        judge, report, answers.MODIFY_OBLIGATIONS, new_obligations=("NE_PAS_CONTACTER",),
        ended_obligations=(work.pk,),
        details={"NE_PAS_CONTACTER": {"victim_name": "Mme V.", "details": "Ni directement ni par un tiers"}},
    )  # fmt: skip
    work.refresh_from_db()
    assert work.status == "ended" and work.end_date == TODAY
    added = measure.obligations.get(obligation_type_id="NE_PAS_CONTACTER")
    assert added.victim_name == "Mme V." and added.decision == result.decision
    assert list(result.ended_obligations.all()) == [work]
    control.refresh_from_db()
    assert control.status == "active"


def test_adjustment_723_15_granted_opens_the_form_and_ends_the_referral(cpip, judge, court):
    person = make_person(cpip)
    referral = make_measure(cpip, person, code="AMENAGEMENT_723_15", judge=judge.user, today=TODAY)
    report = transmitted(cpip, person, rules.OPINION, measure=referral,
                         matter=answers.ADJUSTMENT_723_15)  # fmt: skip
    with pytest.raises(ValidationError, match="modalité"):
        answer(
            judge, report, answers.GRANTED, effective_on=date(2026, 4, 1), end_on=date(2026, 10, 1)
        )
    result = answer(judge, report, answers.GRANTED, effective_on=date(2026, 4, 1),
                    end_on=date(2026, 10, 1), modality="DDSE")  # fmt: skip
    assert Measure.objects.get(decision=result.decision).measure_type_id == "DDSE_AMENAGEMENT"
    referral.refresh_from_db()
    assert referral.status == "ended"


def test_a_rapid_social_enquiry_records_the_courts_decision(cpip, manager, secretariat, court):
    person = make_person(cpip)
    with pytest.raises(ValidationError, match="tribunal"):
        report_services.report_create(
            membership=cpip, gated=person_get_for(cpip, person.pk), kind=rules.ESR, today=TODAY
        )
    report = transmitted(cpip, person, rules.ESR, court=court)
    assert report.judge is None and report.matter == answers.PRE_SENTENCE
    with pytest.raises(ValidationError, match="dispositif"):
        answer(secretariat, report, answers.COURT_DECISION)
    result = answer(secretariat, report, answers.COURT_DECISION,
                    text="Contrôle judiciaire avec obligation de soins.")  # fmt: skip
    assert result.decision.kind == Decision.Kind.JUDGMENT
    assert result.decision.jurisdiction == "Tribunal judiciaire de Testville"
    assert result.on_paper


def test_the_cpip_reads_the_answer_and_informs_the_person(cpip, judge, probation):
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    result = answer(judge, report, answers.MODIFY_OBLIGATIONS, new_obligations=("SOINS",))
    gated = report_get_for(cpip, report.pk)
    services.answer_mark_seen(membership=cpip, gated_report=gated)
    with pytest.raises(ValidationError, match="futur"):
        services.answer_mark_informed(membership=cpip, gated_report=gated,
                                      on=TODAY + timedelta(days=1), today=TODAY)  # fmt: skip
    services.answer_mark_informed(membership=cpip, gated_report=gated, on=TODAY, today=TODAY)
    result.refresh_from_db()
    assert result.seen_by == cpip.user and result.person_informed_on == TODAY
