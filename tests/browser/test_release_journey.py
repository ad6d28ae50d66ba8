"""A release under constraint in a real browser: the manager opens the file of a prisoner whose
LSC the judge granted (CPP 720 I), goes to « Sortie », records the release — « Libération
sous contrainte », the community CPIP, the housing, a first appointment within the 5 jours
ouvrables (D. 147-17-5) — with the mouse; the community CPIP then finds the person in their
caseload, the LSC running in « Mesures et obligations », the first-interview deadline in the
échéancier, and the prison history (sentence and dates) in « Peine et dates », read only.
axe-core runs on every page; the release form is photographed on a laptop and on a phone,
and its submit button must be reachable.

Screenshots are written to ``PROBATIO_SCREENSHOTS`` when set (to look at them), else to the
test's temporary folder."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from probatio.core.workdays import add_jours_ouvrables, add_jours_ouvres
from probatio.measures.models import Measure
from probatio.organisation.models import Court
from probatio.people.models import CustodyRecord
from probatio.people.selectors import person_get_for
from probatio.reports import answers, rules
from probatio.reports import services as report_services
from probatio.reports.models import Report
from probatio.reports.selectors import report_get_for
from probatio.sentences.models import PenalSituation, Sentence
from probatio.transitions import services as transition_services
from tests.browser.pages import photograph, signed_in
from tests.factories import (
    EstablishmentFactory,
    MembershipFactory,
    ServiceFactory,
    SiteFactory,
    make_decision,
    make_measure,
    make_prisoner,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def submit_button(page):
    return page.get_by_role("button", name="Enregistrer la sortie", exact=True)


NAME = "SORTANT Éloïse"


@pytest.fixture
def office():
    """A service with a manager, the prison CPIP, a community CPIP, a judge and a community
    site; a person in prison for 18 months (committed 400 days ago) whose custody measure the
    judge ordered; the LSC granted by the judge yesterday, as a parole, from today (pending)."""
    service = ServiceFactory(name="SPIP de la Somme", department_code="980")

    def member(role, username, first, last):
        return MembershipFactory(
            service=service, role=role, user__username=username, user__first_name=first,
            user__last_name=last,
        )  # fmt: skip

    member("manager", "dominique.encadrement", "Dominique", "Direction")
    prison_cpip = member("cpip", "camille.cpip", "Camille", "Conseil")
    member("cpip", "noe.cpip", "Noé", "Autre")
    judge = member("judge", "jeanne.juge", "Jeanne", "Juge")
    judge.court = Court.objects.create(
        service=service, name="Tribunal judiciaire d'Amiens", city="Amiens",
        appeal_court_city="Amiens",
    )  # fmt: skip
    judge.save(update_fields=["court"])
    site = SiteFactory(service=service, name="Antenne d'Amiens")
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    committal = today - timedelta(days=400)
    person = make_prisoner(
        prison_cpip,
        establishment=EstablishmentFactory(service=service, name="Maison d'arrêt d'Amiens"),
        committal_date=committal, sentences=({"months": 18},), surname="Sortant",
        first_names="Éloïse", sex="F", birth_date=date(1991, 7, 14),
    )  # fmt: skip
    decision = make_decision(prison_cpip, person, date=committal - timedelta(days=30),
                             enforceable_date=committal - timedelta(days=20))  # fmt: skip
    prison = make_measure(prison_cpip, person, code="EMPRISONNEMENT", decision=decision,
                          judge=judge.user, start_date=committal, today=today)  # fmt: skip
    report = report_services.report_create(
        membership=prison_cpip, gated=person_get_for(prison_cpip, person.pk), kind=rules.OPINION,
        measure=prison, matter=answers.LSC, today=today,
    )  # fmt: skip
    Report.objects.filter(pk=report.pk).update(
        status=rules.TRANSMITTED, transmitted_at=timezone.now() - timedelta(days=2)
    )
    result = transition_services.answer_record(
        membership=judge,
        gated_report=report_get_for(judge, report.pk),
        data=transition_services.AnswerData(
            input=answers.Input(
                code=answers.GRANTED, answered_on=yesterday, effective_on=today, modality="LC"
            ),
        ),
        today=yesterday,
    )
    lsc = Measure.objects.get(decision=result.decision)
    assert (lsc.measure_type_id, lsc.status) == ("LSC", "pending")
    situation = PenalSituation.objects.get(custody__person=person)
    return {
        "person": person,
        "lsc": lsc,
        "prison": prison,
        "site": site,
        "today": today,
        "sentence_end": situation.end_date,
        "sentence": Sentence.objects.get(situation=situation),
    }


def test_release_journey(browser, live_server, axe_source, office, database_turn, screenshots):
    person, today = office["person"], office["today"]
    due = add_jours_ouvrables(today, 5)  # D. 147-17-5: Saturdays count, the release day not
    first_day = add_jours_ouvres(today, 1)  # the next weekday the antenna opens
    assert today < first_day <= due

    # 1. The manager lands on the service and opens the prisoner's file.
    manager_context, app = signed_in(browser, live_server, axe_source, "dominique.encadrement",
                                     r"/service/$")  # fmt: skip
    page = app.page
    app.open_person(NAME)
    expect(page.locator("main")).to_contain_text("Milieu fermé")

    # 2. « Sortie », then the release form.
    app.open_tab("Sortie", rf"/personnes/{person.pk}/sortie/$")
    app.click_and_check(
        page.get_by_role("link", name="Enregistrer la sortie et le passage en milieu ouvert"),
        rf"/personnes/{person.pk}/sortie/liberation/$",
    )
    expect(page).to_have_title(re.compile(r"^Sortie de détention — SORTANT Éloïse — Probatio$"))
    photograph(page, screenshots, "release-empty", submit_button(page))

    # 3. The kind, the community CPIP, the housing and the first appointment.
    page.get_by_text("Libération sous contrainte", exact=True).click()
    expect(page.get_by_role("radio", name="Libération sous contrainte", exact=True)).to_be_checked()
    expect(page.get_by_label("Date de la levée d'écrou")).to_have_value(today.isoformat())
    page.get_by_label("CPIP qui suivra la personne en milieu ouvert").select_option(
        label="Noé Autre"
    )
    page.get_by_label("Hébergement à la sortie").select_option(
        label="Hébergé·e par la famille ou des proches"
    )
    page.get_by_label("Précisions sur l'hébergement").fill("Chez sa sœur, à Amiens.")
    page.get_by_label("Premier rendez-vous au SPIP : date").fill(first_day.isoformat())
    page.get_by_label("Heure de début").fill("10:00")
    page.get_by_label("Heure de fin").fill("10:45")
    page.get_by_label("Antenne").select_option(label="Antenne d'Amiens")
    app.check_accessibility()
    photograph(page, screenshots, "release-filled", submit_button(page))

    # 4. Recorded: back to « Sortie », in the community now.
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer la sortie", exact=True),
        rf"/personnes/{person.pk}/sortie/$",
    )
    main = page.locator("main")
    expect(main).to_contain_text(
        "Sortie enregistrée : la personne est suivie en milieu ouvert par Noé Autre, premier "
        "rendez-vous fixé."
    )
    expect(main).to_contain_text("La personne n'est pas écrouée")
    with database_turn:
        custody = CustodyRecord.objects.get(person=person)
        assert (custody.release_date, custody.release_kind) == (today, "lsc")
        lsc = Measure.objects.get(pk=office["lsc"].pk)
        assert (lsc.status, lsc.start_date) == ("active", today)
        prison = Measure.objects.get(pk=office["prison"].pk)
        assert (prison.status, prison.end_date, prison.end_source) == ("ended", today, "release")
    manager_context.close()

    # 5. The community CPIP: the caseload, the LSC, the échéancier, the prison history.
    cpip_context, app = signed_in(browser, live_server, axe_source, "noe.cpip",
                                  r"/portefeuille/$")  # fmt: skip
    page = app.page
    row = page.locator('[data-testid="persons"] tbody tr', has_text=NAME)
    expect(row).to_contain_text("Milieu ouvert")
    expect(row).to_contain_text("LSC")
    app.open_person(NAME)
    app.open_tab("Mesures et obligations", rf"/personnes/{person.pk}/mesures/$")
    heading = page.get_by_role("heading", name="Libération sous contrainte")
    card = page.locator("section.fr-card", has=heading)
    expect(card).to_contain_text("En cours")
    expect(card).to_contain_text(f"Du {today:%d/%m/%Y} au {office['sentence_end']:%d/%m/%Y}")

    app.click_and_check(
        page.get_by_role("navigation", name="Menu principal").get_by_role(
            "link", name="Échéancier"
        ),
        r"/echeancier/",
    )
    item = page.get_by_role(
        "link",
        name=f"Premier entretien fixé le {first_day:%d/%m/%Y} à 10:00 (délai le {due:%d/%m/%Y})",
    )
    expect(item).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        "Délai légal : 5 jours ouvrables après la levée d'écrou (Libération sous contrainte ; "
        "D. 147-17-5)"
    )

    app.click_and_check(
        page.get_by_role("navigation", name="Menu principal").get_by_role(
            "link", name="Mon portefeuille"
        ),
        r"/portefeuille/$",
    )
    app.open_person(NAME)
    app.open_tab("Peine et dates", rf"/personnes/{person.pk}/peine/$")
    main = page.locator("main")
    expect(page.get_by_test_id("released")).to_have_text(
        f"Détention terminée le {today:%d/%m/%Y} (libération sous contrainte) : historique de la "
        "peine, en lecture seule."
    )
    expect(main).to_contain_text(f"levée d'écrou le {today:%d/%m/%Y}")
    expect(main).to_contain_text(office["sentence"].length_text)
    expect(main).to_contain_text(f"{office['sentence_end']:%d/%m/%Y}")
    expect(page.get_by_role("link", name="Ajouter une peine")).to_have_count(0)  # read only
    cpip_context.close()
