"""What a merge keeps: pure rules over the two files' values (no database).

The manager chooses, group by group, which file's value the merged file keeps. A group is a
field, or fields that only make sense together (a phone and the consent to SMS reminders on
it). A choice left out (a half-filled page sent, an address typed by hand) keeps the value of
the file that is kept.
"""

from dataclasses import dataclass
from typing import Any

KEPT = "kept"
ABSORBED = "absorbed"
SIDES = (KEPT, ABSORBED)


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    fields: tuple[str, ...]


# The identity of a person (``people.services.IDENTITY_FIELDS``), in groups.
IDENTITY_GROUPS = (
    Group("surname", "Nom d'usage", ("surname",)),
    Group("birth_surname", "Nom de naissance", ("birth_surname",)),
    Group("first_names", "Prénoms", ("first_names",)),
    Group("aliases", "Alias", ("aliases",)),
    Group("sex", "Sexe", ("sex",)),
    Group("birth_date", "Date de naissance", ("birth_date",)),
    Group("birth_place", "Lieu de naissance", ("birth_place",)),
    Group("birth_country", "Pays de naissance", ("birth_country",)),
    Group("nationality", "Nationalité", ("nationality",)),
    Group("phone", "Téléphone et rappels par SMS", ("phone", "sms_consent")),
    Group("email", "Courriel et rappels par courriel", ("email", "email_consent")),
    Group("languages", "Langues et interprète", ("languages", "interpreter_needed")),
    Group("legal_status", "Statut juridique", ("legal_status",)),
)
# What else the kept file takes from one side: its CPIP, its current address.
CPIP = Group("assigned_cpip", "CPIP référent·e", ("assigned_cpip",))
ADDRESS = Group("address", "Adresse actuelle", ("address",))
GROUPS = (*IDENTITY_GROUPS, CPIP, ADDRESS)
GROUP_OF_FIELD = {field: group.key for group in GROUPS for field in group.fields}


def differing(kept: dict[str, Any], absorbed: dict[str, Any]) -> list[Group]:
    """The groups whose values differ between the two files (the others need no choice)."""
    return [
        group
        for group in GROUPS
        if any(kept.get(field) != absorbed.get(field) for field in group.fields)
    ]


def complete(choices: dict[str, str]) -> dict[str, str]:
    """Every group with a side: an unknown side is refused, a missing one keeps the kept
    file's value. Raises ValueError on a side that is neither."""
    result = {}
    for group in GROUPS:
        side = choices.get(group.key) or KEPT
        if side not in SIDES:
            raise ValueError(group.key)
        result[group.key] = side
    return result


def chosen_identity(
    kept: dict[str, Any], absorbed: dict[str, Any], choices: dict[str, str]
) -> dict[str, Any]:
    """The identity fields of the merged file, each from the side chosen for its group."""
    choices = complete(choices)
    values = {}
    for group in IDENTITY_GROUPS:
        source = absorbed if choices[group.key] == ABSORBED else kept
        for field in group.fields:
            values[field] = source.get(field)
    return values
