"""The files of a list (core.exports), read back: the CSV with ``csv`` after its byte-order
mark, the XLSX with openpyxl. No database: the writing is pure."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django import forms
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from openpyxl import load_workbook

from probatio.core import exports
from probatio.core.exports import Column, Kind, Table

TABLE = Table(
    title="Le service",
    columns=[
        Column("N° de dossier", Kind.INTEGER),
        Column("Nom, prénoms"),
        Column("Naissance", Kind.DATE),
        Column("Heures", Kind.DECIMAL),
        Column("Attribué le", Kind.DATETIME),
        Column("En détention"),
    ],
    rows=[
        (12, "MARTIN Léa", date(1990, 5, 17), Decimal("52.50"), None, False),
        # 14:30 in Paris, winter time.
        (-3, "ÉLOÏSE D'Arc", date(2001, 1, 2), 70, datetime(2026, 12, 1, 13, 30, tzinfo=UTC), True),
    ],
    filters=[("Milieu", "Milieu fermé"), ("CPIP", "Camille Conseil")],
)


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "a spreadsheet needs the BOM to read UTF-8"
    text = content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def read_xlsx(content: bytes):
    return load_workbook(io.BytesIO(content))


# --- CSV ---------------------------------------------------------------------------------


def test_csv_reads_back_with_french_values():
    rows = read_csv(exports.csv_bytes(TABLE))
    assert rows == [
        ["N° de dossier", "Nom, prénoms", "Naissance", "Heures", "Attribué le", "En détention"],
        ["12", "MARTIN Léa", "17/05/1990", "52,5", "", "non"],
        ["-3", "ÉLOÏSE D'Arc", "02/01/2001", "70", "01/12/2026 14:30", "oui"],
    ]


def test_csv_separator_and_line_endings():
    content = exports.csv_bytes(TABLE).decode("utf-8-sig")
    assert content.splitlines()[1] == "12;MARTIN Léa;17/05/1990;52,5;;non"
    assert "\r\n" in content
    # A separator or a quote inside a value is quoted, not split.
    table = Table("x", [Column("a"), Column("b")], [('un ; deux "trois"', "fin")])
    assert read_csv(exports.csv_bytes(table))[1] == ['un ; deux "trois"', "fin"]


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ('=HYPERLINK("http://x";"clic")', '\'=HYPERLINK("http://x";"clic")'),
        ("+33 6 12", "'+33 6 12"),
        ("-rien", "'-rien"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcaché", "'\tcaché"),
        ("Note = rien", "Note = rien"),  # not at the start: left alone
        ("", ""),
    ],
)
def test_csv_defuses_formulas(typed, written):
    table = Table("x", [Column("Texte")], [(typed,)])
    assert read_csv(exports.csv_bytes(table))[1] == [written]


def test_csv_numbers_are_not_defused():
    table = Table("x", [Column("n", Kind.INTEGER), Column("d", Kind.DECIMAL)], [(-4, -1.5)])
    assert read_csv(exports.csv_bytes(table))[1] == ["-4", "-1,5"]


def test_an_empty_list_gives_the_header_only():
    table = Table("Vide", [Column("A"), Column("B")], [])
    assert read_csv(exports.csv_bytes(table)) == [["A", "B"]]
    book = read_xlsx(exports.xlsx_bytes(table))
    assert [[c.value for c in row] for row in book["Vide"].iter_rows()] == [["A", "B"]]


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="Ligne 1 : 1 valeurs pour 2 colonnes"):
        Table("x", [Column("a"), Column("b")], [("seul",)])


# --- XLSX ---------------------------------------------------------------------------------


@time_machine.travel(datetime(2026, 12, 6, 9, 15, tzinfo=UTC), tick=False)
def test_xlsx_reads_back_with_typed_cells():
    book = read_xlsx(exports.xlsx_bytes(TABLE))
    assert book.sheetnames == ["Le service", "Filtres"]
    sheet = book["Le service"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values == [
        ["N° de dossier", "Nom, prénoms", "Naissance", "Heures", "Attribué le", "En détention"],
        [12, "MARTIN Léa", datetime(1990, 5, 17), Decimal("52.5"), None, "non"],
        [-3, "ÉLOÏSE D'Arc", datetime(2001, 1, 2), 70, datetime(2026, 12, 1, 14, 30), "oui"],
    ]
    # Dates as dates (French display), numbers as numbers.
    assert sheet["C2"].is_date and sheet["C2"].number_format == "DD/MM/YYYY"
    assert sheet["E3"].is_date and sheet["E3"].number_format == "DD/MM/YYYY HH:MM"
    assert sheet["A3"].data_type == "n" and sheet["D2"].data_type == "n"
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F3"
    about = [[c.value for c in row] for row in book["Filtres"].iter_rows()]
    assert about == [
        ["Export", "Le service"],
        ["Extrait le", datetime(2026, 12, 6, 10, 15)],
        ["Lignes", 2],
        ["Milieu", "Milieu fermé"],
        ["CPIP", "Camille Conseil"],
    ]


def test_xlsx_without_filters_says_so():
    table = Table("Annuaire", [Column("Partenaire")], [("Emmaüs",)])
    about = [[c.value for c in row] for row in read_xlsx(exports.xlsx_bytes(table))["Filtres"]]
    assert about[-1] == ["Filtres", "aucun"]


def test_xlsx_keeps_a_formula_as_text():
    typed = '=HYPERLINK("http://x";"clic")'
    table = Table("x", [Column("Texte"), Column("Autre")], [(typed, "+33 6 12")], [("Mot", "=1+1")])
    book = read_xlsx(exports.xlsx_bytes(table))
    cell = book["x"]["A2"]
    assert cell.value == typed  # as typed, no visible apostrophe…
    assert cell.data_type == "s"  # …but a text, never a formula
    assert cell.quotePrefix
    assert book["x"]["B2"].data_type == "s" and book["x"]["B2"].value == "+33 6 12"
    assert book["Filtres"]["B4"].value == "=1+1" and book["Filtres"]["B4"].data_type == "s"
    # Nowhere in the file is a formula written.
    with io.BytesIO(exports.xlsx_bytes(table)) as raw:
        import zipfile

        sheets = [zipfile.ZipFile(raw).read(n) for n in ("xl/worksheets/sheet1.xml",)]
    assert b"<f>" not in sheets[0]


def test_xlsx_leaves_out_characters_it_cannot_hold():
    table = Table("x", [Column("Texte")], [("avant\x02après\x1f",)])
    assert read_xlsx(exports.xlsx_bytes(table))["x"]["A2"].value == "avantaprès"


@pytest.mark.parametrize(
    ("title", "sheet"),
    [
        ("Échéancier", "Échéancier"),
        ("CAP du 12/01/2027 : Centre pénitentiaire [Nord]", "CAP du 12 01 2027   Centre péni"),
        ("'Cité'", "Cité"),
        ("///", "Export"),
    ],
)
def test_sheet_names(title, sheet):
    assert exports.sheet_title(title) == sheet
    assert len(exports.sheet_title(title)) <= 31


def test_a_sheet_named_like_the_filters_sheet():
    book = read_xlsx(exports.xlsx_bytes(Table("Filtres", [Column("a")], [("b",)])))
    assert book.sheetnames == ["Filtres", "Filtres appliqués"]


# --- The response ----------------------------------------------------------------------------


@time_machine.travel(datetime(2026, 12, 6, 23, 30, tzinfo=UTC), tick=False)
def test_the_response_is_an_attachment_named_after_the_list_and_the_day():
    response = exports.table_response(TABLE, file_format="csv", stem="Échéancier du service")
    # 23:30 UTC is already the 7th in Paris.
    assert response["Content-Disposition"] == (
        'attachment; filename="echeancier-du-service-2026-12-07.csv"'
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    xlsx = exports.table_response(TABLE, file_format="xlsx", stem="service")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert read_xlsx(xlsx.content).sheetnames == ["Le service", "Filtres"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("?format=csv", "csv"), ("?format=xlsx&q=x", "xlsx"), ("?format=pdf", None), ("", None)],
)
def test_requested_format(query, expected):
    assert exports.requested_format(RequestFactory().get("/service/" + query)) == expected


# --- Who may export, and the filters described -----------------------------------------------


class _Member:
    def __init__(self, role):
        self.role = role


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("cpip", True),
        ("manager", True),
        ("secretariat", True),
        ("monitoring", False),
        ("psychologist", False),
        ("social_worker", False),
        ("judge", False),
    ],
)
def test_who_may_export(role, allowed):
    assert exports.may_export(_Member(role)) is allowed
    if allowed:
        exports.require_export(_Member(role))
    else:
        with pytest.raises(PermissionDenied, match="L'export des listes est réservé"):
            exports.require_export(_Member(role))
    assert exports.may_export(None) is False


class _Filters(forms.Form):
    q = forms.CharField(label="Nom ou prénom", required=False)
    setting = forms.ChoiceField(
        label="Milieu",
        required=False,
        choices=[("", "Tous"), ("community", "Milieu ouvert"), ("custody", "Milieu fermé")],
    )
    since = forms.DateField(label="Depuis le", required=False)
    overdue = forms.BooleanField(label="En retard seulement", required=False)
    cpip = forms.ChoiceField(label="CPIP", required=False, choices=[("", "Tous"), ("7", "Léa M")])


def test_described_filters_are_what_the_page_shows():
    form = _Filters({"q": "martin", "setting": "custody", "since": "2026-12-01", "overdue": "on",
                     "cpip": "7"})  # fmt: skip
    assert form.is_valid()
    assert exports.described_filters(form) == [
        ("Nom ou prénom", "martin"),
        ("Milieu", "Milieu fermé"),
        ("Depuis le", "01/12/2026"),
        ("En retard seulement", "oui"),
        ("CPIP", "Léa M"),
    ]
    empty = _Filters({})
    assert empty.is_valid() and exports.described_filters(empty) == []


def test_a_model_choice_is_described_without_reading_its_choices():
    """No database here: reading the field's choices would query, and fail."""
    from probatio.organisation.models import Establishment

    class _Chosen(forms.Form):
        establishment = forms.ModelChoiceField(
            label="Établissement", queryset=Establishment.objects.all()
        )

    form = _Chosen()
    form.cleaned_data = {"establishment": Establishment(name="Amiens", kind="MA")}
    assert exports.described_filters(form) == [("Établissement", "Maison d'arrêt de Amiens")]


def test_an_xlsx_export_asks_the_sheet_its_size_as_often_whatever_its_rows(monkeypatch):
    """openpyxl computes ``max_row`` / ``max_column`` by scanning every cell written: asked
    once per row, an export of a large service's list was quadratic (minutes). The number of
    times they are asked must not grow with the rows."""
    from openpyxl.worksheet.worksheet import Worksheet

    asked = {"count": 0}
    for name in ("max_row", "max_column"):
        original = getattr(Worksheet, name)

        def counting(sheet, original=original):
            asked["count"] += 1
            return original.fget(sheet)

        monkeypatch.setattr(Worksheet, name, property(counting))

    def asked_for(rows: int) -> int:
        asked["count"] = 0
        table = Table(
            title=TABLE.title,
            columns=TABLE.columns,
            rows=[TABLE.rows[0]] * rows,
            filters=TABLE.filters,
        )
        read_back = read_xlsx(exports.xlsx_bytes(table))
        assert read_back.active.max_row == rows + 1
        return asked["count"]

    assert asked_for(10) == asked_for(400)
