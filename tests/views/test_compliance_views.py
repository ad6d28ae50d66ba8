"""The dossier's proofs and incidents pages through the test client, on a real database: a
real PDF uploaded and downloaded, a disguised file refused, the care obligation's secrecy, the
review from the tab, incident proposals confirmed or dismissed, and proofs of another person
out of reach."""

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from probatio.agenda import services as agenda
from probatio.compliance import services
from probatio.compliance.models import Incident, Proof
from probatio.measures import services as measure_services
from probatio.people.selectors import person_get_for
from tests.factories import gate, make_measure, make_person
from tests.views.helpers import assert_dsfr_page, field_error, html, text_of

NOW = datetime(2025, 6, 20, 10, 0, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("private_files")  # files into a temporary folder


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def add_obligation(cpip, measure, code):
    return measure_services.obligation_create(
        gated=gate(cpip, measure.person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code=code,
        data={"start_date": measure.start_date, "status": "active"},
    )


@pytest.fixture
def dossier(cpip):
    """A person of the CPIP's caseload with a sursis probatoire from 10 January 2025, a
    monthly work obligation and a care obligation."""
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    measure = make_measure(cpip, person)
    return {
        "person": person,
        "measure": measure,
        "work": add_obligation(cpip, measure, "TRAVAIL_FORMATION"),
        "care": add_obligation(cpip, measure, "SOINS"),
    }


def urls(person_pk: int) -> dict[str, str]:
    base = f"/personnes/{person_pk}"
    return {
        "proofs": f"{base}/justificatifs/",
        "incidents": f"{base}/manquements/",
        "incident_new": f"{base}/manquements/nouveau/",
        "dismiss": f"{base}/manquements/ecarter/",
    }


def proof_new_url(person_pk: int, obligation_pk: int, period: str | None = None) -> str:
    url = f"/personnes/{person_pk}/justificatifs/nouveau/{obligation_pk}/"
    return f"{url}?periode={period}" if period else url


def register(membership, person, obligation, *, period=date(2025, 2, 1), content=None):
    """A proof registered through the service (set-up for the review and download tests)."""
    return services.proof_register(
        membership=membership,
        gated=person_get_for(membership, person.pk),
        obligation_id=obligation.pk,
        period_start=period,
        document_type="Bulletin de salaire",
        received_on=date(2025, 3, 5),
        upload=SimpleUploadedFile("bulletin.pdf", content) if content else None,
    )


def no_show(cpip, person, measure, day: date):
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC).replace(hour=8)
    appointment = agenda.appointment_book(gated=gate(cpip, person), data={"kind": "follow_up", "place_kind": "other", "place_detail": "Antenne",
              "measure": measure, "starts_at": start, "ends_at": start + timedelta(minutes=30)}, staff=[cpip.user], confirmed=True, now=start - timedelta(days=10))  # fmt: skip
    agenda.appointment_set_status(
        gated=gate(cpip, appointment.person),
        appointment=appointment,
        status="no_show",
        now=start + timedelta(hours=1),
    )
    return appointment


def followed(client, response):
    """The page a redirect leads to (where the flash message shows)."""
    assert response.status_code == 302, response.status_code
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page


# --- Proofs. ---


def test_a_cpip_uploads_a_real_pdf_then_downloads_exactly_it(client_for, cpip, dossier):
    client = client_for(cpip)
    person, work = dossier["person"], dossier["work"]
    tab_url = urls(person.pk)["proofs"]
    assert "À examiner" not in text_of(client.get(tab_url))
    form_url = proof_new_url(person.pk, work.pk, "2025-05-01")
    form = client.get(form_url)
    assert form.status_code == 200
    assert re.search(r'<option value="2025-05-01"[^>]*selected', html(form))  # the period given
    assert 'enctype="multipart/form-data"' in html(form)
    content = pdf_bytes()

    response = client.post(
        form_url,
        {
            "period_start": "2025-05-01",
            "document_type": "Bulletin de salaire de mai",
            "received_on": "2025-06-18",
            "file": SimpleUploadedFile("bulletin mai.pdf", content, "application/pdf"),
            "comment": "Remis à l'accueil",
        },
    )
    assert response.status_code == 302 and response["Location"] == tab_url
    proof = Proof.objects.get()
    assert proof.person == person and proof.obligation == work
    assert proof.medium == Proof.Medium.FILE and proof.status == Proof.Status.RECEIVED
    assert (proof.period_start, proof.period_end) == (date(2025, 5, 1), date(2025, 5, 31))
    assert proof.received_on == date(2025, 6, 18) and proof.registered_by == cpip.user
    assert proof.content_type == "application/pdf" and proof.size == len(content)
    assert proof.original_name == "bulletin mai.pdf" and proof.comment == "Remis à l'accueil"

    tab = followed(client, response)
    page = text_of(tab)
    assert "Justificatif enregistré : il reste à l'examiner." in page
    assert "À examiner" in page
    assert "Bulletin de salaire de mai — reçu le 18/06/2025 (fichier déposé)" in page
    download_url = f"/personnes/{person.pk}/justificatifs/{proof.pk}/fichier/"
    assert f'href="{download_url}"' in html(tab)

    download = client.get(download_url)
    received = b"".join(download.streaming_content)  # consuming it closes the file
    assert download.status_code == 200
    assert received == content
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert f"justificatif-{proof.pk}-20250501.pdf" in download["Content-Disposition"]
    assert "no-store" in [part.strip() for part in download["Cache-Control"].split(",")]


def test_a_text_file_named_pdf_is_refused_next_to_the_field(
    client_for, cpip, dossier, private_files
):
    client = client_for(cpip)
    url = proof_new_url(dossier["person"].pk, dossier["work"].pk)
    response = client.post(
        url,
        {
            "period_start": "2025-05-01",
            "document_type": "Bulletin de salaire",
            "received_on": "2025-06-18",
            "file": SimpleUploadedFile(
                "bulletin.pdf", b"Bulletin de salaire de mai 2025\n", "application/pdf"
            ),
        },
    )
    assert response.status_code == 400  # the form again, not a redirect
    assert_dsfr_page(response)
    assert field_error(response, "id_file") == (
        "Ce fichier n'est pas un PDF, un JPEG ou un PNG (son contenu a été vérifié, quel que "
        "soit son nom)."
    )
    assert not Proof.objects.exists()
    assert stored_files(private_files) == []


def test_the_care_form_asks_for_an_attendance_certificate_and_takes_no_remark(
    client_for, cpip, dossier
):
    client = client_for(cpip)
    person, care = dossier["person"], dossier["care"]
    work_form = client.get(proof_new_url(person.pk, dossier["work"].pk))
    assert 'name="comment"' in html(work_form)  # the other obligations do take one

    tab = text_of(client.get(urls(person.pk)["proofs"]))
    assert (
        "Obligation de soins : seules des attestations de présence sont demandées, jamais "
        "d'information médicale." in tab
    )
    url = proof_new_url(person.pk, care.pk)
    form = client.get(url)
    assert form.status_code == 200
    assert_dsfr_page(form)
    assert 'name="comment"' not in html(form)
    assert 'value="Attestation de présence"' in html(form)

    # A remark smuggled into the request is not stored.
    response = client.post(
        url,
        {
            "period_start": "2025-05-01",
            "document_type": "Attestation de présence",
            "received_on": "2025-06-18",
            "comment": "Suivi en addictologie, traitement de substitution",
        },
    )
    assert response.status_code == 302
    proof = Proof.objects.get(obligation=care)
    assert proof.comment == "" and proof.medium == Proof.Medium.PAPER and not proof.file
    assert "addictologie" not in text_of(followed(client, response))


def test_the_care_form_shows_the_attendance_certificate_notice(client_for, cpip, dossier):
    form = client_for(cpip).get(proof_new_url(dossier["person"].pk, dossier["care"].pk))
    assert form.status_code == 200
    assert (
        "Attestation de présence uniquement : aucune information médicale (nature des soins, "
        "diagnostic, traitement) n'est demandée ni enregistrée." in text_of(form)
    )


def test_review_from_the_tab_and_who_may_review(client_for, cpip, secretariat, judge, world):
    dossier = world.caseload
    person = dossier.person
    proof = register(cpip, person, dossier.obligation)
    tab_url = urls(person.pk)["proofs"]
    review_url = f"/personnes/{person.pk}/justificatifs/{proof.pk}/examen/"

    # The judge (the measure's assigning judge) reads the tab but may not review.
    judge_client = client_for(judge)
    judge_tab = judge_client.get(tab_url)
    assert judge_tab.status_code == 200 and "Bulletin de salaire" in text_of(judge_tab)
    assert review_url not in html(judge_tab)
    assert judge_client.post(review_url, {"decision": "accept"}).status_code == 403
    assert client_for(secretariat).post(review_url, {"decision": "accept"}).status_code == 403
    proof.refresh_from_db()
    assert proof.status == Proof.Status.RECEIVED and proof.reviewed_by is None

    client = client_for(cpip)
    tab = client.get(tab_url)
    assert f'action="{review_url}"' in html(tab)

    refused = client.post(review_url, {"decision": "refuse", "reason": "  "})
    assert refused["Location"] == f"{tab_url}#obligation-{dossier.obligation.pk}"
    assert "Indiquez le motif du refus." in text_of(followed(client, refused))
    proof.refresh_from_db()
    assert proof.status == Proof.Status.RECEIVED and proof.reviewed_by is None

    no_decision = client.post(review_url, {"reason": "Illisible"})
    assert "Choisissez d'accepter ou de refuser le justificatif." in text_of(
        followed(client, no_decision)
    )
    proof.refresh_from_db()
    assert proof.status == Proof.Status.RECEIVED

    accepted = client.post(review_url, {"decision": "accept", "reason": ""})
    page = followed(client, accepted)
    assert "Justificatif accepté." in text_of(page)
    proof.refresh_from_db()
    assert proof.status == Proof.Status.ACCEPTED and proof.reviewed_by == cpip.user
    assert proof.reviewed_at == NOW
    assert review_url not in html(page)  # nothing left to review

    # A refusal with its reason (a mistake corrected).
    refused = client.post(review_url, {"decision": "refuse", "reason": "Bulletin d'un autre mois"})
    page = text_of(followed(client, refused))
    assert "Justificatif refusé." in page and "Bulletin d'un autre mois" in page
    proof.refresh_from_db()
    assert proof.status == Proof.Status.REFUSED
    assert proof.refusal_reason == "Bulletin d'un autre mois"


def test_a_proof_of_another_person_is_out_of_reach_through_this_dossier(client_for, cpip, dossier):
    client = client_for(cpip)
    mine = register(cpip, dossier["person"], dossier["work"], content=pdf_bytes())
    other = make_person(cpip, surname="Lambert", first_names="Hugo")
    other_work = add_obligation(cpip, make_measure(cpip, other), "TRAVAIL_FORMATION")
    theirs = register(cpip, other, other_work, content=pdf_bytes())
    base = f"/personnes/{dossier['person'].pk}/justificatifs"

    assert client.post(f"{base}/{theirs.pk}/examen/", {"decision": "accept"}).status_code == 404
    assert client.get(f"{base}/{theirs.pk}/fichier/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Proof.Status.RECEIVED and theirs.reviewed_by is None
    # Through its own dossier it is there (the 404 above is not a broken download).
    own = client.get(f"/personnes/{other.pk}/justificatifs/{theirs.pk}/fichier/")
    assert own.status_code == 200 and b"".join(own.streaming_content).startswith(b"%PDF")
    mine_download = client.get(f"{base}/{mine.pk}/fichier/")
    assert mine_download.status_code == 200
    assert b"".join(mine_download.streaming_content).startswith(b"%PDF")
    # An obligation of the other person cannot be used from this dossier either.
    assert client.get(proof_new_url(dossier["person"].pk, other_work.pk)).status_code == 404


# --- Incidents. ---


def test_a_repeated_no_show_is_proposed_then_confirmed(client_for, cpip, dossier):
    client = client_for(cpip)
    person, measure = dossier["person"], dossier["measure"]
    no_show(cpip, person, measure, date(2025, 5, 5))
    second = no_show(cpip, person, measure, date(2025, 6, 2))
    tab_url = urls(person.pk)["incidents"]
    tab = client.get(tab_url)
    assert tab.status_code == 200
    label = "2e absence non excusée (entretien de suivi du 02/06/2025 à 10:00)"
    assert label.lower() in text_of(tab).lower()
    assert "1e absence" not in text_of(tab)  # below the service's threshold (2)
    link = re.search(r'href="([^"]*\?rendez_vous=(\d+))"[^>]*>\s*Confirmer', html(tab))
    assert link and int(link[2]) == second.pk

    confirm_url = link[1].replace("&amp;", "&")
    form = client.get(confirm_url)
    assert form.status_code == 200
    assert "Confirmer le manquement" in text_of(form)
    assert re.search(r'<option value="missed_appointment"[^>]*selected', html(form))
    assert 'value="2025-06-02"' in html(form)
    description = re.search(
        r'<textarea[^>]*name="description"[^>]*>(.*?)</textarea>', html(form), re.S
    )
    assert description
    prefilled = description[1].strip()
    assert "Absence non excusée au rendez-vous du 02/06/2025 à 10:00" in prefilled

    response = client.post(
        confirm_url,
        {
            "kind": "missed_appointment",
            "occurred_on": "2025-06-02",
            "source": "spip",
            "obligation": "",
            "description": prefilled,
            "steps_taken": ["reminder_letter", "summons"],
            "person_explanation": "Dit avoir oublié.",
        },
    )
    assert response.status_code == 302 and response["Location"] == tab_url
    incident = Incident.objects.get()
    assert incident.appointment == second and incident.measure == measure
    assert incident.person == person and incident.status == Incident.Status.RECORDED
    assert incident.kind == Incident.Kind.MISSED_APPOINTMENT
    assert incident.occurred_on == date(2025, 6, 2) and incident.recorded_by == cpip.user
    assert incident.steps_taken == ["reminder_letter", "summons"]
    assert incident.person_explanation == "Dit avoir oublié."

    after = followed(client, response)
    page = text_of(after)
    assert "Manquement enregistré." in page
    assert label.lower() not in page.lower()  # no longer proposed
    assert f"rendez_vous={second.pk}" not in html(after)
    assert "Démarches : Courrier de rappel, Convocation" in page
    assert "Dit avoir oublié." in page


def test_a_missing_proof_of_an_ended_obligation_can_be_confirmed(client_for, cpip, dossier):
    client = client_for(cpip)
    person, measure = dossier["person"], dossier["measure"]
    ended = measure_services.obligation_create(
        gated=gate(cpip, measure.person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code="INDEMNISER_VICTIME",
        data={"start_date": measure.start_date, "status": "ended", "end_date": date(2025, 5, 31)},
    )
    query = f"obligation={ended.pk}&periode=2025-05-01"
    tab_url = urls(person.pk)["incidents"]
    assert query in html(client.get(tab_url)).replace("&amp;", "&")  # proposed
    confirm_url = f"{urls(person.pk)['incident_new']}?{query}"
    response = client.post(
        confirm_url,
        {
            "kind": "missing_proof",
            "occurred_on": "2025-06-11",
            "source": "spip",
            "obligation": str(ended.pk),
            "description": "Justificatif de mai non produit.",
        },
    )
    assert response.status_code == 302, field_error(response, "id_obligation")
    incident = Incident.objects.get()
    assert incident.obligation == ended and incident.missed_period_start == date(2025, 5, 1)
    assert query not in html(client.get(tab_url)).replace("&amp;", "&")


def test_an_incident_in_the_future_is_refused_next_to_its_date(client_for, cpip, dossier):
    client = client_for(cpip)
    response = client.post(
        urls(dossier["person"].pk)["incident_new"],
        {
            "kind": "new_offence",
            "occurred_on": "2025-06-21",
            "source": "police",
            "description": "Interpellé pour vol.",
        },
    )
    assert response.status_code == 400
    assert_dsfr_page(response)
    assert field_error(response, "id_occurred_on") == (
        "La date des faits ne peut pas être dans le futur."
    )
    assert not Incident.objects.exists()


def test_dismissing_a_missing_proof_needs_a_reason_then_removes_the_proposal(
    client_for, cpip, dossier
):
    client = client_for(cpip)
    person, work = dossier["person"], dossier["work"]
    tab_url, dismiss_url = urls(person.pk)["incidents"], urls(person.pk)["dismiss"]
    label = (
        f"Justificatif manquant : {work.obligation_type.label} (mars 2025, attendu le 10/04/2025)"
    )
    hidden = f'name="obligation" value="{work.pk}"><input type="hidden" name="periode" value="2025-03-01"'
    tab = client.get(tab_url)
    assert label in text_of(tab) and hidden in html(tab)
    assert f'action="{dismiss_url}"' in html(tab)

    refused = client.post(
        dismiss_url, {"obligation": work.pk, "periode": "2025-03-01", "reason": " "}
    )
    page = followed(client, refused)
    assert "Indiquez pourquoi ce manquement est écarté." in text_of(page)
    assert not Incident.objects.exists()
    assert label in text_of(page)

    reason = "Bulletin remis en main propre, oubli d'enregistrement"
    response = client.post(
        dismiss_url, {"obligation": work.pk, "periode": "2025-03-01", "reason": reason}
    )
    assert response["Location"] == tab_url
    incident = Incident.objects.get()
    assert incident.status == Incident.Status.DISMISSED and incident.dismissal_reason == reason
    assert incident.kind == Incident.Kind.MISSING_PROOF
    assert incident.obligation == work and incident.missed_period_start == date(2025, 3, 1)
    after = followed(client, response)
    page = text_of(after)
    assert "Proposition écartée : elle ne sera plus présentée." in page
    assert label not in page and hidden not in html(after)
    assert "Écarté" in page and reason in page
    # The other months are still proposed.
    assert f"{work.obligation_type.label} (avril 2025, attendu le 10/05/2025)" in page


def test_every_page_is_a_french_dsfr_page_for_the_cpip(client_for, cpip, dossier):
    client = client_for(cpip)
    person = dossier["person"]
    second = no_show(cpip, person, dossier["measure"], date(2025, 6, 2))
    no_show(cpip, person, dossier["measure"], date(2025, 6, 9))
    proof = register(cpip, person, dossier["work"], content=pdf_bytes())
    pages = [
        urls(person.pk)["proofs"],
        proof_new_url(person.pk, dossier["work"].pk),
        proof_new_url(person.pk, dossier["work"].pk, "2025-03-01"),
        proof_new_url(person.pk, dossier["care"].pk),
        urls(person.pk)["incidents"],
        urls(person.pk)["incident_new"],
        f"{urls(person.pk)['incident_new']}?rendez_vous={second.pk}",
        f"{urls(person.pk)['incident_new']}?obligation={dossier['work'].pk}&periode=2025-01-10",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_dsfr_page(response)
        assert "MÉNARD Éloïse" in text_of(response), url  # inside the dossier
    assert "Télécharger" in text_of(client.get(pages[0]))
    download = client.get(f"/personnes/{person.pk}/justificatifs/{proof.pk}/fichier/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
