"""Forms of the managers' intensity pages: the answer to a change of level, and a service's
follow-up rule (docs/assessments.md)."""

from django import forms

from probatio.assessments import rules
from probatio.core.forms import BaseForm, DateInput

ANY_MEASURE_LABEL = "Toutes mesures"


class IntensityAnswerForm(BaseForm):
    """A manager's answer to one change of level: validate, or refuse with a comment (the
    service says why a refusal needs one)."""

    answer = forms.ChoiceField(
        label="Réponse",
        choices=[("accept", "Valider"), ("refuse", "Refuser")],
        error_messages={"required": "Choisissez de valider ou de refuser le changement."},
    )
    comment = forms.CharField(
        label="Commentaire",
        required=False,
        max_length=1000,
        help_text="Obligatoire pour refuser : la raison est transmise au CPIP.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, decision_id: int, **kwargs):
        # One form per change on the page: its own ids, so labels and errors stay apart.
        super().__init__(*args, prefix=f"decision-{decision_id}", **kwargs)
        self.decision_id = decision_id

    @property
    def accept(self) -> bool:
        return self.cleaned_data["answer"] == "accept"


def measure_kind_choices(measure_types) -> list[tuple[str, str]]:
    return [(rules.ANY_MEASURE, ANY_MEASURE_LABEL)] + [
        (kind.code, kind.label) for kind in measure_types
    ]


class IntensityRuleForm(BaseForm):
    """A rule of the service for a level under a kind of measure, from a date."""

    level = forms.ChoiceField(
        label="Intensité",
        choices=[("", "Choisir")] + rules.LEVEL_CHOICES,
        error_messages={"required": "Choisissez un niveau d'intensité."},
    )
    measure_kind = forms.ChoiceField(
        label="Type de mesure",
        help_text="« Toutes mesures » s'applique quand aucune règle propre au type de mesure "
        "n'existe.",
    )
    period_days = forms.IntegerField(
        label="Période (jours)",
        min_value=7,
        max_value=365,
        error_messages={
            "required": "Indiquez la période, en jours.",
            "min_value": "La période compte au moins 7 jours.",
            "max_value": "La période compte au plus 365 jours.",
            "invalid": "Saisissez un nombre entier de jours.",
        },
    )
    interviews = forms.IntegerField(
        label="Entretiens par période",
        min_value=1,
        max_value=20,
        error_messages={
            "required": "Indiquez le nombre d'entretiens par période.",
            "min_value": "Au moins un entretien par période.",
            "max_value": "20 entretiens par période au plus.",
            "invalid": "Saisissez un nombre entier.",
        },
    )
    home_visits = forms.IntegerField(
        label="Visites à domicile par période",
        min_value=0,
        max_value=10,
        initial=0,
        error_messages={
            "required": "Indiquez le nombre de visites à domicile (0 s'il n'y en a pas).",
            "min_value": "Le nombre de visites ne peut pas être négatif.",
            "max_value": "10 visites par période au plus.",
            "invalid": "Saisissez un nombre entier.",
        },
    )
    review_days = forms.IntegerField(
        label="Réexamen de l'évaluation (jours)",
        min_value=30,
        max_value=730,
        error_messages={
            "required": "Indiquez l'intervalle de réexamen, en jours.",
            "min_value": "Le réexamen a lieu à 30 jours au moins.",
            "max_value": "Le réexamen a lieu à 730 jours au plus.",
            "invalid": "Saisissez un nombre entier de jours.",
        },
    )
    valid_from = forms.DateField(
        label="En vigueur à partir du",
        widget=DateInput(),
        error_messages={
            "required": "Indiquez la date d'entrée en vigueur.",
            "invalid": "Saisissez une date valide.",
        },
    )

    def __init__(self, *args, measure_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure_kind"].choices = measure_kind_choices(measure_types)
        self.fields["measure_kind"].error_messages["invalid_choice"] = "Type de mesure inconnu."

    def data_for_service(self) -> dict:
        return dict(self.cleaned_data)
