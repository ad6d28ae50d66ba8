"""Reports to the judge through the test client, on a real database: a report started from
the dossier tab and prefilled, the draft's autosave, the whole visa loop step by step with every
refusal (by role and by status), the judge's landing page and answer, the timeline, the frozen
report and its stored PDF, every page in the DSFR layout and the detail page's query count."""

import hashlib
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.audit.models import AuditEntry
from probatio.compliance import services as compliance
from probatio.measures import services as measure_services
from probatio.measures.models import Decision
from probatio.organisation.models import Court
from probatio.people.models import TimelineEvent
from probatio.people.selectors import person_get_for
from probatio.reports import answers, rules, services
from probatio.reports.models import JudgeAnswer, Report
from probatio.reports.selectors import report_get_for
from probatio.transitions.services import AnswerData, answer_record
from tests.factories import PASSWORD, gate, make_measure, make_person
from tests.views.helpers import assert_dsfr_page, field_error, html, text_of

NOW = datetime(2025, 6, 20, 10, 0, tzinfo=UTC)  # 12:00 in Paris
TODAY = date(2025, 6, 20)
MAX_DETAIL_QUERIES = 20  # 14 to 17 today, by role and stage

INCIDENT_REQUIRED = {
    "facts": "Le 02/06/2025, interpellation pour conduite sans permis.",
    "analysis": "Risque de réitération modéré : la personne conduit pour aller travailler.",
    "proposal": "Avertissement solennel ; urgence faible.",
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


pytestmark = pytest.mark.usefixtures("private_files")  # files into a temporary folder


@pytest.fixture
def file(cpip, judge):
    """A person of the CPIP's caseload, a sursis probatoire ordered by ``judge`` (so one of
    the judge's files) with a work obligation, and an incident recorded on that measure."""
    person = make_person(
        cpip, surname="Ménard", first_names="Éloïse", sex="F", birth_date=date(1991, 7, 14)
    )
    measure = make_measure(cpip, person, judge=judge.user, today=TODAY)
    work = measure_services.obligation_create(
        gated=gate(cpip, measure.person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code="TRAVAIL_FORMATION",
        data={"start_date": measure.start_date, "status": "active"},
    )
    incident = compliance.incident_record(
        membership=cpip,
        gated=person_get_for(cpip, person.pk),
        data={"kind": "new_offence", "occurred_on": date(2025, 6, 2), "source": "police",
              "measure": measure, "description": "Interpellé pour conduite sans permis.",
              "steps_taken": ["summons"], "person_explanation": "Dit devoir aller travailler."},
    )  # fmt: skip
    return {"person": person, "measure": measure, "work": work, "incident": incident}


@pytest.fixture
def other_judge(member):
    return member("judge", user__first_name="Jules", user__last_name="Autrejuge")


@pytest.fixture
def foreign_manager(member, other_service):
    return member("manager", service=other_service)


# --- URLs and helpers. ---


def tab_url(person) -> str:
    return f"/personnes/{person.pk}/rapports/"


def detail_url(report) -> str:
    return f"/rapports/{report.pk}/"


def act_url(report, step: str) -> str:
    if step == "answer":  # the judge's answer has its own page
        return f"/rapports/{report.pk}/reponse/"
    return f"/rapports/{report.pk}/action/{step}/"


def autosave_url(report) -> str:
    return f"/rapports/{report.pk}/brouillon/"


def pdf_url(report) -> str:
    return f"/rapports/{report.pk}/rapport.pdf"


def timeline_url(person) -> str:
    return f"/personnes/{person.pk}/chronologie/"


def followed(client, response):
    """The page a redirect leads to (where the flash message shows)."""
    assert response.status_code == 302, response.status_code
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page


def textarea(response, name: str) -> str | None:
    found = re.search(
        rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', html(response), re.S
    )
    return found[1] if found else None


def sections_of(report) -> dict[str, str]:
    return {s["key"]: s["text"] for s in Report.objects.get(pk=report.pk).sections}


def state(report) -> dict:
    """Everything a refused step must leave as it was."""
    fresh = Report.objects.get(pk=report.pk)
    return {
        "status": fresh.status,
        "title": fresh.title,
        "sections": fresh.sections,
        "return_comment": fresh.return_comment,
        "approved_by": fresh.approved_by_id,
        "transmitted_at": fresh.transmitted_at,
        "sha256": fresh.sha256,
        "pdf": fresh.pdf.name,
        "steps": list(fresh.steps.values_list("step", "by_id")),
        "answered": JudgeAnswer.objects.filter(report=fresh).exists(),
        "corrections": Report.objects.filter(previous=fresh).count(),
        "reports": Report.objects.count(),
        "timeline": list(
            TimelineEvent.objects.filter(kind="report").values_list("title", flat=True)
        ),
        "decisions": Decision.objects.filter(kind=Decision.Kind.JAP_ORDER).count(),
    }


def assert_refused(client, report, step: str, status: int, data: dict | None = None):
    before = state(report)
    response = client.post(act_url(report, step), data or {})
    assert response.status_code == status, (step, response.status_code)
    assert state(report) == before, step
    return response


def assert_refused_with_message(client, report, step: str, message: str, data=None):
    """A step refused by the workflow (wrong status): back to the report with the message."""
    before = state(report)
    response = client.post(act_url(report, step), data or {})
    assert response["Location"] == detail_url(report)
    assert message in text_of(followed(client, response))
    assert state(report) == before, step


def section_fields(texts: dict[str, str]) -> dict[str, str]:
    return {f"section-{key}": text for key, text in texts.items()}


# Set-up through the services (the states the tests start from).


def gated(membership, report):
    return report_get_for(membership, report.pk)


def create(membership, file, kind=rules.INCIDENT):
    court = None
    if kind == rules.ESR:  # a rapid social enquiry goes to the court
        court, _ = Court.objects.get_or_create(
            service=file["person"].service, name="Tribunal judiciaire de Test", city="Test"
        )
    return services.report_create(
        membership=membership,
        gated=person_get_for(membership, file["person"].pk),
        kind=kind,
        measure=file["measure"],
        incident=file["incident"] if kind == rules.INCIDENT else None,
        matter="parole" if kind == rules.OPINION else "",
        court=court,
    )


def fill(membership, report):
    texts = {s["key"]: s["text"] or f"Texte de la rubrique {s['title']}." for s in report.sections}
    return services.report_save(
        membership=membership, gated_report=gated(membership, report), texts=texts
    )


def submitted(cpip, file, kind=rules.INCIDENT):
    report = fill(cpip, create(cpip, file, kind))
    return services.report_submit(membership=cpip, gated_report=gated(cpip, report))


def approved(cpip, manager, file, kind=rules.INCIDENT, send_backs: int = 0):
    report = submitted(cpip, file, kind)
    for n in range(send_backs):
        services.report_send_back(
            membership=manager, gated_report=gated(manager, report), comment=f"Reprise n° {n}."
        )
        services.report_submit(membership=cpip, gated_report=gated(cpip, report))
    return services.report_approve(membership=manager, gated_report=gated(manager, report))


def transmitted(cpip, manager, file, kind=rules.INCIDENT, send_backs: int = 0):
    report = approved(cpip, manager, file, kind, send_backs)
    return services.report_transmit(membership=manager, gated_report=gated(manager, report))


def answered(cpip, manager, judge, file, kind=rules.INCIDENT, send_backs: int = 0):
    report = transmitted(cpip, manager, file, kind, send_backs)
    answer_record(
        membership=judge,
        gated_report=gated(judge, report),
        data=AnswerData(input=answers.Input(code="warning", answered_on=TODAY)),
        today=TODAY,
    )
    return Report.objects.get(pk=report.pk)


# --- Starting a report from the dossier. ---


def test_a_report_started_from_the_tab_opens_prefilled(client_for, cpip, judge, file):
    client = client_for(cpip)
    person, incident = file["person"], file["incident"]
    tab = client.get(tab_url(person))
    assert tab.status_code == 200
    assert "Aucun rapport." in text_of(tab)
    assert "Commencer un rapport" in text_of(tab)
    assert re.search(rf'<option value="{incident.pk}"', html(tab))  # the incident is offered

    response = client.post(
        tab_url(person),
        {"kind": "incident", "measure": str(file["measure"].pk), "incident": str(incident.pk),
         "due_date": "2025-08-20"},
    )  # fmt: skip
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/rapports/{report.pk}/"
    assert report.kind == rules.INCIDENT and report.status == rules.DRAFT
    assert report.person == person and report.measure == file["measure"]
    assert report.incident == incident and report.due_date == date(2025, 8, 20)
    assert report.author == cpip.user and report.judge == judge.user
    assert report.title == "Rapport d'incident — MÉNARD Éloïse"
    assert [s.step for s in report.steps.all()] == ["create"]

    page = followed(client, response)
    assert_dsfr_page(page)
    assert "Rapport commencé : les rubriques sont préremplies." in text_of(page)
    identity = textarea(page, "section-identity")
    assert identity is not None and "MÉNARD Éloïse, née le 14/07/1991" in identity
    assert "Sursis probatoire" in identity
    facts = textarea(page, "section-facts")
    assert facts is not None and "Le 02/06/2025" in facts
    assert "Interpellé pour conduite sans permis." in facts
    assert textarea(page, "section-explanation") == "Dit devoir aller travailler."
    assert textarea(page, "section-analysis") == "" and textarea(page, "section-proposal") == ""
    assert "Rubrique obligatoire" in text_of(page)
    assert f'data-autosave-url="{autosave_url(report)}"' in html(page)
    # The dossier tab lists it now.
    assert f'href="{detail_url(report)}"' in html(client.get(tab_url(person)))
    assert TimelineEvent.objects.filter(title="Rapport commencé : rapport d'incident").exists()


def test_an_incident_report_without_an_incident_is_refused(client_for, cpip, file):
    client = client_for(cpip)
    response = client.post(
        tab_url(file["person"]),
        {"kind": "incident", "measure": str(file["measure"].pk), "incident": "", "due_date": ""},
    )
    assert response.status_code == 400
    assert_dsfr_page(response)
    assert field_error(response, "id_incident") == (
        "Un rapport d'incident porte sur un manquement enregistré."
    )
    assert not Report.objects.exists()
    assert not TimelineEvent.objects.filter(kind="report").exists()


def test_a_due_date_in_the_past_is_refused(client_for, cpip, file):
    response = client_for(cpip).post(
        tab_url(file["person"]),
        {"kind": "situation", "measure": str(file["measure"].pk), "due_date": "2025-06-19"},
    )
    assert response.status_code == 400
    assert field_error(response, "id_due_date") == "La date de remise ne peut pas être passée."
    assert not Report.objects.exists()


def test_only_who_may_draft_starts_a_report(
    client_for, cpip2, secretariat, judge, foreign_manager, manager, file
):
    data = {"kind": "situation", "measure": str(file["measure"].pk)}
    url = tab_url(file["person"])
    assert client_for(cpip2).post(url, data).status_code == 403  # not their caseload
    assert client_for(secretariat).post(url, data).status_code == 403
    assert client_for(judge).post(url, data).status_code == 403
    assert client_for(foreign_manager).post(url, data).status_code == 404
    assert not Report.objects.exists()
    judge_tab = client_for(judge).get(url)
    assert judge_tab.status_code == 200 and "Commencer un rapport" not in text_of(judge_tab)
    # A manager drafts on any person of the service.
    assert client_for(manager).post(url, data).status_code == 302
    assert Report.objects.get().author == manager.user


# --- The draft. ---


def test_the_autosave_answers_json_and_stores_the_text(client_for, cpip, cpip2, judge, file):
    report = create(cpip, file)
    client = client_for(cpip)
    response = client.post(
        autosave_url(report),
        {"title": "Rapport d'incident du 2 juin", "section-analysis": "Analyse en cours\r\nsuite"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"saved_at": "12:00:00"}
    report.refresh_from_db()
    assert report.title == "Rapport d'incident du 2 juin"
    texts = {s["key"]: s["text"] for s in report.sections}
    assert texts["analysis"] == "Analyse en cours\nsuite"
    assert "Interpellé pour conduite sans permis." in texts["facts"]  # untouched
    assert report.status == rules.DRAFT
    # Someone else's draft: refused, nothing stored.
    before = state(report)
    assert (
        client_for(cpip2).post(autosave_url(report), {"section-analysis": "X"}).status_code == 403
    )
    assert (
        client_for(judge).post(autosave_url(report), {"section-analysis": "X"}).status_code == 404
    )
    assert state(report) == before
    assert client.get(autosave_url(report)).status_code == 405


def test_submitting_with_a_required_section_empty_keeps_the_draft(client_for, cpip, file):
    report = create(cpip, file)
    client = client_for(cpip)
    response = client.post(
        act_url(report, "submit"),
        section_fields({"analysis": "Risque modéré.", "proposal": ""}),
    )
    assert response["Location"] == detail_url(report)
    page = followed(client, response)
    assert (
        "Complétez les rubriques obligatoires avant de soumettre : Réponse proposée et degré "
        "d'urgence." in text_of(page)
    )
    report.refresh_from_db()
    assert report.status == rules.DRAFT
    assert sections_of(report)["analysis"] == "Risque modéré."  # what was typed is kept
    assert [s.step for s in report.steps.all()] == ["create"]
    assert textarea(page, "section-analysis") == "Risque modéré."  # still editable


# --- The whole loop, step by step, by URL. ---


def test_the_whole_loop_each_step_by_its_role_and_refused_to_the_others(
    client_for, cpip, cpip2, manager, secretariat, judge, other_judge, psychologist,
    foreign_manager, file, private_files,
):  # fmt: skip
    author, boss, addressee = client_for(cpip), client_for(manager), client_for(judge)
    colleague, desk = client_for(cpip2), client_for(secretariat)
    psy, stranger, foreign = (
        client_for(psychologist),
        client_for(other_judge),
        client_for(foreign_manager),
    )
    response = author.post(
        tab_url(file["person"]),
        {"kind": "incident", "measure": str(file["measure"].pk),
         "incident": str(file["incident"].pk)},
    )  # fmt: skip
    report = Report.objects.get()
    assert response["Location"] == detail_url(report)

    # save — the author (a draft is theirs and the managers' only).
    edits = {"title": "Incident du 2 juin 2025", **section_fields(INCIDENT_REQUIRED)}
    for client, status in ((colleague, 403), (desk, 403), (psy, 403), (addressee, 404),
                           (stranger, 404), (foreign, 404)):  # fmt: skip
        assert_refused(client, report, "save", status, edits)
    response = author.post(act_url(report, "save"), edits)
    assert response["Location"] == detail_url(report)
    assert "Brouillon enregistré." in text_of(followed(author, response))
    report.refresh_from_db()
    assert report.title == "Incident du 2 juin 2025" and report.status == rules.DRAFT
    assert {k: sections_of(report)[k] for k in INCIDENT_REQUIRED} == INCIDENT_REQUIRED

    # Steps that the status does not allow yet, even to a manager.
    assert_refused_with_message(
        boss, report, "approve", "Seul un rapport soumis au visa peut être visé."
    )
    assert_refused_with_message(
        boss, report, "transmit", "Seul un rapport visé peut être transmis au magistrat."
    )
    assert_refused(author, report, "correct", 403)
    assert_refused(author, report, "publish", 403)  # no such step

    # submit — the author.
    for client, status in ((colleague, 403), (desk, 403), (psy, 403), (addressee, 404),
                           (foreign, 404)):  # fmt: skip
        assert_refused(client, report, "submit", status)
    response = author.post(act_url(report, "submit"))
    assert "Rapport soumis au visa de l'encadrement." in text_of(followed(author, response))
    report.refresh_from_db()
    assert report.status == rules.SUBMITTED

    # Submitted: the author can no longer edit it; approve and send back are the managers'.
    assert_refused(author, report, "save", 403, {"section-analysis": "Changé après coup"})
    assert author.post(autosave_url(report), {"section-analysis": "Changé"}).status_code == 403
    comment = {"comment": "Préciser l'analyse du risque."}
    for client, status in ((author, 403), (colleague, 403), (desk, 403), (psy, 403),
                           (addressee, 404), (foreign, 404)):  # fmt: skip
        assert_refused(client, report, "approve", status)
        assert_refused(client, report, "send_back", status, comment)

    # send_back — a manager, with a comment.
    no_comment = assert_refused(boss, report, "send_back", 400, {"comment": "  "})
    assert field_error(no_comment, "id_comment") == "Ce champ est obligatoire."
    response = boss.post(act_url(report, "send_back"), comment)
    assert "Rapport renvoyé à son auteur pour correction." in text_of(followed(boss, response))
    report.refresh_from_db()
    assert report.status == rules.RETURNED
    assert report.return_comment == "Préciser l'analyse du risque."
    assert_refused(colleague, report, "save", 403, edits)  # sent back: the author's again
    page = author.get(detail_url(report))
    assert "Renvoyé pour correction" in text_of(page)
    assert "Préciser l'analyse du risque." in text_of(page)
    assert textarea(page, "section-analysis") is not None  # editable again

    # The author corrects and submits again; a manager approves.
    response = author.post(
        act_url(report, "submit"),
        {"section-analysis": "Risque modéré, lié aux trajets vers le travail."},
    )
    assert response["Location"] == detail_url(report)
    report.refresh_from_db()
    assert report.status == rules.SUBMITTED
    assert sections_of(report)["analysis"] == "Risque modéré, lié aux trajets vers le travail."
    response = boss.post(act_url(report, "approve"))
    assert "Rapport visé : il peut être transmis au magistrat." in text_of(followed(boss, response))
    report.refresh_from_db()
    assert report.status == rules.APPROVED and report.approved_by == manager.user
    assert report.return_comment == ""

    # transmit — a manager; the judge does not see it before.
    for client, status in ((author, 403), (colleague, 403), (desk, 403), (psy, 403),
                           (addressee, 404), (foreign, 404)):  # fmt: skip
        assert_refused(client, report, "transmit", status)
    assert addressee.get(detail_url(report)).status_code == 404
    response = boss.post(act_url(report, "transmit"))
    assert "Rapport transmis au magistrat : il est figé." in text_of(followed(boss, response))
    report.refresh_from_db()
    assert report.status == rules.TRANSMITTED and report.transmitted_at == NOW
    assert len(report.sha256) == 64
    stored = (private_files / report.pdf.name).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == report.sha256

    # Transmitted: frozen for everyone; the workflow cannot go back.
    assert_refused(author, report, "save", 403, {"section-analysis": "Modifié"})
    assert_refused(boss, report, "save", 403, {"section-analysis": "Modifié"})
    assert_refused_with_message(
        boss, report, "send_back", rules.STEP_ERRORS[rules.SEND_BACK], comment
    )
    assert_refused_with_message(boss, report, "transmit", rules.STEP_ERRORS[rules.TRANSMIT])

    # answer — the addressee judge.
    warning = {"code": "warning", "answered_on": "2025-06-20", "text": "Avertissement solennel."}
    for client, status in ((author, 403), (colleague, 403), (psy, 403), (stranger, 404),
                           (foreign, 404)):  # fmt: skip
        assert_refused(client, report, "answer", status, warning)
    for client in (addressee, desk):  # may correct, but not these two
        assert_refused(client, report, "correct", 403)
    assert_refused(colleague, report, "correct", 403)  # not the author
    response = addressee.post(act_url(report, "answer"), warning)
    assert "Réponse du magistrat enregistrée." in text_of(followed(addressee, response))
    report.refresh_from_db()
    assert report.status == rules.ANSWERED
    answer = JudgeAnswer.objects.get(report=report)
    assert answer.kind == "warning" and answer.recorded_by == judge.user and not answer.on_paper
    assert answer.decision.date == TODAY and answer.text == "Avertissement solennel."
    # A second answer is refused: back to the report, which says so.
    again = assert_refused(boss, report, "answer", 302, {**warning, "code": "reminder"})
    assert "Ce rapport a déjà reçu une réponse." in text_of(followed(boss, again))

    # correct — the author: a new draft version pointing to the transmitted one.
    response = author.post(act_url(report, "correct"))
    new = Report.objects.get(previous=report)
    assert response["Location"] == detail_url(new)
    assert "Version 2 créée : corrigez-la puis soumettez-la." in text_of(followed(author, response))
    assert new.version == 2 and new.status == rules.DRAFT and new.author == cpip.user
    assert new.sections == Report.objects.get(pk=report.pk).sections
    assert_refused(author, report, "correct", 403)  # once only

    assert [(s.step, s.by_id) for s in report.steps.all()] == [
        ("create", cpip.user.pk),
        ("submit", cpip.user.pk),
        ("send_back", manager.user.pk),
        ("submit", cpip.user.pk),
        ("approve", manager.user.pk),
        ("transmit", manager.user.pk),
        ("answer", judge.user.pk),
    ]


def test_a_manager_and_the_secretariat_record_an_answer_received_on_paper(
    client_for, cpip, manager, secretariat, judge, file
):
    report = transmitted(cpip, manager, file, kind=rules.SITUATION)
    desk = client_for(secretariat)
    page = desk.get(detail_url(report))
    assert page.status_code == 200
    assert "Réponse du magistrat reçue sur papier" in text_of(page)
    assert "Le contenu du rapport est réservé au magistrat et au SPIP." in text_of(page)
    assert "Texte de la rubrique" not in text_of(page)  # no content for the secretariat
    assert report.sha256 not in html(page)
    assert desk.get(pdf_url(report)).status_code == 403
    response = desk.post(
        act_url(report, "answer"), {"code": "reminder", "answered_on": "2025-06-20"}
    )
    assert response["Location"] == detail_url(report)
    answer = JudgeAnswer.objects.get(report=report)
    assert answer.on_paper and answer.recorded_by == secretariat.user
    page = client_for(manager).get(detail_url(report))
    assert "Réponse reçue" in text_of(page)
    assert "reçue sur papier, enregistrée par Sacha Secrétariat" in text_of(page)


# --- The judge. ---


def test_the_judge_lands_on_their_reports_answers_and_the_timeline_shows_every_step(
    client, client_for, cpip, manager, judge, file
):
    draft = fill(cpip, create(cpip, file, kind=rules.SITUATION))
    assert draft.judge == judge.user  # addressed already, but not transmitted
    report = transmitted(cpip, manager, file)

    signed_in = client.post("/connexion/", {"username": "juge.test", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/rapports/"
    listing = client.get("/rapports/")
    assert listing.status_code == 200
    assert_dsfr_page(listing)
    assert "Rapports qui vous sont adressés" in text_of(listing)
    assert f'href="{detail_url(report)}"' in html(listing)
    assert f'href="{detail_url(draft)}"' not in html(listing)
    assert "Transmis au magistrat" in text_of(listing)
    everything = client.get("/rapports/?voir=tous")
    assert f'href="{detail_url(draft)}"' not in html(everything)
    assert client.get(detail_url(draft)).status_code == 404

    page = client.get(detail_url(report))
    assert page.status_code == 200
    assert "Votre réponse" in text_of(page)
    assert "Texte de la rubrique Analyse du risque." in text_of(page)  # the content, read-only
    assert textarea(page, "section-analysis") is None
    assert report.sha256 in html(page)

    response = client.post(
        act_url(report, "answer"),
        {"code": "warning", "answered_on": "2025-06-20", "text": "Avertissement solennel."},
    )
    assert response["Location"] == detail_url(report)
    page = followed(client, response)
    assert "Réponse du magistrat enregistrée." in text_of(page)
    assert "Réponse reçue" in text_of(page)
    assert "Avertissement — décision du 20/06/2025" in text_of(page)
    assert "Avertissement solennel." in text_of(page)
    assert "Votre réponse" not in text_of(page)  # answered once
    history = text_of(page).split("Historique", 1)[1]
    for done in ("commencé par Camille Conseil", "soumis au visa par Camille Conseil",
                 "visé par Dominique Direction", "transmis au magistrat par Dominique Direction",
                 "réponse enregistrée par Jeanne Juge"):  # fmt: skip
        assert done in history
    # Answered, it leaves the judge's "à traiter" list, and stays under "Tous".
    assert f'href="{detail_url(report)}"' not in html(client.get("/rapports/"))
    assert f'href="{detail_url(report)}"' in html(client.get("/rapports/?voir=tous"))

    timeline = text_of(client_for(cpip).get(timeline_url(file["person"])))
    for line in (
        "Rapport commencé : rapport d'incident",
        "Rapport soumis au visa : rapport d'incident",
        "Rapport visé : rapport d'incident",
        "Rapport transmis au magistrat : rapport d'incident",
        "Réponse du magistrat : avertissement (décision du 20/06/2025)",
    ):
        assert line in timeline, line
    assert "Avertissement solennel." in timeline
    report.refresh_from_db()
    assert report.status == rules.ANSWERED
    file["measure"].refresh_from_db()
    assert file["measure"].status == "active"  # a warning changes only the timeline


def test_a_report_transmitted_to_another_judge_is_a_404(
    client_for, cpip, manager, judge, other_judge, file
):
    report = transmitted(cpip, manager, file)
    Report.objects.filter(pk=report.pk).update(judge=other_judge.user)
    client = client_for(judge)
    assert client.get(detail_url(report)).status_code == 404
    assert client.get(pdf_url(report)).status_code == 404
    assert_refused(client, report, "answer", 404, {"code": "warning", "answered_on": "2025-06-20"})
    assert f'href="{detail_url(report)}"' not in html(client.get("/rapports/?voir=tous"))


# --- Refusals on status. ---


def test_an_answer_on_a_report_never_transmitted_is_refused(
    client_for, cpip, manager, secretariat, judge, file
):
    report = approved(cpip, manager, file)
    data = {"code": "warning", "answered_on": "2025-06-20"}
    response = assert_refused(client_for(manager), report, "answer", 403, data)
    assert_dsfr_page(response)
    assert client_for(manager).get(act_url(report, "answer")).status_code == 403
    assert_refused(client_for(secretariat), report, "answer", 403, data)
    assert_refused(client_for(judge), report, "answer", 404, data)
    assert not JudgeAnswer.objects.exists()
    assert Report.objects.get(pk=report.pk).status == rules.APPROVED


def test_a_frozen_report_cannot_be_edited_again(client_for, cpip, manager, file, private_files):
    report = transmitted(cpip, manager, file)
    stored = (private_files / report.pdf.name).read_bytes()
    sections, sha = report.sections, report.sha256
    changes = {"title": "Autre intitulé", **section_fields({"analysis": "Réécrit après coup"})}
    for client in (client_for(cpip), client_for(manager)):
        assert client.post(act_url(report, "save"), changes).status_code == 403
        assert client.post(act_url(report, "submit"), changes).status_code == 403
        assert client.post(autosave_url(report), changes).status_code == 403
    report.refresh_from_db()
    assert report.sections == sections and report.title != "Autre intitulé"
    assert report.sha256 == sha and report.status == rules.TRANSMITTED
    assert (private_files / report.pdf.name).read_bytes() == stored
    assert hashlib.sha256(stored).hexdigest() == sha
    page = client_for(cpip).get(detail_url(report))
    assert "Ce rapport est figé" in text_of(page)
    assert 'id="report-form"' not in html(page) and textarea(page, "section-analysis") is None


# --- The PDF. ---


def test_the_transmitted_pdf_is_exactly_the_stored_bytes(
    client_for, cpip, cpip2, manager, judge, file, private_files
):
    report = transmitted(cpip, manager, file)
    stored = (private_files / report.pdf.name).read_bytes()
    assert stored.startswith(b"%PDF")
    for membership in (cpip, cpip2, manager, judge):
        response = client_for(membership).get(pdf_url(report))
        assert response.status_code == 200
        received = b"".join(response.streaming_content)
        assert received == stored
        assert hashlib.sha256(received).hexdigest() == report.sha256
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert f"rapport-{report.pk}-v1.pdf" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]
    page = client_for(judge).get(detail_url(report))
    assert "PDF transmis" in text_of(page) and f'href="{pdf_url(report)}"' in html(page)


def test_a_downloaded_pdf_is_journaled_naming_the_report(client_for, cpip, manager, file):
    """The read names the report (type and id), not only « rapport (PDF) »; a streamed file
    is a page shown: its entry is written."""
    report = transmitted(cpip, manager, file)
    response = client_for(manager).get(pdf_url(report))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    entry = AuditEntry.objects.filter(action="read", actor=manager.user).latest("pk")
    assert (entry.object_type, entry.object_id) == ("reports.report", report.pk)
    assert entry.person_id == file["person"].pk
    assert entry.context == {"tab": "rapport (PDF)", "document": f"reports.report:{report.pk}"}


def test_a_draft_has_a_preview_only_for_who_reads_it(client_for, cpip, cpip2, judge, file):
    report = fill(cpip, create(cpip, file))
    preview = client_for(cpip).get(pdf_url(report))
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF")
    assert "apercu" in preview["Content-Disposition"]
    assert not Report.objects.get(pk=report.pk).pdf  # nothing stored
    assert client_for(cpip2).get(pdf_url(report)).status_code == 403
    assert client_for(judge).get(pdf_url(report)).status_code == 404


# --- Pages and queries. ---


def test_every_page_is_a_french_dsfr_page_for_each_role_that_sees_it(
    client_for, cpip, cpip2, manager, secretariat, judge, psychologist, file
):
    draft = fill(cpip, create(cpip, file, kind=rules.SITUATION))
    sent = transmitted(cpip, manager, file)
    person = file["person"]
    pages = {
        cpip: ["/rapports/", "/rapports/?voir=tous", tab_url(person), detail_url(draft),
               detail_url(sent)],
        cpip2: ["/rapports/", tab_url(person), detail_url(sent)],
        manager: ["/rapports/", "/rapports/?voir=tous", tab_url(person), detail_url(draft),
                  detail_url(sent)],
        secretariat: ["/rapports/", detail_url(sent)],
        judge: ["/rapports/", "/rapports/?voir=tous", tab_url(person), detail_url(sent)],
        psychologist: ["/rapports/"],
    }  # fmt: skip
    for membership, urls in pages.items():
        client = client_for(membership)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (membership.role, url)
            assert_dsfr_page(response)
        for url in urls:
            if url.startswith("/rapports/") and url.rstrip("/").split("/")[-1].isdigit():
                assert "MÉNARD Éloïse" in text_of(client.get(url)), url  # inside the dossier
    # Tabs: the dossier shows a "Rapports" tab to who reads reports.
    tab = client_for(cpip).get(tab_url(person))
    assert 'aria-current="page">Rapports</a>' in html(tab)
    assert f'href="{detail_url(draft)}"' in html(tab) and f'href="{detail_url(sent)}"' in html(tab)
    # The colleague sees the transmitted report, not the other's draft; nor does the judge.
    for membership, refusal in ((cpip2, 403), (judge, 404)):
        listed = html(client_for(membership).get(tab_url(person)))
        assert f'href="{detail_url(sent)}"' in listed
        assert f'href="{detail_url(draft)}"' not in listed
        assert client_for(membership).get(detail_url(draft)).status_code == refusal
    # A manager's queue: submitted and approved reports.
    to_visa = submitted(cpip, file, kind=rules.EVALUATION)
    queue = html(client_for(manager).get("/rapports/"))
    assert f'href="{detail_url(to_visa)}"' in queue and f'href="{detail_url(sent)}"' not in queue


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


@pytest.mark.parametrize("stage", ["approved", "transmitted", "answered"])
def test_the_detail_page_runs_a_fixed_number_of_queries(
    client_for, cpip, manager, secretariat, judge, file, stage
):
    """A short report (bilan de situation, 6 sections) through the loop at once, and a long
    one (évaluation, 8 sections) sent back three times: the same number of queries."""
    build = {
        "approved": lambda kind, n: approved(cpip, manager, file, kind, n),
        "transmitted": lambda kind, n: transmitted(cpip, manager, file, kind, n),
        "answered": lambda kind, n: answered(cpip, manager, judge, file, kind, n),
    }[stage]
    short = build(rules.SITUATION, 0)
    long = build(rules.EVALUATION, 3)
    assert len(short.sections) < len(long.sections)
    assert short.steps.count() + 6 == long.steps.count()
    viewers = [cpip, manager]
    if stage != "approved":
        viewers.append(judge)
    if stage == "transmitted":
        viewers.append(secretariat)
    for membership in viewers:
        client = client_for(membership)
        client.get(detail_url(short))  # warm-up: session, chosen service
        few = count_queries(client, detail_url(short))
        many = count_queries(client, detail_url(long))
        assert few == many, (membership.role, few, many)
        assert few <= MAX_DETAIL_QUERIES, (membership.role, few)


# --- Who reads what (docs/access.md). ---


def test_the_psychologist_reads_only_their_own_reports(
    client_for, cpip, manager, psychologist, file
):
    """docs/access.md: read reports — psychologist: "caseload (their own)"."""
    file["person"].support_staff.add(psychologist.user)  # in the psychologist's caseload
    psy = client_for(psychologist)
    own = psy.post(tab_url(file["person"]), {"kind": "evaluation"})
    assert own.status_code == 302
    mine = Report.objects.get(author=psychologist.user)
    assert psy.get(detail_url(mine)).status_code == 200
    theirs = submitted(cpip, file)
    listed = html(psy.get(tab_url(file["person"])))
    assert f'href="{detail_url(mine)}"' in listed
    assert f'href="{detail_url(theirs)}"' not in listed  # the lists keep to their own


def test_the_psychologist_cannot_open_another_authors_report_by_its_url(
    client_for, cpip, manager, psychologist, file
):
    file["person"].support_staff.add(psychologist.user)
    theirs = transmitted(cpip, manager, file)
    psy = client_for(psychologist)
    assert psy.get(detail_url(theirs)).status_code == 403
    assert psy.get(pdf_url(theirs)).status_code == 403


@pytest.mark.parametrize("role", ["monitoring", "social_worker"])
def test_the_dossier_tab_is_refused_to_roles_that_read_no_report(as_role, file, role):
    assert as_role(role).get(tab_url(file["person"])).status_code == 403


def test_the_list_is_refused_to_roles_that_read_no_report(as_role):
    for role in ("monitoring", "social_worker"):
        assert as_role(role).get("/rapports/").status_code == 403


def test_the_send_back_comment_stays_with_the_author_and_the_managers(
    client_for, cpip, manager, judge, secretariat, file
):
    report = submitted(cpip, file)
    services.report_send_back(
        membership=manager,
        gated_report=gated(manager, report),
        comment="Retirer la mention du suivi en addictologie.",
    )
    assert "addictologie" in text_of(client_for(cpip).get(detail_url(report)))
    for membership in (judge, secretariat):
        timeline = client_for(membership).get(timeline_url(file["person"]))
        assert timeline.status_code == 200
        assert "addictologie" not in text_of(timeline), membership.role
