from datetime import timedelta

from django import forms

from probatio.core.forms import BaseForm, DateInput
from probatio.oversight import rules

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PeriodForm(BaseForm):
    """The days the anomaly view covers (Paris time, inclusive): the last 30 by default."""

    du = forms.DateField(label="Du", required=False, widget=DateInput())
    au = forms.DateField(label="Au (inclus)", required=False, widget=DateInput())

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        for field, message in rules.period_errors(
            *self._bounds(data.get("du"), data.get("au"))
        ).items():
            self.add_error(field, message)
        return data

    def _bounds(self, start, end):
        """The period asked for, completed: no end, up to today (or the start when later);
        no start, the ``DEFAULT_PERIOD_DAYS`` days up to the end."""
        if end is None:
            end = max(self.today, start) if start else self.today
        if start is None:
            start = end - timedelta(days=rules.DEFAULT_PERIOD_DAYS - 1)
        return start, end

    def period(self):
        """``(start, end)``: what was asked, else the default (also when the form is refused:
        the page then shows the default period under the errors)."""
        if self.is_bound and self.is_valid():
            return self._bounds(self.cleaned_data.get("du"), self.cleaned_data.get("au"))
        return rules.default_period(self.today)


class ReaderDayForm(BaseForm):
    """The day of a reader's entries (today when not given)."""

    jour = forms.DateField(label="Jour", required=False, widget=DateInput())


class ThresholdsForm(BaseForm):
    """The service's thresholds (``OversightSettings``), every one required."""

    unusual_reads_per_day = forms.IntegerField(
        label="Lectures inhabituelles : dossiers jamais attribués lus par jour, au-delà desquels "
        "l'agent apparaît",
        min_value=1,
        max_value=rules.MAX_UNUSUAL_READS,
    )
    day_starts = forms.TimeField(label="Heures ouvrées : début (heure de Paris)", widget=TIME_INPUT)
    day_ends = forms.TimeField(label="Heures ouvrées : fin (heure de Paris)", widget=TIME_INPUT)
    denial_burst_count = forms.IntegerField(
        label="Rafale de refus : nombre de refus d'accès",
        min_value=2,
        max_value=rules.MAX_BURST_COUNT,
    )
    denial_burst_minutes = forms.IntegerField(
        label="Rafale de refus : en moins de (minutes)",
        min_value=1,
        max_value=rules.MAX_BURST_MINUTES,
    )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("day_starts"), data.get("day_ends")
        if starts and ends and not starts < ends:
            self.add_error("day_ends", rules.threshold_errors(data)["day_ends"])
        return data
