"""The duplicate check's pure rules: the keys two identities are compared under, and the
reasons a new identity may be a person already followed. No database."""

import unicodedata
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from probatio.people.rules import (
    IdentityKeys,
    duplicate_reasons,
    email_key,
    keys_of,
    keys_of_identity,
    name_key,
    phone_key,
)

BORN = date(1988, 4, 2)


def test_a_name_key_ignores_case_accents_hyphens_apostrophes_and_word_order():
    assert name_key("Ménard-Dupuis") == name_key("DUPUIS menard") == "dupuis menard"
    assert name_key("D’Arc  Éloïse") == name_key("eloise d'arc") == "arc d eloise"
    assert name_key("") == ""


def test_email_and_phone_keys():
    assert email_key("  Nadia.Haddad@Exemple.FR ") == "nadia.haddad@exemple.fr"
    assert phone_key("06 12 34 56 78") == phone_key("+33612345678") == "+33612345678"
    assert phone_key("0033 6 12 34 56 78") == "+33612345678"
    assert phone_key("12 34") == "1234"  # unreadable: its digits
    assert phone_key("") == ""


def test_the_reported_case_warns_on_every_detail_but_the_usage_name():
    """Same birth name, first name, birth date, phone and e-mail; another usage name."""
    existing = keys_of(
        surname="Haddad",
        first_names="Nadia",
        birth_date=BORN,
        phone="06 12 34 56 78",
        email="nadia.haddad@exemple.fr",
    )
    new = keys_of(
        surname="Benali",
        birth_surname="HADDAD",
        first_names="nadia",
        birth_date=BORN,
        phone="+33 6 12 34 56 78",
        email="Nadia.Haddad@exemple.fr",
    )
    assert duplicate_reasons(new, existing) == [
        "son nom d'usage est le nom de naissance saisi",
        "mêmes prénoms",
        "même date de naissance",
        "même téléphone",
        "même courriel",
    ]


def test_birth_date_and_a_name_warn():
    old = keys_of(surname="Martin", birth_surname="Durand", first_names="Léa", birth_date=BORN)
    assert duplicate_reasons(keys_of(surname="MARTIN", birth_date=BORN), old) == [
        "même nom d'usage",
        "même date de naissance",
    ]
    assert duplicate_reasons(
        keys_of(surname="Roux", birth_surname="durand", birth_date=BORN), old
    ) == [
        "même nom de naissance",
        "même date de naissance",
    ]
    assert duplicate_reasons(keys_of(surname="Durand", birth_date=BORN), old) == [
        "son nom de naissance est le nom d'usage saisi",
        "même date de naissance",
    ]
    assert duplicate_reasons(keys_of(surname="Roux", first_names="lea", birth_date=BORN), old) == [
        "mêmes prénoms",
        "même date de naissance",
    ]


def test_no_warning_without_the_birth_date_or_a_name_or_a_contact():
    old = keys_of(surname="Martin", first_names="Léa", birth_date=BORN, phone="0612345678")
    # A name without the birth date, the birth date without a name: no warning.
    assert duplicate_reasons(keys_of(surname="Martin", first_names="Léa"), old) == []
    assert (
        duplicate_reasons(keys_of(surname="Roux", first_names="Paul", birth_date=BORN), old) == []
    )
    # "Martin" is not "Martinez".
    assert duplicate_reasons(keys_of(surname="Martinez", birth_date=BORN), old) == []
    # Empty contacts never agree.
    assert duplicate_reasons(keys_of(surname="Roux"), keys_of(surname="Blanc")) == []


def test_the_phone_or_the_email_alone_warn():
    old = keys_of(surname="Martin", phone="06 12 34 56 78", email="a@b.fr")
    assert duplicate_reasons(keys_of(surname="Roux", phone="0612345678"), old) == ["même téléphone"]
    assert duplicate_reasons(keys_of(surname="Roux", email="A@B.FR"), old) == ["même courriel"]


def test_keys_of_identity_reads_a_form_mapping():
    assert keys_of_identity({"surname": "Ménard", "birth_date": BORN, "phone": None}) == keys_of(
        surname="menard", birth_date=BORN
    )


# --- properties ----------------------------------------------------------------------------

letters = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèêëàâîïôöûüç", min_size=1, max_size=8)
words = st.lists(letters, min_size=1, max_size=4)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@given(words, st.randoms(use_true_random=False), st.sampled_from([" ", "-", "  ", "'", "’"]))
def test_a_name_key_is_the_same_whatever_the_order_case_accents_and_separators(
    parts, random, separator
):
    shuffled = list(parts)
    random.shuffle(shuffled)
    written = separator.join(shuffled).upper()
    assert name_key(written) == name_key(" ".join(parts))
    assert name_key(_strip_accents(written)) == name_key(" ".join(parts))


@given(st.text(max_size=40))
def test_a_name_key_is_stable(text):
    assert name_key(name_key(text)) == name_key(text)
    assert name_key(text) == name_key(text.upper()) == name_key(text.lower())


@given(st.text(max_size=30))
def test_an_email_key_is_stable(text):
    assert email_key(email_key(text)) == email_key(text)
    assert email_key(text.upper()) == email_key(text.lower())


identities = st.builds(
    IdentityKeys,
    surname=st.sampled_from(["", "martin", "durand", "roux"]),
    birth_surname=st.sampled_from(["", "martin", "durand"]),
    first_names=st.sampled_from(["", "lea", "paul"]),
    birth_date=st.sampled_from([None, BORN, date(1990, 1, 1)]),
    phone=st.sampled_from(["", "+33612345678", "+33698765432"]),
    email=st.sampled_from(["", "a@b.fr", "c@d.fr"]),
)


@given(identities, identities)
def test_warning_follows_the_rule(new, old):
    """A warning exactly when the birth date and a name agree, or the phone, or the e-mail."""
    same_name = bool(new.surnames & old.surnames) or bool(
        new.first_names and new.first_names == old.first_names
    )
    expected = (
        (new.birth_date is not None and new.birth_date == old.birth_date and same_name)
        or (bool(new.phone) and new.phone == old.phone)
        or (bool(new.email) and new.email == old.email)
    )
    reasons = duplicate_reasons(new, old)
    assert bool(reasons) == expected
    assert len(reasons) == len(set(reasons))


@given(identities, identities)
def test_whether_to_warn_does_not_depend_on_which_was_entered_first(new, old):
    assert bool(duplicate_reasons(new, old)) == bool(duplicate_reasons(old, new))


@given(identities)
def test_an_identity_with_a_birth_date_and_a_name_matches_itself(keys):
    if keys.birth_date and (keys.surnames or keys.first_names):
        assert "même date de naissance" in duplicate_reasons(keys, keys)
