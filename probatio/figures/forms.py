"""The figures' period: a month, a quarter, a year or two dates, read by
``rules.parse_period`` (its French messages shown next to their field)."""

from django import forms
from django.utils import timezone

from probatio.core.forms import BaseForm, DateInput
from probatio.figures import rules


class PeriodForm(BaseForm):
    type = forms.ChoiceField(
        label="Période", choices=list(rules.KIND_LABELS.items()), initial=rules.MONTH
    )
    valeur = forms.CharField(
        label="Mois, trimestre ou année",
        required=False,
        max_length=10,
        help_text="Mois : 2026-11 ; trimestre : 2026-T3 ; année : 2026.",
    )
    du = forms.DateField(label="Du (période personnalisée)", required=False, widget=DateInput())
    au = forms.DateField(label="Au (période personnalisée)", required=False, widget=DateInput())

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.period: rules.Period | None = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.period = rules.parse_period(
                data.get("type", ""),
                data.get("valeur", ""),
                start=data.get("du"),
                end=data.get("au"),
                today=self.today,
            )
        except rules.PeriodError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return data


def initial_for(period: rules.Period) -> dict:
    """The form's values showing ``period``."""
    if period.kind == rules.CUSTOM:
        return {"type": period.kind, "du": period.start, "au": period.end}
    return {"type": period.kind, "valeur": period.value}
