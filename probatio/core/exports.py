"""Lists and tables handed out as files: CSV (UTF-8 with a byte-order mark, ``;``-separated,
French dates and decimal commas: what a spreadsheet opened in France reads as is) and XLSX
(openpyxl: typed cells, dates as dates, the header frozen and filterable).

A page builds one ``Table`` from the rows it shows (the same selector, the same filters, only
what the user may see); ``table_response`` writes it in the format asked. Journaling the export
(with the filters) is the calling view's work: ``audit.services.record_export``.

The writing is pure (no database): ``csv_bytes`` and ``xlsx_bytes`` are tested by reading the
files back.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
FORMAT_LABELS = {CSV: "CSV (tableur, séparateur « ; »)", XLSX: "Excel (XLSX)"}
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SEPARATOR = ";"
BOM = "\ufeff"


class Kind:
    """How a column's values are written (and typed in XLSX)."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    PERCENT = "percent"  # a number of percent (12.5 → « 12,5 » ; XLSX shows « 12,5 »)
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = Kind.TEXT


@dataclass
class Table:
    """What a list or a figure exports: a title, the columns, the rows (one value per
    column: ``str``, ``int``, ``Decimal``/``float``, ``date``, ``datetime``, ``bool`` or
    ``None``), and the filters applied, in French, for the XLSX's second sheet."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    filters: Sequence[tuple[str, str]] = field(default_factory=tuple)

    def __post_init__(self):
        self.rows = [list(row) for row in self.rows]
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"Ligne {number} : {len(row)} valeurs pour {len(self.columns)} colonnes."
                )


def requested_format(request) -> str | None:
    """The format asked by ``?format=`` (``csv`` or ``xlsx``), else None (the page itself)."""
    value = request.GET.get("format", "")
    return value if value in FORMATS else None


def _text(value: Any) -> str:
    """A value as the CSV writes it: French dates, decimal commas, « oui »/« non »."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float | Decimal):
        text = f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
        return text.replace(".", ",")
    return _defused(str(value))


# A cell a spreadsheet would run as a formula (« =HYPERLINK(…) » typed in a note): prefixed
# with an apostrophe, as OWASP advises for CSV injection. Numbers never start this way.
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def _defused(text: str) -> str:
    return "'" + text if _FORMULA.match(text) else text


def csv_bytes(table: Table) -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        writer.writerow([_text(value) for value in row])
    return buffer.getvalue().encode("utf-8")


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
NUMBER_FORMATS = {
    Kind.INTEGER: "0",
    Kind.DECIMAL: "0.0#",
    Kind.PERCENT: "0.0",
    Kind.DATE: "DD/MM/YYYY",
    Kind.DATETIME: "DD/MM/YYYY HH:MM",
}


def sheet_title(title: str) -> str:
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    return _SHEET_FORBIDDEN.sub(" ", title)[:31].strip() or "Export"


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str):
        return _defused(value)
    return value


def xlsx_bytes(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(table.title)
    sheet.append([column.label for column in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(column.label) for column in table.columns]
    for row in table.rows:
        sheet.append([_cell(value) for value in row])
        for index, value in enumerate(row):
            widths[index] = max(widths[index], len(_text(value)))
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(60, widths[index - 1] + 2)
        number_format = NUMBER_FORMATS.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                if not isinstance(cell.value, str):
                    cell.number_format = number_format
    sheet.freeze_panes = "A2"
    if table.rows:
        sheet.auto_filter.ref = sheet.dimensions
    about = book.create_sheet("Filtres")
    about.append(["Export", table.title])
    about.append(["Extrait le", timezone.localtime().replace(tzinfo=None)])
    about["B2"].number_format = "DD/MM/YYYY HH:MM"
    for label, value in table.filters:
        about.append([label, _defused(value)])
    about.column_dimensions["A"].width = 30
    about.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filename(stem: str, file_format: str) -> str:
    """``stem-AAAA-MM-JJ.csv``: the day of the export in the name, no accent nor space."""
    from probatio.core.text import fold

    safe = re.sub(r"[^a-z0-9]+", "-", fold(stem).lower()).strip("-") or "export"
    return f"{safe}-{timezone.localdate():%Y-%m-%d}.{file_format}"


def table_response(table: Table, *, file_format: str, stem: str) -> HttpResponse:
    """The file, as an attachment no cache keeps."""
    content = csv_bytes(table) if file_format == CSV else xlsx_bytes(table)
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename(stem, file_format)}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
