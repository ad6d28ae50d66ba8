"""A report as an editable OpenDocument Text (ODT), for the offices that finish or adapt it
in LibreOffice. Same content as the PDF (``documents.render_pdf``): letterhead, title, person,
measure, judge, version, every section, author, visa and date.

Rendered by relatorio from ``odt_templates/report.odt``, itself built by
``odt_templates/build_template.py`` (edit the script, then regenerate the template).
Genshi escapes every value for XML; each line of a section's text is a paragraph of its own.
"""

import zipfile
from functools import cache
from io import BytesIO
from pathlib import Path

from probatio.reports.documents import Document

TEMPLATE = Path(__file__).resolve().parent / "odt_templates" / "report.odt"
MIMETYPE = "application/vnd.oasis.opendocument.text"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


@cache
def _template():
    """The parsed template (parsing it is the costly part; rendering does not change it)."""
    from relatorio.templates.opendocument import Template

    return Template(source=None, filepath=str(TEMPLATE))


def _lines(text: str) -> list[str]:
    """The text's lines, as paragraphs (none for an empty text: "Non renseigné." is shown)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return text.split("\n") if text.strip() else []


def render_odt(document: Document) -> bytes:
    """The report's ODT file, as bytes."""
    stream = _template().generate(
        doc=document,
        address_lines=_lines(document.service_address),
        sections=[
            {"title": section["title"], "lines": _lines(section["text"])}
            for section in document.sections
        ],
    )
    return _meta_inside_office_meta(stream.render().getvalue())


def _meta_inside_office_meta(odt: bytes) -> bytes:
    """relatorio 1.0.0 appends the dates, editing cycles and generator it sets to the root of
    meta.xml instead of inside ``<office:meta>``, which the ODF schema does not allow: move
    them there. Every other entry is copied as is (``mimetype`` first and uncompressed)."""
    from lxml import etree

    out = BytesIO()
    with zipfile.ZipFile(BytesIO(odt)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "meta.xml":
                root = etree.fromstring(data)
                office_meta = root.find(f"{{{OFFICE}}}meta")
                for element in list(root):
                    if element is not office_meta:
                        office_meta.append(element)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            target.writestr(info, data)
    return out.getvalue()
