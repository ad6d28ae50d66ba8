"""The "Sortie" tab: expected release, the release plan and its items, what it feeds into the
échéancier (plan to open, items due, release within a month without housing)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from probatio.core.deadlines import Query, collect
from probatio.people.models import Person
from probatio.reintegration import release, rules
from probatio.reintegration.models import ReleasePlan, ReleasePlanItem
from tests.factories import gate, make_person, make_prisoner
from tests.views.helpers import text_of

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 20)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def leaving(cpip):
    """Worked example B (18 months from 2025-01-10): LSC de plein droit on 10/04/2026, 21
    days ahead."""
    return make_prisoner(cpip, sentences=({"months": 18},), surname="Sortant")


def items(membership):
    query = Query(
        persons=Person.objects.filter(service_id=membership.service_id),
        today=TODAY,
        until=date(2026, 12, 31),
        service_id=membership.service_id,
    )
    return [(i.due, i.label, i.severity) for i in collect(query, ["release_plan"])]


def test_a_person_due_out_without_plan_shows_in_the_echeancier(cpip, leaving):
    assert items(cpip) == [
        (TODAY, "Sortie prévue le 10/04/2026 : plan de sortie à établir", "alert"),
        (date(2026, 4, 10), "Sortie le 10/04/2026 sans hébergement assuré", "alert"),
    ]


def test_the_plan_has_every_item_owned_by_the_cpip_and_due_ahead(cpip, leaving):
    plan = release.plan_create(gated=gate(cpip, leaving), today=TODAY)
    rows = list(plan.items.values_list("code", "owner_id", "due_date"))
    assert [code for code, _, _ in rows] == list(rules.RELEASE_ITEMS)
    assert {owner for _, owner, _ in rows} == {cpip.user_id}
    due = dict((code, day) for code, _, day in rows)
    assert due["transport"] == date(2026, 4, 3)  # 7 days before
    assert due["housing"] == TODAY  # 60 days before is past: today
    labels = [label for _, label, _ in items(cpip)]
    assert "Plan de sortie : transport le jour de la sortie" in labels
    assert not any("à établir" in label for label in labels)


def test_securing_housing_removes_the_flag(cpip, leaving):
    plan = release.plan_create(gated=gate(cpip, leaving), today=TODAY)
    housing = plan.items.get(code="housing")
    release.item_update(
        gated=gate(cpip, leaving),
        item=housing,
        data={"status": "done", "owner": cpip.user, "due_date": TODAY, "comment": "CHRS"},
    )
    assert not any("sans hébergement" in label for _, label, _ in items(cpip))


def test_a_person_not_in_prison_gets_no_plan(cpip):
    outside = make_person(cpip)
    with pytest.raises(ValidationError, match="pas écrouée"):
        release.plan_create(gated=gate(cpip, outside), today=TODAY)
    assert not ReleasePlan.objects.exists()


def test_a_second_plan_is_refused(cpip, leaving):
    release.plan_create(gated=gate(cpip, leaving), today=TODAY)
    with pytest.raises(ValidationError, match="existe déjà"):
        release.plan_create(gated=gate(cpip, leaving), today=TODAY)
    assert ReleasePlanItem.objects.count() == len(rules.RELEASE_ITEMS)


def test_persons_released_far_ahead_are_not_listed(cpip):
    make_prisoner(cpip, sentences=({"years": 4},), surname="Longue")
    assert items(cpip) == []


def test_the_tab_and_its_forms(client_for, cpip, member, leaving):
    client = client_for(cpip)
    page = text_of(client.get(f"/personnes/{leaving.pk}/sortie/"))
    assert "Sortie prévue le 10/04/2026" in page
    assert "sans hébergement assuré" in page
    assert client.post(f"/personnes/{leaving.pk}/sortie/plan/").status_code == 302
    housing = ReleasePlanItem.objects.get(code="housing")
    url = f"/personnes/{leaving.pk}/sortie/elements/{housing.pk}/"
    bad = client.post(url, {"status": "made_up", "due_date": "2026-04-01"})
    assert bad.status_code == 400
    good = client.post(url, {"status": "done", "owner": cpip.user_id, "due_date": "2026-04-01"})
    assert good.status_code == 302
    assert ReleasePlanItem.objects.get(pk=housing.pk).status == "done"
    colleague = client_for(member("cpip", user__username="collegue"))
    assert colleague.get(f"/personnes/{leaving.pk}/sortie/").status_code == 200
    assert colleague.get(url).status_code == 403
    assert colleague.post(f"/personnes/{leaving.pk}/sortie/plan/").status_code == 403


def test_another_service_gets_a_404(client_for, member, other_service, leaving):
    stranger = client_for(member("cpip", service=other_service))
    assert stranger.get(f"/personnes/{leaving.pk}/sortie/").status_code == 404
