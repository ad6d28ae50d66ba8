from datetime import date

import pytest
from django.core.exceptions import ValidationError

from probatio.audit.models import AuditEntry
from probatio.measures import services
from probatio.measures.models import Decision
from tests.factories import gate, make_decision, make_measure


def _data(decision: Decision, **overrides) -> dict:
    data = {
        "kind": decision.kind,
        "jurisdiction": decision.jurisdiction,
        "date": decision.date,
        "enforceable_date": decision.enforceable_date,
        "judge": decision.judge,
        "judge_name": decision.judge_name,
        "recidivism": decision.recidivism,
        "court_file_number": decision.court_file_number,
        "summary": decision.summary,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_correcting_a_decision_replaces_offences_and_is_journaled(cpip, person):
    decision = make_decision(cpip, person, offences=[{"label": "Vol", "qualification": "delit"}])
    services.decision_update(
        gated=gate(cpip, decision.person),
        decision=decision,
        data=_data(decision, jurisdiction="Tribunal judiciaire d'Amiens"),
        offences=[{"label": "Vol aggravé", "qualification": "delit"}],
    )
    decision.refresh_from_db()
    assert decision.jurisdiction == "Tribunal judiciaire d'Amiens"
    assert list(decision.offences.values_list("label", flat=True)) == ["Vol aggravé"]
    entry = AuditEntry.objects.get(object_type="measures.decision", action="update")
    assert entry.changes["offences"] == [["Vol"], ["Vol aggravé"]]
    assert entry.changes["jurisdiction"][1] == "Tribunal judiciaire d'Amiens"


@pytest.mark.django_db
def test_removing_recidivism_under_a_long_probation_is_refused(cpip, person):
    decision = make_decision(cpip, person, recidivism="legal")
    make_measure(cpip, person, decision=decision, duration_months=48)
    with pytest.raises(ValidationError) as error:
        services.decision_update(
            gated=gate(cpip, decision.person),
            decision=decision,
            data=_data(decision, recidivism="none"),
            offences=[],
        )
    assert "36 mois" in " ".join(error.value.message_dict["recidivism"])
    decision.refresh_from_db()
    assert decision.recidivism == "legal"
    assert decision.offences.exists()
    assert not AuditEntry.objects.filter(action="update").exists()


@pytest.mark.django_db
def test_decision_edit_page(client, cpip, person):
    decision = make_decision(cpip, person)
    client.force_login(cpip.user)
    url = f"/personnes/{person.pk}/decisions/{decision.pk}/modifier/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Corriger" in page.content.decode()
    post = {
        "kind": "judgment",
        "jurisdiction": "TJ corrigé",
        "date": "2025-01-06",
        "enforceable_date": "2025-01-05",
        "recidivism": "none",
        "offences-TOTAL_FORMS": "1",
        "offences-INITIAL_FORMS": "0",
        "offences-MIN_NUM_FORMS": "0",
        "offences-MAX_NUM_FORMS": "10",
        "offences-0-label": "Vol",
        "offences-0-qualification": "delit",
    }
    refused = client.post(url, post)
    assert refused.status_code == 400
    assert "ne peut pas précéder la date de la décision" in refused.content.decode()
    decision.refresh_from_db()
    assert decision.jurisdiction != "TJ corrigé"
    post["enforceable_date"] = "2025-01-10"
    assert client.post(url, post).status_code == 302
    decision.refresh_from_db()
    assert decision.jurisdiction == "TJ corrigé"
    assert decision.date == date(2025, 1, 6)


@pytest.mark.django_db
def test_emptying_an_offence_label_removes_it(client, cpip, person):
    decision = make_decision(
        cpip,
        person,
        offences=[
            {"label": "Vol", "qualification": "delit"},
            {"label": "Recel", "qualification": "delit"},
        ],
    )
    client.force_login(cpip.user)
    url = f"/personnes/{person.pk}/decisions/{decision.pk}/modifier/"
    post = {
        "kind": "judgment",
        "jurisdiction": decision.jurisdiction,
        "date": "2025-01-06",
        "enforceable_date": "2025-01-10",
        "recidivism": "none",
        "offences-TOTAL_FORMS": "3",
        "offences-INITIAL_FORMS": "2",
        "offences-MIN_NUM_FORMS": "0",
        "offences-MAX_NUM_FORMS": "10",
        "offences-0-label": "Vol",
        "offences-0-qualification": "delit",
        "offences-1-label": "",
        "offences-1-qualification": "delit",
        "offences-2-label": "Port d'arme",
        "offences-2-qualification": "",
    }
    refused = client.post(url, post)
    assert refused.status_code == 400
    assert "Indiquez la qualification" in refused.content.decode()
    post["offences-2-qualification"] = "delit"
    assert client.post(url, post).status_code == 302
    assert sorted(decision.offences.values_list("label", flat=True)) == ["Port d'arme", "Vol"]


@pytest.mark.django_db
def test_correcting_the_judge_carries_to_the_measures_that_had_it(cpip, judge, member, person):
    wrong = judge.user
    right = member("judge").user
    decision = make_decision(cpip, person, judge=wrong)
    measure = make_measure(cpip, person, decision=decision)
    assert measure.assigning_judge == wrong
    services.decision_update(
        gated=gate(cpip, decision.person),
        decision=decision,
        data=_data(decision, judge=right),
        offences=[],
    )
    measure.refresh_from_db()
    assert measure.assigning_judge == right
    assert AuditEntry.objects.filter(
        object_type="measures.measure", object_id=measure.pk, action="update"
    ).exists()


@pytest.mark.django_db
def test_an_obligation_stays_within_its_measure(cpip, person):
    measure = make_measure(cpip, person, start_date=date(2025, 2, 1), duration_months=12)
    for dates, field in (
        ({"start_date": date(2025, 1, 20)}, "start_date"),
        ({"start_date": date(2025, 2, 1), "end_date": date(2026, 3, 1)}, "end_date"),
    ):
        with pytest.raises(ValidationError) as error:
            services.obligation_create(
                gated=gate(cpip, measure.person),
                measure=measure,
                decision=measure.decision,
                obligation_type_code="TRAVAIL_FORMATION",
                data=dates,
            )
        assert field in error.value.message_dict
    assert not measure.obligations.exclude(obligation_type__kind="control").exists()
