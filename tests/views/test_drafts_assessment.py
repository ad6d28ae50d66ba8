"""The new-assessment form keeps its draft like the note forms (docs/drafts.md): every answer,
the reason, the date, the summary and the sensitive basis and reason autosave in the place
« evaluation » and come back on the form; the draft is its author's only; another service's
person is a 404, a role without ``write_assessment`` a 403; saving the assessment ends that
draft only, a refused one keeps it."""

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.assessments.models import Assessment
from probatio.audit.models import AuditEntry
from probatio.notes.models import NoteDraft
from tests.factories import make_person
from tests.views.helpers import html, text_of
from tests.views.test_assessment_views import answers, post_data

pytestmark = pytest.mark.django_db


class FormValues(HTMLParser):
    """The values a page's form shows, by field name (radios: the checked one)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a:
                    self.values[name] = a.get("value", "")
            else:
                self.values[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += (
                data.lstrip("\n") if not self.values[self._textarea] else data
            )


def shown(response) -> dict[str, str]:
    parser = FormValues()
    parser.feed(html(response))
    return parser.values


def form_url(person) -> str:
    return f"/personnes/{person.pk}/evaluation/nouvelle/"


def draft_url(person) -> str:
    return f"/personnes/{person.pk}/brouillons/evaluation/{person.pk}/"


def typed() -> dict:
    """A form half-filled, with every kind of field: radios (a choice, yes/no), a number,
    free text, the sensitive basis (a select) and reason, the date, the summary."""
    return post_data(
        answers(),
        reason="incident",
        assessed_on="2025-03-04",
        summary="Synthèse commencée : hébergement précaire.",
        answer_health="Traitement en cours",
        sensitive_basis="necessary",
        sensitive_reason="Nécessaire à l'orientation vers le soin.",
        answer_needs_detail="Chercher un foyer.",
    )


@pytest.fixture
def person(world):
    return world.caseload.person


def test_autosave_then_coming_back_restores_every_field(as_role, cpip, person):
    client = as_role("cpip")
    page = html(client.get(form_url(person)))
    assert f'data-autosave-url="{draft_url(person)}"' in page
    assert "answer_health" in page.split("data-autosave-fields=")[1].split('"')[1]

    data = typed()
    response = client.post(draft_url(person), data)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    draft = NoteDraft.objects.get(author=cpip.user, person=person)
    assert (draft.place_kind, draft.place_id) == ("assessment", str(person.pk))

    restored = client.get(form_url(person))
    assert restored.status_code == 200
    assert "Brouillon du" in text_of(restored) and "restauré" in text_of(restored)
    values = shown(restored)
    for name, value in data.items():
        assert values.get(name) == str(value), name
    assert "Supprimer le brouillon" in text_of(restored)


def test_the_drafts_list_names_the_form_and_quotes_the_summary_only(as_role, person):
    client = as_role("cpip")
    client.post(draft_url(person), typed())
    timeline = client.get(f"/personnes/{person.pk}/chronologie/")
    text = text_of(timeline)
    assert "Brouillons en cours (1)" in text
    assert "Évaluation structurée" in text
    assert "Synthèse commencée" in text
    assert "Traitement en cours" not in text  # a sensitive answer is never quoted
    assert f'href="{form_url(person)}"' in html(timeline)


def test_the_draft_is_its_authors_only(as_role, cpip, person):
    as_role("cpip").post(draft_url(person), typed())
    manager = as_role("manager")  # may write an assessment on the service's persons
    page = manager.get(form_url(person))
    assert page.status_code == 200
    assert "Synthèse commencée" not in html(page) and "restauré" not in text_of(page)
    assert "Brouillons en cours" not in text_of(manager.get(f"/personnes/{person.pk}/chronologie/"))
    manager.post(f"{draft_url(person)}supprimer/")
    # Another CPIP of the service: not their caseload, neither the form nor the draft.
    colleague = as_role("cpip2")
    assert colleague.get(form_url(person)).status_code == 403
    assert colleague.post(draft_url(person), {"summary": "x"}).status_code == 403
    assert colleague.post(f"{draft_url(person)}supprimer/").status_code == 403
    draft = NoteDraft.objects.get()
    assert draft.author == cpip.user and "Synthèse commencée" in draft.body


def test_another_services_person_is_a_404(as_role, world):
    foreign = world.foreign.person
    client = as_role("cpip")
    assert client.post(draft_url(foreign), typed()).status_code == 404
    assert client.post(f"{draft_url(foreign)}supprimer/").status_code == 404
    assert not NoteDraft.objects.exists()


@pytest.mark.parametrize("role", ["psychologist", "secretariat", "monitoring", "social_worker"])
def test_a_role_without_write_assessment_is_refused(as_role, person, role):
    client = as_role(role)
    assert client.post(draft_url(person), typed()).status_code == 403
    assert client.post(f"{draft_url(person)}supprimer/").status_code == 403
    assert not NoteDraft.objects.exists()


def test_saving_the_assessment_ends_its_draft_only(as_role, cpip, person):
    client = as_role("cpip")
    client.post(draft_url(person), typed())
    client.post(f"/personnes/{person.pk}/notes/brouillon/", {"body": "Note commencée"})
    response = client.post(form_url(person), post_data(answers()))
    assert response.status_code == 302
    assert Assessment.objects.filter(person=person).count() == 1
    assert list(NoteDraft.objects.values_list("place_kind", "body")) == [("note", "Note commencée")]
    # The next page tells the tab to drop its copy of this draft.
    assert f"probatio-draft-assessment-{person.pk}-{person.pk}-{cpip.user.pk}" in html(
        client.get(response["Location"])
    )


def test_a_refused_assessment_keeps_its_draft(as_role, person):
    client = as_role("cpip")
    client.post(draft_url(person), typed())
    refused = client.post(
        form_url(person),
        post_data(answers(), answer_health="Traitement en cours", sensitive_basis="necessary"),
    )
    assert refused.status_code == 400
    assert not Assessment.objects.filter(person=person).exists()
    draft = NoteDraft.objects.get()
    assert "Nécessaire à l'orientation" in draft.body


def test_discard_removes_the_draft_journaled_by_name_only(as_role, person):
    client = as_role("cpip")
    client.post(draft_url(person), typed())
    client.post(f"/personnes/{person.pk}/notes/brouillon/", {"body": "À garder"})
    response = client.post(f"{draft_url(person)}supprimer/?suivant={form_url(person)}")
    assert response.status_code == 302 and response["Location"] == form_url(person)
    assert list(NoteDraft.objects.values_list("body", flat=True)) == ["À garder"]
    entry = AuditEntry.objects.get(object_type="notes.notedraft", action="delete")
    assert "Traitement" not in str(entry.changes) and "Synthèse" not in str(entry.changes)
    assert "restauré" not in text_of(client.get(form_url(person)))


def test_a_draft_too_long_is_refused_not_cut(as_role, person):
    client = as_role("cpip")
    data = {f"answer_item_{n}": "x" * 4000 for n in range(6)}
    response = client.post(draft_url(person), data)
    assert response.status_code == 400 and "trop long" in response.json()["error"]
    assert not NoteDraft.objects.exists()


def test_the_form_with_its_draft_holds_few_queries(as_role, cpip):
    subject = make_person(cpip)
    client = as_role("cpip")
    client.post(draft_url(subject), typed())
    client.post(f"/personnes/{subject.pk}/notes/brouillon/", {"body": "Autre"})
    client.get(form_url(subject))  # warm-up
    with CaptureQueriesContext(connection) as queries:
        response = client.get(form_url(subject))
    assert response.status_code == 200
    assert len(queries.captured_queries) <= 15, len(queries.captured_queries)
