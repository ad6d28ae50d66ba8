from django import forms
from django.utils import timezone

from probatio.core.forms import BaseForm, BaseModelForm, DateInput
from probatio.measures import rules
from probatio.measures.models import Decision, Measure, Obligation, Offence


class DecisionForm(BaseModelForm):
    class Meta:
        model = Decision
        fields = [
            "kind",
            "jurisdiction",
            "date",
            "enforceable_date",
            "judge",
            "judge_name",
            "recidivism",
            "provisional_execution",
            "ssj_incurred",
            "ssj_on_record",
            "court_file_number",
            "summary",
        ]
        widgets = {
            "date": DateInput(),
            "enforceable_date": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "judge": "Le JAP de la juridiction, s'il a un compte Probatio.",
            "judge_name": "À renseigner si le magistrat n'a pas de compte.",
            "provisional_execution": "Sursis probatoire renforcé : premier entretien sous 8 "
            "jours (D. 546-2).",
            "ssj_incurred": "Sursis probatoire après détention : premier entretien sous 8 jours "
            "au lieu d'un mois (CPP 741-1).",
            "ssj_on_record": "Une condamnation de cette nature au casier : même délai de 8 jours.",
        }

    def __init__(self, *args, judges, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["judge"].queryset = judges
        self.fields["judge"].required = False

    def clean(self):
        data = super().clean()
        errors = rules.validate_decision_dates(
            decided=data.get("date"),
            enforceable=data.get("enforceable_date"),
            today=timezone.localdate(),
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return data


class OffenceForm(BaseModelForm):
    """A row of the offences list: a row whose label is empty is no offence (left blank, or
    emptied to remove it when correcting a decision)."""

    class Meta:
        model = Offence
        fields = ["label", "qualification", "natinf"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def clean(self):
        data = super().clean()
        if data.get("label") and not data.get("qualification"):
            self.add_error("qualification", "Indiquez la qualification de cette infraction.")
        return data

    def _post_clean(self):
        if self.cleaned_data.get("label"):
            super()._post_clean()


OffenceFormSet = forms.formset_factory(OffenceForm, extra=3, max_num=10, min_num=0)


class MeasureForm(BaseForm):
    measure_type = forms.ChoiceField(label="Mesure")
    decision = forms.ChoiceField(label="Décision")
    start_date = forms.DateField(label="Date de début", widget=DateInput())
    duration_months = forms.IntegerField(
        label="Durée ou délai (mois)",
        required=False,
        min_value=0,
        max_value=1200,
        help_text="Délai de probation, durée de la mesure, ou délai d'exécution d'un TIG.",
    )
    duration_days = forms.IntegerField(
        label="Durée ou délai (jours en plus)", required=False, min_value=0, max_value=3650
    )
    hours = forms.IntegerField(label="Heures (TIG)", required=False, min_value=0, max_value=10000)
    status = forms.ChoiceField(
        label="Statut",
        required=False,
        choices=[("", "Selon la date de début")] + list(Measure.Status.choices),
    )
    setting = forms.ChoiceField(
        label="Milieu",
        required=False,
        choices=[
            ("", "Selon la mesure"),
            ("community", "Milieu ouvert"),
            ("custody", "Milieu fermé"),
        ],
    )
    reinforced_follow_up = forms.BooleanField(
        label="Suivi renforcé",
        required=False,
        help_text="Sursis probatoire après détention : premier entretien sous 8 jours (CPP 741-1).",
    )
    report_requested_on = forms.DateField(
        label="Rapport demandé par le juge le (aménagement 723-15-1)",
        required=False,
        widget=DateInput(),
        help_text="Le rapport est dû dans les 2 mois : il apparaît dans l'échéancier.",
    )
    assigning_judge = forms.ChoiceField(label="Magistrat mandant", required=False)
    assigned_cpip = forms.ChoiceField(label="CPIP chargé·e de la mesure", required=False)

    def __init__(self, *args, measure_types, decisions, judges, cpips, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure_type"].choices = [("", "— Choisir —")] + [
            (t.code, t.label) for t in measure_types
        ]
        self.fields["decision"].choices = [("", "— Choisir —")] + [
            (str(d.pk), str(d)) for d in decisions
        ]
        self.fields["assigning_judge"].choices = [("", "Celui de la décision")] + [
            (str(u.pk), u.get_full_name()) for u in judges
        ]
        self.fields["assigned_cpip"].choices = [("", "Le CPIP référent de la personne")] + [
            (str(u.pk), u.get_full_name()) for u in cpips
        ]
        if editing:
            del self.fields["measure_type"]
            del self.fields["decision"]
            for name in ("assigning_judge", "assigned_cpip"):
                field = self.fields[name]
                field.choices = [("", "Inchangé"), *list(field.choices)[1:]]
            self.fields["status"].required = True
            self.fields["status"].choices = list(Measure.Status.choices)


class ObligationForm(BaseForm):
    obligation_type = forms.ChoiceField(label="Obligation ou interdiction")
    decision = forms.ChoiceField(label="Décision qui l'a prononcée ou modifiée en dernier")
    start_date = forms.DateField(label="Date de début", widget=DateInput())
    end_date = forms.DateField(label="Date de fin", required=False, widget=DateInput())
    status = forms.ChoiceField(
        label="Statut", choices=Obligation.Status.choices, initial=Obligation.Status.ACTIVE
    )
    proof_frequency = forms.ChoiceField(
        label="Justificatifs attendus",
        required=False,
        choices=[("", "Selon le catalogue")] + list(Obligation.ProofFrequency.choices),
    )
    details = forms.CharField(
        label="Précisions", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    victim_name = forms.CharField(
        label="Victime ou personnes protégées",
        required=False,
        max_length=200,
        help_text="Pour une interdiction de contact : information "
        "réservée (besoin d'en connaître).",
    )
    victim_contact = forms.CharField(
        label="Coordonnées de la victime", required=False, max_length=300
    )
    zone = forms.CharField(label="Lieux ou zone interdits", required=False, max_length=300)
    care_structure = forms.CharField(
        label="Structure de soins",
        required=False,
        max_length=200,
        help_text="Le nom de la structure seulement : jamais de contenu médical.",
    )

    def __init__(self, *args, obligation_types, decisions, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = {
            "control": "Mesures de contrôle",
            "obligation": "Obligations",
            "prohibition": "Interdictions",
        }
        self.fields["obligation_type"].choices = [("", "— Choisir —")] + [
            (label, [(t.code, t.label) for t in obligation_types if t.kind == kind])
            for kind, label in kinds.items()
        ]
        self.fields["decision"].choices = [(str(d.pk), str(d)) for d in decisions]
        if editing:
            del self.fields["obligation_type"]
