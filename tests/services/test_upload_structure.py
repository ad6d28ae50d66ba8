"""Uploads checked beyond their first bytes (docs/compliance.md, « Files »): a PDF must open and
end at its last ``%%EOF``; an image must decode and is stored re-encoded, without what was
appended to it nor its metadata; with a ClamAV daemon configured, the file is scanned (against a
small fake clamd speaking its INSTREAM protocol, started here). A refused file saves nothing."""

import io
import socketserver
import struct
import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from probatio.compliance import services, uploads
from probatio.compliance.models import Proof
from probatio.measures import services as measure_services
from tests.factories import gate, make_measure, make_person

pytestmark = pytest.mark.usefixtures("private_files")

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 20), "navy")
    exif = image.getexif()
    exif[0x0112] = 6  # orientation: turn 90°
    exif[0x010F] = "TelephoneDeLaPersonne"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (30, 10), (0, 128, 0, 200)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def dossier(cpip):
    person = make_person(cpip)
    measure = make_measure(cpip, person)
    work = measure_services.obligation_create(
        gated=gate(cpip, person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code="TRAVAIL_FORMATION",
        data={"start_date": measure.start_date, "status": "active"},
    )
    return person, work


def register(cpip, dossier, content: bytes, name: str):
    person, work = dossier
    return services.proof_register(
        membership=cpip,
        gated=gate(cpip, person),
        obligation_id=work.pk,
        period_start=date(2025, 2, 1),
        document_type="Bulletin de salaire",
        received_on=date(2025, 3, 5),
        upload=SimpleUploadedFile(name, content),
    )


def refused(cpip, dossier, private_files, content: bytes, name: str) -> str:
    with pytest.raises(ValidationError) as error:
        register(cpip, dossier, content, name)
    assert not Proof.objects.exists()
    assert not any(private_files.rglob("*.*"))  # no file left behind
    return " ".join(error.value.message_dict["file"])


# --- PDF --------------------------------------------------------------------------------------


def test_a_pdf_with_html_appended_after_its_end_is_refused(cpip, dossier, private_files):
    message = refused(cpip, dossier, private_files, pdf_bytes() + HTML, "bulletin.pdf")
    assert message.startswith("Ce PDF contient des données ajoutées après sa fin")


def test_a_pdf_header_followed_by_html_is_refused(cpip, dossier, private_files):
    message = refused(cpip, dossier, private_files, b"%PDF-1.7\n" + HTML, "bulletin.pdf")
    assert message.startswith("Ce fichier ne peut pas être lu comme un vrai PDF")


def test_a_pdf_that_ends_well_but_does_not_open_is_refused(cpip, dossier, private_files):
    fake = b"%PDF-1.7\n" + HTML + b"\n%%EOF\n"
    message = refused(cpip, dossier, private_files, fake, "bulletin.pdf")
    assert message.startswith("Ce fichier ne peut pas être lu comme un vrai PDF")


def test_a_real_pdf_is_kept_as_it_is_white_space_after_its_end_included(cpip, dossier):
    content = pdf_bytes() + b"\r\n \n"
    proof = register(cpip, dossier, content, "bulletin.pdf")
    with proof.file.open("rb") as handle:
        assert handle.read() == content


def test_an_updated_pdf_ends_at_its_last_eof():
    """An incremental update adds a second ``%%EOF``: only the last one must end the file."""
    first = pdf_bytes()
    assert uploads.ends_at_its_last_eof(first + b"% mise a jour\n%%EOF\n")
    assert not uploads.ends_at_its_last_eof(first + b"% mise a jour\n%%EOF\n" + HTML)
    assert not uploads.ends_at_its_last_eof(b"%PDF-1.7\n" + HTML)


# --- Images -----------------------------------------------------------------------------------


def test_a_jpeg_followed_by_html_is_stored_without_it_and_without_its_metadata(cpip, dossier):
    proof = register(cpip, dossier, jpeg_with_exif() + HTML, "photo.jpg")
    with proof.file.open("rb") as handle:
        stored = handle.read()
    assert b"<html" not in stored and b"TelephoneDeLaPersonne" not in stored
    assert proof.size == len(stored) and proof.content_type == "image/jpeg"
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (20, 40)  # turned upright from its EXIF orientation
        assert not image.getexif()


def test_a_png_followed_by_html_is_stored_without_it(cpip, dossier):
    proof = register(cpip, dossier, png_bytes() + HTML, "scan.png")
    with proof.file.open("rb") as handle:
        stored = handle.read()
    assert b"<html" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG" and image.size == (30, 10) and image.mode == "RGBA"
        assert image.getpixel((0, 0)) == (0, 128, 0, 200)  # the pixels are kept


def test_a_truncated_image_is_refused(cpip, dossier, private_files):
    out = io.BytesIO()
    Image.effect_noise((200, 200), 60).convert("RGB").save(out, "PNG")
    half = out.getvalue()[: len(out.getvalue()) // 2]
    message = refused(cpip, dossier, private_files, half, "scan.png")
    assert message.startswith("Ce fichier ne peut pas être lu comme un vrai PNG")


# --- Virus scan through clamd -----------------------------------------------------------------


class FakeClamd(socketserver.BaseRequestHandler):
    """clamd's INSTREAM: length-prefixed chunks, a zero-length one to end; EICAR is a virus."""

    def handle(self):
        command = b""
        while not command.endswith(b"\0"):
            command += self.request.recv(1)
        assert command == b"zINSTREAM\0"
        data = b""
        while True:
            (length,) = struct.unpack("!L", self._exactly(4))
            if length == 0:
                break
            data += self._exactly(length)
        self.server.scanned.append(data)
        verdict = b"stream: Eicar-Signature FOUND\0" if EICAR in data else b"stream: OK\0"
        self.request.sendall(verdict)

    def _exactly(self, size: int) -> bytes:
        got = b""
        while len(got) < size:
            got += self.request.recv(size - len(got))
        return got


@pytest.fixture
def clamd(tmp_path_factory, settings):
    path = str(tmp_path_factory.mktemp("clamd") / "clamd.sock")
    server = socketserver.ThreadingUnixStreamServer(path, FakeClamd)
    server.scanned = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CLAMD_ADDRESS = f"unix:{path}"
    yield server
    server.shutdown()
    server.server_close()


def test_a_clean_file_is_scanned_then_stored(cpip, dossier, clamd):
    content = pdf_bytes()
    proof = register(cpip, dossier, content, "bulletin.pdf")
    assert clamd.scanned == [content]
    assert proof.size == len(content)


def test_a_file_the_scan_finds_infected_is_refused(cpip, dossier, private_files, clamd):
    content = pdf_bytes()
    # Within the file's end, as a comment: the PDF is sound, the virus is found by the scan.
    infected = content.replace(b"%%EOF", b"%" + EICAR + b"\n%%EOF")
    message = refused(cpip, dossier, private_files, infected, "bulletin.pdf")
    assert message == (
        "L'analyse antivirus a détecté un contenu malveillant (Eicar-Signature) : le fichier "
        "n'a pas été enregistré."
    )


def test_a_configured_scan_that_cannot_run_refuses_the_file(
    cpip, dossier, private_files, settings, tmp_path
):
    settings.CLAMD_ADDRESS = f"unix:{tmp_path / 'absent.sock'}"
    message = refused(cpip, dossier, private_files, pdf_bytes(), "bulletin.pdf")
    assert message.startswith("L'analyse antivirus est indisponible pour le moment")


def test_no_scan_when_none_is_configured(settings):
    settings.CLAMD_ADDRESS = ""
    assert uploads.antivirus.scan(b"anything") is None
