from django import forms

from probatio.core.forms import BaseForm
from probatio.measures.models import Measure, MeasureType


class PersonFilterForm(BaseForm):
    q = forms.CharField(
        label="Nom ou prénom",
        required=False,
        max_length=100,
        help_text="Les accents et les majuscules sont ignorés.",
    )
    measure_type = forms.ChoiceField(label="Mesure", required=False)
    measure_status = forms.ChoiceField(
        label="Statut de la mesure",
        required=False,
        choices=[("", "Tous")] + list(Measure.Status.choices),
    )
    setting = forms.ChoiceField(
        label="Milieu",
        required=False,
        choices=[("", "Tous"), ("community", "Milieu ouvert"), ("custody", "Milieu fermé")],
    )

    def __init__(self, *args, measure_types: list[MeasureType], cpips=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure_type"].choices = [("", "Toutes")] + [
            (t.code, t.short_label) for t in measure_types
        ]
        if cpips is not None:
            self.fields["cpip"] = forms.ChoiceField(
                label="CPIP",
                required=False,
                choices=[("", "Tous")] + [(str(u.pk), u.get_full_name()) for u in cpips],
            )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        result = {
            "query": data.get("q", ""),
            "measure_type": data.get("measure_type", ""),
            "measure_status": data.get("measure_status", ""),
            "setting": data.get("setting", ""),
        }
        if data.get("cpip"):
            result["cpip_id"] = int(data["cpip"])
        return result
