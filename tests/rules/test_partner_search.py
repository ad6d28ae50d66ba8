"""The pure matching of the partner directory: areas (postcodes, commune codes, départements,
Corsica and overseas), their parsing with French messages, and the free-text match."""

import pytest
from django.core.exceptions import ValidationError

from probatio.reintegration.partners import (
    department_of,
    normalise_area,
    parse_areas,
    serves,
    text_matches,
)


@pytest.mark.parametrize(
    ("code", "department"),
    [
        ("80000", "80"),
        ("80021", "80"),
        ("80", "80"),
        ("02100", "02"),
        ("2A004", "2A"),
        ("2b033", "2B"),
        ("20000", "2A"),
        ("20100", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("97411", "974"),
        ("97100", "971"),
        ("974", "974"),
    ],
)
def test_department_of(code, department):
    assert department_of(code) == department


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("80000", "80000"),
        (" 80 ", "80"),
        ("2a", "2A"),
        ("2B033", "2B033"),
        ("974", "974"),
        ("01", "01"),
        ("95", "95"),
        ("00", None),
        ("96", None),
        ("20", None),  # Corsica is 2A or 2B
        ("977", None),
        ("Amiens", None),
        ("8000", None),
        ("800000", None),
        ("00100", None),
        ("", None),
    ],
)
def test_normalise_area(raw, expected):
    assert normalise_area(raw) == expected


def test_parse_areas_keeps_order_and_drops_repeats():
    assert parse_areas("80000, 80021;80 80000\n2a") == ["80000", "80021", "80", "2A"]
    assert parse_areas("") == []


def test_parse_areas_names_every_wrong_code():
    with pytest.raises(ValidationError) as error:
        parse_areas("80000, Amiens, 8000")
    message = error.value.messages[0]
    assert message.startswith("Codes non reconnus : « Amiens », « 8000 ».")
    with pytest.raises(ValidationError) as error:
        parse_areas("999")
    assert error.value.messages[0].startswith("Code non reconnu : « 999 ».")


@pytest.mark.parametrize(
    ("areas", "site_postcode", "wanted", "expected"),
    [
        (["80000"], "80000", "80000", True),
        (["80000"], "", "80080", False),
        (["80"], "", "80080", True),  # the whole département
        (["80021"], "", "80021", True),  # a commune code
        (["80021"], "", "80", True),  # a département finds any code inside it
        (["80100"], "", "80", True),
        (["02000"], "", "80", False),
        ([], "80100", "80100", True),  # a site serves its own postcode
        ([], "80100", "80", True),
        (["2A"], "", "20000", True),  # a Corsican postcode is in 2A
        (["2A"], "", "20200", False),
        (["2B033"], "", "2B", True),
        (["974"], "", "97411", True),
        (["97"], "", "97411", False),
        (["80"], "", "Amiens", False),
        (["80"], "", "", False),
    ],
)
def test_serves(areas, site_postcode, wanted, expected):
    assert serves(areas, site_postcode, wanted) is expected


def test_text_matches_every_word_accents_and_case_ignored():
    text = "chrs l escale hebergement d insertion amiens"
    assert text_matches(text, "Hébergement ESCALE")
    assert text_matches(text, "")
    assert not text_matches(text, "escale abbeville")
