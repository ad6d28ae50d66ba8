"""Assessments and the follow-up intensity through their services: what is stored, what is
refused (in French, with nothing written), who may do what, and the service's contact rules."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from probatio.assessments import grids, rules, selectors, services
from probatio.assessments.models import Assessment, GridVersion, IntensityDecision, IntensityRule
from probatio.audit.models import AuditEntry
from probatio.people.models import TimelineEvent
from probatio.people.selectors import person_get_for
from tests.factories import make_person
from tests.rules.test_assessment_rules import NEUTRAL, heaviest_answers, lowest_answers

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def written():
    return (
        Assessment.objects.count(),
        IntensityDecision.objects.count(),
        AuditEntry.objects.count(),
        TimelineEvent.objects.count(),
    )


def assess(membership, person, *, answers=None, **overrides):
    data = dict(
        grid_version=grids.RNR_2026.code,
        reason="initial",
        assessed_on=TODAY,
        answers=answers if answers is not None else lowest_answers() | NEUTRAL,
        summary="Situation stable, suivi régulier accepté.",
    )
    data.update(overrides)
    return services.assessment_create(
        gated=person_get_for(membership, person.pk), today=TODAY, **data
    )


@pytest.fixture
def person(cpip):
    return make_person(cpip)


def test_the_grid_is_stored_by_its_migration_and_never_rewritten():
    stored = GridVersion.objects.get(pk=grids.RNR_2026.code)
    assert stored.definition == grids.RNR_2026.definition()
    assert stored.draft
    grids.sync()  # idempotent
    stored.definition = {"domains": [], "thresholds": {}}
    stored.save()
    with pytest.raises(ValueError, match="nouvelle version"):
        grids.sync()


def test_an_assessment_stores_its_answers_proposal_and_journal(cpip, person):
    before = AuditEntry.objects.count()
    assessment = assess(
        cpip,
        person,
        answers=heaviest_answers() | {"health": "Suivi en cours"},
        sensitive_basis="judge_request",
        sensitive_reason="Expertise demandée par le JAP.",
    )
    assessment.refresh_from_db()
    assert assessment.proposed_level == "reinforced"
    assert assessment.proposal_version == "2026-1"
    assert assessment.proposal_reasons  # the answers that drove it
    assert assessment.answers["prior_convictions"] == 5
    assert assessment.sensitive_answers == {"health": "Suivi en cours"}
    assert "health" not in assessment.answers
    assert assessment.has_sensitive
    assert assessment.author == cpip.user and assessment.author_role == "cpip"
    entry = AuditEntry.objects.order_by("-pk").first()
    assert AuditEntry.objects.count() == before + 1
    # The journal keeps that the answers were written, not what they say.
    assert "Suivi en cours" not in str(entry.changes)
    assert "Expertise" not in str(entry.changes)
    line = TimelineEvent.objects.get(person=person, kind="assessment")
    assert line.detail == "Intensité proposée : renforcé"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"answers": lowest_answers() | NEUTRAL | {"housing_status": "x"}}, "answer_housing_status", "choix proposés"),
        ({"answers": lowest_answers() | NEUTRAL | {"prior_convictions": "3,5"}}, "answer_prior_convictions", "nombre entier"),
        ({"answers": lowest_answers() | {"health": "Diabète"}}, "sensitive_basis", "fondement"),
        ({"answers": lowest_answers() | {"health": "Diabète"}, "sensitive_basis": "necessary"}, "sensitive_reason", "nécessaires"),
        ({"reason": "whim"}, "reason", "motif"),
        ({"assessed_on": TODAY + timedelta(days=1)}, "assessed_on", "futur"),
        ({"summary": "  "}, "summary", "synthèse"),
        ({"grid_version": "RNR-1999"}, "grid_version", "Choisissez"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_in_french_with_nothing_written(
    cpip, person, overrides, field, message
):
    before = written()
    with pytest.raises(ValidationError) as error:
        assess(cpip, person, **overrides)
    assert message in " ".join(error.value.message_dict[field])
    assert written() == before


def test_a_retired_grid_version_is_refused(cpip, person):
    GridVersion.objects.filter(pk=grids.RNR_2026.code).update(retired_on=TODAY - timedelta(days=1))
    before = written()
    with pytest.raises(ValidationError) as error:
        assess(cpip, person)
    assert "retirée depuis le" in error.value.message_dict["grid_version"][0]
    assert written() == before
    assert selectors.grid_in_use(TODAY) is None


def test_who_may_assess(cpip, person, member, manager, psychologist):
    other_cpip = member("cpip", user__username="cpip.autre")
    for refused in (other_cpip, member("secretariat"), member("monitoring"), psychologist):
        with pytest.raises(PermissionDenied):
            assess(refused, person)
    assert assess(manager, person).author == manager.user


def test_the_first_level_applies_at_once_and_a_change_waits_for_a_manager(cpip, manager, person):
    assessment = assess(cpip, person)  # proposes « allégé »
    assert assessment.proposed_level == "light"
    first = services.intensity_choose(
        gated=person_get_for(cpip, person.pk), level="light", assessment=assessment, today=TODAY
    )
    assert first.status == "applied" and first.applies_from == TODAY
    assert selectors.current_intensity(person) == first

    later = assess(cpip, person, answers=heaviest_answers(), reason="incident")
    change = services.intensity_choose(
        gated=person_get_for(cpip, person.pk), level="reinforced", assessment=later, today=TODAY
    )
    assert change.status == "pending" and change.previous_level == "light"
    # The previous level applies until a manager validates.
    assert selectors.current_intensity(person) == first
    assert selectors.levels_of([person.pk]) == {person.pk: "light"}
    # A second change while one waits: refused.
    with pytest.raises(ValidationError) as error:
        services.intensity_choose(
            gated=person_get_for(cpip, person.pk),
            level="standard",
            reason="Finalement",
            assessment=later,
            today=TODAY,
        )
    assert "attend déjà la validation" in error.value.message_dict["level"][0]

    # Only a manager validates.
    with pytest.raises(PermissionDenied):
        services.intensity_answer(
            gated=person_get_for(cpip, person.pk), decision=change, accept=True
        )
    tomorrow = TODAY + timedelta(days=1)
    services.intensity_answer(
        gated=person_get_for(manager, person.pk), decision=change, accept=True, today=tomorrow
    )
    change.refresh_from_db()
    assert change.status == "applied" and change.validated_by == manager.user
    assert selectors.current_intensity(person) == change
    assert selectors.levels_of([person.pk]) == {person.pk: "reinforced"}
    with pytest.raises(ValidationError, match="déjà reçu une réponse"):
        services.intensity_answer(
            gated=person_get_for(manager, person.pk), decision=change, accept=True
        )


def test_a_refusal_needs_a_comment_and_keeps_the_level(cpip, manager, person):
    services.intensity_choose(gated=person_get_for(cpip, person.pk), level="standard", today=TODAY)
    change = services.intensity_choose(
        gated=person_get_for(cpip, person.pk), level="light", today=TODAY
    )
    before = written()
    with pytest.raises(ValidationError) as error:
        services.intensity_answer(
            gated=person_get_for(manager, person.pk), decision=change, accept=False
        )
    assert "pourquoi" in error.value.message_dict["comment"][0]
    assert written() == before
    services.intensity_answer(
        gated=person_get_for(manager, person.pk),
        decision=change,
        accept=False,
        comment="Manquements récents : garder le niveau.",
    )
    assert selectors.current_intensity(person).chosen_level == "standard"
    assert selectors.pending_intensity(person) is None


def test_a_level_other_than_the_proposal_needs_a_reason(cpip, person):
    assessment = assess(cpip, person)
    before = written()
    with pytest.raises(ValidationError) as error:
        services.intensity_choose(
            gated=person_get_for(cpip, person.pk),
            level="reinforced",
            assessment=assessment,
            today=TODAY,
        )
    assert "motivez ce choix" in error.value.message_dict["reason"][0]
    assert written() == before
    decision = services.intensity_choose(
        gated=person_get_for(cpip, person.pk),
        level="reinforced",
        reason="Victime résidant à proximité.",
        assessment=assessment,
        today=TODAY,
    )
    assert decision.proposed_level == "light" and decision.chosen_level == "reinforced"


def test_the_same_level_again_is_refused(cpip, person):
    services.intensity_choose(gated=person_get_for(cpip, person.pk), level="standard", today=TODAY)
    with pytest.raises(ValidationError, match="déjà en vigueur"):
        services.intensity_choose(
            gated=person_get_for(cpip, person.pk), level="standard", today=TODAY
        )


def test_an_assessment_of_another_person_is_refused(cpip, person):
    other = make_person(cpip, last_name="Autre")
    assessment = assess(cpip, other)
    with pytest.raises(PermissionDenied):
        services.intensity_choose(
            gated=person_get_for(cpip, person.pk),
            level="light",
            assessment=assessment,
            today=TODAY,
        )


def test_the_psychologists_section(cpip, psychologist, person):
    assessment = assess(cpip, person)
    with pytest.raises(PermissionDenied):
        services.psychologist_section_add(
            gated=person_get_for(cpip, person.pk), assessment=assessment, text="x"
        )
    section = services.psychologist_section_add(
        gated=person_get_for(psychologist, person.pk),
        assessment=assessment,
        text="Entretien clinique : pas d'élément de dangerosité.",
    )
    assert selectors.psychologist_sections(assessment) == [section]
    entry = AuditEntry.objects.order_by("-pk").first()
    assert "dangerosité" not in str(entry.changes)


def test_the_service_sets_its_own_rules_from_a_date(manager, cpip, service):
    defaults = {(r.level, r.measure_kind): r for r in selectors.contact_rules(service.pk, TODAY)}
    assert defaults[("standard", "*")].interviews == 1
    start = TODAY - timedelta(days=10)
    services.intensity_rule_set(
        membership=manager,
        data=dict(
            level="standard",
            measure_kind="",
            period_days=30,
            interviews=2,
            home_visits=0,
            review_days=120,
            valid_from=start,
        ),
    )
    current = {(r.level, r.measure_kind): r for r in selectors.contact_rules(service.pk, TODAY)}
    assert current[("standard", "*")].interviews == 2
    assert current[("reinforced", "*")] == defaults[("reinforced", "*")]
    # Before its start, the defaults.
    earlier = {
        (r.level, r.measure_kind): r
        for r in selectors.contact_rules(service.pk, start - timedelta(days=1))
    }
    assert earlier[("standard", "*")].interviews == 1
    # A newer rule closes the previous one the day before.
    services.intensity_rule_set(
        membership=manager,
        data=dict(
            level="standard",
            measure_kind="*",
            period_days=30,
            interviews=3,
            review_days=120,
            valid_from=TODAY,
        ),
    )
    old = IntensityRule.objects.get(valid_from=start)
    assert old.valid_to == TODAY - timedelta(days=1)
    with pytest.raises(PermissionDenied):
        services.intensity_rule_set(membership=cpip, data={})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (dict(level="standard", period_days=3, interviews=1, review_days=90), "__all__"),
        (dict(level="loose", period_days=30, interviews=1, review_days=90), "level"),
        (dict(level="standard", measure_kind="UNKNOWN", period_days=30, interviews=1, review_days=90), "measure_kind"),
    ],
)  # fmt: skip
def test_a_bad_rule_is_refused(manager, data, field):
    with pytest.raises(ValidationError) as error:
        services.intensity_rule_set(membership=manager, data=data | {"valid_from": TODAY})
    assert field in error.value.message_dict
    assert not IntensityRule.objects.exists()


def test_rules_review_of_the_latest_assessment(cpip, person):
    assessment = assess(cpip, person, assessed_on=date.today() - timedelta(days=200))
    rule = rules.rule_for(rules.DEFAULT_RULES, "standard", [])
    assert rules.review_due(assessment.assessed_on, rule) < TODAY
    assert selectors.latest_assessment(person) == assessment
