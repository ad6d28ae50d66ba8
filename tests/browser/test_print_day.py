"""The reception's day list, printed with the browser's default settings (background graphics
off): black text on white, every name and time readable in the PDF."""

import io
from datetime import date, datetime, time, timedelta

import pypdfium2
import pytest
from django.utils import timezone
from pypdf import PdfReader

from probatio.agenda import services as agenda_services
from probatio.organisation.models import Room
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

PERSONS = (("Ménard", "Éloïse", "09:15"), ("Lefèvre", "Noé", "10:30"), ("Nguyen", "Sarah", "14:00"))


def a_working_day() -> date:
    """A Tuesday at least two days ahead: never today, never a public holiday of the list
    (none falls on the Tuesdays chosen here... one may: then the next one)."""
    day = timezone.localdate() + timedelta(days=2)
    while day.weekday() != 1 or (day.month, day.day) in {(1, 1), (5, 1), (5, 8), (11, 11)}:
        day += timedelta(days=1)
    return day


@pytest.fixture
def day_list():
    service = ServiceFactory(name="SPIP du Calvados", department_code="914")
    site = SiteFactory(
        service=service,
        name="Antenne de Caen",
        opening_hours={str(d): [["00:00", "23:59"]] for d in range(1, 8)},
    )
    room = Room.objects.create(site=site, name="Bureau 12")
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
    day = a_working_day()
    for surname, first, at in PERSONS:
        person = make_person(cpip, surname=surname, first_names=first)
        make_measure(cpip, person)
        starts = timezone.make_aware(datetime.combine(day, time.fromisoformat(at)))
        agenda_services.appointment_book(
            gated=gate(cpip, person),
            data={
                "kind": "follow_up",
                "starts_at": starts,
                "ends_at": starts + timedelta(minutes=45),
                "place_kind": "site",
                "site": site,
                "room": room,
            },
            staff=[cpip.user],
            confirmed=True,
        )
    return day


def test_the_printed_day_list_reads_black_on_white(page, axe_source, day_list, screenshots):
    app = Probatio(page, axe_source)
    app.sign_in("sacha.secretariat", PASSWORD, landing=r"/personnes/$")
    app.visit(f"/agenda/jour/imprimer/?date={day_list.isoformat()}")

    # Chromium's defaults: A4 or Letter, margins, and no background graphics.
    pdf = page.pdf(print_background=False)
    (screenshots / "liste-du-jour.pdf").write_bytes(pdf)

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert f"Rendez-vous du mardi {day_list:%d/%m/%Y}" in text
    for surname, first, at in PERSONS:
        assert f"{surname} {first}" in text, f"{surname} manque dans le PDF : {text[:400]}"
        assert at.replace(":", "") in text.replace(":", ""), at
    assert "Camille Conseil" in text and "Bureau 12" in text
    # The page's controls (filters, buttons), header and footer are not printed.
    assert "Afficher" not in text and "Imprimer" not in text and "Pied de page" not in text

    # Rendered, the page is black on white, and each name is drawn in dark ink where the PDF
    # puts it (text drawn white on a background that is not printed would read nothing).
    scale = 1.5
    first_page = pypdfium2.PdfDocument(pdf)[0]
    image = first_page.render(scale=scale).to_pil().convert("L")
    image.save(screenshots / "liste-du-jour.png")
    levels = image.histogram()  # pixels per grey level, 0 (black) to 255 (white)
    assert sum(levels[241:]) / sum(levels) > 0.8, "la page imprimée n'est pas blanche"
    text_page = first_page.get_textpage()
    height = first_page.get_height()
    for surname, _first, at in PERSONS:
        for word in (surname, at):
            found = text_page.search(word).get_next()
            assert found, f"{word} introuvable sur la première page"
            left, bottom, right, top = text_page.get_charbox(found[0])
            for index in range(found[0] + 1, found[0] + found[1]):
                box = text_page.get_charbox(index)
                right, top, bottom = max(right, box[2]), max(top, box[3]), min(bottom, box[1])
            crop = image.crop(
                (
                    int(left * scale),
                    int((height - top) * scale),
                    int(right * scale) + 1,
                    int((height - bottom) * scale) + 1,
                )
            )
            darkest = next(level for level, count in enumerate(crop.histogram()) if count)
            assert darkest < 80, f"« {word} » n'est pas imprimé en noir (gris {darkest})"
