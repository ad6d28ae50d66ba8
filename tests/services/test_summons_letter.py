"""The summons letter: it agrees with the person's recorded sex, uses the terms in force, and
a standard summons fits one A4 page (rendered by WeasyPrint, pages counted by pypdf)."""

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from pypdf import PdfReader

from probatio.agenda import rules, summons
from probatio.agenda import services as agenda
from probatio.people import services as people
from tests.factories import SiteFactory, gate, make_measure, make_person

NOW = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)


def booked(cpip, service, *, sex: str, code="SURSIS_PROBATOIRE", first=True, **person):
    person = make_person(cpip, sex=sex, **person)
    people.address_add(gated=gate(cpip, person), data={"line1": "12 rue des Tanneurs", "line2": "Bâtiment B, escalier 3", "postcode": "80000",
              "city": "Amiens", "hosted_by": "Mme Lefèvre", "valid_from": date(2024, 1, 1)})  # fmt: skip
    measure = make_measure(cpip, person, code=code, duration_months=12)
    site = SiteFactory(
        service=service,
        name="Antenne d'Amiens",
        address="5 boulevard de Belfort",
        postcode="80000",
        city="Amiens",
        access_notes="Bus ligne 2, arrêt Gare. Accès de plain-pied, ascenseur au fond du hall, "
        "accueil au rez-de-chaussée.",
    )
    start = rules.at_paris(date(2025, 10, 27), time(9))
    return agenda.appointment_book(gated=gate(cpip, person), data={"kind": "first" if first else "follow_up", "place_kind": "site", "site": site,
              "measure": measure, "starts_at": start, "ends_at": start + timedelta(minutes=45),
              "to_bring": "Pièce d'identité, jugement, justificatif de domicile, attestation de "
              "droits à l'assurance maladie et derniers bulletins de salaire"}, staff=[cpip.user],
              confirmed=True, now=NOW)  # fmt: skip


def rendered(appointment) -> PdfReader:
    letter = summons.letter_for(appointment, today=date(2025, 10, 20))
    return PdfReader(io.BytesIO(summons.render_pdf(letter)))


def text(reader: PdfReader) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.mark.parametrize(
    ("sex", "salutation", "summoned", "received"),
    [("F", "Madame,", "convoquée", "reçue"), ("M", "Monsieur,", "convoqué", "reçu")],
)
def test_the_letter_agrees_with_the_recorded_sex(
    cpip, service, sex, salutation, summoned, received
):
    content = text(rendered(booked(cpip, service, sex=sex)))
    assert salutation in content and "Madame, Monsieur" not in content
    assert f"Vous êtes {summoned} au service" in content
    assert f"Vous serez {received} par" in content
    assert "·e" not in content.replace("conseiller·ère", "")


def test_neutral_forms_only_when_the_sex_is_not_recorded(cpip, service):
    appointment = booked(cpip, service, sex="F")
    appointment.person.sex = ""
    letter = summons.letter_for(appointment, today=date(2025, 10, 20))
    assert (letter.salutation, letter.summoned, letter.received) == (
        "Madame, Monsieur,",
        "convoqué·e",
        "reçu·e",
    )


@pytest.mark.parametrize("code", ["SURSIS_PROBATOIRE", "LC", "AJOURNEMENT_PROBATION"])
def test_the_terms_in_force_and_one_page(cpip, service, code):
    """A first summons with a long address, access notes, things to bring and the measure's
    explanation: one A4 page, in the terms used since 2020."""
    reader = rendered(booked(cpip, service, sex="M", code=code, surname="Delacroix-Montfort"))
    content = text(reader)
    assert len(reader.pages) == 1, f"{len(reader.pages)} pages: {content[-300:]}"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert "épreuve" not in content
    assert "Lors de ce premier entretien" in content and "132-44" in content
