from django import forms

from probatio.core.forms import BaseForm, BaseModelForm, DateInput
from probatio.organisation.models import Establishment
from probatio.people.models import Address, CourtFileNumber, Person, SituationEntry
from probatio.people.services import IDENTITY_FIELDS
from probatio.people.situation import STATUSES


class PersonForm(BaseModelForm):
    class Meta:
        model = Person
        fields = IDENTITY_FIELDS
        widgets = {"birth_date": DateInput()}


class DuplicateCheckForm(BaseForm):
    """The identity typed so far, as the duplicate check reads it (every field optional)."""

    surname = forms.CharField(required=False, max_length=100)
    birth_surname = forms.CharField(required=False, max_length=100)
    first_names = forms.CharField(required=False, max_length=150)
    birth_date = forms.DateField(required=False)
    phone = forms.CharField(required=False, max_length=30)
    email = forms.CharField(required=False, max_length=254)


class AccessLogFilterForm(BaseForm):
    """The access log's filters: one user, a range of days (paged results)."""

    agent = forms.ChoiceField(label="Utilisateur", required=False)
    du = forms.DateField(label="Du", required=False, widget=DateInput())
    au = forms.DateField(label="Au (inclus)", required=False, widget=DateInput())

    def __init__(self, *args, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [("", "Tous")] + [
            (str(u.pk), u.get_full_name() or u.username) for u in actors
        ]

    def clean(self):
        data = super().clean()
        if data.get("du") and data.get("au") and data["du"] > data["au"]:
            self.add_error("au", "La fin de la période ne peut pas précéder son début.")
        return data

    def filters(self) -> dict:
        """The selector's arguments (nothing filtered on what is invalid)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "actor_id": int(data["agent"]) if data.get("agent") else None,
            "start": data.get("du"),
            "end": data.get("au"),
        }


class AddressForm(BaseModelForm):
    class Meta:
        model = Address
        fields = ["line1", "line2", "postcode", "city", "hosted_by", "valid_from"]
        widgets = {"valid_from": DateInput()}


class FirstAddressForm(AddressForm):
    """On creation the address is optional, but complete when given."""

    prefix = "address"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def clean(self):
        data = super().clean()
        if data.get("line1"):
            for name in ("postcode", "city", "valid_from"):
                if not data.get(name):
                    self.add_error(name, "Ce champ est obligatoire quand une adresse est saisie.")
        return data


class SituationForm(BaseForm):
    situation = forms.ChoiceField(
        label="Situation",
        choices=[
            (
                SituationEntry.Domain(domain).label,
                [(f"{domain}:{code}", label) for code, label in items],
            )
            for domain, items in STATUSES.items()
        ],
    )
    details = forms.CharField(
        label="Précisions (faits uniquement)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Santé et addictions : uniquement des faits (soin suivi "
        "ou non), jamais de contenu médical.",
    )
    effective_date = forms.DateField(label="Date de la situation", widget=DateInput())


class CustodyOpenForm(BaseForm):
    establishment = forms.ModelChoiceField(
        label="Établissement", queryset=Establishment.objects.none()
    )
    committal_number = forms.CharField(label="Numéro d'écrou", max_length=30)
    committal_date = forms.DateField(label="Date d'écrou", widget=DateInput())

    def __init__(self, *args, service_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = Establishment.objects.filter(service_id=service_id)


class CourtNumberForm(BaseModelForm):
    class Meta:
        model = CourtFileNumber
        fields = ["kind", "number"]
