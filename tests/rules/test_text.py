"""Name folding used by the search (lower-case, no accents, no punctuation that splits names),
and numbers written French style."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probatio.core.text import fold, number_fr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Éloïse D'Arc-Ménard", "eloise d arc menard"),
        ("MÉNARD", "menard"),
        ("  Jean   Pierre  ", "jean pierre"),
        ("Jean-Pierre", "jean pierre"),
        ("N'Diaye", "n diaye"),
        ("Ç Œ ß", "c œ ß"),
        ("Noël\tCœur", "noel cœur"),
        ("Ａｌｉ", "ali"),  # full-width letters (NFKD)
        ("ﬁlle", "fille"),  # ligature (NFKD)
        ("", ""),
        (None, ""),
    ],
)
def test_fold(text, expected):
    assert fold(text) == expected


def test_fold_makes_accented_and_plain_names_equal():
    assert fold("Éloïse") == fold("eloise") == fold("ELOISE")
    assert fold("Ménard") == fold("MENARD")


@given(st.text(max_size=60))
def test_fold_is_idempotent_and_normalised(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == folded.strip()
    assert "  " not in folded
    assert "-" not in folded and "'" not in folded


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("52.50", "52,5"),
        ("70", "70"),
        ("0.00", "0"),
        ("0.25", "0,25"),
        ("999", "999"),
        ("1903", "1\u202f903"),
        ("1903.5", "1\u202f903,5"),
        ("-1234567.5", "-1\u202f234\u202f567,5"),
    ],
)
def test_numbers_french_style(value, text):
    assert number_fr(value) == text
