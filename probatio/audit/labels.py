"""What the access log shows of an entry, in French: the journal keeps what was written at the
time (entries are never rewritten), some of it in internal words — the tab read
(``"identite"``, ``"formulaire assign"``), an obligation's code in a summary, the ids of the
staff in a reassignment's changes. These are turned into French here, when shown.

``register_codes`` lets an app above (measures: the obligation types) name its codes, without
this module importing it."""

import re
from datetime import date

from django.apps import apps
from django.conf import settings

from probatio.audit import fields as journal_fields

# The tabs and forms of a file as the dossier gate journals them (``log_read``), where the
# word written is not the French one.
READ_LABELS = {
    "identite": "identité et situation",
    "tig": "TIG",
    "tig : postes": "TIG : postes",
    "tig : attestation": "TIG : attestation",
    "formulaire assign": "formulaire d'attribution du suivi",
    "formulaire address_add": "formulaire de nouvelle adresse",
    "formulaire situation_add": "formulaire de mise à jour de la situation",
    "formulaire court_number_add": "formulaire de numéro de procédure",
    "formulaire decision_create": "formulaire de nouvelle décision",
    "formulaire decision_edit": "formulaire de correction d'une décision",
    "formulaire measure_create": "formulaire de nouvelle mesure",
    "formulaire measure_edit": "formulaire de modification d'une mesure",
    "formulaire obligation_create": "formulaire de nouvelle obligation",
    "formulaire obligation_edit": "formulaire de modification d'une obligation",
}
_INTERNAL_WORD = re.compile(r"^[a-z]+(_[a-z]+)+$")

# Codes named by the apps that write them into summaries: {code: French label}.
CODE_LABELS: dict[str, str] = {}
# The summaries that end with a code (written so before the label was used).
_SUMMARY_WITH_CODE = re.compile(
    r"^(?P<head>Nouvelle obligation : |Modification de l'obligation |"
    r"Mesure de contrôle \(CP 132-44\) : )(?P<code>[A-Z][A-Z0-9_]+)$"
)
_READ_SUMMARY = re.compile(r"^Consultation du dossier \((?P<what>.*)\)$")

NOT_KEPT = "(valeur non conservée)"
USER_MODEL = settings.AUTH_USER_MODEL.lower()


def register_codes(labels: dict[str, str]) -> None:
    """Name codes that summaries carry (an app's ``ready``)."""
    CODE_LABELS.update(labels)


def read_label(what: str) -> str:
    """The tab or form read, in French (``"formulaire assign"`` → « formulaire d'attribution
    du suivi »); an unknown form keeps only the word « formulaire », never an internal name."""
    if what in READ_LABELS:
        return READ_LABELS[what]
    head, _, rest = what.partition(" ")
    if head == "formulaire" and _INTERNAL_WORD.match(rest):
        return "formulaire"
    return what


def summary_label(summary: str) -> str:
    """The summary of an entry in French: the tab read, an obligation's label for its code."""
    read = _READ_SUMMARY.match(summary)
    if read:
        return f"Consultation du dossier ({read_label(read['what'])})"
    coded = _SUMMARY_WITH_CODE.match(summary)
    if coded and coded["code"] in CODE_LABELS:
        return coded["head"] + CODE_LABELS[coded["code"]]
    return summary


def _model_field(object_type: str, name: str):
    try:
        return apps.get_model(object_type)._meta.get_field(name)
    except (LookupError, ValueError):
        return None


def _is_user_field(field) -> bool:
    return (
        field is not None
        and field.is_relation
        and field.related_model is not None
        and field.related_model._meta.label_lower == USER_MODEL
    )


def user_ids(entries) -> set[int]:
    """The staff ids that the changes of ``entries`` refer to (a reassignment's CPIP before
    and after, the other professionals), to be named in one query."""
    ids: set[int] = set()
    for entry in entries:
        for name, values in (entry.changes or {}).items():
            if not _is_user_field(_model_field(entry.object_type, name)):
                continue
            for value in values:
                for one in value if isinstance(value, list) else [value]:
                    if isinstance(one, int):
                        ids.add(one)
    return ids


def _value(field, value, names: dict[int, str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if _is_user_field(field):
        values = value if isinstance(value, list) else [value]
        return ", ".join(names.get(v, "compte supprimé") for v in values)
    if isinstance(value, bool):
        return "oui" if value else "non"
    choices = dict(field.flatchoices) if getattr(field, "choices", None) else {}
    if value in choices:
        return str(choices[value])
    if field.get_internal_type() == "DateField" and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


# Values shown as they were: short words of the identity and situation; everything else is
# named only (codes, ids of other records, amounts of text).
SHOWN_INTERNAL_TYPES = {"CharField", "DateField", "BooleanField", "EmailField"}


def change_lines(entry, names: dict[int, str]) -> list[dict[str, str]]:
    """The changes of an update, in French: each field's name, and its values before and
    after where they say something (the staff by name; choices by label). A field journaled by
    name only (``audit.fields``: free texts about a person, identities) shows no value, marked
    « (valeur non conservée) », even in an entry written before it was so declared."""
    if entry.action != "update":
        return []
    hidden = journal_fields.name_only(entry.object_type)
    lines = []
    for name, values in (entry.changes or {}).items():
        field = _model_field(entry.object_type, name)
        label = str(field.verbose_name) if field is not None else name.replace("_", " ")
        line = {"field": label[:1].upper() + label[1:]}
        shown = field is not None and (
            _is_user_field(field) or field.get_internal_type() in SHOWN_INTERNAL_TYPES
        )
        if name in hidden or (isinstance(values, list) and NOT_KEPT in values):
            line["not_kept"] = NOT_KEPT
        elif shown and isinstance(values, list) and len(values) == 2:
            line["before"] = _value(field, values[0], names)
            line["after"] = _value(field, values[1], names)
        lines.append(line)
    return lines
