"""An incident report in a real browser: the CPIP records an incident from the dossier and
drafts the incident report, a manager gives the visa and transmits it, the judge lands on the
reports transmitted to them and records a warning, and the CPIP finds every step in the
chronology."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from probatio.compliance.models import Incident
from probatio.measures import services as measure_services
from probatio.reports.models import JudgeAnswer, Report
from tests.browser.pages import Probatio, signed_in
from tests.factories import MembershipFactory, ServiceFactory, gate, make_measure, make_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    """The transmitted PDF is stored out of the working tree."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    return tmp_path


@pytest.fixture
def office():
    service = ServiceFactory(name="SPIP de la Somme", department_code="980")

    def member(role, username, first, last):
        return MembershipFactory(
            service=service,
            role=role,
            user__username=username,
            user__first_name=first,
            user__last_name=last,
        )

    cpip = member("cpip", "camille.cpip", "Camille", "Conseil")
    manager = member("manager", "dominique.encadrement", "Dominique", "Direction")
    judge = member("judge", "jeanne.juge", "Jeanne", "Juge")
    today = timezone.localdate()
    person = make_person(
        cpip, surname="Ménard", first_names="Éloïse", sex="F", birth_date=date(1991, 7, 14)
    )
    measure = make_measure(cpip, person, judge=judge.user, today=today)
    work = measure_services.obligation_create(
        gated=gate(cpip, measure.person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code="TRAVAIL_FORMATION",
        data={"start_date": measure.start_date, "status": "active"},
    )
    return {"person": person, "measure": measure, "work": work, "manager": manager, "judge": judge}


def post_and_check(app: Probatio, button, message: str) -> None:
    """A form whose answer redirects back to the same page: wait for its flash message."""
    button.click()
    expect(app.page.get_by_text(message)).to_be_visible()
    app.check_page()


def test_incident_report_journey(browser, live_server, axe_source, office, database_turn):
    person = office["person"]
    occurred = timezone.localdate() - timedelta(days=2)

    # 1. The CPIP records the incident from the dossier's "Manquements" tab.
    cpip_context, app = signed_in(browser, live_server, axe_source, "camille.cpip",
                                  r"/portefeuille/$")  # fmt: skip
    page = app.page
    app.visit(f"/personnes/{person.pk}/manquements/")
    app.click_and_check(
        page.get_by_role("link", name="Signaler un manquement"), r"/manquements/nouveau/$"
    )
    page.locator("#id_kind").select_option(label="Nouvelle infraction")
    page.locator("#id_occurred_on").fill(occurred.isoformat())
    page.locator("#id_source").select_option(label="Police ou gendarmerie")
    page.locator("#id_obligation").select_option(str(office["work"].pk))
    page.locator("#id_description").fill("Interpellée pour conduite sans permis.")
    page.get_by_label("Convocation").check(force=True)  # DSFR: the label takes the click
    page.locator("#id_person_explanation").fill("Dit devoir conduire pour aller travailler.")
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer le manquement"), r"/manquements/$"
    )
    expect(page.get_by_text("Manquement enregistré.")).to_be_visible()
    with database_turn:
        incident = Incident.objects.get(person=person)
        assert incident.measure == office["measure"] and incident.recorded_by.username == (
            "camille.cpip"
        )

    # 2. The CPIP drafts the incident report from the "Rapports" tab, completes it, submits it.
    app.open_tab("Rapports", r"/personnes/\d+/rapports/$")
    page.locator("#id_kind").select_option(label="Rapport d'incident")
    page.locator("#id_incident").select_option(label=f"Nouvelle infraction du {occurred:%d/%m/%Y}")
    app.click_and_check(page.get_by_role("button", name="Commencer le rapport"), r"/rapports/\d+/$")
    expect(page.get_by_text("Rapport commencé : les rubriques sont préremplies.")).to_be_visible()
    report_path = re.sub(r"^https?://[^/]+", "", page.url)
    facts = page.get_by_label("Faits et dates, obligation concernée")
    expect(facts).to_have_value(re.compile("Interpellée pour conduite sans permis"))
    expect(page.get_by_label("Explications de la personne")).to_have_value(
        "Dit devoir conduire pour aller travailler."
    )
    page.get_by_label("Analyse du risque").fill(
        "Risque de réitération modéré : les trajets vers le travail."
    )
    page.get_by_label("Réponse proposée et degré d'urgence").fill(
        "Avertissement solennel ; pas d'urgence."
    )
    post_and_check(
        app,
        page.get_by_role("button", name="Soumettre au visa"),
        "Rapport soumis au visa de l'encadrement.",
    )
    expect(page.locator("main")).to_contain_text("Soumis au visa")
    with database_turn:
        report = Report.objects.get(person=person)
        assert report.status == "submitted" and report.incident == incident
        assert report.judge == office["judge"].user
    assert report_path == f"/rapports/{report.pk}/"

    # 3. A manager gives the visa, then transmits the report to the judge.
    manager_context, app = signed_in(browser, live_server, axe_source, "dominique.encadrement",
                                     r"/service/$")  # fmt: skip
    page = app.page
    app.click_and_check(
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Rapports"),
        r"/rapports/$",
    )
    app.click_and_check(
        page.locator("main table").get_by_role("link", name="Rapport d'incident"),
        r"/rapports/\d+/$",
    )
    expect(page.locator("main")).to_contain_text("Avertissement solennel ; pas d'urgence.")
    post_and_check(
        app,
        page.get_by_role("button", name="Viser le rapport"),
        "Rapport visé : il peut être transmis au magistrat.",
    )
    post_and_check(
        app,
        page.get_by_role("button", name="Transmettre au magistrat"),
        "Rapport transmis au magistrat : il est figé.",
    )
    with database_turn:
        report.refresh_from_db()
        assert report.status == "transmitted" and len(report.sha256) == 64
        assert report.approved_by == office["manager"].user
    expect(page.locator("main")).to_contain_text(report.sha256)
    manager_context.close()

    # 4. The judge lands on the reports transmitted to them and records a warning.
    judge_context, app = signed_in(browser, live_server, axe_source, "jeanne.juge",
                                   r"/rapports/$")  # fmt: skip
    page = app.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapports qui vous sont adressés")
    row = page.locator("main table tbody tr", has_text="MÉNARD Éloïse")
    expect(row).to_contain_text("Transmis au magistrat")
    app.click_and_check(row.get_by_role("link", name="Rapport d'incident"), r"/rapports/\d+/$")
    expect(page.locator("main")).to_contain_text("Risque de réitération modéré")
    app.click_and_check(
        page.get_by_role("link", name="Enregistrer la réponse"), r"/rapports/\d+/reponse/$"
    )
    page.get_by_label("Avertissement", exact=True).check(force=True)
    page.get_by_label("Texte de la décision").fill("Avertissement solennel prononcé.")
    post_and_check(
        app,
        page.get_by_role("button", name="Enregistrer la réponse"),
        "Réponse du magistrat enregistrée.",
    )
    expect(page.locator("main")).to_contain_text("Réponse reçue")
    expect(page.locator("main")).to_contain_text("Avertissement — décision du")
    with database_turn:
        report.refresh_from_db()
        assert report.status == "answered"
        answer = JudgeAnswer.objects.get(report=report)
        assert answer.kind == "warning" and not answer.on_paper
    judge_context.close()

    # 5. The CPIP finds every step in the chronology.
    app = Probatio(cpip_context.pages[0], axe_source)
    page = app.page
    app.visit(f"/personnes/{person.pk}/rapports/")
    expect(page.locator("main table tbody tr", has_text="Rapport d'incident")).to_contain_text(
        "Réponse reçue"
    )
    app.open_tab("Chronologie", r"/personnes/\d+/chronologie/$")
    timeline = page.get_by_test_id("timeline")
    for line in (
        "Manquement",
        "Rapport commencé : rapport d'incident",
        "Rapport soumis au visa : rapport d'incident",
        "Rapport visé : rapport d'incident",
        "Rapport transmis au magistrat : rapport d'incident",
        "Réponse du magistrat : avertissement",
    ):
        expect(timeline).to_contain_text(line)
    cpip_context.close()
