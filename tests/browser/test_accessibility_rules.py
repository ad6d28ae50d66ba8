"""Two axe-core rules on the pages where they failed: the colour contrast of cancelled and moved
appointments in the agenda (week and day), and a scrollable table reachable with the keyboard
on the official dates' import (its problems listed). Every violation counts, whatever its
impact, at a laptop's and a phone's size."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from probatio.agenda import services as agenda_services
from tests.browser.pages import VIEWPORTS, Probatio
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

RULES = ["color-contrast", "scrollable-region-focusable"]


def violations(app: Probatio) -> list[str]:
    page = app.page
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(app.axe_source)
    found = page.evaluate(
        """async (rules) => {
            const results = await axe.run(document, {runOnly: {type: "rule", values: rules}});
            return results.violations.flatMap(v => v.nodes.map(
                n => v.id + " : " + n.target.join(" ") + " → " + n.html.slice(0, 140)));
        }""",
        RULES,
    )
    return found


def check_at_both_sizes(app: Probatio, what: str) -> None:
    for label, (width, height) in VIEWPORTS.items():
        app.page.set_viewport_size({"width": width, "height": height})
        found = violations(app)
        assert not found, f"{what}, {label} :\n" + "\n".join(found)


@pytest.fixture
def office():
    service = ServiceFactory(name="SPIP du Calvados", department_code="914")
    site = SiteFactory(
        service=service,
        name="Antenne de Caen",
        opening_hours={str(d): [["00:00", "23:59"]] for d in range(1, 8)},
    )
    cpip = MembershipFactory(
        service=service,
        role="cpip",
        site=site,
        user__username="camille.cpip",
        user__first_name="Camille",
        user__last_name="Conseil",
    )
    MembershipFactory(
        service=service, role="secretariat", site=site, user__username="sacha.secretariat"
    )
    day = timezone.localdate() + timedelta(days=2)
    booked = []
    for index, (surname, first) in enumerate(
        (("Ménard", "Éloïse"), ("Lefèvre", "Noé"), ("Nguyen", "Sarah"))
    ):
        person = make_person(cpip, surname=surname, first_names=first)
        make_measure(cpip, person)
        starts = timezone.make_aware(datetime.combine(day, time(9 + 2 * index, 0)))
        appointment = agenda_services.appointment_book(
            gated=gate(cpip, person),
            data={
                "kind": "follow_up",
                "starts_at": starts,
                "ends_at": starts + timedelta(minutes=45),
                "place_kind": "site",
                "site": site,
            },
            staff=[cpip.user],
            confirmed=True,
        )
        booked.append((person, appointment))
    person, cancelled = booked[0]
    agenda_services.appointment_set_status(
        gated=gate(cpip, person),
        appointment=cancelled,
        status="cancelled",
        reason="Convocation au tribunal le même jour",
    )
    person, moved = booked[1]
    later = moved.starts_at + timedelta(days=1)
    agenda_services.appointment_move(
        gated=gate(cpip, person),
        appointment=moved,
        starts_at=later,
        ends_at=later + timedelta(minutes=45),
        reason="Demande de la personne",
        confirmed=True,
    )
    return {"day": day}


def test_cancelled_and_moved_appointments_keep_their_contrast(page, axe_source, office):
    app = Probatio(page, axe_source)
    app.sign_in("camille.cpip", PASSWORD)
    day = office["day"].isoformat()
    for view in ("semaine", "jour"):
        app.visit(f"/agenda/?view={view}&date={day}")
        expect(page.locator(".probatio-appointment--cancelled").first).to_be_attached()
        expect(page.locator(".probatio-appointment--postponed").first).to_be_attached()
        check_at_both_sizes(app, f"agenda ({view})")


def test_import_problems_table_is_reachable_with_the_keyboard(page, axe_source, office, tmp_path):
    app = Probatio(page, axe_source)
    app.sign_in("sacha.secretariat", PASSWORD, landing=r"/personnes/$")
    app.visit("/detention/dates-officielles/import/")
    csv = tmp_path / "dates-greffe.csv"
    long_code = "ETABLISSEMENT-INCONNU-" * 4
    csv.write_text(
        "etablissement;numero_ecrou;type_date;date\n"
        f"{long_code};24567;fin_peine;10/09/2027\n"
        "MA80001;24568;date_inconnue;32/13/2027\n",
        encoding="utf-8",
    )
    page.locator("input[type=file]").set_input_files(str(csv))
    page.get_by_role("button", name="Importer le fichier").click()
    problems = page.get_by_role("table", name="Problèmes du fichier")
    expect(problems).to_be_visible()
    app.check_page()

    # Tables wider than their column scroll sideways (the example of the expected file does
    # beside the form, the problems on a phone): each one takes the keyboard's focus.
    for table in page.locator(".fr-table > table").all():
        table.focus()
        assert table.evaluate("(el) => document.activeElement === el")
    check_at_both_sizes(app, "import des dates officielles")
