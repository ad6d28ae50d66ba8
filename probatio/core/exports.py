"""Lists and tables handed out as files: CSV (UTF-8 with a byte-order mark, ``;``-separated,
French dates and decimal commas: what a spreadsheet opened in France reads as is) and XLSX
(openpyxl: typed cells, dates as dates, the header frozen and filterable).

A page builds one ``Table`` from the rows it shows (the same selector, the same filters, only
what the user may see); ``table_response`` writes it in the format asked. Journaling the export
(with the filters) is the calling view's work: ``audit.services.record_export``.

Who may export: the list's own gate first (its role and scope), then ``require_export`` (the
policy's ``EXPORT_LIST``); ``may_export`` shows or hides the links. A filter the page does not
accept gives no file: the view answers with the page and its French errors (status 400).

The writing is pure (no database): ``csv_bytes`` and ``xlsx_bytes`` are tested by reading the
files back (tests/rules/test_exports.py). A text a spreadsheet would run as a formula is
defused: prefixed with an apostrophe in the CSV, written as a typed text cell (with Excel's own
« quote prefix ») in the XLSX.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone

from probatio.access.policy import Action, allows

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


EXPORT_REFUSAL = (
    "L'export des listes est réservé aux CPIP, à l'encadrement et au secrétariat : "
    "consultez la liste à l'écran."
)
INVALID_FILTERS = (
    "Export impossible : un filtre de la liste n'est pas valide. Corrigez-le ci-dessous, "
    "puis exportez à nouveau."
)


def may_export(membership) -> bool:
    """May this membership export the lists it sees (the export links are shown)?"""
    return membership is not None and allows(membership.role, Action.EXPORT_LIST)


def require_export(membership) -> None:
    """The export's own gate, on top of the list's: a role without ``EXPORT_LIST`` gets a 403
    with a French reason, before anything is read."""
    if not may_export(membership):
        raise PermissionDenied(EXPORT_REFUSAL)


def _shown(value: Any, choices: dict[str, str]) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(choices.get(str(value), value))


def described_filters(form) -> list[tuple[str, str]]:
    """The filters of a valid bound form as the page shows them: each field's French label
    and its value's (a choice's label, « oui » for a ticked box); empty fields left out. For
    the XLSX's « Filtres » sheet."""
    described = []
    for name, form_field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", False, [], ()):
            continue
        choices = {}
        # A model choice's value is its object, shown as such: its choices (a query) unread.
        listed = () if hasattr(form_field, "queryset") else getattr(form_field, "choices", ())
        for key, label in listed:
            if isinstance(label, list | tuple):  # an option group
                choices.update({str(k): str(v) for k, v in label})
            else:
                choices[str(key)] = str(label)
        values = value if isinstance(value, list | tuple) else [value]
        described.append((str(form_field.label), ", ".join(_shown(v, choices) for v in values)))
    return described


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
    if isinstance(value, int):
        return str(value)  # a number, even negative: never defused
    return _defused(str(value))


# A text a spreadsheet would run as a formula (« =HYPERLINK(…) » typed in a note): prefixed
# with an apostrophe in the CSV, as OWASP advises against CSV injection. Only texts: numbers
# are written as numbers (a negative one stays a number).
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
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``, no apostrophe at
    either end."""
    return _SHEET_FORBIDDEN.sub(" ", title)[:31].strip(" '") or "Export"


# Control characters an XLSX cannot hold (a text pasted from elsewhere): left out, rather
# than the whole file refused.
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str):
        return _NOT_IN_XLSX.sub("", value)
    return value


def _as_text(cell) -> None:
    """A text cell that looks like a formula is kept a text: openpyxl would otherwise write
    « =… » as a formula. Typed as a string with the quote prefix (what Excel does for
    « '=… » typed by hand), it reads back as typed and is never run."""
    if isinstance(cell.value, str) and _FORMULA.match(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def _text_row(sheet, values: Sequence[Any], row: int) -> None:
    """``values`` appended as the sheet's row ``row`` (from 1). The row is given, not asked
    of the sheet: openpyxl's ``max_row`` scans every cell written, so asking it for each row
    made an export quadratic (minutes for a service of 12,000 persons)."""
    sheet.append([_cell(value) for value in values])
    for column in range(1, len(values) + 1):
        _as_text(sheet.cell(row=row, column=column))


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
    for number, row in enumerate(table.rows, start=2):
        _text_row(sheet, row, number)
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
    about = book.create_sheet("Filtres" if sheet.title != "Filtres" else "Filtres appliqués")
    _text_row(about, ["Export", table.title], 1)
    about.append(["Extrait le", timezone.localtime().replace(tzinfo=None)])
    about["B2"].number_format = "DD/MM/YYYY HH:MM"
    about.append(["Lignes", len(table.rows)])
    for number, (label, value) in enumerate(table.filters or [("Filtres", "aucun")], start=4):
        _text_row(about, [label, value], number)
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
