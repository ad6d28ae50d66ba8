from django import forms

from probatio.core.forms import BaseForm
from probatio.transfers.models import Transfer


class ProposeForm(BaseForm):
    to_service = forms.ChoiceField(label="Service d'accueil")
    reason = forms.ChoiceField(
        label="Motif", choices=Transfer.Reason.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Commentaire",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Quelques mots pour le service d'accueil (nouvelle adresse, date d'arrivée…).",
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_service"].choices = [("", "— Choisir —")] + [
            (str(s.pk), s.name) for s in services
        ]


class AnswerForm(BaseForm):
    decision = forms.ChoiceField(
        label="Réponse",
        choices=[("accept", "Accepter le transfert"), ("refuse", "Refuser le transfert")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Commentaire",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour un refus : il est transmis au service d'origine.",
    )
