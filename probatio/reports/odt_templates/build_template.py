"""Builds ``report.odt``, the relatorio template of a report to the judge as an editable
OpenDocument Text (see ``probatio/reports/odt.py``).

Regenerate it after editing this script (from the project root)::

    .venv/bin/python probatio/reports/odt_templates/build_template.py

and commit both files. The output is deterministic (fixed entry order, dates and
permissions): running the script twice gives the same bytes, so an unchanged script leaves
``git status`` clean.

The file could be edited in LibreOffice instead, but then it would drift from this script:
keep this script the source. How relatorio reads the template:

* a directive is a hyperlink whose address is ``relatorio://<directive>`` and whose visible
  text is the directive itself, e.g. ``for each="section in sections"`` … ``/for``. When the
  opening and the closing links sit in paragraphs of their own, those paragraphs disappear
  and every paragraph between them is repeated (or kept only if the ``if`` holds);
* an expression is a placeholder field (``<text:placeholder>``) whose text is ``<expr>``;
  its value is escaped for XML by Genshi (``<``, ``&``, quotes);
* ``meta.xml`` must exist (relatorio reads it); a ``dc:*`` element whose text is
  ``relatorio://<expr>`` takes the value of ``expr``.

The names available to the template are those ``odt.render_odt`` passes: ``doc`` (the
``documents.Document``), ``address_lines`` (the service's address, line by line) and
``sections`` (each with ``title`` and ``lines``, its text line by line).
"""

import zipfile
from io import BytesIO
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "report.odt"
MIMETYPE = "application/vnd.oasis.opendocument.text"
# Zip entries carry this date (the earliest a zip can hold) so the output never changes.
EPOCH = (1980, 1, 1, 0, 0, 0)

NAMESPACES = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
}
XMLNS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
BLUE = "#000091"  # DSFR « bleu France », as in the PDF


# --- Pieces of content.xml. ---


def directive(expr: str) -> str:
    """A relatorio directive: a hyperlink ``relatorio://expr`` showing ``expr``."""
    href = "relatorio://" + quote(expr, safe="/")
    return f'<text:a xlink:type="simple" xlink:href={quoteattr(href)}>{escape(expr)}</text:a>'


def field(expr: str) -> str:
    """A relatorio expression: a placeholder field showing ``<expr>``."""
    return (
        f'<text:placeholder text:placeholder-type="text">{escape(f"<{expr}>")}</text:placeholder>'
    )


def bold(inner: str) -> str:
    return f'<text:span text:style-name="Gras">{inner}</text:span>'


def p(style: str, inner: str = "") -> str:
    return f'<text:p text:style-name="{style}">{inner}</text:p>'


def block(style: str, opening: str, body: list[str], closing: str) -> list[str]:
    """Paragraphs repeated or kept by a directive: the directive's own paragraphs (opening,
    closing) are removed by relatorio."""
    return [p(style, directive(opening)), *body, p(style, directive(closing))]


LETTERHEAD = f"""
<table:table table:name="Entete" table:style-name="Entete">
  <table:table-column table:style-name="Entete.A" table:number-columns-repeated="2"/>
  <table:table-row>
    <table:table-cell table:style-name="Entete.A1" office:value-type="string">
      {p("Marianne", "République<text:line-break/>française")}
      {p("Devise", "Liberté<text:line-break/>Égalité<text:line-break/>Fraternité")}
      {p("Marianne", "Ministère<text:line-break/>de la Justice")}
    </table:table-cell>
    <table:table-cell table:style-name="Entete.A1" office:value-type="string">
      {p("Service", bold(field("doc.service_name")))}
      {"".join(block("Service", 'for each="line in address_lines"', [p("Service", field("line"))], "/for"))}
    </table:table-cell>
  </table:table-row>
</table:table>
"""

BODY = [
    LETTERHEAD,
    p("Titre_20_du_20_rapport", field("doc.title")),
    p("Cadre", bold(field("doc.person_name")) + ", né·e le " + field("doc.birth_date")),
    *block("Cadre", 'if test="doc.measure"', [p("Cadre", field("doc.measure"))], "/if"),
    *block(
        "Cadre",
        'if test="doc.judge"',
        [
            p(
                "Cadre",
                "À l'attention de " + field("doc.judge") + ", juge de l'application des peines",
            )
        ],
        "/if",
    ),
    p(
        "Cadre",
        "Version "
        + field("doc.version")
        + directive('if test="doc.previous_version"')
        + " — "
        + field("doc.previous_version")
        + directive("/if"),
    ),
    *block(
        "Standard",
        'for each="section in sections"',
        [
            '<text:h text:style-name="Heading_20_2" text:outline-level="2">'
            + field("section.title")
            + "</text:h>",
            *block(
                "Standard",
                'for each="line in section.lines"',
                [p("Texte_20_de_20_rubrique", field("line"))],
                "/for",
            ),
            *block(
                "Standard",
                'if test="not section.lines"',
                [p("Non_20_renseigne", "Non renseigné.")],
                "/if",
            ),
        ],
        "/for",
    ),
    p("P_Signature", "Rédigé par " + field("doc.author") + " (" + field("doc.service_name") + ")."),
    *block(
        "Signature",
        'if test="doc.approved_by"',
        [
            p(
                "Signature",
                "Visé par " + field("doc.approved_by") + " le " + field("doc.approved_on") + ".",
            )
        ],
        "/if",
    ),
    p("Signature", "Édité le " + field("doc.dated") + "."),
]

CONTENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {XMLNS} office:version="1.3">
<office:automatic-styles>
  <style:style style:name="Entete" style:family="table">
    <style:table-properties style:width="17.2cm" table:align="margins" fo:margin-bottom="0.8cm"/>
  </style:style>
  <style:style style:name="Entete.A" style:family="table-column">
    <style:table-column-properties style:column-width="8.6cm"/>
  </style:style>
  <style:style style:name="Entete.A1" style:family="table-cell">
    <style:table-cell-properties fo:padding="0cm" fo:border="none"/>
  </style:style>
  <style:style style:name="P_Signature" style:family="paragraph" style:parent-style-name="Signature">
    <style:paragraph-properties fo:margin-top="1cm"/>
  </style:style>
</office:automatic-styles>
<office:body>
<office:text>
{"".join(BODY)}
</office:text>
</office:body>
</office:document-content>
"""


# --- styles.xml: named styles (editable in LibreOffice), A4 page and footer. ---


def paragraph_style(name: str, display: str, paragraph: str = "", text: str = "",
                    parent: str = "Standard", extra: str = "") -> str:  # fmt: skip
    return (
        f'<style:style style:name="{name}" style:display-name="{display}" '
        f'style:family="paragraph" style:parent-style-name="{parent}" {extra}>'
        f"<style:paragraph-properties {paragraph}/><style:text-properties {text}/>"
        "</style:style>"
    )


STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {XMLNS} office:version="1.3">
<office:font-face-decls>
  <style:font-face style:name="Marianne" svg:font-family="Marianne" style:font-family-generic="swiss" style:font-pitch="variable"/>
</office:font-face-decls>
<office:styles>
  <style:default-style style:family="paragraph">
    <style:paragraph-properties fo:line-height="145%"/>
    <style:text-properties style:font-name="Marianne" fo:font-size="10.5pt" fo:color="#161616" fo:language="fr" fo:country="FR" fo:hyphenate="false"/>
  </style:default-style>
  <style:style style:name="Standard" style:family="paragraph" style:class="text">
    <style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.2cm"/>
  </style:style>
  {paragraph_style("Marianne", "Bloc Marianne", 'fo:line-height="120%" fo:margin-bottom="0cm"', 'fo:font-size="9pt" fo:font-weight="bold" fo:text-transform="uppercase"')}
  {paragraph_style("Devise", "Devise", 'fo:line-height="120%" fo:margin-bottom="0.4cm"', 'fo:font-size="8pt" fo:font-style="italic"')}
  {paragraph_style("Service", "Service", 'fo:text-align="end" fo:margin-bottom="0cm" fo:line-height="125%"', 'fo:font-size="9pt"')}
  {paragraph_style("Titre_20_du_20_rapport", "Titre du rapport", 'fo:margin-bottom="0.2cm" fo:keep-with-next="always"', 'fo:font-size="15pt" fo:font-weight="bold"')}
  {paragraph_style("Cadre", "Cadre", f'fo:margin-bottom="0cm" fo:padding-left="0.4cm" fo:padding-right="0.4cm" fo:padding-top="0.1cm" fo:padding-bottom="0.1cm" fo:border="0.5pt solid {BLUE}" style:join-border="true"', 'fo:font-size="9.5pt"')}
  {paragraph_style("Heading", "Heading", 'fo:margin-top="0.6cm" fo:margin-bottom="0.15cm" fo:keep-with-next="always"', 'fo:font-weight="bold"', extra='style:class="text"')}
  {paragraph_style("Heading_20_2", "Heading 2", "", f'fo:font-size="11.5pt" fo:font-weight="bold" fo:color="{BLUE}"', parent="Heading", extra='style:default-outline-level="2" style:class="text"')}
  {paragraph_style("Texte_20_de_20_rubrique", "Texte de rubrique", 'fo:margin-bottom="0cm"')}
  {paragraph_style("Non_20_renseigne", "Non renseigné", "", 'fo:font-style="italic" fo:color="#666666"')}
  {paragraph_style("Signature", "Signature", 'fo:margin-bottom="0.1cm"', 'fo:font-size="9.5pt"')}
  {paragraph_style("Pied_20_de_20_page", "Pied de page", 'fo:text-align="center" fo:margin-bottom="0cm"', 'fo:font-size="8pt" fo:color="#555555"')}
  <style:style style:name="Gras" style:display-name="Gras" style:family="text">
    <style:text-properties fo:font-weight="bold"/>
  </style:style>
</office:styles>
<office:automatic-styles>
  <style:page-layout style:name="A4">
    <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" style:print-orientation="portrait" fo:margin-top="1.8cm" fo:margin-right="1.8cm" fo:margin-bottom="1.2cm" fo:margin-left="2cm"/>
    <style:footer-style>
      <style:header-footer-properties fo:min-height="0.5cm" fo:margin-top="0.3cm"/>
    </style:footer-style>
  </style:page-layout>
</office:automatic-styles>
<office:master-styles>
  <style:master-page style:name="Standard" style:page-layout-name="A4">
    <style:footer>
      {p("Pied_20_de_20_page", field("doc.kind_label") + " — " + field("doc.person_name") + ' — page <text:page-number text:select-page="current">1</text:page-number> / <text:page-count>1</text:page-count>')}
    </style:footer>
  </style:master-page>
</office:master-styles>
</office:document-styles>
"""

META = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta {XMLNS} office:version="1.3">
<office:meta>
  <dc:title>relatorio://doc.title</dc:title>
  <dc:language>fr-FR</dc:language>
</office:meta>
</office:document-meta>
"""

MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
  <manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="{MIMETYPE}"/>
  <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
  <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
  <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""


def checked(xml: str) -> bytes:
    """The XML as written, once checked well-formed. Not re-indented: whitespace inside a
    paragraph is text in ODF."""
    data = xml.encode()
    ElementTree.fromstring(data)
    return data


def entry(name: str, compress_type: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.compress_type = compress_type
    info.create_system = 3  # Unix, whatever the machine building it
    info.external_attr = 0o644 << 16
    return info


def build() -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as odt:
        # The media type first, uncompressed: how an ODF file is recognised.
        odt.writestr(entry("mimetype", zipfile.ZIP_STORED), MIMETYPE)
        for name, xml in (
            ("META-INF/manifest.xml", MANIFEST),
            ("content.xml", CONTENT),
            ("styles.xml", STYLES),
            ("meta.xml", META),
        ):
            odt.writestr(entry(name, zipfile.ZIP_DEFLATED), checked(xml), compresslevel=9)
    return out.getvalue()


if __name__ == "__main__":
    OUTPUT.write_bytes(build())
    print(f"{OUTPUT} écrit.")
