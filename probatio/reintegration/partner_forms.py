"""Forms of the partner directory. They parse input only: the rules are in ``partners.py``."""

from django import forms
from django.core.exceptions import ValidationError

from probatio.core import phones
from probatio.core.forms import BaseForm, DateInput
from probatio.reintegration import partners, rules

KIND_CHOICES = list(rules.PARTNER_KINDS.items())
PATHWAY_CHOICES = list(rules.PATHWAYS.items())
POSTCODE_ERROR = "Le code postal compte cinq chiffres (par exemple 80000)."


class PostcodePhoneMixin:
    """The checks of a postcode and a phone number, shown next to their fields."""

    def clean_postcode(self) -> str:
        value = (self.cleaned_data.get("postcode") or "").strip()
        if value and not (len(value) == 5 and value.isdigit()):
            raise ValidationError(POSTCODE_ERROR)
        return value

    def clean_phone(self) -> str:
        try:
            return phones.normalise(self.cleaned_data.get("phone") or "")
        except phones.InvalidPhone as error:
            raise ValidationError(str(error)) from None


class PartnerFilterForm(BaseForm):
    q = forms.CharField(
        label="Recherche libre",
        required=False,
        max_length=100,
        help_text="Nom, présentation, services, commune. Les accents et les majuscules sont "
        "ignorés.",
    )
    kind = forms.ChoiceField(label="Type", required=False, choices=[("", "Tous")] + KIND_CHOICES)
    pathway = forms.ChoiceField(
        label="Service proposé", required=False, choices=[("", "Tous")] + PATHWAY_CHOICES
    )
    area = forms.CharField(
        label="Secteur desservi",
        required=False,
        max_length=10,
        help_text="Code postal, code commune ou département (80000, 80021, 80).",
    )
    inactive = forms.BooleanField(label="Inclure les partenaires inactifs", required=False)

    def clean_area(self) -> str:
        value = self.cleaned_data.get("area", "").strip()
        if value and partners.normalise_area(value) is None:
            raise ValidationError(
                "Saisissez un code postal (80000), un code commune (80021) ou un "
                "département (80, 2A, 974)."
            )
        return partners.normalise_area(value) or ""

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data.get("q", ""),
            "kind": data.get("kind", ""),
            "pathway": data.get("pathway", ""),
            "area": data.get("area", ""),
            "include_inactive": bool(data.get("inactive")),
        }


class PartnerForm(PostcodePhoneMixin, BaseForm):
    name = forms.CharField(label="Nom du partenaire", max_length=200)
    kind = forms.ChoiceField(
        label="Type de partenaire", choices=[("", "Choisir un type")] + KIND_CHOICES
    )
    pathways = forms.MultipleChoiceField(
        label="Services proposés",
        required=False,
        choices=PATHWAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Les parcours d'insertion pour lesquels on peut orienter vers ce partenaire.",
    )
    services_offered = forms.CharField(
        label="Services proposés (précisions)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Par exemple : accueil de jour, domiciliation, permanence juridique.",
    )
    description = forms.CharField(
        label="Présentation", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    postcode = forms.CharField(
        label="Code postal du siège", max_length=5, help_text="Cinq chiffres, par exemple 80000."
    )
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    email = forms.EmailField(
        label="Courriel",
        required=False,
        error_messages={"invalid": "Saisissez une adresse de courriel valide."},
    )
    website = forms.URLField(
        label="Site internet",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Saisissez une adresse de site valide (https://…)."},
    )


class SiteForm(PostcodePhoneMixin, BaseForm):
    name = forms.CharField(
        label="Nom du site",
        max_length=200,
        help_text="Par exemple « Siège » ou « Antenne de Ham ».",
    )
    address = forms.CharField(label="Adresse", max_length=300)
    postcode = forms.CharField(label="Code postal", max_length=5)
    city = forms.CharField(label="Commune", max_length=100)
    areas = forms.CharField(
        label="Secteur desservi", required=False, max_length=500, help_text=partners.AREA_HELP
    )
    opening_hours = forms.CharField(
        label="Horaires d'accueil",
        required=False,
        max_length=300,
        help_text="Par exemple : du lundi au vendredi, 9 h - 12 h 30 et 13 h 30 - 17 h.",
    )

    def clean_areas(self) -> list[str]:
        return partners.parse_areas(self.cleaned_data.get("areas", ""))


class OptionalSiteForm(SiteForm):
    """The first site on the new partner page: all of its fields, or none."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def is_filled(self) -> bool:
        return any(
            (self.data.get(self.add_prefix(name)) or "").strip()
            for name in ("name", "address", "postcode", "city", "areas")
        )

    def clean(self):
        data = super().clean()
        if self.is_filled():
            for name in ("name", "address", "postcode", "city"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "Ce champ est requis pour enregistrer le site.")
        return data


class ContactForm(PostcodePhoneMixin, BaseForm):
    name = forms.CharField(label="Nom et prénom", max_length=150)
    function = forms.CharField(label="Fonction", max_length=150, required=False)
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    email = forms.EmailField(
        label="Courriel",
        required=False,
        error_messages={"invalid": "Saisissez une adresse de courriel valide."},
    )


class OptionalContactForm(ContactForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False

    def is_filled(self) -> bool:
        return any(
            (self.data.get(self.add_prefix(name)) or "").strip()
            for name in ("name", "function", "phone", "email")
        )

    def clean(self):
        data = super().clean()
        if self.is_filled() and not data.get("name") and "name" not in self.errors:
            self.add_error("name", "Indiquez le nom du contact.")
        return data


class AgreementForm(BaseForm):
    start_date = forms.DateField(label="Début de la convention", widget=DateInput)
    end_date = forms.DateField(
        label="Fin de la convention",
        required=False,
        widget=DateInput,
        help_text="Laissez vide pour une convention sans terme.",
    )
    scope = forms.CharField(
        label="Objet",
        max_length=300,
        help_text="Par exemple : accueil de personnes sortant de détention.",
    )
    places = forms.IntegerField(
        label="Places réservées",
        required=False,
        min_value=1,
        max_value=999,
        error_messages={"min_value": "Le nombre de places réservées est d'au moins 1."},
    )


class EditorForm(BaseForm):
    user = forms.ChoiceField(label="Membre du service")

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Choisir une personne")] + [
            (str(m.user_id), f"{m.user.get_full_name()} — {m.role_label}") for m in candidates
        ]


class PeriodForm(BaseForm):
    mois = forms.TypedChoiceField(
        label="Période",
        required=False,
        coerce=int,
        choices=[(str(m), f"{m} derniers mois") for m in partners.PERIODS],
        initial=str(partners.DEFAULT_PERIOD),
    )

    def months(self) -> int:
        if self.is_valid() and self.cleaned_data.get("mois"):
            return self.cleaned_data["mois"]
        return partners.DEFAULT_PERIOD
