"""A CPIP examines proofs in the browser without downloading them: from the proofs tab, « Voir »
opens the proof's page, whose preview pages are images drawn by the server (loaded, with their
alternative text, reached with the keyboard), the download still offered; accepting leads to
the next proof to examine, whose file does not decode: the French message and the download."""

import hashlib
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect
from weasyprint import HTML

from probatio.compliance import selectors, services
from probatio.measures import services as measure_services
from probatio.people.selectors import person_get_for
from tests.browser.pages import Probatio
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ServiceFactory,
    gate,
    make_measure,
    make_person,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("private_files"),
]


def register(cpip, person, obligation, period: date, name: str, content: bytes):
    return services.proof_register(
        membership=cpip,
        gated=person_get_for(cpip, person.pk),
        obligation_id=obligation.pk,
        period_start=period,
        document_type="Bulletin de salaire",
        received_on=timezone.localdate(),
        upload=SimpleUploadedFile(name, content),
    )


def test_a_cpip_examines_proofs_in_the_page(page, axe_source, screenshots):
    service = ServiceFactory(name="SPIP de la Sarthe", department_code="972")
    cpip = MembershipFactory(service=service, role="cpip", user__username="camille.apercu")
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    measure = make_measure(cpip, person)
    work = measure_services.obligation_create(
        gated=gate(cpip, person), measure=measure, decision=measure.decision,
        obligation_type_code="TRAVAIL_FORMATION",
        data={"start_date": measure.start_date, "status": "active"},
    )  # fmt: skip
    pages = "".join(
        f'<section style="page-break-after: always"><h1>Bulletin de salaire — page {n}</h1>'
        "<p>Salaire net : 1 450,00 €</p></section>"
        for n in range(1, 5)
    )
    pdf = HTML(string=f"<html><body>{pages}</body></html>").write_pdf()
    periods = sorted(
        s.slot.key for s in selectors.open_slots(person, work, today=timezone.localdate())
    )
    first = register(cpip, person, work, periods[0], "bulletin.pdf", pdf)
    # A disguised file stored before uploads were checked for their structure (refused now):
    # its page still says it cannot be drawn.
    disguised = register(cpip, person, work, periods[1], "faux.pdf", pdf)
    fake = b"%PDF-1.7\n<html>faux</html>"
    with disguised.file.open("wb") as handle:
        handle.write(fake)
    disguised.sha256, disguised.size = hashlib.sha256(fake).hexdigest(), len(fake)
    disguised.save(update_fields=["sha256", "size"])

    app = Probatio(page, axe_source)
    app.sign_in("camille.apercu", PASSWORD)
    app.visit(f"/personnes/{person.pk}/justificatifs/")
    see = page.get_by_role("link", name=re.compile(r"^Voir l'aperçu du justificatif"))
    expect(see).to_have_count(2)
    app.click_and_check(see.last, rf"/justificatifs/{first.pk}/$")  # the oldest: last row

    images = page.locator('[data-testid="proof-preview"] img')
    expect(images).to_have_count(3)
    for n in range(3):
        image = images.nth(n)
        expect(image).to_have_attribute(
            "alt", re.compile(rf"^Aperçu de la page {n + 1} sur 4 du justificatif")
        )
        image.scroll_into_view_if_needed()
        assert image.evaluate("(img) => img.complete && img.naturalWidth > 0"), n
    expect(page.get_by_text("1 page de plus : téléchargez le fichier.")).to_be_visible()
    expect(page.get_by_test_id("proof-download")).to_be_visible()
    assert page.locator("iframe, object, embed").count() == 0
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path=screenshots / "apercu-justificatif.png", full_page=True)

    # Keyboard: Tab reaches each page of the preview.
    page.get_by_test_id("proof-download").focus()
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        alt = page.evaluate(
            "() => document.activeElement.querySelector('img')?.getAttribute('alt') || ''"
        )
        if alt:
            reached.append(alt.split(" du justificatif")[0])
        if len(reached) == 3:
            break
    assert reached == [f"Aperçu de la page {n} sur 4" for n in (1, 2, 3)]

    # Accepted: on to the next proof to examine, a file that does not decode.
    app.click_and_check(page.get_by_role("button", name="Accepter ce justificatif"), r"/\d+/$")
    expect(page.get_by_text("Justificatif accepté.")).to_be_visible()
    expect(page.get_by_test_id("proof-preview-error")).to_contain_text(
        "Aperçu impossible : le fichier ne peut pas être lu comme un PDF ou une image."
    )
    expect(page.get_by_test_id("proof-download")).to_be_visible()
    page.screenshot(path=screenshots / "apercu-impossible.png", full_page=True)
