from django import forms
from dsfr.widgets import InlineRadioSelect

from probatio.core import phones
from probatio.core.forms import BaseForm
from probatio.merges import rules
from probatio.people.models import Person


class CandidateSearchForm(BaseForm):
    q = forms.CharField(
        label="Rechercher l'autre dossier dans le service",
        help_text="Nom, nom de naissance, prénom ou alias.",
        required=False,
        max_length=100,
    )


def _shown(person: Person, field: str, value) -> str:
    """A value as the comparison shows it."""
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if field == "birth_date":
        return f"{value:%d/%m/%Y}"
    if field == "phone":
        return phones.display(value)
    if field in ("sex", "legal_status"):
        return str(dict(Person._meta.get_field(field).choices).get(value, value))
    if field == "assigned_cpip":
        return person.assigned_cpip.get_full_name() if person.assigned_cpip else "—"
    if field == "address":
        line1, line2, postcode, city = value
        return ", ".join(part for part in (line1, line2, f"{postcode} {city}") if part)
    return str(value)


FIELD_WORDS = {
    "sms_consent": "rappels par SMS",
    "email_consent": "rappels par courriel",
    "interpreter_needed": "interprète",
}


def shown_group(person: Person, identity: dict, group: rules.Group) -> str:
    """The values of a group of fields of one file, as one line."""
    parts = []
    for field in group.fields:
        text = _shown(person, field, identity.get(field))
        parts.append(f"{FIELD_WORDS[field]} : {text}" if field in FIELD_WORDS else text)
    return " ; ".join(parts)


class MergeChoiceForm(BaseForm):
    """Which file keeps its number, and for each group of fields that differs, whose value the
    merged file keeps. Radios name the files by their number; ``choices()`` says it by fate
    (``rules.KEPT``, ``rules.ABSORBED``). A group left without an answer (a page half filled,
    an address typed by hand) keeps the kept file's value: the confirmation shows it."""

    def __init__(self, data, *, first: Person, second: Person, identities: dict[int, dict]):
        super().__init__(data)
        self.first, self.second = first, second
        self.identities = identities
        a, b = identities[first.pk], identities[second.pk]
        self.fields["keep"] = forms.ChoiceField(
            label="Numéro de dossier conservé",
            help_text="L'autre numéro mènera à ce dossier.",
            choices=[
                (str(first.pk), f"Dossier n° {first.pk}"),
                (str(second.pk), f"Dossier n° {second.pk}"),
            ],
            initial=str(first.pk),
            required=False,
            widget=InlineRadioSelect,
        )
        self.groups = []
        for group in rules.differing(a, b):
            if group is rules.ADDRESS and (a["address"] is None or b["address"] is None):
                continue  # one current address only: it stays the current one
            self.fields[group.key] = forms.ChoiceField(
                label=group.label,
                choices=[
                    (str(p.pk), f"n° {p.pk} : {shown_group(p, identities[p.pk], group)}")
                    for p in (first, second)
                ],
                required=False,
                widget=InlineRadioSelect,
            )
            self.groups.append(group)

    def kept_pk(self) -> int:
        value = self._cleaned().get("keep") or str(self.first.pk)
        return int(value)

    def _cleaned(self) -> dict:
        return getattr(self, "cleaned_data", None) or {}

    def choices(self) -> dict[str, str]:
        """Group → ``rules.KEPT`` or ``rules.ABSORBED``, every group answered: a group not
        answered takes the kept file's value."""
        kept = str(self.kept_pk())
        result = {}
        for group in rules.GROUPS:
            value = self._cleaned().get(group.key) if group.key in self.fields else None
            result[group.key] = rules.ABSORBED if value and value != kept else rules.KEPT
        return result

    def result_rows(self) -> list[dict]:
        """Each group with both values and the one the merged file will have."""
        kept_pk = self.kept_pk()
        choices = self.choices()
        rows = []
        for group in rules.GROUPS:
            values = {
                p.pk: shown_group(p, self.identities[p.pk], group)
                for p in (self.first, self.second)
            }
            absorbed_pk = self.second.pk if kept_pk == self.first.pk else self.first.pk
            chosen_pk = absorbed_pk if choices[group.key] == rules.ABSORBED else kept_pk
            if group is rules.ADDRESS and self.identities[kept_pk]["address"] is None:
                chosen_pk = absorbed_pk  # the only current address
            rows.append(
                {
                    "label": group.label,
                    "first": values[self.first.pk],
                    "second": values[self.second.pk],
                    "result": values[chosen_pk],
                    "differs": values[self.first.pk] != values[self.second.pk],
                }
            )
        return rows
