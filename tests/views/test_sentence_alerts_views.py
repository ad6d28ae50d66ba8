"""The prison side in the échéancier and the caseload: eligibility alerts read from the stored
estimates, the registry's dates laid over them, months ahead set by the service; the panel's
query count does not grow; the nightly recomputation command."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.core.deadlines import Query, collect
from probatio.people.models import Person
from probatio.sentences import services
from probatio.sentences.models import PenalSituation
from tests.factories import gate, make_decision, make_prisoner
from tests.views.helpers import text_of

NOW = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
TODAY = date(2025, 12, 1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def example_b(cpip):
    """Worked example B: 18 months from 2025-01-10: LC 10/10/2025 (passed), LSC review
    09/01/2026, LSC de plein droit 10/04/2026 (information by 10/03/2026)."""
    return make_prisoner(cpip, sentences=({"months": 18},), surname="Bdetenu")


def sentence_items(membership, *, until=date(2026, 12, 31)):
    query = Query(
        persons=Person.objects.filter(service_id=membership.service_id),
        today=TODAY,
        until=until,
        service_id=membership.service_id,
    )
    return [(i.due, i.label) for i in collect(query, ["sentence"])]


def test_the_alerts_of_example_b_appear_months_ahead(cpip, example_b):
    # LC (10/10/2025) passed more than 30 days ago; the LSC de plein droit (10/04/2026) and
    # its information (10/03/2026) are further ahead than 4 and 2 months.
    assert sentence_items(cpip) == [
        (
            date(2025, 12, 9),
            "Informer la personne avant le 09/12/2025 (la libération sous contrainte)",
        ),
        (date(2026, 1, 9), "Examen de la LSC le 09/01/2026"),
    ]


def test_the_service_chooses_how_far_ahead(cpip, service, example_b):
    service.lsc_plein_droit_alert_months = 5
    service.information_alert_months = 4
    service.lsc_alert_months = 1
    service.save()
    assert sentence_items(cpip) == [
        (
            date(2025, 12, 9),
            "Informer la personne avant le 09/12/2025 (la libération sous contrainte)",
        ),
        (date(2026, 3, 10), "Informer la personne avant le 10/03/2026 (la LSC de plein droit)"),
        (date(2026, 4, 10), "LSC de plein droit le 10/04/2026 — hébergement à sécuriser"),
    ]


def test_an_official_date_replaces_the_estimate(cpip, example_b):
    services.official_date_enter(
        gated=gate(cpip, example_b),
        custody=example_b.custody_records.get(),
        data={"kind": "lsc", "date": date(2026, 1, 12)},
    )
    labels = [label for _, label in sentence_items(cpip)]
    assert "Examen de la LSC le 12/01/2026" in labels
    assert "Examen de la LSC le 09/01/2026" not in labels


def test_released_persons_have_no_alert(cpip, example_b):
    from probatio.people import services as people_services

    people_services.custody_close(gated=gate(cpip, example_b), release_date=TODAY)
    assert sentence_items(cpip) == []


def test_the_echeancier_and_the_caseload_show_them(client_for, cpip, example_b):
    client = client_for(cpip)
    schedule = text_of(client.get("/echeancier/"))
    assert "Examen de la LSC le 09/01/2026" in schedule
    caseload = text_of(client.get("/portefeuille/"))
    assert "Informer la personne avant le 09/12/2025" in caseload  # the soonest item


def test_the_panel_runs_the_same_queries_whatever_the_amount(client_for, cpip):
    held = make_prisoner(cpip, sentences=({"years": 2},), committal_date=date(2025, 1, 10))
    client = client_for(cpip)
    url = f"/personnes/{held.pk}/peine/"
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    small = count()
    custody = held.custody_records.get()
    decision = make_decision(cpip, held, date=date(2024, 12, 1), enforceable_date=date(2024, 12, 5))
    for months in (4, 6):
        services.sentence_add(
            gated=gate(cpip, held), custody=custody, data={"decision": decision, "months": months}
        )
    for n in range(4):
        services.reduction_add(
            gated=gate(cpip, held),
            custody=custody,
            data={"kind": "granted", "days": 20, "date": date(2025, 3 + n, 2)},
        )
    for kind, day in (
        ("lc", date(2026, 1, 1)),
        ("fin_peine", date(2027, 4, 1)),
        ("lc", date(2026, 1, 2)),
    ):
        services.official_date_enter(
            gated=gate(cpip, held), custody=custody, data={"kind": kind, "date": day}
        )
    assert count() == small
    assert small <= 15


def test_the_nightly_command_recomputes(cpip, example_b, capsys):
    PenalSituation.objects.update(lsc_review_date=None)
    call_command("recompute_sentence_dates")
    assert "1 écrou calculé, 1 modifié" in capsys.readouterr().out
    assert PenalSituation.objects.get().lsc_review_date == date(2026, 1, 9)


def test_the_caseload_reads_the_sentence_dates_within_its_own_query(client_for, cpip):
    from tests.factories import make_person

    make_person(cpip, surname="Libre")
    client = client_for(cpip)
    client.get("/portefeuille/")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/portefeuille/").status_code == 200
        return len(queries.captured_queries)

    without = count()
    make_prisoner(cpip, sentences=({"months": 18},), surname="Bdetenu")
    assert count() == without
