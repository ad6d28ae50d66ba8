from django import forms

from probatio.compliance.models import Incident
from probatio.core.forms import BaseForm, DateInput
from probatio.reports import answers, rules


class ReportCreateForm(BaseForm):
    kind = forms.ChoiceField(label="Type de rapport", choices=list(rules.KIND_LABELS.items()))
    matter = forms.ChoiceField(
        label="Objet de l'avis",
        required=False,
        choices=[("", "Choisir (avis seulement)")]
        + [(code, answers.MATTERS[code].short) for code in answers.OPINION_MATTERS],
        help_text="Ce sur quoi le juge statuera : ses réponses possibles en dépendent.",
    )
    urgency = forms.ChoiceField(
        label="Degré d'urgence (rapport d'incident)",
        required=False,
        choices=[("", "Ordinaire")]
        + [(code, label) for code, label in answers.URGENCY_LABELS.items() if code != "normal"],
    )
    court = forms.TypedChoiceField(
        label="Tribunal destinataire (enquête sociale rapide)",
        coerce=int,
        required=False,
        empty_value=None,
    )
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

    def __init__(self, *args, measures, incidents, courts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["court"].choices = [("", "Choisir le tribunal")] + [
            (c.pk, c.name) for c in courts
        ]
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
