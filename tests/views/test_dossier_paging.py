"""The dossier's lists that grow with a person's history are paged: the appointments (to come,
the soonest first; past, the most recent first), the messages sent to the person, each
obligation's proof periods, the incidents, the referrals to partners and each TIG's sessions.
Each list pages by its own parameter, so that paging one keeps the others where they are; a
page holds ``PROBATIO_PAGE_SIZE`` rows; and the number of queries does not depend on the size
of the history (30 rows or 300).

Rows are written with ``bulk_create``: what is tested is how they are read and shown."""

import html as htmllib
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.agenda.models import Appointment
from probatio.community_work import services as tig_services
from probatio.community_work.models import WorkSession
from probatio.compliance import selectors as compliance_selectors
from probatio.compliance.models import Incident, Proof
from probatio.measures.models import Measure, Obligation
from probatio.messaging.models import Message
from probatio.reintegration.models import Partner, PartnerReferral, ReferralStep
from tests.factories import (
    DecisionFactory,
    MeasureFactory,
    ObligationFactory,
    gate,
    make_measure,
)
from tests.factories import make_person as make_person_
from tests.views.helpers import html, text_of
from tests.views.test_community_work_views import make_host, make_placement

NOW = datetime(2025, 10, 22, 8, 0, tzinfo=UTC)  # Wednesday 22 October 2025, 10:00 in Paris
TODAY = date(2025, 10, 22)
MAX_QUERIES = 15  # as for the other dossier pages (tests/views/test_query_counts.py)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def page_size() -> int:
    return settings.PROBATIO_PAGE_SIZE


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def part(page: str, start: str, end: str | None = None) -> str:
    """The HTML of ``page`` from the marker ``start`` to ``end`` (or the end)."""
    tail = page.split(start, 1)[1]
    return tail.split(end, 1)[0] if end else tail


def numbers(pattern: str, text: str) -> list[int]:
    return [int(n) for n in re.findall(pattern, text)]


def make_person(cpip):
    person = make_person_(cpip, phone="0612345678", sms_consent=True)
    make_measure(cpip, person)
    return person


# --- Appointments and messages --------------------------------------------------------------------

TAB = "/personnes/{}/rendez-vous/"
LINK = r'href="/agenda/rendez-vous/(\d+)/"'  # a row's date (not its buttons' links)


def add_appointments(cpip, person, *, upcoming: int, past: int, first_day: int = 0):
    """``upcoming`` appointments one a day from tomorrow on, ``past`` ones one a day from
    yesterday back (after ``first_day`` days), each with its CPIP and a reminder the day
    before (delivered for the past ones, still to send for the others)."""
    measure = Measure.objects.filter(person=person).first()
    appointments = []
    for n in range(first_day, first_day + upcoming):
        start = NOW + timedelta(days=n + 1)
        appointments.append((start, Appointment.Status.PLANNED))
    for n in range(first_day, first_day + past):
        start = NOW - timedelta(days=n + 1)
        appointments.append((start, Appointment.Status.HONOURED))
    created = Appointment.objects.bulk_create(
        Appointment(
            service_id=person.service_id,
            person=person,
            measure=measure,
            kind=Appointment.Kind.FOLLOW_UP,
            place_kind=Appointment.PlaceKind.VIDEO,
            starts_at=start,
            ends_at=start + timedelta(minutes=45),
            status=status,
            created_by=cpip.user,
        )
        for start, status in appointments
    )
    Appointment.staff.through.objects.bulk_create(
        Appointment.staff.through(appointment_id=a.pk, user_id=cpip.user_id) for a in created
    )
    Message.objects.bulk_create(
        Message(
            service_id=person.service_id,
            person=person,
            appointment=a,
            purpose=Message.Purpose.REMINDER,
            channel=Message.Channel.SMS,
            recipient="+33612345678",
            body="Rappel : rendez-vous au SPIP.",
            scheduled_at=a.starts_at - timedelta(days=1),
            next_attempt_at=a.starts_at - timedelta(days=1),
            status=Message.Status.DELIVERED if a.starts_at < NOW else Message.Status.PENDING,
            attempts=1 if a.starts_at < NOW else 0,
            sent_at=a.starts_at - timedelta(days=1) if a.starts_at < NOW else None,
            delivered_at=a.starts_at - timedelta(days=1) if a.starts_at < NOW else None,
        )
        for a in created
    )
    return created


def expected(person):
    """The appointment ids in the tab's orders: to come, past, and of the messages."""
    mine = Appointment.objects.filter(person=person)
    upcoming = list(
        mine.filter(starts_at__gte=NOW).order_by("starts_at").values_list("pk", flat=True)
    )
    past = list(mine.filter(starts_at__lt=NOW).order_by("-starts_at").values_list("pk", flat=True))
    messages = list(
        Message.objects.filter(person=person)
        .order_by("-scheduled_at", "-id")
        .values_list("appointment_id", flat=True)
    )
    return upcoming, past, messages


def sections(page: str) -> tuple[list[int], list[int], list[int]]:
    """The appointment ids listed in the tab's three lists, in their order."""
    return (
        numbers(LINK, part(page, 'id="rendez-vous-a-venir"', 'id="rendez-vous-passes"')),
        numbers(LINK, part(page, 'id="rendez-vous-passes"', 'id="messages"')),
        numbers(LINK, part(page, 'id="messages"')),
    )


def test_appointments_to_come_then_past_are_paged_each_by_its_own_parameter(client_for, cpip):
    person = make_person(cpip)
    add_appointments(cpip, person, upcoming=30, past=32)
    upcoming, past, _ = expected(person)
    size = page_size()
    client = client_for(cpip)
    url = TAB.format(person.pk)

    first = html(client.get(url))
    shown_upcoming, shown_past, _ = sections(first)
    assert shown_upcoming == upcoming[:size]  # the soonest first
    assert shown_past == past[:size]  # the most recent first
    text = text_of(client.get(url))
    assert "Rendez-vous à venir (30)" in text and "Rendez-vous passés (32)" in text

    # The next page of the appointments to come keeps the past ones on their first page...
    second = html(client.get(url + "?a_venir=2"))
    assert sections(second)[:2] == (upcoming[size:], past[:size])
    # ...and the past ones' links keep the page of those to come.
    assert 'href="?a_venir=2&amp;passes=2#rendez-vous-passes">Page suivante' in second
    assert 'href="?a_venir=1#rendez-vous-a-venir">Première page' in second

    both = html(client.get(url + "?a_venir=2&passes=2"))
    assert sections(both)[:2] == (upcoming[size:], past[size:])
    assert 'href="?passes=2&amp;a_venir=1#rendez-vous-a-venir">Page précédente' in both
    assert "2 / 2" in both

    # A page out of range shows the last one; a page that is not a number, the first.
    assert sections(html(client.get(url + "?passes=9")))[1] == past[size:]
    assert sections(html(client.get(url + "?passes=x")))[1] == past[:size]


def test_the_messages_sent_to_the_person_are_paged_the_latest_first(client_for, cpip):
    person = make_person(cpip)
    add_appointments(cpip, person, upcoming=10, past=30)
    _, _, messages = expected(person)
    size = page_size()
    client = client_for(cpip)
    url = TAB.format(person.pk)

    first = client.get(url)
    assert sections(html(first))[2] == messages[:size]
    text = text_of(first)
    assert "Messages envoyés à la personne (40)" in text
    assert "Rappel de rendez-vous" in text
    assert "À envoyer" in text  # the status partial: reminders of the appointments to come
    listed = part(html(first), 'id="messages"')
    assert "Remis le" in listed

    second = client.get(url + "?passes=2&messages=2")
    shown = sections(html(second))
    assert shown[2] == messages[size:]
    assert shown[1] == expected(person)[1][size:]  # the other list kept its page
    assert 'href="?passes=2&amp;messages=1#messages">Première page' in html(second)


def test_the_reminders_column_and_the_alerts_count_the_whole_history(client_for, cpip, service):
    service.no_show_threshold = 2
    service.save()
    person = make_person(cpip)
    created = add_appointments(cpip, person, upcoming=2, past=40)
    past = sorted((a for a in created if a.starts_at < NOW), key=lambda a: a.starts_at)
    # Two no-shows long ago (beyond the first page), a failed reminder on an old appointment.
    Appointment.objects.filter(pk__in=[past[0].pk, past[1].pk]).update(status="no_show")
    Message.objects.filter(appointment=past[2]).update(
        status="failed", last_error="Numéro non attribué (réponse de l'opérateur)", attempts=6
    )
    text = text_of(client_for(cpip).get(TAB.format(person.pk)))
    assert "Incident à envisager" in text and "2 absences non excusées" in text
    assert "Rappels non envoyés" in text and "Un message n'a pas pu être envoyé" in text
    assert "Numéro non attribué" in text
    assert "2 rappels en attente d'envoi" in text
    assert "SMS prévu le" in text  # the reminders of the listed appointments


def test_the_appointments_tab_reads_as_many_queries_with_30_or_300_rows(client_for, cpip):
    person = make_person(cpip)
    add_appointments(cpip, person, upcoming=30, past=30)
    Appointment.objects.filter(person=person, starts_at__lt=NOW - timedelta(days=20)).update(
        status="no_show"
    )
    Message.objects.filter(appointment__status="no_show").update(
        status="failed", last_error="Échec"
    )
    client = client_for(cpip)
    url = TAB.format(person.pk)
    pages = [url, url + "?a_venir=2&passes=2&messages=2"]
    client.get(url)  # warm-up: session written
    small = [count_queries(client, u) for u in pages]
    add_appointments(cpip, person, upcoming=270, past=270, first_day=30)
    assert Appointment.objects.filter(person=person).count() == 600
    large = [count_queries(client, u) for u in pages]
    assert large == small
    assert max(small) <= MAX_QUERIES, small
    assert sections(html(client.get(pages[1])))[0] == expected(person)[0][25:50]


# --- Proofs -------------------------------------------------------------------------------------

PROOFS = "/personnes/{}/justificatifs/"
PERIOD = r"du (\d\d/\d\d/\d{4}) au"


def months_ago(months: int) -> date:
    year, month = divmod(TODAY.year * 12 + TODAY.month - 1 - months, 12)
    return date(year, month + 1, 1)


def proof_obligation(cpip, months: int) -> Obligation:
    """A monthly obligation started ``months`` ago, with a proof received for each period."""
    person = make_person_(cpip)
    start = months_ago(months)
    decision = DecisionFactory(person=person, date=start, enforceable_date=start)
    measure = MeasureFactory(
        person=person, decision=decision, start_date=start, end_date=date(2030, 1, 1)
    )
    obligation = ObligationFactory(measure=measure, start_date=start)
    slots = compliance_selectors.slots_of(obligation, today=TODAY, grace_days=10, changes=[])
    Proof.objects.bulk_create(
        Proof(
            person=person,
            obligation=obligation,
            period_start=s.period_start,
            period_end=s.period_end,
            document_type="Bulletin de salaire",
            received_on=s.due,
            medium="paper",
            status="accepted",
            registered_by=cpip.user,
        )
        for s in slots
    )
    return obligation


def periods(page: str, obligation) -> list[date]:
    section = part(page, f'id="obligation-{obligation.pk}"', "</section>")
    return [datetime.strptime(d, "%d/%m/%Y").date() for d in re.findall(PERIOD, section)]


def test_each_obligations_periods_are_paged_the_newest_first(client_for, cpip):
    obligation = proof_obligation(cpip, 30)
    person = obligation.measure.person
    [item] = compliance_selectors.person_compliance(person, today=TODAY)
    every = [state.slot.period_start for state, _ in item.rows]
    size = page_size()
    assert len(every) > size
    client = client_for(cpip)
    url = PROOFS.format(person.pk)
    first = html(client.get(url))
    assert periods(first, obligation) == every[:size]
    assert every[:size] == sorted(every[:size], reverse=True)
    param = f"periodes_{obligation.pk}"
    assert f'href="?{param}=2#obligation-{obligation.pk}">Page suivante' in first
    second = html(client.get(f"{url}?{param}=2"))
    assert periods(second, obligation) == every[size:]
    assert max(every[size:]) < min(every[:size])


def test_the_proofs_tab_reads_as_many_queries_with_30_or_300_periods(client_for, cpip):
    small_one = proof_obligation(cpip, 30)
    large_one = proof_obligation(cpip, 300)
    assert Proof.objects.filter(obligation=large_one).count() > 290
    client = client_for(cpip)
    client.get(PROOFS.format(small_one.measure.person_id))  # warm-up
    small = count_queries(client, PROOFS.format(small_one.measure.person_id))
    large = count_queries(client, PROOFS.format(large_one.measure.person_id))
    assert large == small <= MAX_QUERIES
    page = html(client.get(PROOFS.format(large_one.measure.person_id)))
    assert len(periods(page, large_one)) == page_size()


# --- Incidents ----------------------------------------------------------------------------------

INCIDENTS = "/personnes/{}/manquements/"


def add_incidents(cpip, person, count: int, first: int = 0):
    Incident.objects.bulk_create(
        Incident(
            person=person,
            kind="other",
            occurred_on=TODAY - timedelta(days=n),
            source="spip",
            description=f"Faits n° {n}.",
            recorded_by=cpip.user,
        )
        for n in range(first, first + count)
    )


def incidents_shown(page: str) -> list[int]:
    return numbers(r"Faits n° (\d+)\.", part(page, 'id="manquements-enregistres"'))


def test_the_incidents_are_paged_the_most_recent_first(client_for, cpip):
    person = make_person(cpip)
    add_incidents(cpip, person, 30)
    size = page_size()
    client = client_for(cpip)
    url = INCIDENTS.format(person.pk)
    first = client.get(url)
    assert incidents_shown(html(first)) == list(range(size))
    assert "Manquements enregistrés (30)" in text_of(first)
    assert 'href="?page=2#manquements-enregistres">Page suivante' in html(first)
    assert incidents_shown(html(client.get(url + "?page=2"))) == list(range(size, 30))


def test_the_incidents_tab_reads_as_many_queries_with_30_or_300_rows(client_for, cpip):
    person = make_person(cpip)
    add_incidents(cpip, person, 30)
    client = client_for(cpip)
    url = INCIDENTS.format(person.pk)
    client.get(url)  # warm-up
    small = [count_queries(client, url), count_queries(client, url + "?page=2")]
    add_incidents(cpip, person, 270, first=30)
    large = [count_queries(client, url), count_queries(client, url + "?page=2")]
    assert large == small and max(small) <= MAX_QUERIES
    assert incidents_shown(html(client.get(url + "?page=12"))) == list(range(275, 300))


# --- Referrals to partners ------------------------------------------------------------------------

REINTEGRATION = "/personnes/{}/insertion/"


def add_referrals(cpip, person, count: int, first: int = 0):
    partner = Partner.objects.filter(service_id=person.service_id).first() or (
        Partner.objects.create(
            service_id=person.service_id,
            name="Foyer Le Relais",
            kind="emergency_housing",
            pathways=["housing"],
            postcode="80000",
            created_by=cpip.user,
        )
    )
    referrals = PartnerReferral.objects.bulk_create(
        PartnerReferral(
            person=person,
            partner=partner,
            referred_on=TODAY - timedelta(days=n),
            purpose=f"Orientation n° {n}.",
            status="sent",
            status_on=TODAY - timedelta(days=n),
            created_by=cpip.user,
        )
        for n in range(first, first + count)
    )
    ReferralStep.objects.bulk_create(
        ReferralStep(referral=r, status="sent", on=r.referred_on, by=cpip.user) for r in referrals
    )


def referrals_shown(page: str) -> list[int]:
    return numbers(r"Orientation n° (\d+)\.", part(page, 'id="referrals-title"'))


def test_the_referrals_are_paged_the_latest_first(client_for, cpip):
    person = make_person(cpip)
    add_referrals(cpip, person, 30)
    size = page_size()
    client = client_for(cpip)
    url = REINTEGRATION.format(person.pk)
    first = client.get(url)
    assert referrals_shown(html(first)) == list(range(size))
    assert "Orientations vers les partenaires (30)" in text_of(first)
    assert 'href="?orientations=2#referrals-title">Page suivante' in html(first)
    assert referrals_shown(html(client.get(url + "?orientations=2"))) == list(range(size, 30))


def test_the_reintegration_tab_reads_as_many_queries_with_30_or_300_referrals(client_for, cpip):
    person = make_person(cpip)
    add_referrals(cpip, person, 30)
    client = client_for(cpip)
    url = REINTEGRATION.format(person.pk)
    client.get(url)  # warm-up
    small = [count_queries(client, url), count_queries(client, url + "?orientations=2")]
    add_referrals(cpip, person, 270, first=30)
    large = [count_queries(client, url), count_queries(client, url + "?orientations=2")]
    assert large == small and max(small) <= MAX_QUERIES


# --- TIG sessions -------------------------------------------------------------------------------

TIG = "/personnes/{}/tig/"
TIG_TODAY = date(2025, 6, 16)


@pytest.fixture
def placement(manager):
    return make_placement(manager, make_host(manager, "Mairie d'Amiens"), "Espaces verts")


def tig_assignment(cpip, placement):
    person = make_person_(cpip)
    measure = make_measure(cpip, person, code="TIG", hours=100, duration_months=12, today=TIG_TODAY)
    order = tig_services.order_open(
        gated=gate(cpip, person),
        data={
            "measure": measure.pk,
            "hours_ordered": 100,
            "period_months": 12,
            "counted_from": date(2025, 1, 10),
        },
        today=TIG_TODAY,
    )
    return tig_services.assign(
        gated=gate(cpip, person),
        order=order,
        data={"placement": placement.pk, "start_date": date(2025, 2, 3)},
        today=TIG_TODAY,
    )


def add_sessions(cpip, assignment, count: int, first: int = 0):
    WorkSession.objects.bulk_create(
        WorkSession(
            assignment=assignment,
            on=TODAY - timedelta(days=n),
            kind="work",
            hours=Decimal("0.25"),
            remarks=f"Séance n° {n}.",
            recorded_by=cpip.user,
        )
        for n in range(first, first + count)
    )


def sessions_shown(page: str) -> list[int]:
    return numbers(r"Séance n° (\d+)\.", page)


def test_each_tigs_sessions_are_paged_the_most_recent_first(client_for, cpip, placement):
    assignment = tig_assignment(cpip, placement)
    add_sessions(cpip, assignment, 30)
    size = page_size()
    client = client_for(cpip)
    url = TIG.format(assignment.order.person_id)
    first = html(client.get(url))
    assert sessions_shown(first) == list(range(size))
    assert "Séances (30), la plus récente d'abord" in first
    param = f"seances_{assignment.order_id}"
    assert f'href="?{param}=2#tig-{assignment.order_id}">Page suivante' in first
    assert sessions_shown(html(client.get(f"{url}?{param}=2"))) == list(range(size, 30))


def test_the_tig_tab_reads_as_many_queries_with_30_or_300_sessions(client_for, cpip, placement):
    assignment = tig_assignment(cpip, placement)
    add_sessions(cpip, assignment, 30)
    client = client_for(cpip)
    url = TIG.format(assignment.order.person_id)
    client.get(url)  # warm-up
    small = count_queries(client, url)
    add_sessions(cpip, assignment, 270, first=30)
    assert count_queries(client, url) == small <= MAX_QUERIES
    assert len(sessions_shown(html(client.get(url)))) == page_size()


def test_pages_read_well_in_french(client_for, cpip):
    """Headings name the lists and their size; the navigation of each list is labelled."""
    person = make_person(cpip)
    add_appointments(cpip, person, upcoming=30, past=30)
    page = htmllib.unescape(html(client_for(cpip).get(TAB.format(person.pk))))
    for label in ("rendez-vous à venir", "rendez-vous passés", "messages envoyés à la personne"):
        assert f'aria-label="Pagination : {label}"' in page
