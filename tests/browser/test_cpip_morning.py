"""A CPIP's morning, clicked as a CPIP clicks: the agenda, the outcome of the first interview
recorded with the mouse (nothing covers the form), its note begun from the appointment, left,
and found again as a draft; a proof examined in the page's preview; the day list printed with
the browser's default settings and read back from the PDF."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader
from weasyprint import HTML

from probatio.agenda import services as agenda
from probatio.agenda.models import Appointment
from probatio.compliance import selectors as compliance_selectors
from probatio.compliance import services as compliance
from probatio.measures import services as measure_services
from probatio.people.selectors import person_get_for
from tests.browser.pages import Probatio
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ServiceFactory,
    SiteFactory,
    gate,
    make_measure,
    make_person,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("private_files"),
]


def test_a_cpips_morning(page, axe_source):
    service = ServiceFactory(name="SPIP de l'Orne", department_code="961")
    site = SiteFactory(
        service=service, name="Antenne d'Alençon",
        opening_hours={str(d): [["00:00", "23:59"]] for d in range(1, 8)},
    )  # fmt: skip
    cpip = MembershipFactory(service=service, role="cpip", site=site,
                             user__username="camille.matin", user__first_name="Camille",
                             user__last_name="Matin")  # fmt: skip
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    measure = make_measure(cpip, person)
    # This morning's interview, already begun (booked last week), today in Paris.
    now = timezone.localtime()
    starts = max(now - timedelta(minutes=50), now.replace(hour=0, minute=5))
    starts = starts.replace(second=0, microsecond=0)
    appointment = agenda.appointment_book(
        gated=gate(cpip, person),
        data={"kind": "follow_up", "place_kind": "site", "site": site, "measure": measure,
              "starts_at": starts, "ends_at": starts + timedelta(minutes=30)},
        staff=[cpip.user], confirmed=True, now=starts - timedelta(days=7),
    )  # fmt: skip
    # A payslip handed in for the work obligation, waiting to be examined.
    work = measure_services.obligation_create(
        gated=gate(cpip, person), measure=measure, decision=measure.decision,
        obligation_type_code="TRAVAIL_FORMATION",
        data={"start_date": measure.start_date, "status": "active"},
    )  # fmt: skip
    period = min(
        s.slot.key
        for s in compliance_selectors.open_slots(person, work, today=timezone.localdate())
    )
    payslip = HTML(string="<h1>Bulletin de salaire</h1><p>Net : 1 450,00 €</p>").write_pdf()
    compliance.proof_register(
        membership=cpip, gated=person_get_for(cpip, person.pk), obligation_id=work.pk,
        period_start=period, document_type="Bulletin de salaire",
        received_on=timezone.localdate(), upload=SimpleUploadedFile("bulletin.pdf", payslip),
    )  # fmt: skip

    page.set_viewport_size({"width": 1366, "height": 768})
    app = Probatio(page, axe_source)
    app.sign_in("camille.matin", PASSWORD)

    # The agenda, then the interview; its outcome recorded with the mouse.
    app.visit(f"/agenda/?vue=jour&date={starts.date().isoformat()}")
    app.click_and_check(
        page.locator(f'a[href="/agenda/rendez-vous/{appointment.pk}/"]').first,
        rf"/agenda/rendez-vous/{appointment.pk}/$",
    )
    outcome = page.locator("#issue")
    outcome.get_by_text("Honoré", exact=True).click()
    with page.expect_navigation():  # the form's answer, not the page before
        outcome.get_by_role("button", name="Enregistrer").click()
    app.check_page()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.HONOURED

    # The note, begun from the appointment, left before saving, found again.
    app.visit(f"/agenda/rendez-vous/{appointment.pk}/")
    app.click_and_check(
        page.get_by_role("link", name="Rédiger la note de cet entretien"),
        rf"/agenda/rendez-vous/{appointment.pk}/note/$",
    )
    text = "Elle a signé son contrat de travail ; prochain point dans un mois."
    page.locator("#id_body").press_sequentially(text, delay=5)
    expect(app.autosave_status()).to_contain_text("Brouillon enregistré", timeout=9_000)
    app.visit(f"/personnes/{person.pk}/justificatifs/")
    app.visit(f"/agenda/rendez-vous/{appointment.pk}/note/")
    expect(page.locator("#id_body")).to_have_value(text)

    # A proof examined in the page: the preview is an image drawn by the server.
    app.visit(f"/personnes/{person.pk}/justificatifs/")
    app.click_and_check(
        page.get_by_role("link", name=re.compile(r"^Voir l'aperçu du justificatif")).first,
        r"/justificatifs/\d+/$",
    )
    preview = page.locator('[data-testid="proof-preview"] img').first
    expect(preview).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", preview.element_handle()) > 100

    # The day list, printed with the default settings, reads in the PDF.
    app.visit(f"/agenda/jour/imprimer/?date={starts.date().isoformat()}")
    pdf = page.pdf()  # Chromium's defaults: no background graphics
    printed = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Ménard" in printed, printed
    assert starts.strftime("%H:%M").replace(":", "h") in printed.replace(":", "h"), printed
