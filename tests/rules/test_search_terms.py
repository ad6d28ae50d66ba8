"""The words a name search compares (people.search): folded as the stored search text is, and
those long enough to be compared by spelling."""

import pytest

from probatio.people import search


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("Dupont", ["dupont"]),
        ("  DUPÔNT  ", ["dupont"]),
        ("D'Arc-Ménard Éloïse", ["d", "arc", "menard", "eloise"]),
        ("", []),
        ("   ", []),
    ],
)
def test_words_are_folded_as_the_stored_text(query, words):
    assert search.words_of(query) == words


def test_only_words_of_three_letters_or_more_are_compared_by_spelling():
    assert search.near_words("Le Dupond du") == ["dupond"]
    assert search.near_words("de la") == []
