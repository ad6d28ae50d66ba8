"""The decision form shows every error of a submit at once, not one per submit: the form's
own checks, the service's, and the offences' rows."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from probatio.measures import rules, services
from probatio.measures.models import Decision
from tests.factories import gate, make_decision, make_measure, make_person
from tests.views.helpers import field_error

TODAY = date(2025, 6, 2)


def test_the_rule_gives_both_date_errors():
    assert rules.validate_decision_dates(
        decided=date(2025, 6, 10), enforceable=date(2025, 6, 5), today=TODAY
    ) == {"date": rules.FUTURE_DECISION, "enforceable_date": rules.ENFORCEABLE_BEFORE_DECISION}
    assert rules.validate_decision_dates(decided=TODAY, enforceable=None, today=TODAY) == {}


def test_the_service_refuses_with_every_error(cpip, member, other_service):
    person = make_person(cpip)
    foreign_judge = member("judge", service=other_service).user
    with pytest.raises(ValidationError) as error:
        services.decision_create(
            gated=gate(cpip, person),
            data={"kind": "judgment", "jurisdiction": "TJ de Lyon", "date": date(2025, 6, 10),
                  "enforceable_date": date(2025, 6, 5), "recidivism": "none",
                  "judge": foreign_judge},
            offences=[],
            today=TODAY,
        )  # fmt: skip
    assert set(error.value.message_dict) == {"date", "enforceable_date", "judge"}
    assert not Decision.objects.filter(person=person).exists()


def test_a_correction_that_breaks_a_measure_and_an_obligation_says_both(cpip):
    """Recidivism removed (the 48-month probation beyond its bound) and a decision date moved
    after the start of an obligation: the two reasons in one answer."""
    person = make_person(cpip)
    decision = make_decision(
        cpip, person, date=date(2025, 1, 6), enforceable_date=date(2025, 1, 10), recidivism="legal"
    )
    measure = make_measure(cpip, person, decision=decision, duration_months=48, today=TODAY)
    services.obligation_create(
        gated=gate(cpip, person), measure=measure, decision=decision,
        obligation_type_code="RESIDENCE", data={"start_date": date(2025, 1, 10), "status": "active"},
    )  # fmt: skip
    data = {f: getattr(decision, f) for f in ("kind", "jurisdiction")}
    data |= {"date": date(2025, 1, 12), "enforceable_date": date(2025, 1, 12), "recidivism": "none"}
    with pytest.raises(ValidationError) as error:
        services.decision_update(
            gated=gate(cpip, person), decision=decision, data=data, offences=[], today=TODAY
        )
    messages = error.value.message_dict
    assert set(messages) == {"date", "recidivism"}
    assert "commence avant cette date" in messages["date"][0]
    assert "_" not in messages["date"][0]  # the obligation's label, never its code
    decision.refresh_from_db()
    assert decision.recidivism == "legal" and decision.date == date(2025, 1, 6)


def test_the_form_shows_all_its_errors_in_one_submit(client_for, cpip):
    person = make_person(cpip)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client_for(cpip).post(
        f"/personnes/{person.pk}/decisions/nouvelle/",
        {
            "kind": "judgment",
            "jurisdiction": "Tribunal judiciaire de Nantes",
            "date": tomorrow.isoformat(),
            "enforceable_date": (tomorrow - timedelta(days=3)).isoformat(),
            "recidivism": "none",
            "offences-TOTAL_FORMS": "1",
            "offences-INITIAL_FORMS": "0",
            "offences-MIN_NUM_FORMS": "0",
            "offences-MAX_NUM_FORMS": "10",
            "offences-0-label": "Vol",
            "offences-0-qualification": "",
            "offences-0-natinf": "",
        },
    )
    assert response.status_code == 400
    assert field_error(response, "id_date") == rules.FUTURE_DECISION
    assert field_error(response, "id_enforceable_date") == rules.ENFORCEABLE_BEFORE_DECISION
    assert "Indiquez la qualification de cette infraction." in response.content.decode()
    assert not Decision.objects.filter(person=person).exists()
