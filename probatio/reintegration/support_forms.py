"""Forms of the dossier's "Accompagnement" tab (arrival interview, destitution, family ties) and
of the managers' figures. They shape the input; the services check the rules and say in French
what is refused."""

from django import forms

from probatio.core.forms import BaseForm, DateInput
from probatio.reintegration import rules


def _screening_field(domain: str) -> forms.ChoiceField:
    label, answers = rules.SCREENING[domain]
    return forms.ChoiceField(label=label, choices=list(answers.items()), widget=forms.RadioSelect)


class ArrivalInterviewForm(BaseForm):
    held_on = forms.DateField(label="Date de l'entretien", widget=DateInput())
    destitution = _screening_field("destitution")
    literacy = _screening_field("literacy")
    addiction = _screening_field("addiction")
    family_ties = _screening_field("family_ties")
    identity_documents = _screening_field("identity_documents")
    observations = forms.CharField(
        label="Observations",
        max_length=1000,
        required=False,
        help_text="Ce qui aide à accompagner la personne, sans détail médical.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DestitutionForm(BaseForm):
    assessed_on = forms.DateField(label="Date", widget=DateInput())
    is_destitute = forms.TypedChoiceField(
        label="La personne est-elle sans ressources suffisantes ?",
        choices=[("1", "Oui, reconnue indigente"), ("0", "Non")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Précisions",
        max_length=300,
        required=False,
        help_text="Par exemple : ressources du mois en cours et du mois précédent, avis de la "
        "commission pluridisciplinaire.",
    )


class AidForm(BaseForm):
    kind = forms.ChoiceField(
        label="Type d'aide", choices=[("", "Choisir un type"), *rules.AID_KINDS.items()]
    )
    amount = forms.DecimalField(
        label="Montant (€)",
        max_digits=8,
        decimal_places=2,
        required=False,
        help_text="Pour une aide financière, ou la valeur de ce qui est remis.",
    )
    item = forms.CharField(
        label="Aide remise", max_length=200, required=False, help_text="Par exemple : un kit."
    )
    granted_on = forms.DateField(label="Date", widget=DateInput())


class FamilyContactForm(BaseForm):
    name = forms.CharField(label="Nom et prénom", max_length=150)
    relationship = forms.ChoiceField(
        label="Lien avec la personne",
        choices=[("", "Choisir un lien"), *rules.RELATIONSHIPS.items()],
    )
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    city = forms.CharField(label="Commune", max_length=100, required=False)
    visits = forms.ChoiceField(label="Parloirs", choices=list(rules.CONTACT_STATES.items()))
    phone_calls = forms.ChoiceField(label="Téléphone", choices=list(rules.CONTACT_STATES.items()))
    mail = forms.ChoiceField(label="Courrier", choices=list(rules.CONTACT_STATES.items()))
    comment = forms.CharField(label="Précisions", max_length=300, required=False)


class FamilyStepForm(BaseForm):
    kind = forms.ChoiceField(
        label="Démarche", choices=[("", "Choisir une démarche"), *rules.FAMILY_STEPS.items()]
    )
    contact = forms.TypedChoiceField(
        label="Proche concerné", coerce=int, required=False, empty_value=None
    )
    on = forms.DateField(label="Date", widget=DateInput())
    comment = forms.CharField(label="Précisions", max_length=300, required=False)

    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [
            ("", "Aucun en particulier"),
            *((c.pk, str(c)) for c in contacts),
        ]


class FiguresPeriodForm(BaseForm):
    start = forms.DateField(label="Du", widget=DateInput())
    end = forms.DateField(label="Au", widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "La fin de la période ne peut pas précéder son début.")
        return data
