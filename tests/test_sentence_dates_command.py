"""`manage.py sentence_dates [FILE]`: JSON in (a file or standard input), JSON out.

The real command runs in a subprocess: one object gives one object, an array gives an array in
the same order; on bad input, exit status 2, nothing on standard output, a French message naming
the field (and the index inside an array) on standard error. No database is needed.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from probatio.sentences.engine import compute, parse, to_json

ROOT = Path(__file__).resolve().parents[1]

DATE_FIELDS = (
    "start_date",
    "end_date",
    "release_date",
    "lc_eligibility_date",
    "lsc_review_date",
    "lsc_information_date",
    "lsc_plein_droit_date",
    "lsc_plein_droit_information_date",
    "jap_adjustment_date",
)
OUTPUT_KEYS = {*DATE_FIELDS, "explanations"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)

EXAMPLE_A = {
    "sentences": [{"years": 3}],
    "committal_date": "2025-01-10",
    "pretrial_detention_days": 122,
}
EXAMPLE_A_DATES = {
    "start_date": "2024-09-10",
    "end_date": "2027-09-10",
    "release_date": "2027-09-10",
    "lc_eligibility_date": "2026-03-12",
    "lsc_review_date": "2026-09-10",
    "lsc_information_date": "2026-08-10",
    "lsc_plein_droit_date": None,
    "lsc_plein_droit_information_date": None,
    # H − 1 year (2026-03-12 − 1 year), earlier than E − 2 years (2025-09-10).
    "jap_adjustment_date": "2025-03-12",
}
EXAMPLE_A_REDUCED = {**EXAMPLE_A, "reductions_granted_days": 90}
EXAMPLE_A_REDUCED_DATES = {
    "start_date": "2024-09-10",
    "end_date": "2027-06-12",
    "release_date": "2027-06-12",
    "lc_eligibility_date": "2026-01-26",
    "lsc_review_date": "2026-07-12",
    "lsc_information_date": "2026-06-12",
    "lsc_plein_droit_date": None,
    "lsc_plein_droit_information_date": None,
    "jap_adjustment_date": "2025-01-26",
}
EXAMPLE_B = {"sentences": [{"months": 18}], "committal_date": "2025-01-10"}
EXAMPLE_B_DATES = {
    "start_date": "2025-01-10",
    "end_date": "2026-07-10",
    "release_date": "2026-07-10",
    "lc_eligibility_date": "2025-10-10",
    "lsc_review_date": "2026-01-09",
    "lsc_information_date": "2025-12-09",
    "lsc_plein_droit_date": "2026-04-10",
    "lsc_plein_droit_information_date": "2026-03-10",
    "jap_adjustment_date": "2025-01-10",
}
# Every field given, nulls included; E on Christmas 2026 (release the day before).
FULL = {
    "sentences": [{"years": 1, "months": 0, "days": 0}],
    "committal_date": "2025-12-25",
    "pretrial_detention_days": None,
    "reductions_granted_days": 0,
    "reductions_withdrawn_days": 0,
    "safety_period": None,
    "birth_date": "1970-05-05",
    "lsc_excluded": False,
    "lsc_plein_droit_excluded": True,
    "legal_recidivist": None,
}

FRENCH_WORDS = re.compile(
    r"\b(le|la|les|de|des|du|un|une|et|ou|à|au|aux|en|sur|par|pour|dans|avant|après|moins|plus|"
    r"sans|doit|doivent|être|est|pas|entier|entière|champ|inconnue?|attendue?|valeur|durée|"
    r"peines?|nombre|jours?|mois|ans|années?|objet|tableau|réductions?|période|sûreté|"
    r"inexistante?|invalide|nulle?|supérieure?|obligatoire|manquante?|entrée|fichier|illisible)\b",
    re.IGNORECASE,
)
ENGLISH_WORDS = re.compile(
    r"\b(must|should|expected|expecting|invalid|unknown|field|integer|required|missing|not|the|"
    r"is|delimiter|char|exceeds|limit|digits|such|file|directory|codec|decode|byte)\b",
    re.IGNORECASE,
)


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "sentence_dates", *args],
        cwd=ROOT,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def run_file(tmp_path: Path, document) -> subprocess.CompletedProcess:
    path = tmp_path / "entree.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document), "utf-8")
    return run(str(path))


def run_stdin(document) -> subprocess.CompletedProcess:
    return run(stdin=document if isinstance(document, str) else json.dumps(document))


def ok_output(process: subprocess.CompletedProcess):
    assert process.returncode == 0, process.stderr
    assert "Traceback" not in process.stderr
    return json.loads(process.stdout)  # one JSON document, nothing else


def check_contract(output: dict) -> None:
    assert isinstance(output, dict)
    assert set(output) == OUTPUT_KEYS
    for name in DATE_FIELDS:
        value = output[name]
        assert value is None or (isinstance(value, str) and ISO_DATE.match(value)), (name, value)
    for name in ("start_date", "end_date", "release_date", "lc_eligibility_date"):
        assert output[name] is not None, name
    assert output["jap_adjustment_date"] is not None
    assert isinstance(output["explanations"], list)
    for explanation in output["explanations"]:
        assert set(explanation) == {"field", "rule", "text"}
        assert all(isinstance(value, str) and value for value in explanation.values())
    explained = {explanation["field"] for explanation in output["explanations"]}
    for name in DATE_FIELDS:
        if output[name] is not None:
            assert name in explained, name


def same_as_engine(output: dict, obj: dict) -> None:
    assert output == json.loads(json.dumps(to_json(compute(parse(obj)))))


def check_refused(process: subprocess.CompletedProcess, *names: str) -> str:
    assert process.returncode == 2, (process.returncode, process.stderr)
    assert process.stdout == ""
    message = process.stderr
    assert "Traceback" not in message
    assert message.strip()
    assert FRENCH_WORDS.search(message), message
    assert not ENGLISH_WORDS.search(message), message
    for name in names:
        assert name in message, (name, message)
    return message


# --- Valid input ---------------------------------------------------------------------------------


def test_one_object_from_a_file(tmp_path):
    output = ok_output(run_file(tmp_path, EXAMPLE_B))
    check_contract(output)
    assert {name: output[name] for name in DATE_FIELDS} == EXAMPLE_B_DATES
    same_as_engine(output, EXAMPLE_B)


def test_one_object_from_standard_input():
    output = ok_output(run_stdin(EXAMPLE_A))
    check_contract(output)
    assert {name: output[name] for name in DATE_FIELDS} == EXAMPLE_A_DATES
    same_as_engine(output, EXAMPLE_A)


def test_every_field_given_with_nulls(tmp_path):
    output = ok_output(run_file(tmp_path, FULL))
    check_contract(output)
    assert output["end_date"] == "2026-12-25"
    assert output["release_date"] == "2026-12-24"
    assert output["lsc_plein_droit_date"] is None
    assert output["lsc_plein_droit_information_date"] is None
    same_as_engine(output, FULL)


def test_an_array_gives_an_array_in_order(tmp_path):
    objects = [EXAMPLE_B, EXAMPLE_A, EXAMPLE_A_REDUCED, FULL]
    output = ok_output(run_file(tmp_path, objects))
    assert isinstance(output, list)
    assert len(output) == len(objects)
    for item, obj in zip(output, objects, strict=True):
        check_contract(item)
        same_as_engine(item, obj)
    assert output[0]["end_date"] == "2026-07-10"
    assert output[1]["end_date"] == "2027-09-10"
    assert {name: output[2][name] for name in DATE_FIELDS} == EXAMPLE_A_REDUCED_DATES


def test_an_array_from_standard_input():
    output = ok_output(run_stdin([EXAMPLE_A_REDUCED, EXAMPLE_B]))
    assert [item["end_date"] for item in output] == ["2027-06-12", "2026-07-10"]
    assert {name: output[1][name] for name in DATE_FIELDS} == EXAMPLE_B_DATES
    # An array of one object is still an array.
    assert ok_output(run_stdin([EXAMPLE_B])) == [output[1]]


# 50 years (30 + 20) from 2025-01-10: the half-point (about S + 25 years) is capped at S + 15
# years, or S + 20 years for a legal recidivist (CPP 729); the adjustment is H − 1 year.
FIFTY = {"sentences": [{"years": 30}, {"years": 20}], "committal_date": "2025-01-10"}


def test_legal_recidivist_raises_the_cap_from_15_to_20_years():
    plain, recidivist, default = ok_output(
        run_stdin(
            [{**FIFTY, "legal_recidivist": False}, {**FIFTY, "legal_recidivist": True}, FIFTY]
        )
    )
    for output in (plain, recidivist, default):
        check_contract(output)
        assert output["end_date"] == "2075-01-10"
    assert plain["lc_eligibility_date"] == "2040-01-10"
    assert plain["jap_adjustment_date"] == "2039-01-10"
    assert recidivist["lc_eligibility_date"] == "2045-01-10"
    assert recidivist["jap_adjustment_date"] == "2044-01-10"
    assert default == plain  # false by default
    lc = [e["text"] for e in recidivist["explanations"] if e["field"] == "lc_eligibility_date"]
    assert any("20 ans" in text and "récidive légale" in text for text in lc), lc


def test_remand_covering_the_sentence_releases_at_the_committal():
    # 4 months; 150 days of remand: S = 2025-01-03, E = 2025-05-03, before the committal.
    obj = {
        "sentences": [{"months": 4}],
        "committal_date": "2025-06-02",
        "pretrial_detention_days": 150,
    }
    output = ok_output(run_stdin(obj))
    check_contract(output)
    assert output["start_date"] == "2025-01-03"
    assert output["end_date"] == "2025-05-03"
    for name in DATE_FIELDS[2:]:
        assert output[name] == "2025-06-02", name


def test_six_months_or_less_informs_at_the_committal():
    # 6 months from 2025-03-10: LSC review 2025-07-11 and LSC de plein droit 2025-06-10, both
    # announced at the committal.
    output = ok_output(run_stdin({"sentences": [{"months": 6}], "committal_date": "2025-03-10"}))
    check_contract(output)
    assert output["lsc_review_date"] == "2025-07-11"
    assert output["lsc_information_date"] == "2025-03-10"
    assert output["lsc_plein_droit_date"] == "2025-06-10"
    assert output["lsc_plein_droit_information_date"] == "2025-03-10"


def test_an_empty_array_gives_an_empty_array(tmp_path):
    assert ok_output(run_file(tmp_path, [])) == []
    assert ok_output(run_stdin("  [ ]\n")) == []


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({**EXAMPLE_B, "committal_date": "2025-02-30"}, "committal_date"),
        ({**EXAMPLE_B, "pretrial_detention_days": 3.0}, "pretrial_detention_days"),
        ({**EXAMPLE_B, "remand": 10}, "remand"),
        ({**EXAMPLE_B, "reductions_granted_days": 546}, "reductions"),
        ({**EXAMPLE_B, "legal_recidivist": 1}, "legal_recidivist"),
        ({**EXAMPLE_B, "legal_recidivist": "oui"}, "legal_recidivist"),
    ],
)
def test_bad_object_from_standard_input(obj, field):
    check_refused(run_stdin(obj), field)


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({**EXAMPLE_B, "sentences": [{"years": 100000}]}, "sentences"),
        ({**EXAMPLE_B, "pretrial_detention_days": 1_000_000}, "pretrial_detention_days"),
    ],
)
def test_values_outside_the_calendar_are_bad_input(obj, field):
    check_refused(run_stdin(obj), field)


def test_bad_object_from_a_file(tmp_path):
    check_refused(run_file(tmp_path, {**EXAMPLE_B, "birth_date": "1960-1-1"}), "birth_date")


def test_one_bad_object_in_an_array_prints_nothing_for_any(tmp_path):
    objects = [EXAMPLE_A, EXAMPLE_B, {**EXAMPLE_B, "reductions_withdrawn_days": -1}, FULL]
    message = check_refused(run_file(tmp_path, objects), "reductions_withdrawn_days")
    assert re.search(r"\b2\b", message), message  # the index of the bad object


def test_a_non_object_in_an_array_is_refused_with_its_index():
    message = check_refused(run_stdin([EXAMPLE_A, EXAMPLE_B, EXAMPLE_A, "2025-01-10"]))
    assert re.search(r"\b3\b", message), message


@pytest.mark.parametrize(
    "document",
    [
        "",
        "{",
        "42",
        "null",
        "{} {}",
    ],
)
def test_input_that_is_not_one_object_or_array_is_refused(document):
    check_refused(run_stdin(document))


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("", "vide"),
        ("[1,2", "ligne 1, colonne 5"),
        ('{"committal_date": }', "ligne 1, colonne 20"),
        ("[" * 100_000, "imbriqué"),
        ('{"pretrial_detention_days": ' + "9" * 5000 + "}", "nombre"),
    ],
)
def test_malformed_json_gets_a_french_message(document, words):
    assert words in check_refused(run_stdin(document))


def test_a_file_not_in_utf8_is_refused_in_french(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"committal_date": "2025-01-10", "sentences": [{"months": 6}], "x": "é"}'
                     .encode("latin-1"))  # fmt: skip
    assert "UTF-8" in check_refused(run(str(path)))


def test_a_missing_file_is_refused_in_french(tmp_path):
    assert "introuvable" in check_refused(run(str(tmp_path / "absent.json")))
