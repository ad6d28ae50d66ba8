"""A person's « Programmes » tab in a real browser: their CPIP refers them to a court-ordered
programme, a move without its reason is refused in place (the summary takes the focus), the
referral is judged suitable and the person enrolled in a group chosen with its places left;
once their attendance is recorded and the programme completed, the tab shows the summary and
the attestation downloads as a PDF naming them. Every page passes axe-core."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from probatio.organisation.models import Room
from probatio.programmes import services as programmes
from probatio.programmes.models import Enrolment
from tests.browser.pages import Probatio
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ServiceFactory,
    SiteFactory,
    gate,
    make_group,
    make_person,
    make_programme,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def office():
    service = ServiceFactory(name="SPIP de la Marne", department_code="51")
    cpip = MembershipFactory(
        service=service,
        role="cpip",
        user__username="camille.cpip",
        user__first_name="Camille",
        user__last_name="Conseil",
    )
    manager = MembershipFactory(service=service, role="manager")
    site = SiteFactory(service=service, name="Antenne de Reims")
    room = Room.objects.create(site=site, name="Salle collective")
    # Six sessions: whatever the time of day, the group still has sessions to come (with four,
    # its last one was today at 09:00, and the group was no longer offered once it was over).
    programme = make_programme(manager, name="Prévention des violences conjugales", session_count=6)
    today = timezone.localdate()
    # A group started three weeks ago (its sessions on the weekday of that day).
    group = make_group(
        manager,
        programme,
        start_date=today - timedelta(weeks=3),
        room=room,
        capacity=6,
        slots=[
            {"weekday": (today - timedelta(weeks=3)).weekday(), "start": "09:00", "minutes": 120}
        ],  # fmt: skip
        facilitators=[cpip.user],
    )
    person = make_person(cpip, surname="Martin", first_names="Léa", sex="F")
    return {"cpip": cpip, "group": group, "person": person}


def test_programme_dossier_journey(page, axe_source, office, database_turn):
    app = Probatio(page, axe_source)
    person = office["person"]
    app.sign_in("camille.cpip", PASSWORD)

    # 1. The file's « Programmes » tab, empty; the referral.
    app.visit(f"/personnes/{person.pk}/")
    app.open_tab("Programmes", rf"/personnes/{person.pk}/programmes/$")
    expect(page.get_by_text("Aucune orientation vers un programme.")).to_be_visible()
    app.click_and_check(
        page.get_by_role("link", name="Orienter vers un programme"),
        r"/programmes/orienter/$",
    )
    page.locator("#id_programme").select_option(label="Prévention des violences conjugales")
    page.get_by_label("Obligation judiciaire").check(force=True)
    page.get_by_label("Motif de l'orientation").fill("Stage ordonné par le jugement.")
    app.click_and_check(page.get_by_role("button", name="Orienter"), r"/programmes/\d+/$")
    expect(page.get_by_text("Orientation enregistrée : elle est proposée.")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("Proposée")

    # 2. « Non adaptée » without its reason: refused in place.
    page.get_by_role("radio", name="Non adaptée", exact=True).check(force=True)
    page.get_by_role("button", name="Enregistrer le changement").click()
    expect(page).to_have_title(re.compile(r"^Erreur : "))
    summary = page.locator("[data-focus-on-load]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Indiquez le motif.")
    app.check_page()

    # 3. Suitable, then enrolled in the group (its places left shown).
    page.get_by_role("radio", name="Adaptée", exact=True).check(force=True)
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer le changement"), r"/programmes/\d+/$"
    )
    expect(page.get_by_test_id("status")).to_have_text("Adaptée")
    group_field = page.locator("#id_group")
    expect(group_field).to_contain_text("6 places restantes")
    group_field.select_option(index=1)
    page.get_by_role("radio", name="Inscrite", exact=True).check(force=True)
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer le changement"), r"/programmes/\d+/$"
    )
    expect(page.get_by_test_id("status")).to_have_text("Inscrite")

    # 4. Attendance at the sessions held (recorded on the session's page: another journey),
    # then the programme completed.
    with database_turn:
        enrolment = Enrolment.objects.get(person=person)
        gated = gate(office["cpip"], person)
        held = office["group"].sessions.filter(starts_at__lte=timezone.now()).order_by("number")
        for session in held:
            programmes.attendance_record(gated=gated, session=session, status="present")
        count = held.count()
    page.reload()
    app.check_page()
    page.get_by_role("radio", name="Terminée", exact=True).check(force=True)
    app.click_and_check(
        page.get_by_role("button", name="Enregistrer le changement"), r"/programmes/\d+/$"
    )
    expect(page.get_by_test_id("status")).to_have_text("Terminée")

    # 5. The tab: the summary; the attestation, a PDF naming the person.
    app.click_and_check(
        page.get_by_role("link", name="Tous les programmes"),
        rf"/personnes/{person.pk}/programmes/$",
    )
    expect(page.get_by_test_id(f"summary-{enrolment.pk}")).to_contain_text(
        "Programme suivi jusqu'à son terme"
    )
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Attestation de suivi")).click()
    download = download_info.value
    assert download.suggested_filename == f"attestation-programme-{enrolment.pk}.pdf"
    text = " ".join(
        " ".join(p.extract_text().split())
        for p in PdfReader(io.BytesIO(Path(download.path()).read_bytes())).pages
    )
    assert "Léa MARTIN, née le" in text
    assert f"{count} séance" in text
