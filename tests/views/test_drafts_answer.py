"""The judge's answer keeps a draft of its own (its text and its reasons), restored on the
answer page for its writer only, ended by the answer's recording; the CPIP's drafts on the
same person stay."""

import pytest

from probatio.notes.models import NoteDraft
from probatio.reports import rules
from tests.views.helpers import html, text_of
from tests.views.test_judge_pages import answer_url, frozen, probation, transmitted  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_answer_keeps_its_draft_until_recorded(client_for, cpip, manager, judge, probation):  # noqa: F811
    person = probation["person"]
    report = transmitted(cpip, person, rules.INCIDENT, measure=probation["measure"])
    judge_client = client_for(judge)
    draft_url = f"/personnes/{person.pk}/brouillons/reponse-magistrat/{report.pk}/"
    assert f'data-autosave-url="{draft_url}"' in html(judge_client.get(answer_url(report)))
    saved = judge_client.post(draft_url, {"text": "Avertissement solennel", "reasons": "Absences"})
    assert saved.status_code == 200
    client_for(cpip).post(f"/personnes/{person.pk}/notes/brouillon/", {"body": "Note du CPIP"})

    page = judge_client.get(answer_url(report))
    assert "Avertissement solennel</textarea>" in html(page)
    assert "Supprimer le brouillon" in text_of(page)
    assert "Avertissement solennel" not in html(client_for(manager).get(answer_url(report)))

    response = judge_client.post(
        answer_url(report),
        {"code": "warning", "answered_on": "2026-03-20", "text": "Avertissement solennel"},
    )
    assert response.status_code == 302
    assert list(NoteDraft.objects.values_list("author", "place_kind")) == [(cpip.user.pk, "note")]
