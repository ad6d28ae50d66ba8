"""Name folding used by the search: lower-case, no accents, no punctuation that splits names."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probatio.core.text import fold


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
