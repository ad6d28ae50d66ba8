"""Summons letters: the PDF's content (read back), storage, access and the sent record."""

import hashlib
import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from pypdf import PdfReader

from probatio.agenda import rules
from probatio.agenda import services as agenda
from probatio.agenda.models import Summons
from probatio.audit.models import AuditEntry
from probatio.people import services as people
from tests.factories import SiteFactory, gate, make_measure, make_person
from tests.views.helpers import field_error, text_of

NOW = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("private_files")  # files into a temporary folder


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def appointment(cpip, service):
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    people.address_add(gated=gate(cpip, person), data={"line1": "12 rue des Tanneurs", "postcode": "80000", "city": "Amiens",
              "valid_from": date(2024, 1, 1)})  # fmt: skip
    measure = make_measure(cpip, person)
    site = SiteFactory(
        service=service,
        name="Antenne d'Amiens",
        address="5 boulevard de Belfort",
        postcode="80000",
        city="Amiens",
        access_notes="Bus ligne 2, arrêt Gare. Accès de plain-pied.",
    )
    start = rules.at_paris(date(2025, 10, 27), time(9))
    return agenda.appointment_book(gated=gate(cpip, person), data={"kind": "first", "place_kind": "site", "site": site, "measure": measure,
              "starts_at": start, "ends_at": start + timedelta(minutes=45),
              "to_bring": "Pièce d'identité et jugement"}, staff=[cpip.user], confirmed=True, now=NOW)  # fmt: skip


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_secretariat_generates_a_summons_whose_pdf_says_when_and_where(
    client_for, secretariat, appointment
):
    client = client_for(secretariat)
    response = client.post(f"/agenda/rendez-vous/{appointment.pk}/convocation/")
    assert response.status_code == 302
    record = Summons.objects.get(appointment=appointment)
    download = client.get(f"/agenda/convocations/{record.pk}/convocation.pdf")
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"]
    content = b"".join(download.streaming_content)  # consuming it closes the file
    assert hashlib.sha256(content).hexdigest() == record.sha256 and len(content) == record.size
    text = pdf_text(content)
    assert "Éloïse Ménard" in text
    assert "12 rue des Tanneurs" in text and "80000 Amiens" in text
    assert "lundi 27 octobre 2025 à 09h00" in text  # the date and the time
    assert "5 boulevard de Belfort" in text and "Bus ligne 2" in text
    assert secretariat.service.name in text or appointment.service.name in text
    assert "Pièce d'identité et jugement" in text
    assert "article 132-44 du code pénal" in text
    assert "Votre peine de prison est suspendue" in text  # the measure, in plain French
    assert "premier entretien" in text.lower()
    assert AuditEntry.objects.filter(object_type="agenda.summons", action="create").exists()
    assert AuditEntry.objects.filter(action="read", context__tab="convocation").exists()


def test_recording_the_sending(client_for, cpip, appointment):
    client = client_for(cpip)
    client.post(f"/agenda/rendez-vous/{appointment.pk}/convocation/")
    record = Summons.objects.get(appointment=appointment)
    future = client.post(
        f"/agenda/convocations/{record.pk}/envoi/", {"sent_on": "2025-10-25", "sent_by": "post"}
    )
    assert future.status_code == 400
    assert field_error(future, "id_sent_on") == "La date d'envoi ne peut pas être dans le futur."
    response = client.post(
        f"/agenda/convocations/{record.pk}/envoi/", {"sent_on": "2025-10-20", "sent_by": "post"}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.sent_on == date(2025, 10, 20) and record.sent_by == "post"
    page = text_of(client.get(f"/agenda/rendez-vous/{appointment.pk}/"))
    assert "Envoyée le 20/10/2025 — courrier postal" in page


def test_a_cancelled_appointment_gets_no_summons(client_for, cpip, appointment):
    agenda.appointment_set_status(
        gated=gate(cpip, appointment.person),
        appointment=appointment,
        status="cancelled",
        reason="Grève",
        now=NOW,
    )
    response = client_for(cpip).post(
        f"/agenda/rendez-vous/{appointment.pk}/convocation/", follow=True
    )
    assert "annulé ou reporté" in text_of(response)
    assert not Summons.objects.exists()


def test_who_may_generate_and_download(client_for, as_role, member, other_service, appointment):
    client_for(appointment.staff.first().memberships.first()).post(
        f"/agenda/rendez-vous/{appointment.pk}/convocation/"
    )
    record = Summons.objects.get()
    url = f"/agenda/convocations/{record.pk}/convocation.pdf"
    reading = as_role("psychologist").get(url)
    assert reading.status_code == 200  # reads the file
    assert b"".join(reading.streaming_content).startswith(b"%PDF")
    assert (
        as_role("psychologist")
        .post(f"/agenda/rendez-vous/{appointment.pk}/convocation/")
        .status_code
        == 403
    )  # not their agenda
    assert as_role("judge").get(url).status_code == 404  # not one of the judge's files
    outsider = client_for(member("manager", service=other_service))
    assert outsider.get(url).status_code == 404
    assert Summons.objects.count() == 1
