"""Reading the registry's CSV file of official dates, with no database: header, kinds, both
date formats, impossible dates, BOM, blank lines, number of columns, line numbers."""

from datetime import date

import pytest

from probatio.sentences.imports import MAX_BYTES, Problem, Row, parse, parse_day

HEADER = "etablissement;numero_ecrou;type_date;date\n"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(line + "\n" for line in lines)).encode()


def lines_of(problems: list[Problem]) -> list[int | None]:
    return [p.line for p in problems]


def test_a_good_file_gives_one_row_per_line_with_its_line_number():
    rows, problems = parse(
        csv_bytes(
            "MA80;1234;fin_peine;10/09/2027",
            "MA80;1234;lc;2026-03-12",
            "CD62;A-77;lsc_plein_droit;01/02/2026",
        )
    )
    assert problems == []
    assert rows == [
        Row(2, "MA80", "1234", "fin_peine", date(2027, 9, 10)),
        Row(3, "MA80", "1234", "lc", date(2026, 3, 12)),
        Row(4, "CD62", "A-77", "lsc_plein_droit", date(2026, 2, 1)),
    ]


@pytest.mark.parametrize("kind", ["fin_peine", "liberation", "lc", "lsc", "lsc_plein_droit"])
def test_every_kind_of_the_specification_is_read(kind):
    rows, problems = parse(csv_bytes(f"MA80;1234;{kind};10/09/2027"))
    assert problems == []
    assert [r.kind for r in rows] == [kind]


def test_an_unknown_kind_is_refused_with_the_codes_allowed():
    rows, problems = parse(
        csv_bytes("MA80;1234;fin_peine;10/09/2027", "MA80;1234;sortie;10/09/2027")
    )
    assert lines_of(problems) == [3]
    assert "Type de date « sortie » inconnu" in problems[0].message
    assert "fin_peine, liberation, lc, lsc ou lsc_plein_droit" in problems[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/03/2026", date(2026, 3, 15)),
        ("2026-03-15", date(2026, 3, 15)),
        ("29/02/2028", date(2028, 2, 29)),
        ("01/01/2030", date(2030, 1, 1)),
    ],
)
def test_both_date_formats_are_read(text, expected):
    assert parse_day(text) == (expected, "")


@pytest.mark.parametrize("text", ["31/02/2026", "29/02/2027", "2026-13-01", "00/01/2026"])
def test_impossible_dates_are_refused(text):
    day, message = parse_day(text)
    assert day is None
    assert message == f"Date « {text} » impossible : ce jour n'existe pas dans le calendrier."


@pytest.mark.parametrize(
    "text", ["15.03.2026", "15/03/26", "mars 2026", "2026/03/15", "15-03-2026"]
)
def test_unreadable_dates_are_refused_with_the_formats_expected(text):
    day, message = parse_day(text)
    assert day is None
    assert "illisible" in message
    assert "JJ/MM/AAAA" in message and "AAAA-MM-JJ" in message


def test_an_impossible_date_in_the_file_carries_its_line():
    rows, problems = parse(csv_bytes("MA80;1234;lc;01/02/2026", "MA80;1234;lsc;31/02/2026"))
    assert lines_of(problems) == [3]
    assert "31/02/2026" in problems[0].message


def test_a_wrong_header_is_refused_and_no_row_is_read():
    rows, problems = parse(csv_bytes("MA80;1234;lc;01/02/2026", header="etab;ecrou;type;date\n"))
    assert rows == []
    assert lines_of(problems) == [1]
    assert "en-tête incorrecte" in problems[0].message
    assert "etablissement;numero_ecrou;type_date;date" in problems[0].message


def test_a_missing_header_is_refused():
    rows, problems = parse(b"MA80;1234;lc;01/02/2026\n")
    assert rows == []
    assert lines_of(problems) == [1]
    assert "en-tête incorrecte" in problems[0].message


def test_a_comma_separated_file_is_told_to_use_semicolons():
    rows, problems = parse(b"etablissement,numero_ecrou,type_date,date\nMA80,1234,lc,01/02/2026\n")
    assert rows == []
    assert "points-virgules" in problems[0].message


def test_the_header_ignores_case_and_spaces_around_names():
    rows, problems = parse(
        csv_bytes(
            "MA80;1234;lc;01/02/2026", header=" Etablissement ; NUMERO_ECROU;type_date ;date\n"
        )
    )
    assert problems == []
    assert len(rows) == 1


def test_a_byte_order_mark_is_accepted():
    rows, problems = parse(b"\xef\xbb\xbf" + csv_bytes("MA80;1234;lc;01/02/2026"))
    assert problems == []
    assert rows[0].establishment == "MA80"


def test_windows_line_endings_are_accepted():
    content = (
        HEADER.replace("\n", "\r\n") + "MA80;1234;lc;01/02/2026\r\nMA80;1234;lsc;2026-08-01\r\n"
    )
    rows, problems = parse(content.encode())
    assert problems == []
    assert [r.line for r in rows] == [2, 3]


def test_blank_lines_are_ignored_and_still_counted_for_line_numbers():
    rows, problems = parse(
        csv_bytes("MA80;1234;lc;01/02/2026", "", "MA80;1234;lsc;31/02/2026", "", "   ", ";;;")
    )
    assert [r.line for r in rows] == [2]
    assert lines_of(problems) == [4]


def test_surrounding_spaces_are_trimmed():
    rows, problems = parse(csv_bytes("  MA80 ; 1234 ;  lc ; 01/02/2026  "))
    assert problems == []
    assert rows == [Row(2, "MA80", "1234", "lc", date(2026, 2, 1))]


@pytest.mark.parametrize(
    ("line", "found"),
    [("MA80;1234;lc", 3), ("MA80;1234;lc;01/02/2026;extra", 5), ("MA80", 1)],
)
def test_a_wrong_number_of_columns_is_refused(line, found):
    rows, problems = parse(csv_bytes("MA80;1234;lsc;01/02/2026", line))
    assert lines_of(problems) == [3]
    assert problems[0].message == (
        f"4 colonnes séparées par des points-virgules sont attendues, {found} ont été trouvées."
    )


def test_empty_values_are_each_named():
    rows, problems = parse(csv_bytes(";1234;lc;", "MA80;;;01/02/2026"))
    assert rows == []
    assert [(p.line, p.message) for p in problems] == [
        (2, "Valeur manquante : code de l'établissement."),
        (2, "Valeur manquante : date."),
        (3, "Valeur manquante : numéro d'écrou."),
        (3, "Valeur manquante : type de date."),
    ]


def test_every_problem_of_the_file_is_listed_in_line_order():
    rows, problems = parse(
        csv_bytes(
            "MA80;1234;lc;01/02/2026",
            "MA80;1234;inconnu;01/02/2026",
            "MA80;1235;lc;2026-02-30",
            "MA80;1236;lc;01/02/2026",
            "MA80;1237;lc",
        )
    )
    assert lines_of(problems) == [3, 4, 6]
    assert [r.line for r in rows] == [2, 5]


def test_the_same_date_given_twice_with_two_values_is_refused_on_the_second_line():
    rows, problems = parse(
        csv_bytes("MA80;1234;lc;01/02/2026", "MA80;9999;lc;01/02/2026", "MA80;1234;lc;02/02/2026")
    )
    assert lines_of(problems) == [4]
    assert "déjà donnée ligne 2" in problems[0].message
    assert "01/02/2026" in problems[0].message


def test_the_same_date_given_twice_with_the_same_value_is_read_once():
    rows, problems = parse(csv_bytes("MA80;1234;lc;01/02/2026", "MA80;1234;lc;2026-02-01"))
    assert problems == []
    assert [r.line for r in rows] == [2]


def test_an_empty_file_is_refused():
    assert parse(b"") == ([], [Problem(None, "Le fichier est vide.")])
    assert parse(b"\n\n  \n") == ([], [Problem(None, "Le fichier est vide.")])


def test_a_file_with_only_the_header_is_refused():
    rows, problems = parse(csv_bytes())
    assert rows == []
    assert problems == [Problem(None, "Le fichier ne contient aucune date après l'en-tête.")]


def test_a_file_not_in_utf8_is_refused_with_the_line_of_the_first_unreadable_character():
    content = csv_bytes("MA80;1234;lc;01/02/2026", "MA80;1234;lsc;01/03/2026").decode()
    content += "MA80;Écrou-1;lc;01/02/2026\n"
    rows, problems = parse(content.encode("latin-1"))
    assert rows == []
    assert lines_of(problems) == [4]
    assert "UTF-8" in problems[0].message


def test_a_file_over_the_size_limit_is_refused():
    content = csv_bytes("MA80;1234;lc;01/02/2026") + b" " * MAX_BYTES
    rows, problems = parse(content)
    assert rows == []
    assert problems == [Problem(None, "Le fichier dépasse la taille maximale (2 Mo).")]
