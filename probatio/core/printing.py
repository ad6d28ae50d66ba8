"""Printed documents (PDF): a template rendered by WeasyPrint with the DSFR fonts (Marianne)
bundled with django-dsfr. Every template includes the shared print style and letterhead
(``includes/print/style.html``, ``includes/print/letterhead.html``)."""

import hashlib
from pathlib import Path

import dsfr
from django.template.loader import render_to_string

FONTS = Path(dsfr.__file__).resolve().parent / "static" / "dsfr" / "dist" / "fonts"


def render_pdf(template: str, context: dict) -> bytes:
    """The PDF of ``template``; ``fonts`` (the fonts' folder as a URI) is added to the context."""
    from weasyprint import HTML

    html = render_to_string(template, {**context, "fonts": FONTS.as_uri()})
    return HTML(string=html, base_url=str(FONTS)).write_pdf()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
