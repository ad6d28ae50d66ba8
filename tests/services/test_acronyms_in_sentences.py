"""Labels written inside a sentence keep their acronyms: « rendez-vous au SPIP », « (CPAM,
CAF) », never « spip » nor « cpam » (the timeline, the échéancier, journal summaries)."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from probatio.core.deadlines import Query, collect
from probatio.core.text import lower_first
from probatio.people.models import Person, TimelineEvent
from probatio.reintegration import release
from probatio.reintegration import services as reintegration_services
from tests.factories import gate, make_prisoner

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 20)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_lower_first_keeps_acronyms():
    assert lower_first("Rendez-vous au SPIP") == "rendez-vous au SPIP"
    assert lower_first("Accès aux droits (CPAM, CAF)") == "accès aux droits (CPAM, CAF)"
    assert lower_first("CPAM : ouverture des droits") == "CPAM : ouverture des droits"
    assert lower_first("À faire") == "à faire" and lower_first("") == ""


def test_the_timeline_and_the_echeancier_keep_spip_and_cpam(cpip):
    person = make_prisoner(cpip, sentences=({"months": 18},), surname="Sortant")
    plan = release.plan_create(gated=gate(cpip, person), today=TODAY)
    for code in ("health_insurance", "community_appointment"):
        release.item_update(
            gated=gate(cpip, person),
            item=plan.items.get(code=code),
            data={"status": "done", "owner": cpip.user, "due_date": TODAY, "comment": ""},
        )
    reintegration_services.need_create(
        gated=gate(cpip, person),
        data={"pathway": "rights", "details": "", "identified_on": TODAY},
        today=TODAY,
    )
    titles = list(TimelineEvent.objects.filter(person=person).values_list("title", flat=True))
    text = " ".join(titles)
    assert "Plan de sortie : assurance maladie (CPAM, complémentaire) — fait" in titles
    assert "Plan de sortie : rendez-vous au SPIP (milieu ouvert) après la sortie — fait" in titles
    assert "spip" not in text and "cpam" not in text
    query = Query(
        persons=Person.objects.filter(pk=person.pk),
        today=TODAY,
        until=date(2026, 12, 31),
        service_id=person.service_id,
    )
    labels = " ".join(i.label for i in collect(query))
    assert "spip" not in labels and "cpam" not in labels
