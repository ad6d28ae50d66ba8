"""The managers' anomaly view (« Contrôle des accès »), a reader's entries of a day and the
thresholds' page: for managers of the service only (a CPIP gets 403, another service's
manager sees nothing of this one), in French, journaled, in a fixed number of queries."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.audit import services as audit
from probatio.audit.models import AuditEntry
from probatio.oversight.models import OversightSettings
from tests.factories import journal_at, make_person
from tests.views.helpers import field_error, html, text_of

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 18)  # a Wednesday
DAY = TODAY - timedelta(days=1)
PAGE = "/service/controle-des-acces/"
SETTINGS = "/service/parametres/controle-des-acces/"
MAX_QUERIES = 15


def paris(day: date, hour: int, minute: int = 0):
    return datetime.combine(day, time(hour, minute)).astimezone()


journal = journal_at


def unusual_reader(reader, owner, *, files: int, day=DAY, hour=10):
    """``reader`` opens ``files`` files of persons followed by ``owner``."""
    persons = [make_person(owner) for _ in range(files)]
    for index, person in enumerate(persons):
        journal(reader, audit.Action.READ, paris(day, hour, index % 60), person)
    return persons


def reader_url(member, day=DAY) -> str:
    return f"{PAGE}agents/{member.user_id}/?jour={day:%Y-%m-%d}"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 11, 18, 15, 0).astimezone(), tick=False):
        yield


def test_the_manager_sees_an_unusual_reader_and_follows_the_link(as_role, cpip, roussel):
    persons = unusual_reader(cpip, roussel, files=21)
    client = as_role("manager")
    page = client.get(PAGE)
    assert page.status_code == 200
    text = text_of(page)
    assert "Lectures inhabituelles" in text and "1 ligne au-delà du seuil" in text
    assert "Camille Conseil" in text and "17/11/2026" in text
    assert reader_url(cpip) in html(page).replace("&amp;", "&")
    entries = client.get(reader_url(cpip))
    assert entries.status_code == 200
    body = html(entries)
    assert body.count('data-testid="reader-entry"') == 21
    assert text_of(entries).count("Dossier jamais attribué") == 21
    assert "Consultation du dossier (identité et situation)" in text_of(entries)
    first = persons[0]
    assert (
        f"/personnes/{first.pk}/journal-des-acces/?agent={cpip.user_id}&amp;du=2026-11-17"
        f"&amp;au=2026-11-17"
    ) in body


def test_twenty_files_is_not_above_the_default_threshold(as_role, cpip, roussel):
    unusual_reader(cpip, roussel, files=20)
    page = as_role("manager").get(PAGE)
    assert "Aucun agent au-delà du seuil sur la période." in text_of(page)


def test_out_of_hours_and_bursts_are_listed(as_role, cpip, roussel, secretariat):
    person = make_person(cpip)
    journal(cpip, audit.Action.READ, paris(DAY, 21, 15), person)
    journal(cpip, audit.Action.READ, paris(DAY, 22, 5), person)
    for second in range(10):
        journal(secretariat, audit.Action.DENIED, paris(DAY, 14, second // 2))
    page = as_role("manager").get(PAGE)
    body = html(page)
    assert body.count('data-testid="out-of-hours-row"') == 1
    assert body.count('data-testid="burst-row"') == 1
    text = text_of(page)
    assert "21:15 – 22:05" in text
    assert "Sacha Secrétariat" in text


def test_reading_the_page_is_journaled(as_role, manager):
    as_role("manager").get(f"{PAGE}?du=2026-11-01&au=2026-11-10")
    entry = AuditEntry.objects.filter(action="list", actor=manager.user).latest("id")
    assert entry.object_type == "oversight.anomalies"
    assert entry.context["du"] == "2026-11-01" and entry.context["au"] == "2026-11-10"
    as_role("manager").get(reader_url(manager))
    entry = AuditEntry.objects.filter(action="list", actor=manager.user).latest("id")
    assert entry.context["page"] == "anomalies_reader"
    assert entry.context["agent"] == manager.user_id


def test_the_default_period_is_the_last_thirty_days(as_role, cpip, roussel):
    unusual_reader(cpip, roussel, files=21, day=TODAY - timedelta(days=30))
    client = as_role("manager")
    assert "Aucun agent au-delà du seuil" in text_of(client.get(PAGE))
    older = client.get(f"{PAGE}?du=2026-10-01&au=2026-11-18")
    assert "1 ligne au-delà du seuil" in text_of(older)


def test_an_end_before_the_start_is_refused_in_french(as_role):
    page = as_role("manager").get(f"{PAGE}?du=2026-11-10&au=2026-11-01")
    assert page.status_code == 400
    assert field_error(page, "id_au") == "La fin de la période ne peut pas précéder son début."
    too_long = as_role("manager").get(f"{PAGE}?du=2024-01-01&au=2026-11-01")
    assert "au plus 366 jours" in field_error(too_long, "id_au")


@pytest.mark.parametrize("role", ["cpip", "secretariat", "psychologist", "judge", "monitoring"])
def test_other_roles_are_refused(as_role, role, manager):
    client = as_role(role)
    assert client.get(PAGE).status_code == 403
    assert client.get(reader_url(manager)).status_code == 403
    assert client.get(SETTINGS).status_code == 403


def test_another_services_manager_sees_nothing_of_this_one(
    client_for, member, other_service, cpip, roussel
):
    unusual_reader(cpip, roussel, files=25)
    journal(cpip, audit.Action.READ, paris(DAY, 23), make_person(cpip))
    foreign = member("manager", service=other_service, user__username="cadre.ailleurs")
    client = client_for(foreign)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Camille Conseil" not in text_of(page)
    for row in ("unusual-row", "out-of-hours-row", "burst-row"):
        assert f'data-testid="{row}"' not in html(page)
    # This service's CPIP is no one there.
    assert client.get(reader_url(cpip)).status_code == 404


def test_the_day_is_today_by_default_and_a_bad_day_is_refused_in_french(as_role, cpip):
    journal(cpip, audit.Action.READ, paris(TODAY, 9), make_person(cpip))
    client = as_role("manager")
    today = client.get(f"{PAGE}agents/{cpip.user_id}/")
    assert today.status_code == 200
    # The file's creation (by the CPIP, today) and its read.
    assert html(today).count('data-testid="reader-entry"') == 2
    refused = client.get(f"{PAGE}agents/{cpip.user_id}/?jour=31/02/2026")
    assert refused.status_code == 400
    assert field_error(refused, "id_jour") == "Saisissez une date valide."


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) <= MAX_QUERIES, [q["sql"][:120] for q in queries]
    return len(queries)


def _grow(cpip, roussel, secretariat, files: int, day: date):
    unusual_reader(cpip, roussel, files=files, day=day)
    unusual_reader(secretariat, roussel, files=files, day=day, hour=22)
    for second in range(12):
        journal(secretariat, audit.Action.DENIED, paris(day, 15, second // 3))


def test_the_pages_hold_their_queries_whatever_the_size(as_role, cpip, roussel, secretariat):
    _grow(cpip, roussel, secretariat, 21, DAY)
    client = as_role("manager")
    client.get(PAGE)
    small = (_queries(client, PAGE), _queries(client, reader_url(cpip)))
    for back in range(1, 4):  # more days, more readers' lines, more entries
        _grow(cpip, roussel, secretariat, 30, DAY - timedelta(days=back))
    unusual_reader(cpip, roussel, files=40)
    grown = (_queries(client, PAGE), _queries(client, reader_url(cpip)))
    assert grown == small


# --- The thresholds -------------------------------------------------------------------------


def test_the_manager_sets_the_thresholds_and_the_page_follows(as_role, cpip, roussel):
    unusual_reader(cpip, roussel, files=6)
    client = as_role("manager")
    form = client.get(SETTINGS)
    assert form.status_code == 200
    assert 'value="20"' in html(form) and 'value="07:30"' in html(form)
    saved = client.post(
        SETTINGS,
        {
            "unusual_reads_per_day": "5",
            "day_starts": "08:00",
            "day_ends": "18:00",
            "denial_burst_count": "4",
            "denial_burst_minutes": "2",
        },
    )
    assert saved.status_code == 302
    row = OversightSettings.objects.get()
    assert (row.unusual_reads_per_day, row.day_starts) == (5, time(8, 0))
    page = client.get(PAGE)
    assert "Seuils du service" in text_of(page)
    assert "1 ligne au-delà du seuil" in text_of(page)


def test_a_day_ending_before_it_starts_is_refused_and_nothing_saved(as_role):
    page = as_role("manager").post(
        SETTINGS,
        {
            "unusual_reads_per_day": "5",
            "day_starts": "18:00",
            "day_ends": "08:00",
            "denial_burst_count": "0",
            "denial_burst_minutes": "2",
        },
    )
    assert page.status_code == 400
    assert "doit suivre leur début (18:00)" in field_error(page, "id_day_ends")
    assert field_error(page, "id_denial_burst_count")
    assert not OversightSettings.objects.exists()
    assert not AuditEntry.objects.filter(object_type="oversight.oversightsettings").exists()
