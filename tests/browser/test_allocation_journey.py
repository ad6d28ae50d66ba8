"""A CPIP leaves: the manager, with the mouse, moves all her files over two colleagues by load,
with her appointments to come; the preview shows who gets what, the access log of a file says
« Vaillant → … », and the appointments now sit in the new agendas. Then a file of the queue is
given to the suggested CPIP from the allocation form."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda
from probatio.agenda.models import Appointment
from probatio.people.models import Person
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
]


def test_a_leavers_files_spread_over_two_cpips_by_load(page, axe_source):
    service = ServiceFactory(name="SPIP de l'Aisne", department_code="962")
    site = SiteFactory(
        service=service, name="Antenne de Laon", kind="community",
        opening_hours={str(d): [["00:00", "23:59"]] for d in range(1, 8)},
    )  # fmt: skip

    def cpip(username, first, last):
        return MembershipFactory(service=service, role="cpip", site=site,
                                 user__username=username, user__first_name=first,
                                 user__last_name=last)  # fmt: skip

    leaver = cpip("claire.vaillant", "Claire", "Vaillant")
    roussel = cpip("marc.roussel", "Marc", "Roussel")
    garnier = cpip("ines.garnier", "Inès", "Garnier")
    MembershipFactory(service=service, role="manager", user__username="dpip.aisne",
                      user__first_name="Dominique", user__last_name="Direction")  # fmt: skip
    secretariat = MembershipFactory(service=service, role="secretariat")
    for i in range(5):  # Roussel already holds five files; Garnier none
        make_measure(roussel, make_person(roussel, surname=f"Roussel{i}", first_names="Déjà"))
    files = []
    for i in range(8):
        person = make_person(leaver, surname=f"Départ{i}", first_names="Dossier")
        make_measure(leaver, person)
        files.append(person)
    day = timezone.localdate() + timedelta(days=7)
    booked = []
    for i, person in enumerate(files[:3]):
        starts = agenda_rules.at_paris(day, time(9 + i, 0))
        booked.append(
            agenda.appointment_book(
                gated=gate(leaver, person),
                data={
                    "kind": "follow_up",
                    "place_kind": "site",
                    "site": site,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(minutes=45),
                },
                staff=[leaver.user],
                confirmed=True,
            )  # fmt: skip
        )

    page.set_viewport_size({"width": 1366, "height": 900})
    app = Probatio(page, axe_source)
    app.sign_in("dpip.aisne", PASSWORD, landing=r"/service/$")

    # From the service view to « Déplacer des dossiers », Vaillant's files.
    app.click_and_check(
        page.get_by_role("link", name="Déplacer des dossiers"), r"/service/deplacer/$"
    )
    page.get_by_label("Dossiers de").select_option(label="Claire Vaillant")
    app.click_and_check(
        page.get_by_role("button", name="Afficher ses dossiers"), r"/service/deplacer/\?de=\d+$"
    )
    expect(page.get_by_text("Dossiers à déplacer (8)")).to_be_visible()
    page.locator("label", has_text="Marc Roussel").click()
    page.locator("label", has_text="Inès Garnier").click()
    page.get_by_text("Les confier au nouveau CPIP").click()
    page.locator("#id_reason").select_option(label="Départ du CPIP")
    with page.expect_navigation():  # the form's answer, not the page before
        page.get_by_role("button", name="Voir la répartition").click()
    app.check_page()
    plan = page.locator('[data-testid="move-plan"]')
    expect(plan).to_contain_text("8 dossiers à confier")
    assert Person.objects.filter(assigned_cpip=leaver.user).count() == 8  # nothing yet
    with page.expect_navigation():  # the form's answer, not the page before
        page.get_by_role("button", name="Confirmer le déplacement").click()
    app.check_page()
    expect(page.locator(".fr-alert--success, .fr-notice, [role=alert]").first).to_contain_text(
        "8 dossiers confiés"
    )

    # Spread by load: Garnier (no file) took seven, Roussel (five already) one: 7 and 6 points.
    to_garnier = Person.objects.filter(
        pk__in=[p.pk for p in files], assigned_cpip=garnier.user
    ).count()
    to_roussel = Person.objects.filter(
        pk__in=[p.pk for p in files], assigned_cpip=roussel.user
    ).count()
    assert (to_garnier, to_roussel) == (7, 1)
    for appointment in booked:
        appointment = Appointment.objects.get(pk=appointment.pk)
        owner = Person.objects.get(pk=appointment.person_id).assigned_cpip
        assert list(appointment.staff.all()) == [owner]
        assert appointment.status == "planned"

    # The access log of a moved file says who gave it to whom, and why.
    moved = files[0]
    moved.refresh_from_db()
    app.visit(f"/personnes/{moved.pk}/journal-des-acces/")
    expect(page.locator("main")).to_contain_text(
        f"Changement de CPIP : Claire Vaillant → {moved.assigned_cpip} (Départ du CPIP)"
    )

    # Her account leaves the service (staff are kept elsewhere: not this journey's part).
    type(leaver).objects.filter(pk=leaver.pk).update(is_active=False)
    # A new file waits in the queue; it goes to the suggested CPIP (the lower load: Roussel,
    # 6 points against 7) with two clicks.
    waiting = make_person(secretariat, surname="Nouveau", first_names="Arrivant")
    app.visit("/service/")
    app.click_and_check(
        page.get_by_role("link", name="À attribuer", exact=True), r"/service/a-attribuer/$"
    )
    app.click_and_check(
        page.get_by_role("link", name="Attribuer le suivi de NOUVEAU Arrivant"),
        rf"/personnes/{waiting.pk}/attribuer/\?depuis=queue$",
    )
    expect(page.locator('[data-testid="suggestion"]')).to_contain_text("Suggestion : Marc Roussel")
    page.get_by_role("button", name="Attribuer", exact=True).click()
    page.wait_for_url("**/service/a-attribuer/")
    waiting.refresh_from_db()
    assert waiting.assigned_cpip_id == roussel.user_id

    # On a phone, the tables of loads scroll within the page; the page itself does not.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in (
        f"/personnes/{waiting.pk}/attribuer/",
        f"/service/deplacer/?de={roussel.user_id}",
        "/service/a-attribuer/",
        "/service/semaine/",
        "/service/capacites/",
    ):
        app.visit(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
