"""A proof seen without being downloaded: its examination page shows a preview drawn on the
server (PDF pages and images re-encoded as PNG, in a child process), through the dossier's gate
like the download, each view journaled naming the proof; a file that does not decode says so
in French and keeps its download; the images are kept, so reopening renders nothing again."""

import hashlib
import io
import random
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from weasyprint import HTML

from probatio.audit.models import AuditEntry
from probatio.compliance import previews, services
from probatio.compliance.models import Proof
from probatio.measures import services as measure_services
from probatio.people.selectors import person_get_for
from tests.factories import gate, make_measure, make_person
from tests.views.helpers import assert_dsfr_page, html, text_of

NOW = datetime(2025, 6, 20, 10, 0, tzinfo=UTC)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
UNREADABLE = "Aperçu impossible : le fichier ne peut pas être lu comme un PDF ou une image."

pytestmark = pytest.mark.usefixtures("private_files")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def pdf_of(pages: int) -> bytes:
    body = "".join(
        f'<section style="page-break-after: always"><h1>Bulletin, page {n}</h1></section>'
        for n in range(1, pages + 1)
    )
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (300, 200), "teal")
    exif = image.getexif()
    exif[0x010F] = "TelephoneDeLaPersonne"  # Make
    exif[0x8825] = {2: (48.0, 51.0, 30.0)}  # GPS: where the photo was taken
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def work_obligation(cpip, person):
    measure = make_measure(cpip, person)
    return measure_services.obligation_create(
        gated=gate(cpip, person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code="TRAVAIL_FORMATION",
        data={"start_date": measure.start_date, "status": "active"},
    )


def register(membership, person, obligation, content, *, period=date(2025, 2, 1), name="f"):
    return services.proof_register(
        membership=membership,
        gated=person_get_for(membership, person.pk),
        obligation_id=obligation.pk,
        period_start=period,
        document_type="Bulletin de salaire",
        received_on=date(2025, 3, 5),
        upload=SimpleUploadedFile(name, content) if content is not None else None,
    )


def stored_before_the_check(
    cpip, person, obligation, content, *, period=date(2025, 2, 1), name="f"
):
    """A proof whose file was stored before uploads were checked for their structure (a
    damaged or disguised file the check now refuses): registered with a sound PDF, then its
    stored content replaced, with its hash and size."""
    proof = register(cpip, person, obligation, pdf_of(1), period=period, name=name)
    with proof.file.open("wb") as handle:
        handle.write(content)
    proof.sha256, proof.size = hashlib.sha256(content).hexdigest(), len(content)
    proof.save(update_fields=["sha256", "size"])
    return proof


def examine_url(proof) -> str:
    return f"/personnes/{proof.person_id}/justificatifs/{proof.pk}/"


def image_url(proof, page: int) -> str:
    return f"/personnes/{proof.person_id}/justificatifs/{proof.pk}/apercu/{page}/"


def download_url(proof) -> str:
    return f"/personnes/{proof.person_id}/justificatifs/{proof.pk}/fichier/"


def reads(person) -> list[str]:
    return list(
        AuditEntry.objects.filter(person_id=person.pk, action="read")
        .order_by("pk")
        .values_list("context__tab", flat=True)
    )


@pytest.fixture
def dossier(cpip):
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    return person, work_obligation(cpip, person)


@pytest.fixture
def renders(monkeypatch):
    """The child processes started (each call renders a file)."""
    calls = []
    run = previews._run

    def counting(content, **kwargs):
        calls.append(len(content))
        return run(content, **kwargs)

    monkeypatch.setattr(previews, "_run", counting)
    return calls


def test_a_pdf_is_seen_as_its_first_three_pages_drawn_as_png(client_for, cpip, dossier):
    person, work = dossier
    proof = register(cpip, person, work, pdf_of(5), name="bulletin.pdf")
    client = client_for(cpip)

    tab = client.get(f"/personnes/{person.pk}/justificatifs/")
    assert f'href="{examine_url(proof)}"' in html(tab)  # "Voir", next to "Télécharger"
    assert f'href="{download_url(proof)}"' in html(tab)

    page = client.get(examine_url(proof))
    assert page.status_code == 200
    assert_dsfr_page(page)
    content = html(page)
    for n in (1, 2, 3):
        assert f'src="{image_url(proof, n)}"' in content
        assert (
            f'alt="Aperçu de la page {n} sur 5 du justificatif « Bulletin de salaire » '
            f'reçu le 05/03/2025"' in content
        )
        # Keyboard: each page is a link (to the page at full size).
        assert re.search(rf'<a href="{image_url(proof, n)}"[^>]*>\s*<img', content)
    assert image_url(proof, 4) not in content
    assert "2 pages de plus : téléchargez le fichier." in text_of(page)
    assert f'href="{download_url(proof)}"' in content  # the download stays
    assert "<iframe" not in content and "<object" not in content and "<embed" not in content

    first = client.get(image_url(proof, 1))
    assert first.status_code == 200
    assert first.content.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(first.content)) as image:
        assert image.format == "PNG" and max(image.size) <= 1600
        assert f'width="{image.width}" height="{image.height}"' in content
    assert client.get(image_url(proof, 4)).status_code == 404  # beyond the pages drawn
    assert client.get(image_url(proof, 0)).status_code == 404


def test_the_preview_image_is_served_as_a_private_png_that_no_browser_may_sniff(
    client_for, cpip, dossier
):
    person, work = dossier
    proof = register(cpip, person, work, pdf_of(1))
    response = client_for(cpip).get(image_url(proof, 1))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives and "public" not in directives
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_an_image_is_re_encoded_as_png_without_its_exif(client_for, cpip, dossier):
    person, work = dossier
    source = jpeg_with_exif()
    proof = register(cpip, person, work, source, name="photo.jpg")
    assert proof.content_type == "image/jpeg"
    client = client_for(cpip)
    page = client.get(examine_url(proof))
    assert "Aperçu de la page 1 sur 1 du justificatif" in html(page)
    assert "de plus" not in text_of(page)

    response = client.get(image_url(proof, 1))
    assert response.content.startswith(PNG_MAGIC) and response["Content-Type"] == "image/png"
    assert b"TelephoneDeLaPersonne" not in response.content and b"Exif" not in response.content
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "PNG" and image.size == (300, 200)
        assert not image.getexif() and "exif" not in image.info
    # The download is the file as stored: re-encoded at the upload, without its EXIF either.
    download = b"".join(client.get(download_url(proof)).streaming_content)
    assert download.startswith(b"\xff\xd8") and b"TelephoneDeLaPersonne" not in download


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("faux.pdf", b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>"),
        ("coupe.pdf", None),  # a real PDF cut short
        ("scan.png", None),  # a real PNG cut short
    ],
)
def test_a_file_that_does_not_decode_says_so_and_keeps_its_download(
    client_for, cpip, dossier, name, content
):
    if content is None and name.endswith(".pdf"):
        content = pdf_of(1)[:300]
    elif content is None:
        out = io.BytesIO()
        noise = random.Random(7).randbytes(120_000)  # does not compress: a real half
        Image.frombytes("RGB", (200, 200), noise).save(out, "PNG")
        content = out.getvalue()[: len(out.getvalue()) // 2]
    person, work = dossier
    proof = stored_before_the_check(cpip, person, work, content, name=name)
    client = client_for(cpip)

    page = client.get(examine_url(proof))
    assert page.status_code == 200
    assert UNREADABLE in text_of(page)
    assert "<img" not in html(page).split('id="apercu-titre"')[1]
    assert f'href="{download_url(proof)}"' in html(page)
    assert client.get(image_url(proof, 1)).status_code == 404
    download = client.get(download_url(proof))
    assert download.status_code == 200 and b"".join(download.streaming_content) == content


def test_a_paper_proof_has_a_page_and_no_preview(client_for, cpip, dossier):
    person, work = dossier
    proof = register(cpip, person, work, None)
    client = client_for(cpip)
    page = client.get(examine_url(proof))
    assert page.status_code == 200
    assert "il n'a pas de fichier à afficher" in text_of(page)
    assert client.get(image_url(proof, 1)).status_code == 404


def test_each_view_of_a_preview_is_journaled_naming_the_proof(client_for, cpip, dossier):
    person, work = dossier
    proof = register(cpip, person, work, pdf_of(2))
    client = client_for(cpip)
    before = len(reads(person))
    client.get(examine_url(proof))
    client.get(image_url(proof, 1))
    client.get(image_url(proof, 2))
    b"".join(client.get(download_url(proof)).streaming_content)
    assert reads(person)[before:] == [
        f"justificatif n° {proof.pk}, aperçu",
        f"justificatif n° {proof.pk}, aperçu de la page 1",
        f"justificatif n° {proof.pk}, aperçu de la page 2",
        f"justificatif n° {proof.pk}, fichier téléchargé",
    ]
    entry = AuditEntry.objects.filter(person_id=person.pk, action="read").latest("pk")
    assert entry.actor_id == cpip.user_id
    # A page that does not exist is not a read.
    client.get(image_url(proof, 3))
    assert len(reads(person)) == before + 4


def test_a_downloaded_proof_is_journaled_naming_the_proof(client_for, cpip):
    person = make_person(cpip)
    proof = register(cpip, person, work_obligation(cpip, person), pdf_of(1))
    response = client_for(cpip).get(download_url(proof))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    entry = AuditEntry.objects.filter(action="read", person_id=person.pk).latest("pk")
    assert (entry.object_type, entry.object_id) == ("compliance.proof", proof.pk)
    assert entry.context["document"] == f"compliance.proof:{proof.pk}"


def test_another_services_or_persons_proof_is_not_found(client_for, cpip, member, other_service):
    mine = make_person(cpip, surname="Ménard", first_names="Éloïse")
    my_proof = register(cpip, mine, work_obligation(cpip, mine), pdf_of(1))
    elsewhere = member("cpip", service=other_service)
    theirs_person = make_person(elsewhere, surname="Lambert", first_names="Hugo")
    theirs = register(
        elsewhere, theirs_person, work_obligation(elsewhere, theirs_person), pdf_of(1)
    )
    client = client_for(cpip)
    before = AuditEntry.objects.count()

    # Another service's proof, by its own dossier: 404 like the download.
    for url in (examine_url(theirs), image_url(theirs, 1), download_url(theirs)):
        assert client.get(url).status_code == 404, url
    # Another person's proof through my person's dossier: 404 too.
    base = f"/personnes/{mine.pk}/justificatifs/{theirs.pk}"
    for url in (f"{base}/", f"{base}/apercu/1/", f"{base}/fichier/"):
        assert client.get(url).status_code == 404, url
    # Nothing read is journaled: only the six refusals, in the reader's own chain.
    written = AuditEntry.objects.order_by("id")[before:]
    assert [(e.action, e.service_id) for e in written] == [("denied", cpip.service_id)] * 6
    assert all(e.context["reason"] == "introuvable ou hors du service" for e in written)
    # Through its own service, it is there (the 404 above is not a broken preview).
    assert client_for(elsewhere).get(image_url(theirs, 1)).status_code == 200
    assert client.get(image_url(my_proof, 1)).status_code == 200


@pytest.mark.parametrize(
    "role", ["cpip", "manager", "secretariat", "judge", "psychologist", "monitoring"]
)
def test_the_preview_answers_as_the_download_does_for_every_role(
    client_for, request, cpip, dossier, role
):
    person, work = dossier
    proof = register(cpip, person, work, pdf_of(1))
    client = client_for(request.getfixturevalue(role))
    download = client.get(download_url(proof))
    expected = download.status_code
    if expected == 200:
        b"".join(download.streaming_content)
    assert client.get(examine_url(proof)).status_code == expected
    assert client.get(image_url(proof, 1)).status_code == expected


def test_the_preview_is_drawn_once_then_kept_by_the_files_hash(
    client_for, cpip, dossier, renders, private_files
):
    person, work = dossier
    content = pdf_of(3)
    proof = register(cpip, person, work, content)
    client = client_for(cpip)

    with CaptureQueriesContext(connection) as first:
        assert client.get(examine_url(proof)).status_code == 200
    assert renders == [len(content)]
    for n in (1, 2, 3):
        assert client.get(image_url(proof, n)).status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert client.get(examine_url(proof)).status_code == 200
    assert renders == [len(content)]  # reopening and the images rendered nothing
    assert len(again) == len(first)
    kept = sorted(p.name for p in (private_files / "apercus").rglob("*") if p.is_file())
    assert kept == ["apercu.json", "page-1.png", "page-2.png", "page-3.png"]
    assert any(proof.sha256 in str(p) for p in (private_files / "apercus").rglob("*"))

    # The same file handed in again (another month) is the same preview.
    again_proof = register(cpip, person, work, content, period=date(2025, 3, 1))
    assert client.get(examine_url(again_proof)).status_code == 200
    assert renders == [len(content)]

    # A file that does not decode is remembered too.
    broken = stored_before_the_check(
        cpip, person, work, b"%PDF-1.4 nothing", period=date(2025, 4, 1)
    )
    client.get(examine_url(broken))
    client.get(examine_url(broken))
    assert len(renders) == 2

    # Kept images removed by a clean-up: drawn again, once.
    for path in (private_files / "apercus").rglob("page-2.png"):
        path.unlink()
    assert client.get(image_url(proof, 2)).content.startswith(PNG_MAGIC)
    assert client.get(image_url(proof, 2)).status_code == 200
    assert len(renders) == 3


def test_a_render_that_takes_too_long_says_so_and_keeps_the_download(
    client_for, cpip, dossier, settings
):
    settings.PROOF_PREVIEW_TIMEOUT = 0.001
    person, work = dossier
    proof = register(cpip, person, work, pdf_of(1))
    page = client_for(cpip).get(examine_url(proof))
    assert "Aperçu impossible : le fichier est trop long à dessiner." in text_of(page)
    assert f'href="{download_url(proof)}"' in html(page)


def test_examining_leads_from_one_proof_to_the_next(client_for, cpip, dossier):
    person, work = dossier
    first = register(cpip, person, work, pdf_of(1), period=date(2025, 2, 1))
    second = register(cpip, person, work, None, period=date(2025, 3, 1))
    client = client_for(cpip)

    page = client.get(examine_url(first))
    assert "Justificatif suivant à examiner" in text_of(page)
    assert f'href="{examine_url(second)}"' in html(page)
    review = f"/personnes/{person.pk}/justificatifs/{first.pk}/examen/"
    assert f'action="{review}"' in html(page)

    accepted = client.post(review, {"decision": "accept", "retour": "examen"})
    assert accepted.status_code == 302 and accepted["Location"] == examine_url(second)
    first.refresh_from_db()
    assert first.status == Proof.Status.ACCEPTED
    # A refusal without its reason stays on the same proof, with the message.
    refused = client.post(
        f"/personnes/{person.pk}/justificatifs/{second.pk}/examen/",
        {"decision": "refuse", "reason": "", "retour": "examen"},
    )
    assert refused["Location"] == examine_url(second)
    assert "motif" in text_of(client.get(refused["Location"])).lower()
    # The last one examined: back to the tab.
    done = client.post(
        f"/personnes/{person.pk}/justificatifs/{second.pk}/examen/",
        {"decision": "refuse", "reason": "Bulletin d'un autre mois", "retour": "examen"},
    )
    assert done["Location"].startswith(f"/personnes/{person.pk}/justificatifs/#obligation-")
    page = client.get(examine_url(second))
    assert "Aucun autre justificatif à examiner" in text_of(page)
    assert "Bulletin d'un autre mois" in text_of(page)
