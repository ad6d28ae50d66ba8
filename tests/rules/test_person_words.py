"""The words of the dossier's header agree with the person (no database)."""

import pytest

from probatio.people.models import Person


@pytest.mark.parametrize(
    ("sex", "status", "born", "word"),
    [
        ("F", "condamne", "Née", "Condamnée"),
        ("M", "condamne", "Né", "Condamné"),
        ("F", "prevenu", "Née", "Prévenue"),
        ("M", "prevenu", "Né", "Prévenu"),
        ("", "condamne", "Né·e", "Condamné·e"),
    ],
)
def test_born_and_legal_status_agree_with_the_person(sex, status, born, word):
    person = Person(sex=sex, legal_status=status)
    assert (person.born_word, person.legal_status_word) == (born, word)
