from django import forms

from probatio.core.forms import BaseForm, DateInput
from probatio.measures.models import Decision
from probatio.sentences import rules
from probatio.sentences.models import Reduction, Sentence


class SentenceForm(BaseForm):
    decision = forms.ModelChoiceField(
        label="Décision de condamnation",
        queryset=Decision.objects.none(),
        help_text="La décision qui prononce la peine (enregistrée dans « Mesures et obligations »).",
    )
    years = forms.IntegerField(label="Années", min_value=0, max_value=99, required=False)
    months = forms.IntegerField(label="Mois", min_value=0, max_value=1199, required=False)
    days = forms.IntegerField(label="Jours", min_value=0, max_value=9999, required=False)
    description = forms.CharField(
        label="Nature",
        max_length=200,
        required=False,
        help_text="Par exemple : emprisonnement ferme, révocation de sursis.",
    )
    category = forms.ChoiceField(
        label="Catégorie d'infraction",
        choices=Sentence.Category.choices,
        initial=Sentence.Category.ORDINARY,
        help_text="Elle fixe le plafond des réductions de peine (CPP 721, 721-1-1, 721-1-2).",
    )
    qualification = forms.ChoiceField(
        label="Qualification",
        choices=Sentence.Qualification.choices,
        initial=Sentence.Qualification.DELIT,
    )

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = Decision.objects.filter(person=person).exclude(
            kind=Decision.Kind.JAP_ORDER
        )

    def clean(self):
        data = super().clean()
        for name in ("years", "months", "days"):
            data[name] = data.get(name) or 0
        if not self.errors and not (data["years"] or data["months"] or data["days"]):
            self.add_error("years", "La durée de la peine ne peut pas être nulle.")
        return data


class TermsForm(BaseForm):
    remand_days = forms.IntegerField(
        label="Détention provisoire et ARSE à déduire (jours)",
        min_value=0,
        max_value=36500,
        help_text="Jours passés en détention provisoire ou sous ARSE pour ces faits (CPP 716-4).",
    )
    safety_years = forms.IntegerField(
        label="Période de sûreté : années", min_value=0, max_value=99, required=False
    )
    safety_months = forms.IntegerField(
        label="Période de sûreté : mois", min_value=0, max_value=1199, required=False
    )
    safety_days = forms.IntegerField(
        label="Période de sûreté : jours", min_value=0, max_value=9999, required=False
    )
    lsc_exclusions = forms.MultipleChoiceField(
        label="La libération sous contrainte n'est pas examinée (CPP 720 I)",
        choices=list(rules.LSC_EXCLUSIONS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    lsc_plein_droit_exclusions = forms.MultipleChoiceField(
        label="La libération sous contrainte de plein droit est exclue (CPP 720 III)",
        choices=list(rules.LSC_PLEIN_DROIT_EXCLUSIONS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def clean(self):
        data = super().clean()
        for name in ("safety_years", "safety_months", "safety_days"):
            data[name] = data.get(name) or 0
        return data


class ReductionForm(BaseForm):
    kind = forms.ChoiceField(
        label="Nature", choices=Reduction.Kind.choices, widget=forms.RadioSelect
    )
    days = forms.IntegerField(label="Nombre de jours", min_value=1, max_value=36500)
    date = forms.DateField(label="Date de l'ordonnance du JAP", widget=DateInput())
    judge_name = forms.CharField(label="Magistrat", max_length=150, required=False)
    jurisdiction = forms.CharField(
        label="Juridiction",
        max_length=200,
        initial="Juge de l'application des peines",
    )
    summary = forms.CharField(
        label="Motif (résumé)",
        max_length=300,
        required=False,
        help_text="Par exemple : après avis de la CAP du 12/03 ; retrait pour incident disciplinaire.",
    )


class OfficialDateForm(BaseForm):
    kind = forms.ChoiceField(label="Type de date", choices=list(rules.OFFICIAL_KINDS.items()))
    date = forms.DateField(label="Date communiquée par le greffe", widget=DateInput())
