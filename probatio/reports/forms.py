from django import forms

from probatio.compliance.models import Incident
from probatio.core.forms import BaseForm, DateInput
from probatio.reports import rules


class ReportCreateForm(BaseForm):
    kind = forms.ChoiceField(label="Type de rapport", choices=list(rules.KIND_LABELS.items()))
    measure = forms.TypedChoiceField(
        label="Mesure concernée", coerce=int, required=False, empty_value=None
    )
    incident = forms.TypedChoiceField(
        label="Manquement (rapport d'incident)", coerce=int, required=False, empty_value=None
    )
    due_date = forms.DateField(
        label="À rendre le",
        required=False,
        widget=DateInput(),
        help_text="Par exemple : évaluation à 3 mois d'un sursis probatoire renforcé, rapport "
        "demandé par le juge sous 2 mois. Le rapport apparaît alors dans l'échéancier.",
    )

    def __init__(self, *args, measures, incidents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [("", "Aucune en particulier")] + [
            (m.pk, f"{m.measure_type.label} ({m.get_status_display().lower()})") for m in measures
        ]
        self.fields["incident"].choices = [("", "Aucun")] + [
            (i.pk, f"{i.get_kind_display()} du {i.occurred_on:%d/%m/%Y}")
            for i in incidents
            if i.status == Incident.Status.RECORDED
        ]


class SendBackForm(BaseForm):
    comment = forms.CharField(
        label="Ce qui doit être repris", widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(BaseForm):
    kind = forms.ChoiceField(label="Réponse", choices=list(rules.ANSWER_LABELS.items()))
    answered_on = forms.DateField(label="Date de la décision", widget=DateInput())
    text = forms.CharField(
        label="Texte de la décision", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    part = forms.CharField(
        label="Part révoquée (révocation partielle)", required=False, max_length=200
    )
    extra_months = forms.IntegerField(
        label="Prolongation (mois)", required=False, min_value=1, max_value=36
    )
    new_obligations = forms.MultipleChoiceField(
        label="Obligations ajoutées (modification des obligations)",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    ended_obligations = forms.TypedMultipleChoiceField(
        label="Obligations levées (modification des obligations)",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, obligation_types, obligations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_obligations"].choices = [(t.code, t.label) for t in obligation_types]
        self.fields["ended_obligations"].choices = [
            (o.pk, o.obligation_type.label) for o in obligations
        ]
