"""A report's documents on a real database: the PDF (what is transmitted, its stored copy and
its SHA-256) and the editable ODT (relatorio), each carrying the whole report."""

import hashlib
import io
import zipfile
from datetime import UTC, date, datetime
from xml.etree import ElementTree

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from probatio.compliance import services as compliance
from probatio.people.selectors import person_get_for
from probatio.reports import documents, odt, rules, services
from probatio.reports.selectors import report_get_for
from tests.factories import make_measure, make_person

TODAY = date(2025, 6, 20)
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"

# A section as an office writes it: markup-like characters, quotes, accents, two lines.
TRICKY = "Risque <élevé> & « réitération » : il dit \"j'irai\".\nÀ revoir d'ici l'été — ça presse."


pytestmark = pytest.mark.usefixtures("private_files")  # files into a temporary folder


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2025, 6, 20, 10, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def file(cpip, judge):
    person = make_person(
        cpip, surname="Ménard", first_names="Éloïse", sex="F", birth_date=date(1991, 3, 14)
    )
    measure = make_measure(cpip, person, judge=judge.user, today=TODAY)
    incident = compliance.incident_record(
        membership=cpip,
        gated=person_get_for(cpip, person.pk),
        data={"kind": "new_offence", "occurred_on": date(2025, 6, 2), "source": "police",
              "description": "Interpellé pour conduite sans permis.",
              "steps_taken": ["summons"], "person_explanation": "Dit devoir aller travailler."},
    )  # fmt: skip
    return {"person": person, "measure": measure, "incident": incident}


def gated(membership, report):
    return report_get_for(membership, report.pk)


def drafted(cpip, file, texts=None, title=None):
    """An incident report, prefilled, its empty sections then filled (``texts`` first)."""
    report = services.report_create(
        membership=cpip,
        gated=person_get_for(cpip, file["person"].pk),
        kind=rules.INCIDENT,
        measure=file["measure"],
        incident=file["incident"],
    )
    texts = {
        s["key"]: s["text"] or f"Texte de la rubrique {s['title']}." for s in report.sections
    } | (texts or {})
    return services.report_save(
        membership=cpip, gated_report=gated(cpip, report), texts=texts, title=title
    )


def approved(cpip, manager, file, report=None, **kw):
    report = report or drafted(cpip, file, **kw)
    services.report_submit(membership=cpip, gated_report=gated(cpip, report))
    return services.report_approve(membership=manager, gated_report=gated(manager, report))


def transmitted(cpip, manager, file, **kw):
    report = approved(cpip, manager, file, **kw)
    return services.report_transmit(membership=manager, gated_report=gated(manager, report))


def pdf_text(content: bytes) -> str:
    """The PDF's text, whitespace collapsed (lines wrap wherever the layout puts them)."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def flat(text: str) -> str:
    return " ".join(text.split())


def _text(element) -> str:
    """An ODT element's text, a line break as "\\n"."""
    parts = [element.text or ""]
    for child in element:
        parts.append("\n" if child.tag == f"{{{TEXT}}}line-break" else _text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def odt_paragraphs(content: bytes) -> list[str]:
    """The text of every paragraph and heading of the ODT's body, in order."""
    with zipfile.ZipFile(io.BytesIO(content)) as odt_file:
        root = ElementTree.fromstring(odt_file.read("content.xml"))
    return [
        _text(element)
        for element in root.find(f"{{{OFFICE}}}body").iter()
        if element.tag in (f"{{{TEXT}}}p", f"{{{TEXT}}}h")
    ]


def odt_headings(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as odt_file:
        root = ElementTree.fromstring(odt_file.read("content.xml"))
    return [_text(h) for h in root.iter(f"{{{TEXT}}}h")]


# --- PDF ---


def test_the_pdf_carries_the_whole_report_and_the_visa_once_given(cpip, manager, file):
    report = drafted(cpip, file)
    draft = pdf_text(documents.render_pdf(documents.document_for(report)))
    assert "Visé par" not in draft

    report = approved(cpip, manager, file, report)
    content = documents.render_pdf(documents.document_for(report))
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert report.title in text
    assert "MÉNARD Éloïse" in text
    assert "RÉPUBLIQUE FRANÇAISE" in text and "MINISTÈRE DE LA JUSTICE" in text  # uppercased
    assert file["person"].service.name in text
    assert "À l'attention de Jeanne Juge" in text
    assert "Version 1" in text
    for section in report.sections:
        assert flat(section["title"]) in text
        assert flat(section["text"]) in text
    assert "MÉNARD Éloïse, née le 14/03/1991 à " in text  # the identity section, prefilled
    assert "Interpellé pour conduite sans permis." in text  # the incident's facts, prefilled
    assert "Rédigé par Camille Conseil" in text
    assert "Visé par Dominique Direction le 20/06/2025." in text
    assert "Édité le 20/06/2025." in text
    # The footer (generated content of the print style sheet) is not HTML-escaped.
    assert "Rapport d'incident — MÉNARD Éloïse — page 1 / " in text
    assert "&#x27;" not in text


def test_the_transmitted_pdf_is_stored_with_its_hash_and_never_rendered_again(
    cpip, manager, file, private_files
):
    report = transmitted(cpip, manager, file)
    path = private_files / report.pdf.name
    stored = path.read_bytes()
    assert hashlib.sha256(stored).hexdigest() == report.sha256
    text = pdf_text(stored)
    assert report.title in text and "Visé par Dominique Direction le 20/06/2025." in text
    assert "Édité le 20/06/2025." in text

    # Later, the report's document is rendered again (it now says another date), and a
    # correction is started: what was transmitted stays byte for byte.
    with time_machine.travel(datetime(2025, 9, 1, 10, 0, tzinfo=UTC), tick=False):
        report.refresh_from_db()
        later = documents.render_pdf(documents.document_for(report))
        assert "Édité le 01/09/2025." in pdf_text(later)
        correction = services.report_correct(membership=cpip, gated_report=gated(cpip, report))
    report.refresh_from_db()
    assert path.read_bytes() == stored
    assert report.sha256 == hashlib.sha256(stored).hexdigest()
    assert documents.sha256(later) != report.sha256
    assert correction.sha256 == "" and not correction.pdf


# --- ODT ---


def test_the_odt_is_an_opendocument_text_with_the_same_content_as_the_pdf(cpip, manager, file):
    report = approved(cpip, manager, file)
    content = odt.render_odt(documents.document_for(report))

    with zipfile.ZipFile(io.BytesIO(content)) as odt_file:
        first = odt_file.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert odt_file.read("mimetype") == ODT_MIMETYPE.encode()
        manifest = odt_file.read("META-INF/manifest.xml").decode()
        assert 'manifest:full-path="content.xml"' in manifest
        for name in ("content.xml", "styles.xml", "meta.xml"):
            ElementTree.fromstring(odt_file.read(name))  # well-formed
        raw = odt_file.read("content.xml").decode()
        styles = odt_file.read("styles.xml").decode()
        meta = ElementTree.fromstring(odt_file.read("meta.xml"))
    # Every relatorio directive and placeholder was replaced.
    assert "relatorio" not in raw and "text:placeholder" not in raw
    assert "relatorio:" not in styles and "MÉNARD Éloïse" in styles  # the footer
    # Everything relatorio writes in meta.xml sits inside <office:meta>, as ODF requires.
    assert [child.tag for child in meta] == [f"{{{OFFICE}}}meta"]
    assert "".join(meta.itertext()).count(report.title) == 1

    paragraphs = odt_paragraphs(content)
    assert paragraphs[:3] == ["République\nfrançaise", "Liberté\nÉgalité\nFraternité",
                              "Ministère\nde la Justice"]  # fmt: skip
    assert file["person"].service.name in paragraphs
    for line in file["person"].service.address.splitlines():
        assert line.strip() in paragraphs
    assert report.title in paragraphs
    assert "MÉNARD Éloïse, né·e le 14/03/1991" in paragraphs
    assert "À l'attention de Jeanne Juge, juge de l'application des peines" in paragraphs
    assert "Version 1" in paragraphs
    assert odt_headings(content) == [s["title"] for s in report.sections]
    for section in report.sections:
        for line in section["text"].strip().split("\n"):
            assert line in paragraphs, line
    assert any(p.startswith("MÉNARD Éloïse, née le 14/03/1991 à ") for p in paragraphs)
    assert "Interpellé pour conduite sans permis." in " ".join(paragraphs)
    assert paragraphs[-3:] == [
        f"Rédigé par Camille Conseil ({file['person'].service.name}).",
        "Visé par Dominique Direction le 20/06/2025.",
        "Édité le 20/06/2025.",
    ]


def test_the_odt_escapes_what_xml_would_read_and_keeps_each_line(cpip, file):
    title = "Rapport <urgent> & « confidentiel » — MÉNARD Éloïse"
    report = drafted(cpip, file, texts={"analysis": TRICKY, "explanation": ""}, title=title)
    content = odt.render_odt(documents.document_for(report))

    paragraphs = odt_paragraphs(content)  # parsing succeeds: the XML is well-formed
    assert title in paragraphs
    first, second = TRICKY.split("\n")
    index = paragraphs.index(first)
    assert paragraphs[index + 1] == second  # two lines, two paragraphs, in order
    assert TRICKY not in paragraphs
    # An empty section says so, as in the PDF.
    headings = odt_headings(content)
    assert "Explications de la personne" in headings
    after = paragraphs[paragraphs.index("Explications de la personne") + 1]
    assert after == "Non renseigné."
    with zipfile.ZipFile(io.BytesIO(content)) as odt_file:
        raw = odt_file.read("content.xml").decode()
    assert "Risque &lt;élevé&gt; &amp; « réitération »" in raw
    assert "<élevé>" not in raw and "<urgent>" not in raw


def test_a_correction_says_which_version_it_corrects_in_both_documents(cpip, manager, file):
    old = transmitted(cpip, manager, file)
    correction = services.report_correct(membership=cpip, gated_report=gated(cpip, old))
    document = documents.document_for(correction)
    line = "Version 2 — Version corrigée du rapport transmis le 20/06/2025"
    assert line in odt_paragraphs(odt.render_odt(document))
    assert line in pdf_text(documents.render_pdf(document))
    assert "Visé par" not in pdf_text(documents.render_pdf(document))


def signed_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_the_odt_is_downloaded_through_the_report_gate(cpip, judge, file):
    report = drafted(cpip, file)
    response = signed_in(cpip).get(f"/rapports/{report.pk}/rapport.odt")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.text"
    assert "attachment" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as odt:
        assert odt.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        assert "Interpellé pour conduite sans permis." in odt.read("content.xml").decode()
    # A draft is not the judge's to read.
    assert signed_in(judge).get(f"/rapports/{report.pk}/rapport.odt").status_code == 404
