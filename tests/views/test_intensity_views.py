"""The managers' intensity pages: « Intensités à valider » (validate or refuse a change of
level) and the service's follow-up rules under « Paramètres »."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probatio.assessments import rules, selectors
from probatio.assessments.models import IntensityDecision, IntensityRule
from probatio.audit.models import AuditEntry
from tests.factories import make_intensity_change, make_person
from tests.views.helpers import field_error, html, text_of

PENDING = "/service/intensites/"
RULES = "/service/parametres/intensite/"
REFUSED_ROLES = ("cpip", "secretariat", "monitoring", "psychologist", "judge")


def make_change(cpip, person, **kwargs):
    return make_intensity_change(cpip, person, **kwargs)


@pytest.fixture
def change(cpip, person):
    return make_change(cpip, person)


def answer_url(decision) -> str:
    return f"{PENDING}{decision.person_id}/{decision.pk}/"


def post_answer(client, decision, answer: str, comment: str = ""):
    prefix = f"decision-{decision.pk}"
    return client.post(
        answer_url(decision), {f"{prefix}-answer": answer, f"{prefix}-comment": comment}
    )


# --- « Intensités à valider » -----------------------------------------------------------------


def test_the_manager_sees_the_changes_waiting(as_role, change, person):
    response = as_role("manager").get(PENDING)
    assert response.status_code == 200
    text = text_of(response)
    assert "1 changement d'intensité du suivi attend votre validation." in text
    assert str(person) in text
    assert f'href="/personnes/{person.pk}/"' in html(response)
    assert "Niveau en vigueur Standard" in text
    assert "Niveau demandé Renforcé" in text
    assert (
        f"Proposition de l'évaluation {rules.LEVEL_LABELS[rules.Level(change.proposed_level)]}"
        in text
    )
    assert "Récidive récente" in text
    assert "Camille Conseil" in text
    assert "Valider" in text and "Refuser" in text


def test_nothing_waiting_is_said_in_the_singular(as_role):
    response = as_role("manager").get(PENDING)
    assert response.status_code == 200
    assert "Aucun changement d'intensité du suivi n'attend de validation." in text_of(response)


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_other_roles_are_refused(as_role, change, role):
    client = as_role(role)
    assert client.get(PENDING).status_code == 403
    assert post_answer(client, change, "accept").status_code == 403
    assert IntensityDecision.objects.get(pk=change.pk).status == "pending"


def test_the_service_view_counts_the_changes_waiting(as_role, change):
    response = as_role("manager").get("/service/")
    assert response.status_code == 200
    assert 'data-testid="pending-intensities-count">1<' in html(response)
    assert 'href="/service/intensites/"' in html(response)


def test_validation_applies_the_new_level_and_is_journaled(as_role, change, person, manager):
    assert selectors.current_intensity(person).chosen_level == "standard"
    response = post_answer(as_role("manager"), change, "accept")
    assert response.status_code == 302
    assert response["Location"] == PENDING
    change.refresh_from_db()
    assert change.status == "applied"
    assert change.validated_by == manager.user
    assert selectors.current_intensity(person).chosen_level == "reinforced"
    assert AuditEntry.objects.filter(summary="Changement d'intensité validé : renforcé").exists()
    page = as_role("manager").get(PENDING)
    assert "Aucun changement d'intensité" in text_of(page)


def test_the_success_message_is_french(as_role, change, person):
    client = as_role("manager")
    response = client.post(
        answer_url(change),
        {f"decision-{change.pk}-answer": "accept", f"decision-{change.pk}-comment": ""},
        follow=True,
    )
    assert f"Changement d'intensité validé : {person} passe en suivi renforcé." in text_of(response)


def test_refusal_keeps_the_previous_level_and_is_journaled(as_role, change, person):
    response = post_answer(as_role("manager"), change, "refuse", "Attendre le prochain rapport.")
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == "refused"
    assert change.answer_comment == "Attendre le prochain rapport."
    assert selectors.current_intensity(person).chosen_level == "standard"
    assert AuditEntry.objects.filter(
        summary="Changement d'intensité non validé (renforcé)"
    ).exists()


def test_a_refusal_without_comment_is_refused_with_nothing_saved(as_role, change, person):
    entries = AuditEntry.objects.count()
    response = post_answer(as_role("manager"), change, "refuse", "   ")
    assert response.status_code == 400
    assert field_error(response, f"id_decision-{change.pk}-comment") == (
        "Indiquez pourquoi le changement n'est pas validé."
    )
    assert "rien n'a été enregistré" in text_of(response)
    change.refresh_from_db()
    assert change.status == "pending"
    assert selectors.current_intensity(person).chosen_level == "standard"
    assert AuditEntry.objects.count() == entries


def test_an_answer_without_choice_is_refused(as_role, change):
    response = post_answer(as_role("manager"), change, "")
    assert response.status_code == 400
    assert "Choisissez de valider ou de refuser le changement." in text_of(response)
    assert IntensityDecision.objects.get(pk=change.pk).status == "pending"


def test_a_change_already_answered_cannot_be_answered_again(as_role, change):
    client = as_role("manager")
    assert post_answer(client, change, "accept").status_code == 302
    response = post_answer(client, change, "refuse", "Trop tard")
    assert response.status_code == 400
    assert "Ce changement d'intensité a déjà reçu une réponse." in text_of(response)
    assert IntensityDecision.objects.get(pk=change.pk).status == "applied"


def test_another_services_change_is_a_404(as_role, member, other_service):
    other_cpip = member("cpip", service=other_service)
    foreign = make_change(other_cpip, make_person(other_cpip))
    client = as_role("manager")
    assert post_answer(client, foreign, "accept").status_code == 404
    assert IntensityDecision.objects.get(pk=foreign.pk).status == "pending"
    assert str(foreign.person) not in text_of(client.get(PENDING))


def test_a_decision_of_another_person_is_a_404(as_role, change, cpip):
    someone = make_person(cpip)
    client = as_role("manager")
    response = client.post(
        f"{PENDING}{someone.pk}/{change.pk}/",
        {f"decision-{change.pk}-answer": "accept"},
    )
    assert response.status_code == 404
    assert IntensityDecision.objects.get(pk=change.pk).status == "pending"


def test_the_answer_is_post_only(as_role, change):
    assert as_role("manager").get(answer_url(change)).status_code == 405


def test_the_pending_page_stays_within_15_queries(as_role, cpip, manager):
    for _ in range(4):
        make_change(cpip, make_person(cpip))
    client = as_role("manager")
    client.get(PENDING)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PENDING)
    assert response.status_code == 200
    assert "4 changements d'intensité du suivi attendent votre validation." in text_of(response)
    first = len(queries)
    for _ in range(3):
        make_change(cpip, make_person(cpip))
    with CaptureQueriesContext(connection) as queries:
        client.get(PENDING)
    assert len(queries) == first <= 15


def test_the_changes_are_shown_by_pages_and_a_refused_answer_on_its_own(as_role, cpip, monkeypatch):
    """Oldest first, by pages; an answer refused on the second page draws that page again,
    with its error, and its pages still lead to the list."""
    from probatio.assessments import intensity_views

    monkeypatch.setattr(intensity_views, "PER_PAGE", 1)
    first = make_change(cpip, make_person(cpip, surname="Premier"))
    second = make_change(cpip, make_person(cpip, surname="Second"))
    client = as_role("manager")
    page_one = client.get(PENDING)
    assert "2 changements d'intensité du suivi attendent votre validation." in text_of(page_one)
    assert "PREMIER" in text_of(page_one).upper() and "SECOND" not in text_of(page_one).upper()
    page_two = client.get(PENDING + "?page=2")
    assert "SECOND" in text_of(page_two).upper() and "PREMIER" not in text_of(page_two).upper()

    refused = post_answer(client, second, "refuse", " ")
    assert refused.status_code == 400
    assert "SECOND" in text_of(refused).upper() and "PREMIER" not in text_of(refused).upper()
    assert field_error(refused, f"id_decision-{second.pk}-comment")
    assert f'href="{PENDING}?page=1"' in html(refused)  # not the answer's address
    assert IntensityDecision.objects.get(pk=first.pk).status == "pending"


# --- The service's follow-up rules ------------------------------------------------------------


def rule_data(**changes) -> dict:
    data = {
        "level": "reinforced",
        "measure_kind": rules.ANY_MEASURE,
        "period_days": "30",
        "interviews": "3",
        "home_visits": "1",
        "review_days": "60",
        "valid_from": timezone.localdate().isoformat(),
    }
    return data | changes


def test_the_rules_page_shows_the_defaults(as_role):
    response = as_role("manager").get(RULES)
    assert response.status_code == 200
    text = text_of(response)
    assert "Règles en vigueur" in text
    assert "Par défaut" in text
    assert "Toutes mesures" in text
    assert "Le service n'a fixé aucune règle" in text
    assert 'href="/service/parametres/intensite/" aria-current="page"' in html(response)


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_the_rules_page_is_refused_to_other_roles(as_role, role):
    client = as_role(role)
    assert client.get(RULES).status_code == 403
    assert client.post(RULES, rule_data()).status_code == 403
    assert not IntensityRule.objects.exists()


def test_a_rule_is_set_from_a_date(as_role, service):
    client = as_role("manager")
    response = client.post(RULES, rule_data(), follow=True)
    assert response.status_code == 200
    text = text_of(response)
    assert "Règle de suivi enregistrée : renforcé, « Toutes mesures »" in text
    rule = IntensityRule.objects.get(service=service)
    assert (rule.interviews, rule.home_visits, rule.review_days) == (3, 1, 60)
    assert "Service, depuis le" in text
    assert "3 entretiens et 1 visite à domicile par 30 jours" in text
    in_force = {
        (r.level, r.measure_kind): r for r in selectors.contact_rules(service.pk, date.today())
    }
    assert in_force[("reinforced", rules.ANY_MEASURE)].interviews == 3
    assert AuditEntry.objects.filter(summary__startswith="Règle d'intensité : renforcé").exists()


def test_a_new_rule_ends_the_previous_one(as_role, service):
    client = as_role("manager")
    today = timezone.localdate()
    client.post(RULES, rule_data(valid_from=(today - timedelta(days=10)).isoformat()))
    client.post(RULES, rule_data(interviews="2", valid_from=today.isoformat()))
    first, second = IntensityRule.objects.filter(service=service).order_by("valid_from")
    assert first.valid_to == today - timedelta(days=1)
    assert second.valid_to is None
    text = text_of(client.get(RULES))
    assert f"au {first.valid_to:%d/%m/%Y}" in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("period_days", "3", "La période compte au moins 7 jours."),
        ("period_days", "", "Indiquez la période, en jours."),
        ("interviews", "0", "Au moins un entretien par période."),
        ("review_days", "abc", "Saisissez un nombre entier de jours."),
        ("level", "", "Choisissez un niveau d'intensité."),
        ("measure_kind", "INCONNU", "Type de mesure inconnu."),
        ("valid_from", "", "Indiquez la date d'entrée en vigueur."),
    ],
)
def test_bad_input_is_refused_in_french_with_nothing_saved(as_role, field, value, message):
    client = as_role("manager")
    entries = AuditEntry.objects.count()
    response = client.post(RULES, rule_data(**{field: value}))
    assert response.status_code == 400
    assert field_error(response, f"id_{field}") == message
    assert not IntensityRule.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_a_rule_starting_before_the_one_in_force_is_refused(as_role, service):
    client = as_role("manager")
    today = timezone.localdate()
    client.post(RULES, rule_data())
    response = client.post(RULES, rule_data(valid_from=(today - timedelta(days=5)).isoformat()))
    assert response.status_code == 400
    assert "la nouvelle doit commencer après" in field_error(response, "id_valid_from")
    assert IntensityRule.objects.filter(service=service).count() == 1


def test_the_settings_pages_link_the_rules(as_role):
    response = as_role("manager").get("/service/parametres/")
    assert 'href="/service/parametres/intensite/"' in html(response)


def test_the_rules_page_stays_within_15_queries(as_role):
    client = as_role("manager")
    client.post(RULES, rule_data())
    client.post(RULES, rule_data(level="light", period_days="60", interviews="1"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(RULES)
    assert response.status_code == 200
    assert len(queries) <= 15
