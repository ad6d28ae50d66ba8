"""The dossier's "Peine et dates" tab: sentences, remand, reductions (each a JAP decision),
safety period and exclusions, the computed dates with explanations, the official dates beside
them with differences flagged; bad input refused with nothing stored."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from probatio.accounts.system import SystemActor
from probatio.audit.models import AuditEntry
from probatio.measures.models import Decision, Measure
from probatio.people.models import TimelineEvent
from probatio.sentences import services
from probatio.sentences.models import OfficialDate, PenalSituation, Reduction, Sentence
from tests.factories import gate, make_decision, make_measure, make_person, make_prisoner


def custody_of(person):
    return person.custody_records.get(release_date__isnull=True)


def situation_of(person):
    return PenalSituation.objects.get(custody__person=person)


@pytest.fixture
def prisoner(cpip):
    """Worked example A: 3 years, committed 2025-01-10 after 122 days of remand."""
    return make_prisoner(cpip, remand_days=122, birth_date=date(1990, 5, 4))


def test_the_stored_estimates_follow_worked_example_a(prisoner):
    situation = situation_of(prisoner)
    assert situation.start_date == date(2024, 9, 10)
    assert situation.end_date == date(2027, 9, 10)
    assert situation.lc_eligibility_date == date(2026, 3, 12)
    assert situation.lsc_review_date == date(2026, 9, 10)
    assert situation.lsc_information_date == date(2026, 8, 10)
    assert situation.lsc_plein_droit_date is None
    # The corrected convention: from LC − 1 year (2025-03-12), earlier than E − 2 years.
    assert situation.jap_adjustment_date == date(2025, 3, 12)


def test_a_reduction_is_a_jap_decision_and_moves_the_dates(cpip, prisoner):
    reduction = services.reduction_add(
        gated=gate(cpip, prisoner),
        custody=custody_of(prisoner),
        data={"kind": "granted", "days": 90, "date": date(2025, 10, 2), "judge_name": "M. Juge"},
    )
    assert reduction.decision.kind == Decision.Kind.JAP_ORDER
    assert reduction.decision.date == date(2025, 10, 2)
    situation = situation_of(prisoner)
    assert situation.end_date == date(2027, 6, 12)
    assert situation.lc_eligibility_date == date(2026, 1, 26)
    assert TimelineEvent.objects.filter(person=prisoner, title__contains="90 jour").exists()
    assert AuditEntry.objects.filter(object_type="sentences.reduction").count() == 1
    # Withdrawing part of it moves the end later again.
    services.reduction_add(
        gated=gate(cpip, prisoner),
        custody=custody_of(prisoner),
        data={"kind": "withdrawn", "days": 30, "date": date(2025, 11, 3)},
    )
    assert situation_of(prisoner).end_date == date(2027, 7, 12)


def test_reductions_reaching_the_sentence_are_refused_and_nothing_is_stored(cpip, prisoner):
    decisions = Decision.objects.count()
    with pytest.raises(ValidationError) as error:
        services.reduction_add(
            gated=gate(cpip, prisoner),
            custody=custody_of(prisoner),
            data={"kind": "granted", "days": 1200, "date": date(2025, 10, 2)},
        )
    assert "réductions" in str(error.value)
    assert Decision.objects.count() == decisions
    assert not Reduction.objects.exists()


def test_withdrawing_more_than_granted_is_refused(cpip, prisoner):
    with pytest.raises(ValidationError, match="retirer plus"):
        services.reduction_add(
            gated=gate(cpip, prisoner),
            custody=custody_of(prisoner),
            data={"kind": "withdrawn", "days": 5, "date": date(2025, 10, 2)},
        )


def test_a_safety_period_longer_than_the_sentence_is_refused(cpip, prisoner):
    with pytest.raises(ValidationError, match="sûreté"):
        services.terms_update(
            gated=gate(cpip, prisoner), custody=custody_of(prisoner), data={"safety_years": 4}
        )
    assert not situation_of(prisoner).has_safety_period


def test_a_zero_sentence_is_refused(cpip, prisoner):
    decision = Sentence.objects.get(situation__custody__person=prisoner).decision
    with pytest.raises(ValidationError, match="nulle"):
        services.sentence_add(
            gated=gate(cpip, prisoner),
            custody=custody_of(prisoner),
            data={"decision": decision, "years": 0, "months": 0, "days": 0},
        )
    assert Sentence.objects.count() == 1


def test_a_decision_of_another_person_is_refused(cpip, prisoner):
    other = make_person(cpip, surname="Autre")
    decision = make_decision(cpip, other)
    with pytest.raises(ValidationError, match="ne concerne pas"):
        services.sentence_add(
            gated=gate(cpip, prisoner),
            custody=custody_of(prisoner),
            data={"decision": decision, "months": 6},
        )


def test_exclusions_switch_the_lsc_dates_off(cpip):
    short = make_prisoner(cpip, sentences=({"months": 18},))  # worked example B
    situation = situation_of(short)
    assert situation.lsc_plein_droit_date == date(2026, 4, 10)
    services.terms_update(
        gated=gate(cpip, short),
        custody=custody_of(short),
        data={"lsc_plein_droit_exclusions": ["partner_violence"], "lsc_exclusions": []},
    )
    situation = situation_of(short)
    assert situation.lsc_plein_droit_date is None
    assert situation.lsc_review_date == date(2026, 1, 9)
    services.terms_update(
        gated=gate(cpip, short), custody=custody_of(short), data={"lsc_exclusions": ["lsc_refused"]}
    )
    assert situation_of(short).lsc_review_date is None
    with pytest.raises(ValidationError, match="inconnu"):
        services.terms_update(
            gated=gate(cpip, short), custody=custody_of(short), data={"lsc_exclusions": ["made_up"]}
        )


def test_official_dates_keep_their_history_and_entering_the_same_one_changes_nothing(
    cpip, prisoner
):
    custody = custody_of(prisoner)
    entered = {"kind": "lc", "date": date(2026, 3, 13)}
    enter = services.official_date_enter
    assert enter(gated=gate(cpip, prisoner), custody=custody, data=entered) == "created"
    assert enter(gated=gate(cpip, prisoner), custody=custody, data=entered) == "unchanged"
    assert (
        enter(
            gated=gate(cpip, prisoner),
            custody=custody,
            data={"kind": "lc", "date": date(2026, 3, 12)},
        )
        == "updated"
    )
    rows = list(OfficialDate.objects.filter(custody=custody).order_by("id"))
    assert [(r.date, r.is_current) for r in rows] == [
        (date(2026, 3, 13), False),
        (date(2026, 3, 12), True),
    ]


def test_recompute_all_counts_and_stores(cpip, prisoner):
    prison = make_measure(
        cpip, prisoner, code="EMPRISONNEMENT", start_date=date(2025, 1, 10), today=date(2025, 6, 1)
    )
    PenalSituation.objects.update(end_date=None, lc_eligibility_date=None)
    Measure.objects.filter(pk=prison.pk).update(end_date=None, end_source="")
    counts = services.recompute_all(
        actor=SystemActor(service_id=cpip.service_id, reason="recalcul de nuit des dates de peine")
    )
    assert counts == {
        "computed": 1, "without_sentence": 0, "changed": 1, "errors": 0, "measures": 1,
    }  # fmt: skip
    assert situation_of(prisoner).end_date == date(2027, 9, 10)
    # The one end date: the prison measure carries the sentence's end, saying where it comes from.
    prison.refresh_from_db()
    assert (prison.end_date, prison.end_source) == (date(2027, 9, 10), "estimate")
    again = services.recompute_all(
        actor=SystemActor(service_id=cpip.service_id, reason="recalcul de nuit des dates de peine")
    )
    assert again["changed"] == 0 and again["measures"] == 0


# --- The tab ------------------------------------------------------------------------------


def test_the_panel_shows_dates_explanations_and_flags_a_difference(client_for, cpip, prisoner):
    services.official_date_enter(
        gated=gate(cpip, prisoner),
        custody=custody_of(prisoner),
        data={"kind": "fin_peine", "date": date(2027, 9, 8)},
    )
    page = client_for(cpip).get(f"/personnes/{prisoner.pk}/peine/").content.decode()
    assert "12/03/2026" in page  # LC
    assert "10/09/2026" in page  # LSC review
    assert "CPP 729" in page  # the rule beside the date
    assert "2 jours avant l&#x27;estimation" in page or "2 jours avant l'estimation" in page
    assert "Écart avec les dates du greffe" in page
    assert AuditEntry.objects.filter(
        person_id=prisoner.pk, action="read", summary__contains="peine et dates"
    ).exists()


def test_the_panel_says_release_is_due_at_once_when_the_remand_covers_the_sentence(
    client_for, cpip
):
    covered = make_prisoner(cpip, sentences=({"months": 6},), remand_days=200)
    page = client_for(cpip).get(f"/personnes/{covered.pk}/peine/").content.decode()
    assert "Libération due immédiatement" in page


def test_the_forms_record_and_refuse_with_french_messages(client_for, cpip, prisoner):
    client = client_for(cpip)
    url = f"/personnes/{prisoner.pk}/peine/reductions/nouvelle/"
    bad = client.post(url, {"kind": "granted", "days": "5000", "date": "2025-10-02",
                            "jurisdiction": "JAP de Test"})  # fmt: skip
    assert bad.status_code == 400
    assert "atteindraient ou dépasseraient la peine" in bad.content.decode()
    assert not Reduction.objects.exists()
    good = client.post(url, {"kind": "granted", "days": "90", "date": "2025-10-02",
                             "jurisdiction": "JAP de Test"})  # fmt: skip
    assert good.status_code == 302
    assert situation_of(prisoner).end_date == date(2027, 6, 12)
    terms = client.post(
        f"/personnes/{prisoner.pk}/peine/situation/",
        {"remand_days": "122", "safety_years": "5"},
    )
    assert terms.status_code == 400
    assert "sûreté ne peut pas dépasser" in terms.content.decode()


def test_another_service_gets_a_404_and_a_cpip_off_caseload_may_read_not_write(
    client_for, member, prisoner, other_service
):
    stranger = member("cpip", service=other_service)
    assert client_for(stranger).get(f"/personnes/{prisoner.pk}/peine/").status_code == 404
    colleague = member("cpip", user__username="collegue")
    client = client_for(colleague)
    assert client.get(f"/personnes/{prisoner.pk}/peine/").status_code == 200
    assert client.get(f"/personnes/{prisoner.pk}/peine/situation/").status_code == 403


def test_opening_a_form_writes_nothing(client_for, cpip, person):
    from tests.factories import CustodyRecordFactory

    CustodyRecordFactory(person=person)
    response = client_for(cpip).get(f"/personnes/{person.pk}/peine/situation/")
    assert response.status_code == 200
    assert not PenalSituation.objects.exists()
