"""Writes on decisions, measures and obligations."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from probatio.audit.models import AuditEntry
from probatio.measures import services
from probatio.measures.models import Decision, Measure, Obligation, Offence
from probatio.measures.selectors import measures_of
from probatio.people.models import TimelineEvent
from tests.factories import gate, make_decision, make_measure, make_person

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 2)


def counts():
    return {
        "decisions": Decision.objects.count(),
        "offences": Offence.objects.count(),
        "measures": Measure.objects.count(),
        "obligations": Obligation.objects.count(),
        "audit": AuditEntry.objects.count(),
        "timeline": TimelineEvent.objects.count(),
    }


def decision_data(**overrides):
    data = {
        "kind": "judgment",
        "jurisdiction": "Tribunal judiciaire de Lyon",
        "date": date(2025, 1, 6),
        "enforceable_date": date(2025, 1, 10),
        "recidivism": "none",
        "court_file_number": "25001234",
    }
    data.update(overrides)
    return data


# --- decisions ---------------------------------------------------------------------------


def test_decision_create_with_offences(cpip, judge, person):
    decision = services.decision_create(
        gated=gate(cpip, person),
        data=decision_data(judge=judge.user),
        offences=[
            {"label": "Violences volontaires", "qualification": "delit", "natinf": "7151"},
            {"label": "Menaces de mort", "qualification": "delit"},
        ],
        today=TODAY,
    )
    decision.refresh_from_db()
    assert decision.person == person
    assert decision.judge_name == "Jeanne Juge"  # filled from the judge's account
    assert list(decision.offences.values_list("label", "qualification", "natinf")) == [
        ("Violences volontaires", "delit", "7151"),
        ("Menaces de mort", "delit", ""),
    ]
    entry = AuditEntry.objects.get(object_type="measures.decision", object_id=decision.pk)
    assert entry.action == "create" and entry.person_id == person.pk
    assert entry.changes["offences"] == [None, ["Violences volontaires", "Menaces de mort"]]
    assert entry.changes["enforceable_date"] == [None, "2025-01-10"]
    event = TimelineEvent.objects.get(person=person, kind="decision")
    assert event.detail == "Violences volontaires, Menaces de mort"
    assert event.title == "Jugement du 06/01/2025 (Tribunal judiciaire de Lyon)"
    assert event.occurred_at.date() == date(2025, 1, 6)


def test_enforceable_date_before_the_decision_is_refused_and_nothing_saved(cpip, person):
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.decision_create(
            gated=gate(cpip, person),
            data=decision_data(date=date(2025, 1, 6), enforceable_date=date(2025, 1, 5)),
            offences=[{"label": "Vol", "qualification": "delit"}],
            today=TODAY,
        )
    assert error.value.message_dict == {
        "enforceable_date": [
            "La date de caractère exécutoire ne peut pas précéder la date de la décision."
        ]
    }
    assert counts() == before


def test_decision_in_the_future_is_refused(cpip, person):
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.decision_create(
            gated=gate(cpip, person),
            data=decision_data(date=date(2025, 6, 3), enforceable_date=None),
            offences=[],
            today=TODAY,
        )
    assert error.value.message_dict == {"date": ["La date de la décision ne peut pas être future."]}
    assert counts() == before


def test_decision_judge_must_be_a_judge_of_the_service(cpip, member, other_service, person):
    for user in (member("cpip").user, member("judge", service=other_service).user):
        with pytest.raises(ValidationError) as error:
            services.decision_create(
                gated=gate(cpip, person), data=decision_data(judge=user), offences=[], today=TODAY
            )
        assert list(error.value.message_dict) == ["judge"]
    assert not Decision.objects.exists()


def test_invalid_offence_rolls_back_the_decision(cpip, person):
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.decision_create(
            gated=gate(cpip, person),
            data=decision_data(),
            offences=[{"label": "Vol", "qualification": "felony"}],
            today=TODAY,
        )
    assert "qualification" in error.value.message_dict
    assert counts() == before


# --- measures ----------------------------------------------------------------------------


def test_measure_create_computes_end_date_and_defaults(cpip, judge, person):
    decision = make_decision(cpip, person, judge=judge.user, today=TODAY)
    measure = services.measure_create(
        gated=gate(cpip, person),
        decision=decision,
        measure_type_code="SURSIS_PROBATOIRE",
        data={"start_date": date(2025, 1, 10), "duration_months": 24},
        today=TODAY,
    )
    measure.refresh_from_db()
    assert measure.end_date == date(2027, 1, 10)
    assert measure.status == "active"
    assert measure.setting == "community"
    assert measure.assigning_judge == judge.user  # from the decision
    assert measure.assigned_cpip == cpip.user  # from the person
    entry = AuditEntry.objects.get(object_type="measures.measure", object_id=measure.pk)
    assert entry.action == "create"
    assert entry.changes["end_date"] == [None, "2027-01-10"]
    assert entry.changes["measure_type"] == [None, "SURSIS_PROBATOIRE"]
    event = TimelineEvent.objects.get(person=person, kind="measure")
    assert event.title == "Mesure : Sursis probatoire"
    assert event.detail == "du 10/01/2025, au 10/01/2027, en cours"


def test_measure_starting_later_is_pending(cpip, person):
    measure = make_measure(cpip, person, start_date=date(2025, 7, 1), today=TODAY)
    assert measure.status == "pending"
    assert measure.end_date == date(2027, 7, 1)


def test_measure_uses_the_catalogue_default_setting(cpip, person):
    decision = make_decision(cpip, person, today=TODAY)
    measure = make_measure(
        cpip, person, decision=decision, code="SEMI_LIBERTE", duration_months=10, today=TODAY
    )
    assert measure.setting == "custody"


def test_unknown_measure_code_is_refused_with_the_code(cpip, person):
    decision = make_decision(cpip, person, today=TODAY)
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.measure_create(
            gated=gate(cpip, person),
            decision=decision,
            measure_type_code="SURSIS_MAGIQUE",
            data={"start_date": date(2025, 1, 10), "duration_months": 24},
            today=TODAY,
        )
    assert error.value.message_dict == {
        "measure_type": ["Code de mesure inconnu : « SURSIS_MAGIQUE »."]
    }
    assert counts() == before


def test_48_months_probation_without_recidivism_is_refused_and_nothing_saved(cpip, person):
    decision = make_decision(cpip, person, today=TODAY)
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.measure_create(
            gated=gate(cpip, person),
            decision=decision,
            measure_type_code="SURSIS_PROBATOIRE",
            data={"start_date": date(2025, 1, 10), "duration_months": 48},
            today=TODAY,
        )
    messages = error.value.message_dict
    assert list(messages) == ["duration_months"]
    assert "48 mois" in messages["duration_months"][0]
    assert "36 mois" in messages["duration_months"][0]
    assert "CP 132-42" in messages["duration_months"][0]
    assert counts() == before


@pytest.mark.parametrize(("recidivism", "months"), [("legal", 48), ("legal", 60), ("repeat", 84)])
def test_long_probation_is_accepted_with_recidivism(cpip, person, recidivism, months):
    decision = make_decision(cpip, person, recidivism=recidivism, today=TODAY)
    measure = make_measure(cpip, person, decision=decision, duration_months=months, today=TODAY)
    assert measure.end_date == date(2025 + months // 12, 1, 10)


def test_measure_cannot_start_before_the_decision(cpip, person):
    decision = make_decision(cpip, person, today=TODAY)
    with pytest.raises(ValidationError) as error:
        make_measure(cpip, person, decision=decision, start_date=date(2025, 1, 5), today=TODAY)
    assert error.value.message_dict == {
        "start_date": ["La mesure ne peut pas commencer avant la décision du 06/01/2025."]
    }
    assert not Measure.objects.exists()


def test_measure_type_must_exist_at_the_decision_date(cpip, person):
    """The sursis probatoire exists since 24 March 2020."""
    decision = make_decision(
        cpip, person, date=date(2019, 6, 3), enforceable_date=date(2019, 6, 13), today=TODAY
    )
    with pytest.raises(ValidationError) as error:
        make_measure(cpip, person, decision=decision, today=TODAY)
    assert list(error.value.message_dict) == ["measure_type"]
    assert "03/06/2019" in error.value.message_dict["measure_type"][0]


def test_measure_decision_must_be_the_persons(cpip, person):
    someone_else = make_decision(cpip, make_person(cpip), today=TODAY)
    with pytest.raises(ValidationError) as error:
        make_measure(cpip, person, decision=someone_else, today=TODAY)
    assert list(error.value.message_dict) == ["decision"]


def test_tig_measure_with_hours(cpip, person):
    measure = make_measure(cpip, person, code="TIG", duration_months=18, hours=140, today=TODAY)
    assert (measure.hours, measure.end_date) == (140, date(2026, 7, 10))
    with pytest.raises(ValidationError) as error:
        make_measure(cpip, person, code="TIG", duration_months=18, hours=None, today=TODAY)
    assert list(error.value.message_dict) == ["hours"]


def test_measure_without_duration_has_no_end_date(cpip, person):
    measure = make_measure(cpip, person, code="CJ", today=TODAY)
    assert measure.end_date is None
    with pytest.raises(ValidationError):
        make_measure(cpip, person, code="CJ", duration_months=6, today=TODAY)


def test_measure_assigning_judge_must_be_a_judge_of_the_service(cpip, person, member):
    with pytest.raises(ValidationError) as error:
        make_measure(cpip, person, judge=member("manager").user, today=TODAY)
    assert list(error.value.message_dict) == ["assigning_judge"]


def test_measure_update_status_is_audited_and_on_the_timeline(cpip, manager, person):
    measure = make_measure(cpip, person, today=TODAY)
    assert measure.status == "active"
    services.measure_update(
        gated=gate(manager, measure.person), measure=measure, data={"status": "revoked"}
    )
    measure.refresh_from_db()
    assert measure.status == "revoked"
    entry = AuditEntry.objects.get(
        object_type="measures.measure", object_id=measure.pk, action="update"
    )
    assert entry.changes == {"status": ["active", "revoked"]}
    assert (entry.actor, entry.role) == (manager.user, "manager")
    event = TimelineEvent.objects.filter(person=person, kind="measure").latest("id")
    assert event.title == "Sursis probatoire : en cours → révoquée"
    assert event.actor == manager.user


def test_measure_update_recomputes_the_end_date(cpip, person):
    measure = make_measure(cpip, person, today=TODAY)
    services.measure_update(
        gated=gate(cpip, measure.person), measure=measure, data={"duration_months": 30}
    )
    measure.refresh_from_db()
    assert measure.end_date == date(2027, 7, 10)
    entry = AuditEntry.objects.filter(object_id=measure.pk, action="update").get()
    assert entry.changes == {"duration_months": [24, 30], "end_date": ["2027-01-10", "2027-07-10"]}


def test_measure_update_refuses_invalid_duration_and_keeps_the_measure(cpip, person):
    measure = make_measure(cpip, person, today=TODAY)
    before = counts()
    with pytest.raises(ValidationError):
        services.measure_update(
            gated=gate(cpip, measure.person), measure=measure, data={"duration_months": 48}
        )
    measure.refresh_from_db()
    assert (measure.duration_months, measure.end_date) == (24, date(2027, 1, 10))
    assert counts() == before


def test_measure_update_without_change_writes_nothing(cpip, person):
    measure = make_measure(cpip, person, today=TODAY)
    before = counts()
    services.measure_update(
        gated=gate(cpip, measure.person), measure=measure, data={"status": "active"}
    )
    assert counts() == before


# --- obligations -------------------------------------------------------------------------


@pytest.fixture
def measure(cpip, person):
    return make_measure(cpip, person, today=TODAY)


def add_obligation(membership, measure, code, **data):
    data.setdefault("start_date", measure.start_date)
    return services.obligation_create(
        gated=gate(membership, measure.person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code=code,
        data=data,
    )


@pytest.mark.parametrize(
    ("code", "frequency"),
    [
        ("TRAVAIL_FORMATION", "monthly"),
        ("SOINS", "monthly"),
        ("RESIDENCE", "on_change"),
        ("STAGE_CITOYENNETE", "once"),
        ("NE_PAS_DETENIR_ARME", "once"),
        ("NE_PAS_CONTACTER", "none"),
        ("TIG", "per_session"),
    ],
)
def test_obligation_default_proof_frequency_comes_from_the_catalogue(
    cpip, measure, code, frequency
):
    obligation = add_obligation(cpip, measure, code)
    obligation.refresh_from_db()
    assert obligation.proof_frequency == frequency
    assert obligation.decision == measure.decision
    assert obligation.status == "active"


def test_obligation_proof_frequency_may_be_set(cpip, measure):
    obligation = add_obligation(cpip, measure, "TRAVAIL_FORMATION", proof_frequency="quarterly")
    assert obligation.proof_frequency == "quarterly"


def test_obligation_create_is_audited_and_on_the_timeline(cpip, measure):
    obligation = add_obligation(cpip, measure, "RESIDENCE", details="Chez sa mère, à Vénissieux")
    entry = AuditEntry.objects.get(object_type="measures.obligation", object_id=obligation.pk)
    assert entry.action == "create" and entry.person_id == measure.person_id
    # The obligation named by its label, never by its code (the access log shows it).
    assert entry.summary == "Nouvelle obligation : Établir sa résidence en un lieu déterminé"
    event = TimelineEvent.objects.get(object_type="measures.obligation", object_id=obligation.pk)
    assert event.title == "Obligation : Établir sa résidence en un lieu déterminé"
    assert event.detail == "Sursis probatoire, décision du 06/01/2025"


def test_unknown_obligation_code_is_refused(cpip, measure):
    before = counts()
    with pytest.raises(ValidationError) as error:
        add_obligation(cpip, measure, "NE_PAS_CHANTER")
    assert error.value.message_dict == {
        "obligation_type": ["Code d'obligation inconnu : « NE_PAS_CHANTER »."]
    }
    assert counts() == before


@pytest.mark.parametrize("field", ["victim_name", "victim_contact"])
def test_victim_details_on_a_non_victim_obligation_are_refused(cpip, measure, field):
    before = counts()
    with pytest.raises(ValidationError) as error:
        add_obligation(cpip, measure, "TRAVAIL_FORMATION", **{field: "Mme X, 06 00 00 00 00"})
    assert error.value.message_dict == {
        "victim_name": ["Cette obligation ne comporte pas d'identité de victime."]
    }
    assert counts() == before


def test_victim_details_on_a_no_contact_order(cpip, measure):
    obligation = add_obligation(
        cpip, measure, "NE_PAS_CONTACTER", victim_name="Mme Durand", victim_contact="Par l'avocat"
    )
    assert obligation.has_victim_details


def test_obligation_dates(cpip, measure):
    with pytest.raises(ValidationError) as error:
        add_obligation(cpip, measure, "RESIDENCE", start_date=date(2025, 1, 1))
    assert list(error.value.message_dict) == ["start_date"]
    with pytest.raises(ValidationError) as error:
        add_obligation(cpip, measure, "RESIDENCE", end_date=date(2025, 1, 9))
    assert list(error.value.message_dict) == ["end_date"]
    assert not Obligation.objects.exclude(obligation_type__kind="control").exists()


def test_measures_of_lists_measures_with_obligations(cpip, person, measure):
    add_obligation(cpip, measure, "SOINS", care_structure="CSAPA de Lyon")
    [listed] = list(measures_of(person))
    assert listed == measure
    # Sorted by the catalogue's order: the control measures of CP 132-44 (added with the
    # probation) first.
    assert [o.obligation_type_id for o in listed.obligations.all()] == [
        "CTRL_CONVOCATION", "CTRL_VISITE_DOCS", "CTRL_CHANGEMENT_EMPLOI",
        "CTRL_CHANGEMENT_RESIDENCE", "CTRL_AUTORISATION_JAP", "CTRL_INFO_ETRANGER", "SOINS",
    ]  # fmt: skip


def test_a_control_measure_is_added_once_and_its_default_is_no_proof(cpip, person):
    ddse = make_measure(cpip, person, code="DDSE", duration_months=4)  # no control by law
    control = add_obligation(cpip, ddse, "CTRL_CONVOCATION")
    assert control.proof_frequency == "none"
    with pytest.raises(ValidationError, match="déjà en vigueur"):
        add_obligation(cpip, ddse, "CTRL_CONVOCATION")
