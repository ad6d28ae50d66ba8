from django import forms

from probatio.core.deadlines import registered
from probatio.core.forms import BaseForm
from probatio.people.selectors import UNASSIGNED

HORIZONS = [(7, "7 jours"), (30, "30 jours"), (60, "60 jours"), (90, "90 jours")]


class ScheduleFilterForm(BaseForm):
    kind = forms.ChoiceField(label="Type d'échéance", required=False)
    horizon = forms.TypedChoiceField(
        label="Jusqu'à", choices=HORIZONS, coerce=int, required=False, empty_value=30, initial=30
    )
    cpip = forms.ChoiceField(label="CPIP", required=False)
    overdue = forms.BooleanField(label="En retard seulement", required=False)

    def __init__(self, *args, cpips: list | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Toutes")] + [(r.kind, r.label) for r in registered()]
        if cpips is None:
            del self.fields["cpip"]
        else:
            self.fields["cpip"].choices = [
                ("", "Tout le service"),
                (UNASSIGNED, "Dossiers sans CPIP"),
            ] + [(str(u.pk), u.get_full_name()) for u in cpips]
