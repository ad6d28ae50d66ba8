"""The judge's answer in a real browser: the judge signs in, opens the opinion on parole from
the reports transmitted to them, chooses « Libération conditionnelle accordée » (only then do
its fields show), fills the dates, ticks an obligation and types its detail, and records the
answer; the CPIP then finds the unread answer on the caseload and in the échéancier, opens the
report and sees the new parole in the measures tab. axe-core runs on every page; the answer
form is photographed on a laptop and on a phone, and its submit button must be reachable.

Screenshots are written to ``PROBATIO_SCREENSHOTS`` when set (to look at them), else to the
test's temporary folder."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from probatio.core.dates import add_months
from probatio.measures.models import Measure
from probatio.organisation.models import Court
from probatio.people.selectors import person_get_for
from probatio.reports import rules
from probatio.reports import services as report_services
from probatio.reports.models import JudgeAnswer, Report
from probatio.reports.selectors import report_get_for
from probatio.sentences.models import PenalSituation
from tests.browser.pages import photograph, signed_in
from tests.factories import (
    EstablishmentFactory,
    MembershipFactory,
    ServiceFactory,
    make_decision,
    make_measure,
    make_prisoner,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def submit_button(page):
    return page.get_by_role("button", name="Enregistrer la réponse")


GROUPS = ("grant", "step", "add", "reasons", "review")  # the parole page's groups of fields
ZONE = "Commune de Testville et ses abords"


@pytest.fixture
def office():
    """A service with a CPIP and a judge; a person in prison for 3 years (committed 400 days
    ago) whose custody measure the judge ordered, and the CPIP's opinion on parole,
    transmitted to the judge two days ago."""
    service = ServiceFactory(name="SPIP de la Somme", department_code="980")

    def member(role, username, first, last):
        return MembershipFactory(
            service=service, role=role, user__username=username, user__first_name=first,
            user__last_name=last,
        )  # fmt: skip

    cpip = member("cpip", "camille.cpip", "Camille", "Conseil")
    judge = member("judge", "jeanne.juge", "Jeanne", "Juge")
    judge.court = Court.objects.create(
        service=service, name="Tribunal judiciaire d'Amiens", city="Amiens",
        appeal_court_city="Amiens",
    )  # fmt: skip
    judge.save(update_fields=["court"])
    today = timezone.localdate()
    committal = today - timedelta(days=400)
    person = make_prisoner(
        cpip, establishment=EstablishmentFactory(service=service, name="Maison d'arrêt d'Amiens"),
        committal_date=committal, sentences=({"years": 3},), surname="Ménard",
        first_names="Éloïse", sex="F", birth_date=date(1991, 7, 14),
    )  # fmt: skip
    decision = make_decision(cpip, person, date=committal - timedelta(days=30),
                             enforceable_date=committal - timedelta(days=20))  # fmt: skip
    measure = make_measure(
        cpip, person, code="EMPRISONNEMENT", decision=decision, judge=judge.user,
        start_date=committal, today=today,
    )  # fmt: skip
    report = report_services.report_create(
        membership=cpip, gated=person_get_for(cpip, person.pk), kind=rules.OPINION,
        measure=measure, matter="parole", today=today,
    )  # fmt: skip
    report_services.report_save(
        membership=cpip,
        gated_report=report_get_for(cpip, report.pk),
        texts={
            "project": "Hébergée chez sa sœur à Amiens ; promesse d'embauche en boulangerie.",
            "analysis": "Avis favorable : projet solide, détention sans incident.",
            "proposal": "Interdiction de paraître à Testville.",
        },
    )
    Report.objects.filter(pk=report.pk).update(
        status=rules.TRANSMITTED, transmitted_at=timezone.now() - timedelta(days=2)
    )
    end = PenalSituation.objects.get(custody__person=person).end_date
    return {"person": person, "report": report, "sentence_end": end, "today": today}


def group(page, key: str):
    return page.locator(f"#group-{key}")


def test_judge_answer_journey(browser, live_server, axe_source, office, database_turn, screenshots):
    person, report = office["person"], office["report"]
    today, end = office["today"], office["sentence_end"]
    effective = today + timedelta(days=10)
    assert effective < end <= add_months(today, 36)

    # 1. The judge lands on the reports transmitted to them and opens the opinion.
    judge_context, app = signed_in(browser, live_server, axe_source, "jeanne.juge",
                                   r"/rapports/$")  # fmt: skip
    page = app.page
    row = page.locator("main table tbody tr", has_text="MÉNARD Éloïse")
    expect(row).to_contain_text("Avis sur une libération conditionnelle")
    app.click_and_check(
        row.get_by_role("link", name="Avis sur un aménagement ou une libération"),
        rf"/rapports/{report.pk}/$",
    )
    expect(page.locator("main")).to_contain_text("Avis favorable : projet solide")

    # 2. The answer page: no answer chosen yet, so no group of fields shows.
    app.click_and_check(
        page.get_by_role("link", name="Enregistrer la réponse"), rf"/rapports/{report.pk}/reponse/$"
    )
    expect(page).to_have_title(re.compile(r"^Réponse au rapport — MÉNARD Éloïse — Probatio$"))
    radios = page.locator("input[name=code]")
    expect(radios).to_have_count(3)
    for key in GROUPS:
        expect(group(page, key)).to_be_hidden()
    photograph(page, screenshots, "judge-answer-empty", submit_button(page))

    # 3. « Accordée »: its fields show, the others stay hidden.
    page.get_by_text("Libération conditionnelle accordée", exact=True).click()
    expect(page.get_by_role("radio", name="Libération conditionnelle accordée")).to_be_checked()
    for key in ("grant", "step", "add"):
        expect(group(page, key)).to_be_visible()
    for key in ("reasons", "review"):
        expect(group(page, key)).to_be_hidden()
    # « Refusée » shows the reasons instead; back to « accordée ».
    page.get_by_text("Libération conditionnelle refusée", exact=True).click()
    expect(group(page, "reasons")).to_be_visible()
    expect(group(page, "grant")).to_be_hidden()
    page.get_by_text("Libération conditionnelle accordée", exact=True).click()
    expect(group(page, "grant")).to_be_visible()
    expect(group(page, "reasons")).to_be_hidden()

    page.get_by_label("Prend effet le").fill(effective.isoformat())
    page.get_by_label("Fin de la mesure", exact=False).first.fill(end.isoformat())
    zone = page.locator("#id_obl-NE_PAS_PARAITRE-zone")
    expect(zone).to_be_hidden()  # an obligation's details show once it is ticked
    page.locator("label[for=obl-NE_PAS_PARAITRE]").click()
    expect(page.locator("#obl-NE_PAS_PARAITRE")).to_be_checked()
    expect(zone).to_be_visible()
    zone.press_sequentially(ZONE, delay=5)
    page.get_by_label("Texte de la décision").fill("Libération conditionnelle accordée.")
    app.check_accessibility()
    photograph(page, screenshots, "judge-answer-filled", submit_button(page))

    # 4. Recorded: back to the report, which shows the answer and the parole opened.
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer la réponse"), rf"/rapports/{report.pk}/$"
    )
    main = page.locator("main")
    expect(main).to_contain_text("Réponse du magistrat enregistrée. Le dossier est à jour.")
    expect(main).to_contain_text("Libération conditionnelle accordée — décision du")
    expect(main).to_contain_text(
        f"Mesure ouverte : Libération conditionnelle du {effective:%d/%m/%Y} au {end:%d/%m/%Y}"
    )
    expect(main).to_contain_text(f"({ZONE})")
    with database_turn:
        answer = JudgeAnswer.objects.get(report=report)
        lc = Measure.objects.get(decision=answer.decision)
        assert (lc.measure_type_id, lc.start_date, lc.end_date) == ("LC", effective, end)
        assert lc.obligations.get(obligation_type_id="NE_PAS_PARAITRE").zone == ZONE
        assert not answer.on_paper
    judge_context.close()

    # 5. The CPIP hears of it: the caseload's badge, the échéancier, the report, the measure.
    cpip_context, app = signed_in(browser, live_server, axe_source, "camille.cpip",
                                  r"/portefeuille/$")  # fmt: skip
    page = app.page
    badge = page.get_by_test_id("unread-answer")
    expect(badge).to_have_count(1)
    expect(badge).to_have_text("Réponse du juge à lire")
    app.click_and_check(
        page.get_by_role("navigation", name="Menu principal").get_by_role(
            "link", name="Échéancier"
        ),
        r"/echeancier/",
    )
    item = page.get_by_role("link", name="Réponse du juge à lire : Libération conditionnelle "
                                         "accordée")  # fmt: skip
    expect(item).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        "Informer la personne de ses nouvelles obligations"
    )
    app.click_and_check(item, rf"/rapports/{report.pk}/$")
    expect(page.get_by_role("button", name="J'ai pris connaissance de la réponse")).to_be_visible()
    app.open_tab("Mesures et obligations", rf"/personnes/{person.pk}/mesures/$")
    expect(page.locator("main")).to_contain_text("Libération conditionnelle")
    expect(page.locator("main")).to_contain_text(ZONE)
    cpip_context.close()
