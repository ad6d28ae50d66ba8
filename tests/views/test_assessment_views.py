"""The dossier's « Évaluation » tab, the new-assessment form and the assessment page: who sees
what per role (monitoring the level only, the judge and the secretariat nothing, the
psychologist's section for psychologists only), bad input refused in place with nothing
stored, and a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probatio.agenda.models import Appointment
from probatio.assessments import grids, rules, services
from probatio.assessments.models import Assessment, IntensityDecision, PsychologistSection
from probatio.audit.models import AuditEntry
from tests.factories import gate, make_measure, make_person
from tests.views.helpers import field_error, html, text_of

TODAY = timezone.localdate


def answers(**overrides) -> dict:
    """A complete set of answers (every required item), the lightest."""
    found = {}
    for item in rules.items(grids.RNR_2026.definition()):
        if item.get("sensitive") or not item.get("required"):
            continue
        if item["type"] == "choice":
            found[item["code"]] = min(item["options"], key=lambda o: o["weight"])["code"]
        elif item["type"] == "yes_no":
            found[item["code"]] = item["weight"] < 0
        elif item["type"] == "number":
            found[item["code"]] = 0
    found.update(overrides)
    return found


def heavy() -> dict:
    found = {}
    for item in rules.items(grids.RNR_2026.definition()):
        if item.get("sensitive") or not item.get("required"):
            continue
        if item["type"] == "choice":
            found[item["code"]] = max(item["options"], key=lambda o: o["weight"])["code"]
        elif item["type"] == "yes_no":
            found[item["code"]] = item["weight"] > 0
        elif item["type"] == "number":
            found[item["code"]] = 5
    return found


def assess(membership, person, *, raw=None, days_ago=10, **extra):
    return services.assessment_create(
        gated=gate(membership, person),
        grid_version=grids.RNR_2026.code,
        reason="initial",
        assessed_on=TODAY() - timedelta(days=days_ago),
        answers=raw if raw is not None else answers(),
        summary="Situation stable, suivi accepté.",
        **extra,
    )


def choose(membership, person, assessment, level, reason=""):
    return services.intensity_choose(
        gated=gate(membership, person), level=level, reason=reason, assessment=assessment
    )


def post_data(raw: dict, **fields) -> dict:
    data = {
        "reason": "periodic",
        "assessed_on": TODAY().isoformat(),
        "summary": "Synthèse de la situation.",
        "sensitive_basis": "",
        "sensitive_reason": "",
    }
    for code, value in raw.items():
        if value is True:
            value = "yes"
        elif value is False:
            value = "no"
        data[f"answer_{code}"] = value
    data.update(fields)
    return data


def tab_url(person) -> str:
    return f"/personnes/{person.pk}/evaluation/"


def detail_url(assessment) -> str:
    return f"/personnes/{assessment.person_id}/evaluation/{assessment.pk}/"


@pytest.fixture
def followed(cpip, psychologist, social_worker, monitoring, judge):
    """A person of cpip's caseload, a judge's file, followed also by the social worker, with a
    sensitive assessment (reinforced proposal, the level chosen), and a psychologist's
    section."""
    subject = make_person(cpip, surname="Évalué", first_names="Paul")
    make_measure(cpip, subject, judge=judge.user)
    subject.support_staff.add(social_worker.user, monitoring.user)
    assessment = assess(
        cpip,
        subject,
        raw=heavy() | {"health": "Diabète suivi", "substance_use": "problematic"},
        sensitive_basis="judge_request",
        sensitive_reason="Expertise demandée par le JAP.",
    )
    choose(cpip, subject, assessment, "reinforced")
    services.psychologist_section_add(
        gated=gate(psychologist, subject), assessment=assessment, text="Texte du psy confidentiel."
    )
    return subject


def the_assessment(person) -> Assessment:
    return Assessment.objects.filter(person=person).latest("pk")


def written():
    return (
        Assessment.objects.count(),
        IntensityDecision.objects.count(),
        PsychologistSection.objects.count(),
    )


# --- Who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, tab, page",
    [
        ("cpip", 200, 200),
        ("manager", 200, 200),
        ("psychologist", 200, 200),
        ("social_worker", 200, 200),  # the person is in their caseload
        ("monitoring", 200, 403),
        ("secretariat", 403, 403),
        ("judge", 403, 403),  # their file: they see the person, never an assessment
    ],
)
def test_who_opens_the_tab_and_the_assessment(as_role, followed, role, tab, page):
    client = as_role(role)
    assert client.get(tab_url(followed)).status_code == tab
    assert client.get(detail_url(the_assessment(followed))).status_code == page
    identity = text_of(client.get(f"/personnes/{followed.pk}/"))
    assert ("Évaluation" in identity) == (tab == 200)


def test_the_cpip_sees_the_level_contacts_list_and_history(as_role, followed):
    response = as_role("cpip").get(tab_url(followed))
    text = text_of(response)
    assert "Renforcé depuis le" in text
    assert "Conforme à la proposition de la grille" in text
    assert "Prochain entretien à tenir au plus tard le" in text
    assert "Évaluation à réexaminer le" in text
    assert "Évaluations (1)" in text
    assert "éléments sensibles" in text
    assert "Diabète" not in text and "Expertise demandée" not in text  # never in the list
    assert "Nouvelle évaluation" in text
    assert 'data-testid="history"' in html(response)
    entry = AuditEntry.objects.filter(action="read").latest("pk")
    assert entry.context.get("tab") == "evaluation" or "evaluation" in str(entry.context)


def test_monitoring_sees_the_level_only(as_role, followed):
    response = as_role("monitoring").get(tab_url(followed))
    text = text_of(response)
    assert "Renforcé depuis le" in text
    for hidden in ("Évaluations (", "Contacts attendus", "Historique", "Nouvelle évaluation"):
        assert hidden not in text
    assert "Choisie par" not in text


def test_a_manager_sees_but_the_social_worker_does_not_write(as_role, followed):
    assert "Nouvelle évaluation" in text_of(as_role("manager").get(tab_url(followed)))
    social = as_role("social_worker")
    assert "Nouvelle évaluation" not in text_of(social.get(tab_url(followed)))
    assert social.get(f"/personnes/{followed.pk}/evaluation/nouvelle/").status_code == 403


def test_a_social_worker_outside_their_caseload_is_refused(as_role, cpip):
    other = make_person(cpip)
    assert as_role("social_worker").get(tab_url(other)).status_code == 403


def test_a_cpip_outside_their_caseload_reads_but_does_not_write(member, client_for, followed):
    colleague = client_for(member("cpip"))
    response = colleague.get(tab_url(followed))
    assert response.status_code == 200
    assert "Nouvelle évaluation" not in text_of(response)
    assert colleague.get(f"/personnes/{followed.pk}/evaluation/nouvelle/").status_code == 403
    page = colleague.get(detail_url(the_assessment(followed)))
    assert page.status_code == 200 and 'data-testid="choose"' not in html(page)
    before = written()
    refused = colleague.post(
        f"{detail_url(the_assessment(followed))}intensite/", {"level": "standard", "reason": "x"}
    )
    assert refused.status_code == 403 and written() == before


def test_a_judge_never_reads_an_assessment_page_nor_another_files(as_role, cpip, followed):
    judge = as_role("judge")
    assert judge.get(detail_url(the_assessment(followed))).status_code == 403
    elsewhere = make_person(cpip)
    assessment = assess(cpip, elsewhere)
    assert judge.get(tab_url(elsewhere)).status_code == 404
    assert judge.get(detail_url(assessment)).status_code == 404


def test_another_services_person_is_a_404(as_role, other_person):
    assert as_role("cpip").get(tab_url(other_person)).status_code == 404
    assert as_role("manager").get(f"/personnes/{other_person.pk}/evaluation/1/").status_code == 404


def test_an_assessment_of_another_person_is_a_404(as_role, cpip, followed):
    elsewhere = make_person(cpip)
    url = f"/personnes/{elsewhere.pk}/evaluation/{the_assessment(followed).pk}/"
    assert as_role("cpip").get(url).status_code == 404


# --- The assessment page ---------------------------------------------------------------------


def test_the_page_shows_answers_sensitive_items_and_proposal(as_role, followed):
    response = as_role("cpip").get(detail_url(the_assessment(followed)))
    text = text_of(response)
    assert "Sans domicile stable" in text  # a choice's label
    assert "Oui" in text
    assert "Éléments sensibles" in text and "Diabète suivi" in text
    assert "Problématique, en lien avec les faits" in text
    assert "Évaluation demandée par un magistrat" in text
    assert "Expertise demandée par le JAP." in text
    assert "Intensité proposée : renforcé" in text
    assert "Ce qui a pesé" in text


@pytest.mark.parametrize("role", ["cpip", "manager", "social_worker"])
def test_only_psychologists_see_their_section(as_role, followed, role):
    text = text_of(as_role(role).get(detail_url(the_assessment(followed))))
    assert "Texte du psy" not in text
    assert "Section du psychologue" not in text and "psychologue" not in text.lower()


def test_the_psychologist_reads_and_writes_their_section(as_role, followed):
    client = as_role("psychologist")
    url = detail_url(the_assessment(followed))
    page = client.get(url)
    assert "Texte du psy confidentiel." in text_of(page)
    assert 'data-testid="choose"' not in html(page)  # the level is not theirs to choose
    empty = client.post(f"{url}psychologue/", {"text": "  "})
    assert empty.status_code == 400
    assert field_error(empty, "id_text") == "Rédigez vos observations."
    response = client.post(f"{url}psychologue/", {"text": "Deuxième observation."})
    assert response.status_code == 302
    assert PsychologistSection.objects.filter(text="Deuxième observation.").exists()
    assert as_role("cpip").post(f"{url}psychologue/", {"text": "x"}).status_code == 403


# --- The new-assessment form -----------------------------------------------------------------


def test_the_form_renders_the_grid_domain_by_domain(as_role, followed):
    response = as_role("cpip").get(f"/personnes/{followed.pk}/evaluation/nouvelle/")
    assert response.status_code == 200
    content = html(response)
    for domain in grids.RNR_2026.definition()["domains"]:
        assert f'data-testid="domain-{domain["code"]}"' in content
    assert 'name="answer_housing_status"' in content and 'type="radio"' in content
    assert 'name="answer_prior_convictions"' in content and 'type="number"' in content
    assert "<textarea" in content and 'name="sensitive_basis"' in content
    assert "demandée par un magistrat" in text_of(response)


def test_a_new_assessment_is_saved_then_its_level_chosen(as_role, cpip):
    subject = make_person(cpip)
    client = as_role("cpip")
    response = client.post(f"/personnes/{subject.pk}/evaluation/nouvelle/", post_data(answers()))
    assert response.status_code == 302, field_errors_of(response)
    assessment = the_assessment(subject)
    assert assessment.proposed_level == "light" and assessment.reason == "periodic"
    page = client.get(detail_url(assessment))
    assert 'value="light"' in html(page) and "checked" in html(page)
    chosen = client.post(f"{detail_url(assessment)}intensite/", {"level": "light", "reason": ""})
    assert chosen.status_code == 302
    decision = IntensityDecision.objects.get(person=subject)
    assert decision.status == "applied" and decision.chosen_level == "light"


def field_errors_of(response) -> str:
    return text_of(response)[:2000] if response.status_code != 302 else ""


@pytest.mark.parametrize(
    "raw, fields, field_id, message",
    [
        (
            answers(housing_status="castle"),
            {},
            "id_answer_housing_status",
            "Cette réponse ne fait pas partie des choix proposés.",
        ),
        (answers(prior_convictions="beaucoup"), {}, "id_answer_prior_convictions", "entier"),
        (answers(prior_convictions="500"), {}, "id_answer_prior_convictions", "entre 0 et 99"),
        (answers(debts="peut-être"), {}, "id_answer_debts", "oui ou par non"),
        (
            answers(health="Traitement en cours"),
            {},
            "id_sensitive_reason",
            "Indiquez pourquoi ces éléments sensibles sont nécessaires.",
        ),
        (answers(), {"summary": ""}, "id_summary", "Rédigez la synthèse"),
        (
            answers(),
            {"assessed_on": (TODAY() + timedelta(days=2)).isoformat()},
            "id_assessed_on",
            "futur",
        ),
    ],
)
def test_bad_input_is_shown_in_place_and_nothing_is_saved(
    as_role, cpip, raw, fields, field_id, message
):
    subject = make_person(cpip)
    before = written()
    reads = AuditEntry.objects.exclude(action="read").count()
    response = as_role("cpip").post(
        f"/personnes/{subject.pk}/evaluation/nouvelle/", post_data(raw, **fields)
    )
    assert response.status_code == 400
    assert message in field_error(response, field_id)
    assert "fr-fieldset--error" in html(response) or "fr-input-group--error" in html(response)
    assert written() == before
    assert AuditEntry.objects.exclude(action="read").count() == reads
    if "summary" not in fields:
        assert "Synthèse de la situation." in html(response)  # what was typed is kept


def test_a_sensitive_item_without_reason_keeps_what_was_typed(as_role, cpip):
    subject = make_person(cpip)
    response = as_role("cpip").post(
        f"/personnes/{subject.pk}/evaluation/nouvelle/",
        post_data(answers(), answer_health="Traitement en cours", sensitive_basis="necessary"),
    )
    assert response.status_code == 400
    content = html(response)
    assert "Traitement en cours" in content
    assert 'value="necessary" selected' in content
    assert "nécessaires" in field_error(response, "id_sensitive_reason")
    assert not Assessment.objects.filter(person=subject).exists()


def test_a_level_other_than_the_proposal_needs_a_reason(as_role, cpip):
    subject = make_person(cpip)
    assessment = assess(cpip, subject)  # proposes « allégé »
    client = as_role("cpip")
    before = written()
    response = client.post(f"{detail_url(assessment)}intensite/", {"level": "reinforced"})
    assert response.status_code == 400
    assert "diffère de la proposition" in field_error(response, "id_reason")
    assert 'value="reinforced"' in html(response)
    assert written() == before
    response = client.post(
        f"{detail_url(assessment)}intensite/",
        {"level": "reinforced", "reason": "Violences récentes signalées par la victime."},
    )
    assert response.status_code == 302
    tab = text_of(client.get(tab_url(subject)))
    assert "La grille proposait « allégé »" in tab
    assert "Violences récentes signalées par la victime." in tab


def test_a_change_waits_for_a_manager(as_role, cpip):
    subject = make_person(cpip)
    first = assess(cpip, subject, days_ago=100)
    choose(cpip, subject, first, "light")
    second = assess(cpip, subject, raw=heavy(), days_ago=1)
    client = as_role("cpip")
    old = client.get(detail_url(first))
    assert 'data-testid="choose"' not in html(old)  # only the latest assessment
    assert client.post(f"{detail_url(first)}intensite/", {"level": "standard"}).status_code == 302
    assert IntensityDecision.objects.filter(person=subject).count() == 1
    response = client.post(f"{detail_url(second)}intensite/", {"level": "reinforced"})
    assert response.status_code == 302
    text = text_of(client.get(tab_url(subject)))
    assert "Allégé depuis le" in text
    assert "en attente de validation par un cadre" in text
    page = text_of(client.get(detail_url(second)))
    assert "en attente de validation par un cadre" in page


def test_contacts_below_the_level_are_named(as_role, cpip):
    subject = make_person(cpip)
    make_measure(cpip, subject)
    assessment = assess(cpip, subject, raw=heavy(), days_ago=200)
    decision = choose(cpip, subject, assessment, "reinforced")
    IntensityDecision.objects.filter(pk=decision.pk).update(
        applies_from=TODAY() - timedelta(days=120)
    )
    text = text_of(as_role("cpip").get(tab_url(subject)))
    assert "Contacts en dessous du niveau" in text
    assert "sur 2 attendu" in text and "en 30 jours" in text  # 0 interviews of 2
    assert "échue" in text  # reviewed every 90 days, assessed 200 days ago
    assert Appointment.Status.HONOURED  # the held contacts come from honoured appointments


# --- Queries ---------------------------------------------------------------------------------


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("role", ["cpip", "psychologist", "monitoring"])
def test_the_tab_and_the_page_hold_few_queries_whatever_the_data(as_role, cpip, followed, role):
    client = as_role(role)
    urls = [tab_url(followed)]
    if role != "monitoring":
        urls.append(detail_url(the_assessment(followed)))
    for url in urls:
        client.get(url)  # warm-up
    small = [count(client, url) for url in urls]
    for n in range(25):
        assess(cpip, followed, days_ago=20 + n)
    assert count(client, urls[0]) == small[0]
    assert all(n <= 15 for n in small), small
    if len(urls) > 1:
        assert count(client, urls[1]) == small[1]
