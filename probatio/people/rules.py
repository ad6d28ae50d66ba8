"""Pure rules about persons: the keys under which two identities are compared, and the reasons
for which a new (or edited) identity may be a person the service already follows.

No database and no clock. The keys are stored on ``Person`` (``surname_key``…, filled by the
services and by a migration for older rows) so that the duplicate check is one indexed query,
whatever the size of the service; ``duplicate_reasons`` then says why each candidate matched.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from probatio.core import phones
from probatio.core.text import fold

# Typographic apostrophes and other joiners found in names typed or pasted.
_SEPARATORS = str.maketrans({"’": " ", "‘": " ", "ʼ": " ", "‐": " ", "–": " ", ".": " "})


def name_key(text: str) -> str:
    """A name as compared: case, accents, hyphens, apostrophes and word order ignored.
    ``"Ménard-Dupuis"``, ``"DUPUIS menard"`` → ``"dupuis menard"``."""
    return " ".join(sorted(fold((text or "").translate(_SEPARATORS).casefold()).split()))


def email_key(text: str) -> str:
    """An e-mail address as compared: surrounding spaces and case ignored."""
    return (text or "").strip().casefold()


def phone_key(text: str) -> str:
    """A phone number as compared: its E.164 form (``"06 12 34 56 78"`` and ``"+33 6 12 34 56
    78"`` agree); a number that does not parse is compared by its digits."""
    try:
        return phones.normalise(text or "")
    except phones.InvalidPhone:
        return "".join(c for c in text if c.isdigit())


@dataclass(frozen=True)
class IdentityKeys:
    """What the duplicate check compares of one identity."""

    surname: str = ""
    birth_surname: str = ""
    first_names: str = ""
    birth_date: date | None = None
    phone: str = ""
    email: str = ""

    @property
    def surnames(self) -> set[str]:
        return {key for key in (self.surname, self.birth_surname) if key}


def keys_of(
    *,
    surname: str = "",
    birth_surname: str = "",
    first_names: str = "",
    birth_date: date | None = None,
    phone: str = "",
    email: str = "",
) -> IdentityKeys:
    """The keys of an identity as typed (or as stored)."""
    return IdentityKeys(
        surname=name_key(surname),
        birth_surname=name_key(birth_surname),
        first_names=name_key(first_names),
        birth_date=birth_date,
        phone=phone_key(phone),
        email=email_key(email),
    )


COMPARED_FIELDS = ("surname", "birth_surname", "first_names", "birth_date", "phone", "email")


def keys_of_identity(identity) -> IdentityKeys:
    """``keys_of`` over a mapping of identity fields (a form's values; missing ones empty)."""
    return keys_of(
        **{
            name: identity.get(name) or (None if name == "birth_date" else "")
            for name in COMPARED_FIELDS
        }
    )


def _surname_reasons(new: IdentityKeys, old: IdentityKeys) -> list[str]:
    """The surnames that agree, usage and birth names compared either way round (a person
    entered under a new usage name keeps their birth name)."""
    same_usage = bool(new.surname) and new.surname == old.surname
    same_birth = bool(new.birth_surname) and new.birth_surname == old.birth_surname
    reasons = []
    if same_usage:
        reasons.append("même nom d'usage")
    if same_birth:
        reasons.append("même nom de naissance")
    if new.birth_surname and not same_birth and new.birth_surname == old.surname:
        reasons.append("son nom d'usage est le nom de naissance saisi")
    if new.surname and not same_usage and new.surname == old.birth_surname:
        reasons.append("son nom de naissance est le nom d'usage saisi")
    return reasons


def duplicate_reasons(new: IdentityKeys, old: IdentityKeys) -> list[str]:
    """Why ``old`` may be the same person as ``new``, in French; empty: no warning.

    A warning when the birth date and a name agree (a surname — usage or birth, either way
    round — or the first names), or when the phone or the e-mail agree. The reasons list
    everything that agrees, so that the user can judge."""
    surnames = _surname_reasons(new, old)
    same_first_names = bool(new.first_names) and new.first_names == old.first_names
    same_birth_date = new.birth_date is not None and new.birth_date == old.birth_date
    same_phone = bool(new.phone) and new.phone == old.phone
    same_email = bool(new.email) and new.email == old.email
    if not ((same_birth_date and (surnames or same_first_names)) or same_phone or same_email):
        return []
    reasons = list(surnames)
    if same_first_names:
        reasons.append("mêmes prénoms")
    if same_birth_date:
        reasons.append("même date de naissance")
    if same_phone:
        reasons.append("même téléphone")
    if same_email:
        reasons.append("même courriel")
    return reasons


OPEN_MEASURE_STATUSES = frozenset({"pending", "active", "suspended"})


def is_followed(*, measure_statuses: Iterable[str], in_custody: bool) -> bool:
    """Whether a file is followed: the person is held, or has a measure open or to come
    (pending, active, suspended), or has no measure yet (a file opened for an enquiry or
    before its first decision). Once every measure has ended (ended, revoked, void) and the
    person is free, the file is closed: it leaves the lists and the loads by default and waits
    for retention (``retention.rules.file_is_closed``, which also waits for the appointments
    planned ahead). Measures that open again (a revocation's new measure, a new conviction)
    follow the file again."""
    statuses = set(measure_statuses)
    return in_custody or not statuses or bool(statuses & OPEN_MEASURE_STATUSES)
