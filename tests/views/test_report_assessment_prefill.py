"""The assessment section of the reports to the judge (docs/reports.md): prefilled from the
latest assessment of the report's person — its date and reason, the level in force, the
proposal with its reasons, the needs answered yes, the CPIP's summary —, never its sensitive
items nor the psychologist's section; editable before the visa; and the judge reading the
transmitted report reads the summary (« through reports only »)."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from probatio.assessments.models import (
    Assessment,
    GridVersion,
    IntensityDecision,
    PsychologistSection,
)
from probatio.people.selectors import person_get_for
from probatio.reports import prefill, rules, services
from probatio.reports.selectors import report_get_for
from tests.factories import make_measure, make_person

TODAY = date(2026, 6, 20)
SENSITIVE = "Suivi psychiatrique au CMP"
PSY = "Observation réservée du psychologue"
SUMMARY = "Personne investie dans son suivi ; le logement reste la priorité."

pytestmark = pytest.mark.usefixtures("private_files")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 6, 20, 10, 0, tzinfo=UTC), tick=False):
        yield


def assessed(person, by, on, *, summary=SUMMARY, **extra):
    return Assessment.objects.create(
        person=person,
        service_id=person.service_id,
        grid_version=GridVersion.objects.get(code="RNR-2026-1"),
        reason="report",
        assessed_on=on,
        answers={"need_housing": True, "need_work": False, "need_rights": True},
        sensitive_answers={"health": SENSITIVE, "substance_use": "problematic"},
        has_sensitive=True,
        sensitive_basis="necessary",
        sensitive_reason="Nécessaire à l'évaluation.",
        summary=summary,
        proposed_level="reinforced",
        proposal_score=7,
        proposal_version="2026-1",
        proposal_reasons=["Logement : Sans domicile (+3)", "Antécédents : Oui (+2)"],
        author=by.user,
        author_role="cpip",
        **extra,
    )


@pytest.fixture
def file(cpip, judge, psychologist):
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    measure = make_measure(
        cpip, person, code="SURSIS_PROBATOIRE_RENFORCE", judge=judge.user, today=TODAY
    )
    return {"person": person, "measure": measure}


def with_assessments(file, cpip, psychologist):
    person = file["person"]
    older = assessed(person, cpip, date(2026, 3, 1), summary="Ancienne synthèse.")
    latest = assessed(person, cpip, date(2026, 6, 1))
    PsychologistSection.objects.create(assessment=latest, text=PSY, author=psychologist.user)
    IntensityDecision.objects.create(
        person=person,
        service_id=person.service_id,
        assessment=older,
        proposed_level="reinforced",
        chosen_level="standard",
        reason="Emploi stable depuis peu.",
        status="applied",
        chosen_by=cpip.user,
        chosen_at=datetime(2026, 3, 1, 9, tzinfo=UTC),
        applies_from=date(2026, 3, 1),
    )
    IntensityDecision.objects.create(
        person=person,
        service_id=person.service_id,
        assessment=latest,
        proposed_level="reinforced",
        chosen_level="reinforced",
        status="pending",
        chosen_by=cpip.user,
        chosen_at=datetime(2026, 6, 1, 9, tzinfo=UTC),
    )
    return latest


def create(cpip, file, kind=rules.EVALUATION):
    return services.report_create(
        membership=cpip,
        gated=person_get_for(cpip, file["person"].pk),
        kind=kind,
        measure=file["measure"],
        incident=None,
        today=TODAY,
    )


def section(report, key="assessment") -> str:
    return next(s["text"] for s in report.sections if s["key"] == key)


def test_the_3_month_report_of_a_reinforced_probation_is_prefilled_from_the_latest(
    cpip, psychologist, file
):
    with_assessments(file, cpip, psychologist)
    report = create(cpip, file)
    text = section(report)
    assert "Évaluation structurée du 01/06/2026 (avant un rapport au juge)." in text
    assert "Intensité du suivi en vigueur : standard, depuis le 01/03/2026." in text
    assert (
        "Niveau choisi différent de la proposition (renforcé) : Emploi stable depuis peu." in text
    )
    assert "Passage à l'intensité renforcé en attente de validation" in text
    assert "Intensité proposée par la grille : renforcé." in text
    assert "– Logement : Sans domicile (+3)" in text
    assert "– Besoin : logement ou hébergement" in text
    assert "– Besoin : accès aux droits" in text
    assert "emploi ou formation" not in text  # answered no
    assert SUMMARY in text and "Ancienne synthèse" not in text
    # Never the sensitive items nor the psychologist's section, in any section.
    everything = " ".join(s["text"] for s in report.sections)
    assert SENSITIVE not in everything and "problématique" not in everything.lower()
    assert "Consommation" not in everything and PSY not in everything


def test_the_progress_report_has_the_section_and_other_kinds_do_not(cpip, psychologist, file):
    with_assessments(file, cpip, psychologist)
    assert SUMMARY in section(create(cpip, file, rules.SITUATION))
    end = create(cpip, file, rules.END_OF_MEASURE)
    assert "assessment" not in {s["key"] for s in end.sections}


def test_without_an_assessment_the_section_says_so(cpip, file):
    text = section(create(cpip, file))
    assert text.startswith("Aucune évaluation structurée n'est enregistrée pour cette personne.")
    assert "Aucune intensité du suivi n'est encore en vigueur." in text


def test_only_the_reports_person_is_read(cpip, psychologist, file):
    other = make_person(cpip, surname="Autre", first_names="Personne")
    assessed(other, cpip, date(2026, 6, 10), summary="Synthèse d'une autre personne.")
    text = section(create(cpip, file))
    assert "autre personne" not in text and text.startswith("Aucune évaluation")


def test_a_role_that_may_not_read_assessments_gets_the_section_empty(cpip, psychologist, file):
    with_assessments(file, cpip, psychologist)
    sections = prefill.prefilled_sections(
        rules.EVALUATION,
        person=file["person"],
        measure=file["measure"],
        incident=None,
        today=TODAY,
        with_assessment=False,
    )
    assert next(s["text"] for s in sections if s["key"] == "assessment") == ""


def test_the_cpip_edits_it_and_the_judge_reads_the_transmitted_summary(
    client_for, cpip, manager, judge, psychologist, file
):
    with_assessments(file, cpip, psychologist)
    report = create(cpip, file)
    texts = {s["key"]: s["text"] or f"Texte de la rubrique {s['title']}." for s in report.sections}
    texts["assessment"] += "\nPrécision ajoutée par le CPIP."
    report = services.report_save(
        membership=cpip, gated_report=report_get_for(cpip, report.pk), texts=texts
    )
    assert "Précision ajoutée par le CPIP." in section(report)
    services.report_submit(membership=cpip, gated_report=report_get_for(cpip, report.pk))
    services.report_approve(membership=manager, gated_report=report_get_for(manager, report.pk))
    services.report_transmit(membership=manager, gated_report=report_get_for(manager, report.pk))
    page = client_for(judge).get(f"/rapports/{report.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Évaluation structurée et intensité du suivi" in html
    assert "le logement reste la priorité" in html
    assert "Précision ajoutée par le CPIP." in html
    assert SENSITIVE not in html and PSY not in html
