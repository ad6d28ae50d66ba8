"""The judge's pages through the test client, as users use them: the answer page by role and
by stage, the answers offered for each matter, an answer posted as the browser sends the form
(fields of every answer included) and what it changes in the file and on the CPIP's pages
(report, échéancier, caseload, follow-up), bad input kept and explained in French with nothing
stored, the judge's list by urgency, the CAP sessions the judge chairs (page, PDF, journal),
query counts, and the matter and urgency chosen when a report is started."""

import html as htmllib
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from io import BytesIO

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from probatio.audit import services as audit
from probatio.audit.models import AuditEntry
from probatio.compliance import services as compliance
from probatio.measures import services as measure_services
from probatio.measures.models import Decision, Measure, Obligation
from probatio.people.models import Person, TimelineEvent
from probatio.people.selectors import person_get_for
from probatio.reports import answers, rules
from probatio.reports import services as report_services
from probatio.reports.models import JudgeAnswer, Report
from probatio.reports.selectors import report_get_for
from probatio.sentences import cap
from probatio.sentences.models import PenalSituation, Reduction, Sentence
from probatio.sentences.services import terms_update
from tests.factories import (
    EstablishmentFactory,
    gate,
    make_decision,
    make_measure,
    make_person,
    make_prisoner,
    make_transmitted_report,
)
from tests.views.helpers import field_error, html, text_of

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)  # 10:00 in Paris
TODAY = date(2026, 3, 20)
MAX_QUERIES = 15
CONTROL_CODES = {
    "CTRL_CONVOCATION",
    "CTRL_VISITE_DOCS",
    "CTRL_CHANGEMENT_EMPLOI",
    "CTRL_CHANGEMENT_RESIDENCE",
    "CTRL_AUTORISATION_JAP",
    "CTRL_INFO_ETRANGER",
}
PAROLE_GRANT = {
    "code": "granted",
    "answered_on": "2026-03-20",
    "effective_on": "2026-04-01",
    "end_on": "2027-09-10",  # the end of the sentence (worked example A)
    "obligations": ["SOINS", "NE_PAS_PARAITRE"],
    "obl-NE_PAS_PARAITRE-zone": "Commune de Testville",
    "obl-SOINS-care_structure": "CSAPA de Testville",
    "text": "Libération conditionnelle accordée à compter du 1er avril 2026.",
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def establishment(service):
    return EstablishmentFactory(service=service, name="Maison d'arrêt de Testville")


@pytest.fixture
def other_judge(member):
    return member("judge", user__first_name="Jules", user__last_name="Autrejuge")


@pytest.fixture
def foreign_manager(member, other_service):
    return member("manager", service=other_service)


def prisoner_of(cpip, judge_user, establishment, **identity):
    """A person in prison (worked example A: 3 years after 122 days of remand, committed on
    10/01/2025: end of sentence 10/09/2027, LC possible from 12/03/2026) and the custody
    measure ordered by ``judge_user`` (so one of that judge's files)."""
    person = make_prisoner(
        cpip, establishment=establishment, sentences=({"years": 3},), remand_days=122,
        **identity,
    )  # fmt: skip
    decision = make_decision(
        cpip, person, date=date(2024, 12, 1), enforceable_date=date(2024, 12, 11)
    )
    measure = make_measure(
        cpip, person, code="EMPRISONNEMENT", decision=decision, judge=judge_user,
        start_date=date(2025, 1, 10), today=TODAY,
    )  # fmt: skip
    return {"person": person, "measure": measure}


@pytest.fixture
def prisoner(cpip, judge, court, establishment):
    return prisoner_of(cpip, judge.user, establishment, surname="Détenu", first_names="Paul")


@pytest.fixture
def probation(cpip, judge, court):
    """A 24-month sursis probatoire ordered by ``judge`` with a work obligation (and the
    control measures of CP 132-44, which every probation carries)."""
    person = make_person(cpip, surname="Ménard", first_names="Éloïse", sex="F")
    measure = make_measure(cpip, person, judge=judge.user, today=TODAY)
    work = measure_services.obligation_create(gated=gate(cpip, measure.person), measure=measure, decision=measure.decision, obligation_type_code="TRAVAIL_FORMATION", data={"start_date": measure.start_date, "status": "active"})  # fmt: skip
    return {"person": person, "measure": measure, "work": work}


def transmitted(
    membership, person, kind, *, measure=None, matter="", urgency="", days_ago=3, texts=None
):
    """A report transmitted to the measure's judge ``days_ago`` days ago
    (``tests.factories.make_transmitted_report``)."""
    return make_transmitted_report(membership, person, kind, today=TODAY, measure=measure,
                                   matter=matter, urgency=urgency, texts=texts,
                                   days_ago=days_ago)  # fmt: skip


def answer_url(report) -> str:
    return f"/rapports/{report.pk}/reponse/"


def detail_url(report) -> str:
    return f"/rapports/{report.pk}/"


def followed(client, response):
    assert response.status_code == 302, response.status_code
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page


def snapshot(person: Person) -> dict:
    """Everything an answer may change, to check that a refused one changed nothing."""
    return {
        "decisions": Decision.objects.filter(person=person).count(),
        "measures": list(Measure.objects.filter(person=person).values_list("pk", "status",
                                                                            "duration_months")),
        "obligations": list(
            Obligation.objects.filter(measure__person=person).values_list("pk", "status")
        ),
        "sentences": Sentence.objects.filter(person=person).count(),
        "reductions": Reduction.objects.filter(situation__custody__person=person).count(),
        "answers": JudgeAnswer.objects.filter(report__person=person).count(),
        "alert": Person.objects.get(pk=person.pk).judicial_alert,
        "reports": list(Report.objects.filter(person=person).values_list("pk", "status")),
        "timeline": TimelineEvent.objects.filter(person=person).count(),
        "audit": AuditEntry.objects.exclude(
            action__in=[AuditEntry.Action.READ, AuditEntry.Action.DENIED]
        ).count(),
    }  # fmt: skip


# --- Reading the form as the browser does. ---


class _FormReader(HTMLParser):
    """The fields of the answer form and what a browser sends for them untouched: every text,
    date and hidden input, every select's selected option, every textarea; radios and
    checkboxes only when checked."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.fields: dict[str, list[str]] = {}
        self.names: set[str] = set()
        self._select = None
        self._first_option = None
        self._textarea = None

    def _send(self, name, value):
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "data-answer-form" in a:
            self.inside = True
        if not self.inside or "name" not in a and tag not in ("option",):
            return
        if tag == "input":
            self.names.add(a["name"])
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self._send(a["name"], a.get("value", "on"))
            elif kind not in ("submit", "button"):
                self._send(a["name"], a.get("value") or "")
        elif tag == "select":
            self.names.add(a["name"])
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._send(self._select, value)
                self._first_option = "sent"
        elif tag == "textarea":
            self.names.add(a["name"])
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            if self._first_option not in (None, "sent"):
                self._send(self._select, self._first_option)
            self._select = None
        elif tag == "textarea" and self._textarea:
            name, text = self._textarea
            self._send(name, text.removeprefix("\n"))
            self._textarea = None


def read_form(response) -> _FormReader:
    reader = _FormReader()
    reader.feed(html(response))
    assert reader.names, "no answer form on the page"
    return reader


def as_browser(response, **typed) -> dict:
    """The data a browser sends from the answer form of ``response`` once ``typed`` is filled
    in (a list for several values of one name, e.g. the obligations checked)."""
    reader = read_form(response)
    data = {
        name: values if len(values) > 1 else values[0] for name, values in reader.fields.items()
    }
    for name, value in typed.items():
        assert name in reader.names, f"no field {name!r} in the form"
        data[name] = value
    return data


def radio_labels(response, name: str) -> dict[str, str]:
    """{value: label} of the radios or checkboxes called ``name``."""
    page = html(response)
    labels = {
        for_id: " ".join(re.sub(r"<[^>]+>", " ", text).split())
        for for_id, text in re.findall(r'<label class="fr-label"\s+for="([^"]+)">(.*?)</label>',
                                       page, re.S)
    }  # fmt: skip
    found = {}
    for tag in re.findall(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page):
        value = re.search(r'value="([^"]*)"', tag)[1]
        found[value] = labels[re.search(r'id="([^"]+)"', tag)[1]]
    return found


def groups_of(response) -> dict[str, set[str]]:
    """{group id: the answers it serves} of the answer form."""
    return {
        key: set(codes.split())
        for key, codes in re.findall(r'id="group-([a-z]+)" data-answers="([^"]*)"', html(response))
    }


def field_value(response, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html(response))
    if not found:
        return None
    value = re.search(r'value="([^"]*)"', found[0])
    return value[1] if value else ""


def is_checked(response, name: str, value: str) -> bool:
    tags = re.findall(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html(response))
    return any(f'value="{value}"' in t and re.search(r"\bchecked\b", t) for t in tags)


def error_summary(response) -> str:
    found = re.search(r'<div class="fr-alert fr-alert--error[^"]*"[^>]*role="alert".*?</div>',
                      html(response), re.S)  # fmt: skip
    assert found, "no error summary"
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", found[0])).split())


def page_title(response) -> str:
    return re.search(r"<title>([^<]*)</title>", html(response))[1]


def assert_refused_form(response, field: str, *messages: str) -> None:
    """The form comes back (400) with the error next to ``field``, in the summary at the top
    (linked to the field), and a title that starts with « Erreur : »."""
    assert response.status_code == 400
    shown = field_error(response, f"id_{field}")
    for message in messages:
        assert message in shown, (field, shown)
    summary = error_summary(response)
    assert messages[0] in summary
    assert f'href="#id_{field}' in html(response) or f'href="#radio-id_{field}' in html(response)
    assert page_title(response).startswith("Erreur : ")


# --- The answer page, by role and by stage. ---


def test_the_answer_page_by_role(
    client_for, cpip, manager, secretariat, judge, other_judge, foreign_manager, prisoner
):
    report = transmitted(cpip, prisoner["person"], rules.OPINION, measure=prisoner["measure"],
                         matter=answers.PAROLE)  # fmt: skip
    page = client_for(judge).get(answer_url(report))
    assert page.status_code == 200
    assert "Votre réponse" in text_of(page)
    assert page_title(page) == "Réponse au rapport — DÉTENU Paul — Probatio"
    for membership in (manager, secretariat):
        page = client_for(membership).get(answer_url(report))
        assert page.status_code == 200
        assert "Réponse du magistrat reçue sur papier" in text_of(page)
    before = snapshot(prisoner["person"])
    for membership, status in ((cpip, 403), (other_judge, 404), (foreign_manager, 404)):
        client = client_for(membership)
        assert client.get(answer_url(report)).status_code == status
        assert client.post(answer_url(report), PAROLE_GRANT).status_code == status
    assert snapshot(prisoner["person"]) == before
    # The report page leads the judge to the answer page.
    assert f'href="{answer_url(report)}"' in html(client_for(judge).get(detail_url(report)))
    assert f'href="{answer_url(report)}"' not in html(client_for(cpip).get(detail_url(report)))


def test_an_answered_report_sends_back_to_the_report(client_for, cpip, manager, judge, probation):
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    response = client_for(judge).post(answer_url(report), {"code": "warning",
                                                           "answered_on": "2026-03-20"})  # fmt: skip
    assert response["Location"] == detail_url(report)
    before = snapshot(probation["person"])
    for membership in (judge, manager):
        client = client_for(membership)
        again = client.get(answer_url(report))
        assert again["Location"] == detail_url(report)
        assert "Ce rapport a déjà reçu une réponse." in text_of(followed(client, again))
        posted = client.post(answer_url(report), {"code": "reminder", "answered_on": "2026-03-20"})
        assert posted["Location"] == detail_url(report)
    assert snapshot(probation["person"]) == before
    assert JudgeAnswer.objects.get(report=report).kind == "warning"


def test_a_report_not_transmitted_is_refused(client_for, cpip, manager, secretariat, judge,
                                             probation):  # fmt: skip
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    Report.objects.filter(pk=report.pk).update(status=rules.APPROVED, transmitted_at=None)
    before = snapshot(probation["person"])
    data = {"code": "warning", "answered_on": "2026-03-20"}
    for membership, status in ((manager, 403), (secretariat, 403), (judge, 404)):
        client = client_for(membership)
        assert client.get(answer_url(report)).status_code == status
        assert client.post(answer_url(report), data).status_code == status
    assert snapshot(probation["person"]) == before


# --- The answers offered follow the matter and the measure. ---


def test_a_parole_opinion_offers_exactly_grant_refusal_adjournment(client_for, cpip, judge,
                                                                   prisoner):  # fmt: skip
    report = transmitted(cpip, prisoner["person"], rules.OPINION, measure=prisoner["measure"],
                         matter=answers.PAROLE)  # fmt: skip
    page = client_for(judge).get(answer_url(report))
    assert list(radio_labels(page, "code").values()) == [
        "Libération conditionnelle accordée",
        "Libération conditionnelle refusée",
        "Libération conditionnelle : décision ajournée",
    ]
    # Each group of fields says which answers it serves (the page works without JavaScript).
    groups = groups_of(page)
    assert groups["grant"] == {"granted"} and groups["step"] == {"granted"}
    assert groups["add"] == {"granted"} and groups["review"] == {"adjourned"}
    assert groups["reasons"] == {"refused", "adjourned"}
    assert not {"extend", "reductions", "term", "lift", "form"} & set(groups)
    assert "Pour : Libération conditionnelle accordée" in text_of(page)
    # The judge sees the sentence the decision is about.
    assert "Fin de peine : 10/09/2027" in text_of(page)


def test_an_incident_on_a_probation_offers_revocations_and_extension_not_a_withdrawal(
    client_for, cpip, judge, probation
):
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"],
                         urgency="high")  # fmt: skip
    page = client_for(judge).get(answer_url(report))
    offered = radio_labels(page, "code")
    assert {"Révocation partielle", "Révocation totale", "Prolongation du délai de probation",
            "Avertissement", "Modification des obligations"} <= set(offered.values())  # fmt: skip
    assert "Retrait de la mesure" not in offered.values()
    assert "withdrawal" not in offered
    assert "urgence : élevée" in text_of(page)
    # Obligations that can be lifted: the work obligation, never a control measure.
    liftable = radio_labels(page, "ended_obligations")
    assert set(liftable) == {str(probation["work"].pk)}
    controls = probation["measure"].obligations.filter(obligation_type__kind="control")
    assert set(controls.values_list("obligation_type_id", flat=True)) == CONTROL_CODES
    for control in controls:
        assert str(control.pk) not in liftable
    # Nor can one be added: they come with the measure.
    addable = radio_labels(page, "obligations")
    assert "TRAVAIL_FORMATION" in addable and not CONTROL_CODES & set(addable)


def test_a_control_measure_posted_as_lifted_is_refused(client_for, cpip, judge, probation):
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    control = probation["measure"].obligations.get(obligation_type_id="CTRL_CONVOCATION")
    client = client_for(judge)
    before = snapshot(probation["person"])
    response = client.post(
        answer_url(report),
        as_browser(client.get(answer_url(report)), code="modify_obligations",
                   ended_obligations=str(control.pk)),
    )  # fmt: skip
    assert response.status_code == 400
    assert field_error(response, "id_ended_obligations")
    assert snapshot(probation["person"]) == before


# --- An answer posted through the form, and what the CPIP then sees. ---


def test_parole_granted_through_the_form_then_followed_up_by_the_cpip(
    client_for, cpip, judge, prisoner
):
    person = prisoner["person"]
    report = transmitted(cpip, person, rules.OPINION, measure=prisoner["measure"],
                         matter=answers.PAROLE)  # fmt: skip
    client = client_for(judge)
    form = client.get(answer_url(report))
    data = as_browser(form, **PAROLE_GRANT)
    # The browser sends the fields of every answer, left empty, with the chosen one's.
    assert {"reasons", "next_review_on", "step_form", "step_end"} <= set(data)
    assert data["step_form"] == ""
    response = client.post(answer_url(report), data)
    assert response.status_code == 302 and response["Location"] == detail_url(report)

    answer = JudgeAnswer.objects.get(report=report)
    lc = Measure.objects.get(decision=answer.decision)
    assert lc.measure_type_id == "LC" and lc.person == person
    assert (lc.start_date, lc.end_date) == (date(2026, 4, 1), date(2027, 9, 10))
    codes = set(lc.obligations.values_list("obligation_type_id", flat=True))
    assert codes == CONTROL_CODES | {"SOINS", "NE_PAS_PARAITRE"}
    assert lc.obligations.get(obligation_type_id="NE_PAS_PARAITRE").zone == "Commune de Testville"
    assert lc.obligations.get(obligation_type_id="SOINS").care_structure == "CSAPA de Testville"
    assert not answer.on_paper and answer.recorded_by == judge.user

    page = followed(client, response)
    text = text_of(page)
    assert "Réponse du magistrat enregistrée. Le dossier est à jour." in text
    assert "Libération conditionnelle accordée — décision du 20/03/2026" in text
    assert "Mesure ouverte : Libération conditionnelle du 01/04/2026 au 10/09/2027" in text
    assert "S'abstenir de paraître en tout lieu ou zone désignés (Commune de Testville)" in text
    assert "Libération conditionnelle accordée à compter du 1er avril 2026." in text
    assert "Pas encore lue par le ou la CPIP." in text
    assert "J'ai pris connaissance" not in text  # the judge does not follow up

    # The CPIP hears of it: the échéancier and the caseload.
    desk = client_for(cpip)
    schedule = text_of(desk.get("/echeancier/"))
    assert "Réponse du juge à lire : Libération conditionnelle accordée" in schedule
    assert "Informer la personne de ses nouvelles obligations" in schedule
    caseload = html(desk.get("/portefeuille/"))
    badge = re.search(r'<a [^>]*data-testid="unread-answer"[^>]*>', caseload)
    assert badge and f'href="{detail_url(report)}"' in badge[0]
    report_page = desk.get(detail_url(report))
    assert "J'ai pris connaissance de la réponse" in text_of(report_page)

    # Read: the item leaves the échéancier and the badge the caseload; informing remains.
    seen = desk.post(f"/rapports/{report.pk}/reponse/lue/")
    assert "Réponse du juge marquée comme lue." in text_of(followed(desk, seen))
    schedule = text_of(desk.get("/echeancier/"))
    assert "Réponse du juge à lire" not in schedule
    assert "Informer la personne de ses nouvelles obligations" in schedule
    assert 'data-testid="unread-answer"' not in html(desk.get("/portefeuille/"))
    report_page = text_of(desk.get(detail_url(report)))
    assert "Lue par Camille Conseil le 20/03/2026." in report_page

    # A date in the future is refused, saying why; then the person is informed.
    refused = desk.post(f"/rapports/{report.pk}/reponse/personne-informee/", {"on": "2026-03-21"})
    assert "La date ne peut pas être dans le futur." in text_of(followed(desk, refused))
    assert JudgeAnswer.objects.get(pk=answer.pk).person_informed_on is None
    informed = desk.post(f"/rapports/{report.pk}/reponse/personne-informee/", {"on": "2026-03-20"})
    page = followed(desk, informed)
    assert "La personne est informée de ses nouvelles obligations." in text_of(page)
    assert "Personne informée de ses nouvelles obligations le 20/03/2026." in text_of(page)
    assert "Informer la personne" not in text_of(desk.get("/echeancier/"))
    assert JudgeAnswer.objects.get(pk=answer.pk).person_informed_on == TODAY


def test_the_follow_up_is_the_cpips_not_the_judges(client_for, cpip, judge, probation):
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    client_for(judge).post(answer_url(report), {"code": "warning", "answered_on": "2026-03-20"})
    client = client_for(judge)
    assert client.post(f"/rapports/{report.pk}/reponse/lue/").status_code == 403
    assert JudgeAnswer.objects.get(report=report).seen_at is None


# --- Bad input: kept, explained in French, nothing stored. ---


def test_no_parole_while_a_safety_period_runs(client_for, cpip, judge, prisoner):
    person = prisoner["person"]
    custody = person.custody_records.get()
    terms_update(gated=gate(cpip, person), custody=custody, data={"safety_years": 2})
    report = transmitted(cpip, person, rules.OPINION, measure=prisoner["measure"],
                         matter=answers.PAROLE)  # fmt: skip
    client = client_for(judge)
    form = client.get(answer_url(report))
    assert "Période de sûreté jusqu'au 10/09/2026 (CP 132-23)" in text_of(form)
    before = snapshot(person)
    response = client.post(answer_url(report), as_browser(form, **PAROLE_GRANT))
    assert_refused_form(
        response, "effective_on", "Période de sûreté en cours jusqu'au 10/09/2026", "CP 132-23"
    )
    assert snapshot(person) == before
    # What was typed is kept: the answer, the dates, the obligations and their details.
    assert is_checked(response, "code", "granted")
    assert field_value(response, "effective_on") == "2026-04-01"
    assert field_value(response, "end_on") == "2027-09-10"
    assert is_checked(response, "obligations", "SOINS")
    assert is_checked(response, "obligations", "NE_PAS_PARAITRE")
    assert not is_checked(response, "obligations", "RESIDENCE")
    assert field_value(response, "obl-NE_PAS_PARAITRE-zone") == "Commune de Testville"
    assert "Libération conditionnelle accordée à compter du 1er avril 2026." in html(response)


def test_an_extension_past_three_years_is_refused(client_for, cpip, judge, probation):
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    client = client_for(judge)
    before = snapshot(probation["person"])
    response = client.post(
        answer_url(report), as_browser(client.get(answer_url(report)), code="extend",
                                       extra_months="13")
    )  # fmt: skip
    assert_refused_form(
        response, "extra_months", "au-delà de 3 ans au total (CPP 742, 743)", "12 mois au plus"
    )
    assert field_value(response, "extra_months") == "13"
    assert snapshot(probation["person"]) == before
    # Within the bounds, it is recorded.
    response = client.post(
        answer_url(report), as_browser(client.get(answer_url(report)), code="extend",
                                       extra_months="12")
    )  # fmt: skip
    assert response.status_code == 302
    assert Measure.objects.get(pk=probation["measure"].pk).duration_months == 36


def test_reductions_beyond_the_cap_are_refused(client_for, cpip, judge, prisoner):
    person = prisoner["person"]
    report = transmitted(cpip, person, rules.OPINION, measure=prisoner["measure"],
                         matter=answers.REDUCTIONS)  # fmt: skip
    client = client_for(judge)
    form = client.get(answer_url(report))
    assert "plafond 546 jours" in text_of(form)
    before = snapshot(person)
    response = client.post(answer_url(report), as_browser(form, code="granted",
                                                          reduction_days="547"))  # fmt: skip
    assert_refused_form(response, "reduction_days", "plafond de 546 jours", "546 jours au plus")
    assert field_value(response, "reduction_days") == "547"
    assert snapshot(person) == before
    assert PenalSituation.objects.get(custody__person=person).end_date == date(2027, 9, 10)


def test_an_lsc_refusal_without_reasons_is_refused(client_for, cpip, judge, prisoner):
    person = prisoner["person"]
    report = transmitted(cpip, person, rules.OPINION, measure=prisoner["measure"],
                         matter=answers.LSC)  # fmt: skip
    client = client_for(judge)
    before = snapshot(person)
    response = client.post(
        answer_url(report), as_browser(client.get(answer_url(report)), code="refused",
                                       text="Refus.")
    )  # fmt: skip
    assert_refused_form(response, "reasons", "spécialement motivée", "CPP 720 I")
    assert is_checked(response, "code", "refused")
    assert snapshot(person) == before


def test_an_answer_that_does_not_fit_the_report_is_refused(client_for, cpip, judge, probation):
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    client = client_for(judge)
    before = snapshot(probation["person"])
    # « Retrait de la mesure » answers a breach of an adjustment, not of a probation.
    response = client.post(
        answer_url(report), as_browser(client.get(answer_url(report)), code="withdrawal")
    )
    assert response.status_code == 400
    message = field_error(response, "id_code")
    assert message and message in error_summary(response)
    assert "withdrawal" not in message  # the user is not shown a code
    assert message.startswith("Cette réponse ne convient pas à ce rapport (rapport d'incident")
    assert "Révocation totale" in message and "Prolongation du délai de probation" in message
    assert is_checked(response, "code", "withdrawal") is False
    assert page_title(response).startswith("Erreur : ")
    assert snapshot(probation["person"]) == before


def test_the_fields_of_another_answer_are_ignored_even_when_wrong(
    client_for, cpip, judge, probation
):
    report = transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    client = client_for(judge)
    data = as_browser(
        client.get(answer_url(report)), code="warning", extra_months="cent", term_years="-3",
        term_months="beaucoup", obligations=["SOINS"], **{"obl-SOINS-care_structure": "x" * 300},
    )  # fmt: skip
    response = client.post(answer_url(report), data)
    assert response.status_code == 302, field_error(response, "id_extra_months")
    answer = JudgeAnswer.objects.get(report=report)
    assert answer.kind == "warning" and answer.extra_months is None
    measure = Measure.objects.get(pk=probation["measure"].pk)
    assert measure.duration_months == 24 and measure.status == "active"
    assert not measure.obligations.filter(obligation_type_id="SOINS").exists()
    assert not Sentence.objects.filter(person=probation["person"]).exists()


# --- The judge's list. ---


def row_links(response) -> list[int]:
    body = re.search(r"<tbody>(.*?)</tbody>", html(response), re.S)[1]
    return [int(pk) for pk in re.findall(r'href="/rapports/(\d+)/"', body)]


def test_the_judges_list_puts_the_most_urgent_first_then_the_longest_waiting(
    client_for, cpip, judge, other_judge, prisoner, probation
):
    person, measure = probation["person"], probation["measure"]
    other = prisoner
    normal = transmitted(cpip, person, rules.INCIDENT, measure=measure, urgency="normal",
                         days_ago=30)  # fmt: skip
    high_recent = transmitted(cpip, person, rules.INCIDENT, measure=measure, urgency="high",
                              days_ago=2)  # fmt: skip
    immediate = transmitted(cpip, person, rules.INCIDENT, measure=measure, urgency="immediate",
                            days_ago=1)  # fmt: skip
    high_old = transmitted(cpip, person, rules.INCIDENT, measure=measure, urgency="high",
                           days_ago=9)  # fmt: skip
    opinion_old = transmitted(cpip, other["person"], rules.OPINION, measure=other["measure"],
                              matter=answers.PAROLE, days_ago=40)  # fmt: skip
    opinion_new = transmitted(cpip, other["person"], rules.OPINION, measure=other["measure"],
                              matter=answers.REDUCTIONS, days_ago=5)  # fmt: skip
    # Not on the list: answered, not yet transmitted, or sent to another judge.
    answered = transmitted(cpip, person, rules.INCIDENT, measure=measure, urgency="immediate")
    client_for(judge).post(answer_url(answered), {"code": "warning", "answered_on": "2026-03-20"})
    draft = transmitted(cpip, person, rules.INCIDENT, measure=measure, urgency="immediate")
    Report.objects.filter(pk=draft.pk).update(status=rules.APPROVED, transmitted_at=None)
    elsewhere = transmitted(cpip, person, rules.INCIDENT, measure=measure, urgency="immediate")
    Report.objects.filter(pk=elsewhere.pk).update(judge=other_judge.user)

    response = client_for(judge).get("/rapports/")
    assert response.status_code == 200
    assert row_links(response) == [
        immediate.pk, high_old.pk, high_recent.pk, normal.pk, opinion_old.pk, opinion_new.pk,
    ]  # fmt: skip
    text = text_of(response)
    assert "Rapports qui vous sont adressés" in text
    assert "À traiter (6)" in text
    assert "1 d'urgence immédiate" in text and "2 d'urgence élevée" in text
    assert "Avis sur une libération conditionnelle" in text
    # "Tous" keeps the answered one, in the same order of urgency.
    everything = row_links(client_for(judge).get("/rapports/?voir=tous"))
    assert everything == [
        answered.pk, immediate.pk, high_old.pk, high_recent.pk, normal.pk, opinion_old.pk,
        opinion_new.pk,
    ]  # fmt: skip


def test_the_secretariats_list_is_sorted_the_same_way(client_for, cpip, secretariat, probation):
    person, measure = probation["person"], probation["measure"]
    normal = transmitted(cpip, person, rules.INCIDENT, measure=measure, days_ago=20)
    immediate = transmitted(cpip, person, rules.INCIDENT, measure=measure, urgency="immediate",
                            days_ago=1)  # fmt: skip
    response = client_for(secretariat).get("/rapports/")
    assert row_links(response) == [immediate.pk, normal.pk]
    assert "1 d'urgence immédiate" in text_of(response)


# --- The CAP sessions the judge chairs. ---


@pytest.fixture
def cap_world(cpip, manager, judge, other_judge, court, establishment):
    """A session chaired by ``judge`` (27/03/2026) and one chaired by another judge; three
    persons to examine: one with an opinion transmitted to ``judge``, one with a draft, one
    with an opinion transmitted to the other judge."""
    chaired = cap.cap_session_create(
        membership=manager,
        data={"establishment": establishment, "date": date(2026, 3, 27), "horizon_months": 3,
              "judge": judge.user},
    )  # fmt: skip
    not_chaired = cap.cap_session_create(
        membership=manager,
        data={"establishment": establishment, "date": date(2026, 4, 24), "horizon_months": 3,
              "judge": other_judge.user},
    )  # fmt: skip
    sent = prisoner_of(cpip, judge.user, establishment, surname="Avisé", first_names="Anne",
                       sex="F")  # fmt: skip
    drafted = prisoner_of(cpip, judge.user, establishment, surname="Bernard",
                          first_names="Bruno")  # fmt: skip
    elsewhere = prisoner_of(cpip, other_judge.user, establishment, surname="Chez",
                            first_names="Claude")  # fmt: skip
    texts = {
        "project": "Hébergement chez sa sœur à Testville, promesse d'embauche en boulangerie.",
        "analysis": "Avis favorable : projet solide et détention sans incident.",
        "proposal": "Obligation de travail ; interdiction de paraître à Grandville.",
    }
    opinion = transmitted(cpip, sent["person"], rules.OPINION, measure=sent["measure"],
                          matter=answers.PAROLE, texts=texts, days_ago=6)  # fmt: skip
    draft = report_services.report_create(
        membership=cpip, gated=person_get_for(cpip, drafted["person"].pk), kind=rules.OPINION,
        measure=drafted["measure"], matter=answers.PAROLE, today=TODAY,
    )  # fmt: skip
    report_services.report_save(
        membership=cpip, gated_report=report_get_for(cpip, draft.pk),
        texts={"analysis": "Brouillon : avis encore réservé."},
    )  # fmt: skip
    foreign = transmitted(cpip, elsewhere["person"], rules.OPINION, measure=elsewhere["measure"],
                          matter=answers.PAROLE, days_ago=4,
                          texts={"analysis": "Avis pour un autre juge."})  # fmt: skip
    return {"chaired": chaired, "not_chaired": not_chaired, "opinion": opinion, "draft": draft,
            "foreign": foreign, "texts": texts, "sent": sent}  # fmt: skip


def cap_url(session, pdf=False) -> str:
    return f"/detention/cap/{session.pk}/{'pdf/' if pdf else ''}"


DRAFT_STATES = ("Non commencé", "Brouillon", "Soumis au visa", "Visé")


def test_the_judges_cap_index_lists_only_the_sessions_they_chair(client_for, judge, cap_world):
    response = client_for(judge).get("/detention/")
    assert response.status_code == 200
    page = html(response)
    assert f'href="{cap_url(cap_world["chaired"])}"' in page
    assert f'href="{cap_url(cap_world["not_chaired"])}"' not in page
    assert "Séances de CAP que vous présidez" in text_of(response)
    assert "Programmer une séance" not in text_of(response)
    # The header leads the judge there.
    menu = re.search(r'<nav[^>]*aria-label="Menu principal".*?</nav>', page, re.S)[0]
    assert 'href="/detention/"' in menu and "Séances de CAP" in menu


def test_the_chair_reads_the_list_and_the_opinions_transmitted_to_them(
    client_for, judge, cap_world
):
    client = client_for(judge)
    response = client.get(cap_url(cap_world["chaired"]))
    assert response.status_code == 200
    text = text_of(response)
    for name in ("AVISÉ Anne", "BERNARD Bruno", "CHEZ Claude"):
        assert name in text
    for line in cap_world["texts"].values():
        assert line in text
    assert "Avis transmis le 14/03/2026" in text
    opinions = re.findall(r'data-testid="cap-opinion"', html(response))
    assert len(opinions) == 1
    # Neither the draft's content nor another judge's opinion, nor the states of drafts.
    assert "Brouillon : avis encore réservé." not in text
    assert "Avis pour un autre juge." not in text
    assert 'data-testid="cap-counts"' not in html(response)
    for state in DRAFT_STATES:
        assert state not in text, state
    # A link to answer the opinion, and none to the drafts or to the persons' files.
    assert f'href="{answer_url(cap_world["opinion"])}"' in html(response)
    assert f'href="/rapports/{cap_world["draft"].pk}/"' not in html(response)
    assert "/peine/" not in html(response)

    # The PDF holds the same.
    pdf = client.get(cap_url(cap_world["chaired"], pdf=True))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    content = " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(BytesIO(pdf.content)).pages
    )
    for name in ("AVISÉ Anne", "BERNARD Bruno", "CHEZ Claude"):
        assert name in content
    for line in cap_world["texts"].values():
        assert line in content
    assert "Brouillon : avis encore réservé." not in content
    assert "Avis pour un autre juge." not in content
    for state in DRAFT_STATES:
        assert state not in content, state

    # Each opinion shown is a read of the person's file, journaled: one per page and PDF.
    reads = AuditEntry.objects.filter(action=AuditEntry.Action.READ, context__tab="cap")
    assert reads.count() == 2
    assert set(reads.values_list("person_id", flat=True)) == {cap_world["sent"]["person"].pk}
    assert {e.context["report"] for e in reads} == {cap_world["opinion"].pk}
    assert all(e.actor == judge.user for e in reads)


def test_another_judges_session_does_not_exist_for_the_judge(client_for, judge, cap_world):
    client = client_for(judge)
    before = AuditEntry.objects.count()
    assert client.get(cap_url(cap_world["not_chaired"])).status_code == 404
    assert client.get(cap_url(cap_world["not_chaired"], pdf=True)).status_code == 404
    # Nothing read is journaled, only the two refusals (docs/audit.md, « What is logged »).
    written = AuditEntry.objects.order_by("id")[before:]
    assert [(e.action, e.actor_id) for e in written] == [("denied", judge.user_id)] * 2


# --- Query counts. ---


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_answer_page_runs_a_fixed_number_of_queries(client_for, cpip, judge, probation):
    person, measure = probation["person"], probation["measure"]
    report = transmitted(cpip, person, rules.INCIDENT, measure=measure, urgency="high")
    client = client_for(judge)
    client.get(answer_url(report))  # warm-up: session, service chosen
    few = count_queries(client, answer_url(report))
    for code in ("SOINS", "NE_PAS_PARAITRE", "RESIDENCE", "NE_PAS_CONDUIRE"):
        measure_services.obligation_create(gated=gate(cpip, measure.person), measure=measure, decision=measure.decision, obligation_type_code=code, data={"start_date": measure.start_date, "status": "active"})  # fmt: skip
    for _ in range(3):
        transmitted(cpip, person, rules.INCIDENT, measure=measure)
    page = client.get(answer_url(report))
    assert len(radio_labels(page, "ended_obligations")) == 5
    many = count_queries(client, answer_url(report))
    assert many == few, (few, many)
    assert many <= MAX_QUERIES


def test_the_judges_list_runs_a_fixed_number_of_queries(client_for, cpip, judge, probation,
                                                        prisoner):  # fmt: skip
    transmitted(cpip, probation["person"], rules.INCIDENT, measure=probation["measure"])
    client = client_for(judge)
    client.get("/rapports/")
    few = count_queries(client, "/rapports/")
    for n in range(4):
        person = make_person(cpip, surname=f"Nombreux{n}")
        measure = make_measure(cpip, person, judge=judge.user, today=TODAY)
        transmitted(cpip, person, rules.INCIDENT, measure=measure, urgency="high")
    transmitted(cpip, prisoner["person"], rules.OPINION, measure=prisoner["measure"],
                matter=answers.PAROLE)  # fmt: skip
    assert len(row_links(client.get("/rapports/"))) == 6
    many = count_queries(client, "/rapports/")
    assert many == few, (few, many)
    assert many <= MAX_QUERIES


def test_the_cap_page_runs_a_fixed_number_of_queries(client_for, cpip, judge, cap_world,
                                                      establishment):  # fmt: skip
    """Each opinion shown is journaled, in one write with the list's line: more opinions, the
    same queries; the chain of the journal stays whole."""
    client = client_for(judge)
    url = cap_url(cap_world["chaired"])
    client.get(url)  # warm-up: session written
    few = count_queries(client, url)
    for n in range(3):
        more = prisoner_of(cpip, judge.user, establishment, surname=f"Nombreux{n}",
                           first_names="Noé")  # fmt: skip
        transmitted(cpip, more["person"], rules.OPINION, measure=more["measure"],
                    matter=answers.PAROLE, texts={"analysis": f"Avis n° {n}."})  # fmt: skip
    response = client.get(url)
    assert len(re.findall(r'data-testid="cap-opinion"', html(response))) == 4
    many = count_queries(client, url)
    assert many == few, (few, many)
    assert many <= MAX_QUERIES
    last = AuditEntry.objects.filter(context__tab="cap").order_by("-pk")[:4]
    assert len({e.person_id for e in last}) == 4
    assert audit.verify_chain(f"service:{judge.service_id}") == (
        AuditEntry.objects.filter(chain=f"service:{judge.service_id}").count(),
        [],
    )


# --- Starting a report from the dossier tab: its matter, its urgency. ---


def test_an_opinion_without_its_matter_is_refused(client_for, cpip, prisoner):
    person = prisoner["person"]
    response = client_for(cpip).post(
        f"/personnes/{person.pk}/rapports/",
        {"kind": "opinion", "measure": str(prisoner["measure"].pk), "matter": "",
         "urgency": "", "due_date": ""},
    )  # fmt: skip
    assert response.status_code == 400
    assert field_error(response, "id_matter").startswith("Indiquez sur quoi porte l'avis")
    assert page_title(response).startswith("Erreur : ")
    assert not Report.objects.filter(person=person).exists()
    # With its matter, it starts, and says what it is about.
    response = client_for(cpip).post(
        f"/personnes/{person.pk}/rapports/",
        {"kind": "opinion", "measure": str(prisoner["measure"].pk), "matter": "parole"},
    )
    report = Report.objects.get(person=person)
    assert response["Location"] == detail_url(report)
    assert report.matter == answers.PAROLE and report.urgency == ""


@pytest.mark.parametrize(("chosen", "stored"), [("immediate", "immediate"), ("", "normal")])
def test_an_incident_report_records_its_urgency(client_for, cpip, probation, chosen, stored):
    person, measure = probation["person"], probation["measure"]
    incident = compliance.incident_record(
        membership=cpip,
        gated=person_get_for(cpip, person.pk),
        data={"kind": "new_offence", "occurred_on": TODAY - timedelta(days=2),
              "source": "police", "description": "Menaces envers la victime.",
              "measure": measure},
    )  # fmt: skip
    client = client_for(cpip)
    form = client.get(f"/personnes/{person.pk}/rapports/")
    assert "Degré d'urgence (rapport d'incident)" in text_of(form)
    response = client.post(
        f"/personnes/{person.pk}/rapports/",
        {"kind": "incident", "measure": str(measure.pk), "incident": str(incident.pk),
         "urgency": chosen},
    )  # fmt: skip
    report = Report.objects.get(person=person)
    assert response["Location"] == detail_url(report)
    assert report.urgency == stored and report.matter == answers.INCIDENT
