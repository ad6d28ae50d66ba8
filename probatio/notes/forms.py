from django import forms

from probatio.access.policy import restrictable_professions
from probatio.access.roles import SHORT_LABELS, Role
from probatio.core.forms import BaseForm, DateInput


class NoteForm(BaseForm):
    interview_date = forms.DateField(label="Date de l'entretien", widget=DateInput())
    subject = forms.CharField(label="Objet", max_length=200)
    body = forms.CharField(
        label="Note",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Faits, échanges et suites à donner. Pas de contenu "
        "médical : seulement le fait qu'un soin est suivi.",
    )
    confidential = forms.BooleanField(
        label="Note confidentielle",
        required=False,
        help_text="Lisible seulement par vous, le ou la CPIP référent·e et l'encadrement.",
    )
    restricted_to = forms.ChoiceField(label="Réserver à ma profession", required=False)

    def __init__(self, *args, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        professions = restrictable_professions(role)
        if professions:
            self.fields["restricted_to"].choices = [("", "Non : note ordinaire")] + [
                (p, f"Oui : {SHORT_LABELS[Role(p)].lower()}s seulement") for p in professions
            ]
        else:
            del self.fields["restricted_to"]
