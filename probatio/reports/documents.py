"""A report as a document: PDF (WeasyPrint) for transmission, ODT (relatorio) for offices
that edit in LibreOffice. Both carry the same content: the letterhead, the person, the
measure, every section, the author, the visa and the version."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from probatio.core import printing
from probatio.reports.models import Report


@dataclass(frozen=True)
class Document:
    """Everything a report's document shows, as plain values."""

    title: str
    kind_label: str
    service_name: str
    service_address: str
    person_name: str
    birth_date: str
    measure: str
    judge: str
    author: str
    approved_by: str
    approved_on: str
    version: int
    previous_version: str
    status: str
    sections: list[dict]
    dated: str


def document_for(report: Report, *, today: date | None = None) -> Document:
    today = today or timezone.localdate()
    person = report.person
    service = person.service
    measure = report.measure
    approved_on = timezone.localtime(report.approved_at).date() if report.approved_at else None
    return Document(
        title=report.title,
        kind_label=report.get_kind_display(),
        service_name=service.name,
        service_address=service.address,
        person_name=f"{person.surname.upper()} {person.first_names}",
        birth_date=f"{person.birth_date:%d/%m/%Y}",
        measure=(
            f"{measure.measure_type.label} — décision du {measure.decision.date:%d/%m/%Y}"
            if measure
            else ""
        ),
        judge=report.judge.get_full_name() if report.judge else "",
        author=report.author.get_full_name(),
        approved_by=report.approved_by.get_full_name() if report.approved_by else "",
        approved_on=f"{approved_on:%d/%m/%Y}" if approved_on else "",
        version=report.version,
        previous_version=(
            f"Version corrigée du rapport transmis le "
            f"{timezone.localtime(report.previous.transmitted_at):%d/%m/%Y}"
            if report.previous_id and report.previous.transmitted_at
            else ""
        ),
        status=report.get_status_display(),
        sections=[
            {"title": s["title"], "text": (s.get("text") or "").strip()} for s in report.sections
        ],
        dated=f"{today:%d/%m/%Y}",
    )


def render_pdf(document: Document) -> bytes:
    return printing.render_pdf("reports/report_pdf.html", {"doc": document})


sha256 = printing.sha256
