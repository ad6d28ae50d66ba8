"""Forms of the assessments: the grid in use rendered as fields, the psychologist's section, the
choice of the level. They only parse: what is required, an answer's type, a sensitive item's
reason and a level different from the proposal are checked by the services, whose French
messages come back next to each field (``answer_<item code>`` for the grid's answers)."""

from django import forms
from dsfr.utils import dsfr_input_class_attr

from probatio.assessments import rules
from probatio.core.forms import BaseForm, DateInput

YES_NO = [("yes", "Oui"), ("no", "Non")]


class _CheckedByTheService:
    """A field marked required (so that the optional ones say so) whose emptiness is checked by
    the service, so that every error of the grid comes back at once."""

    def validate(self, value):
        if value in self.empty_values:
            return
        super().validate(value)


class ServiceCharField(_CheckedByTheService, forms.CharField):
    pass


class ServiceChoiceField(_CheckedByTheService, forms.ChoiceField):
    pass


class ServiceDateField(_CheckedByTheService, forms.DateField):
    pass


def answer_field(item: dict) -> forms.Field:
    """The form field of one item of the grid (its raw value goes to the service)."""
    kind = item["type"]
    options = {
        "label": item["label"],
        "help_text": item.get("help", ""),
        "required": bool(item.get("required")),
    }
    if kind == "choice":
        choices = [(o["code"], o["label"]) for o in item["options"]]
        return ServiceCharField(widget=forms.RadioSelect(choices=choices), **options)
    if kind == "yes_no":
        return ServiceCharField(widget=forms.RadioSelect(choices=YES_NO), **options)
    if kind == "number":
        return ServiceCharField(
            widget=forms.NumberInput(attrs={"min": item["min"], "max": item["max"], "step": 1}),
            **options,
        )
    return ServiceCharField(
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}), strip=True, **options
    )


def answer_name(code: str) -> str:
    return f"answer_{code}"


class AssessmentForm(BaseForm):
    reason = ServiceChoiceField(
        label="Motif de l'évaluation", choices=rules.REASON_CHOICES, widget=forms.RadioSelect
    )
    assessed_on = ServiceDateField(label="Date de l'évaluation", widget=DateInput)
    sensitive_basis = forms.ChoiceField(
        label="Fondement du recueil des éléments sensibles",
        choices=[("", "— Aucun élément sensible —"), *rules.SENSITIVE_BASIS_CHOICES],
        required=False,
    )
    sensitive_reason = forms.CharField(
        label="Pourquoi ces éléments sont nécessaires",
        help_text="Obligatoire dès qu'un élément sensible est renseigné.",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    summary = ServiceCharField(
        label="Synthèse du CPIP",
        help_text="Ce que l'évaluation retient de la situation, des risques et des besoins.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, definition: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = []
        for domain in definition["domains"]:
            names = []
            for item in domain["items"]:
                name = answer_name(item["code"])
                self.fields[name] = answer_field(item)
                dsfr_input_class_attr(self[name])
                names.append(name)
            self.domains.append(
                {
                    "code": domain["code"],
                    "label": domain["label"],
                    "help": domain.get("help", ""),
                    "sensitive": any(i.get("sensitive") for i in domain["items"]),
                    "names": names,
                }
            )
        self._bound_fields_cache.clear()

    def fieldsets(self) -> list[dict]:
        """The grid's domains, each with its bound fields, for the template."""
        return [{**d, "fields": [self[name] for name in d["names"]]} for d in self.domains]

    def answers(self) -> dict:
        """Item code → raw value, for the service (empty answers left out)."""
        data = self.cleaned_data
        found = {}
        for domain in self.domains:
            for name in domain["names"]:
                value = data.get(name)
                if value not in (None, ""):
                    found[name.removeprefix("answer_")] = value
        return found


class PsychologistSectionForm(BaseForm):
    text = ServiceCharField(
        label="Observations du psychologue",
        help_text="Lues par les psychologues du service seulement.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class IntensityChoiceForm(BaseForm):
    level = ServiceChoiceField(
        label="Intensité du suivi", choices=rules.LEVEL_CHOICES, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Motif du choix",
        help_text="Obligatoire si le niveau choisi diffère de la proposition.",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
