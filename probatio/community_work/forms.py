"""Forms of community work. They shape the input (a schedule typed as text becomes slots); the
services check the rules and say in French what is refused."""

from django import forms
from django.utils import timezone

from probatio.community_work import rules, selectors
from probatio.community_work.models import Placement, Supervisor
from probatio.core.forms import BaseForm, DateInput


class ScheduleField(forms.CharField):
    """A weekly schedule typed as ``lundi 9:00-12:00 ; mercredi 14:00-17:00``."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "Un créneau par jour, séparés par des points-virgules : « lundi 9:00-12:00 ; "
            "mercredi 14:00-17:00 ».",
        )
        super().__init__(max_length=500, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return []
        slots, error = rules.parse_schedule_text(text)
        if error:
            raise forms.ValidationError(error)
        return slots


class DaysField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=[(d, name.capitalize()) for d, name in rules.WEEKDAYS.items()],
            coerce=int,
            widget=forms.CheckboxSelectMultiple,
            required=False,
            **kwargs,
        )


class HostForm(BaseForm):
    legal_form = forms.ChoiceField(
        label="Nature de la structure",
        choices=[("", "Choisir"), *rules.LEGAL_FORMS.items()],
    )
    approval_court = forms.CharField(
        label="Juridiction ayant habilité la structure",
        max_length=200,
        help_text="Par exemple : tribunal judiciaire d'Amiens.",
    )
    approval_date = forms.DateField(label="Habilitée le", widget=DateInput())
    approval_end_date = forms.DateField(
        label="Habilitation jusqu'au", widget=DateInput(), required=False
    )
    approval_reference = forms.CharField(
        label="Référence de la décision d'habilitation", max_length=100, required=False
    )


class SupervisorForm(BaseForm):
    name = forms.CharField(label="Nom et prénom", max_length=150)
    function = forms.CharField(label="Fonction", max_length=150, required=False)
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    email = forms.EmailField(label="Courriel", required=False)
    is_active = forms.BooleanField(label="Tuteur actif", required=False, initial=True)


class PlacementForm(BaseForm):
    activity = forms.CharField(label="Activité", max_length=200)
    description = forms.CharField(
        label="Description des tâches", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    address = forms.CharField(label="Lieu (adresse)", max_length=300)
    postcode = forms.CharField(label="Code postal", max_length=5)
    city = forms.CharField(label="Commune", max_length=100)
    schedule = ScheduleField(label="Horaires")
    capacity = forms.IntegerField(
        label="Personnes accueillies en même temps",
        min_value=1,
        max_value=50,
        error_messages={
            "min_value": "Un poste accueille au moins une personne.",
            "max_value": "Un poste accueille 50 personnes au plus.",
        },
    )
    supervisor = forms.ModelChoiceField(
        label="Tuteur habituel", queryset=Supervisor.objects.none(), required=False,
        empty_label="Aucun en particulier",
    )  # fmt: skip
    skills = forms.CharField(
        label="Compétences requises",
        max_length=300,
        required=False,
        help_text="Séparées par des virgules, par exemple : permis B, port de charges.",
    )
    constraints = forms.CharField(
        label="Contraintes", max_length=300, required=False,
        help_text="Par exemple : chaussures de sécurité fournies, travail en extérieur.",
    )  # fmt: skip
    public_transport = forms.BooleanField(
        label="Accessible en transports en commun", required=False, initial=True
    )
    is_active = forms.BooleanField(label="Poste proposé", required=False, initial=True)

    def __init__(self, *args, host, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = Supervisor.objects.filter(host=host, is_active=True)


class OrderForm(BaseForm):
    hours_ordered = forms.IntegerField(label="Heures prononcées", min_value=0, max_value=10000)
    period_months = forms.IntegerField(
        label="Délai d'exécution fixé par la juridiction (mois)", min_value=0, max_value=120
    )
    counted_from = forms.DateField(
        label="Délai compté à partir du",
        widget=DateInput(),
        help_text="Le jour où la décision est devenue exécutoire.",
    )
    extra_suspension_days = forms.IntegerField(
        label="Suspension décidée par le juge (jours)",
        min_value=0,
        max_value=2000,
        required=False,
        help_text="La détention, la détention provisoire et l'assignation à résidence sont "
        "déduites d'elles-mêmes.",
    )
    available_days = DaysField(label="Jours où la personne est disponible")
    skills = forms.CharField(
        label="Compétences de la personne",
        max_length=300,
        required=False,
        help_text="Séparées par des virgules, par exemple : permis B, cuisine.",
    )
    needs_public_transport = forms.BooleanField(
        label="La personne se déplace en transports en commun", required=False
    )
    postcode = forms.CharField(
        label="Code postal du domicile",
        max_length=5,
        required=False,
        help_text="Par défaut, celui de l'adresse actuelle du dossier.",
    )


class AssignForm(BaseForm):
    placement = forms.ModelChoiceField(label="Poste", queryset=Placement.objects.none())
    supervisor = forms.ModelChoiceField(
        label="Tuteur", queryset=Supervisor.objects.none(), required=False,
        empty_label="Le tuteur habituel du poste",
    )  # fmt: skip
    start_date = forms.DateField(label="Début", widget=DateInput())
    end_date = forms.DateField(label="Fin prévue", widget=DateInput(), required=False)
    schedule = ScheduleField(
        label="Horaires prévus avec la structure",
        required=False,
        help_text="Par défaut, ceux du poste. Un créneau par jour, séparés par des "
        "points-virgules : « lundi 9:00-12:00 ».",
    )

    def __init__(self, *args, service_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["placement"].queryset = selectors.offered_placements(
            service_id, today=timezone.localdate()
        )
        self.fields["placement"].label_from_instance = lambda p: (
            f"{p.code} — {p.activity} ({p.host.partner.name}, {p.city})"
        )
        self.fields["supervisor"].queryset = Supervisor.objects.filter(
            host__partner__service_id=service_id, is_active=True
        ).select_related("host__partner")
        self.fields["supervisor"].label_from_instance = lambda s: (
            f"{s.name} ({s.host.partner.name})"
        )


class EndForm(BaseForm):
    end_date = forms.DateField(label="Date de fin", widget=DateInput())
    reason = forms.CharField(label="Motif", max_length=300, required=False)
    cancel = forms.BooleanField(
        label="Annuler l'affectation (la personne n'a pas commencé)", required=False
    )


class SessionForm(BaseForm):
    kind = forms.ChoiceField(
        label="Type", choices=list(rules.SESSION_KINDS.items()), widget=forms.RadioSelect
    )
    on = forms.DateField(label="Date", widget=DateInput())
    hours = forms.DecimalField(
        label="Heures effectuées",
        max_digits=6,  # wider than the rule: 500 gets the rule's message (10 hours at most)
        decimal_places=2,
        required=False,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text="Par quarts d'heure : 3,5 pour trois heures et demie.",
    )
    signed_by = forms.ModelChoiceField(
        label="Signée par le tuteur ou la tutrice", queryset=Supervisor.objects.none(),
        required=False, empty_label="Non précisé",
        help_text="Celui ou celle qui a signé la feuille de présence : rien n'est choisi d'avance.",
    )  # fmt: skip
    remarks = forms.CharField(
        label="Observations de la structure", max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args, host, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_by"].queryset = Supervisor.objects.filter(host=host)


class ImportForm(BaseForm):
    file = forms.FileField(
        label="Feuille d'heures (CSV)",
        help_text="Format CSV (UTF-8, séparateur point-virgule), 2 Mo au plus.",
    )
