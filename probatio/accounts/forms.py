from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm

from probatio.accounts import rules
from probatio.accounts.models import Absence
from probatio.core.forms import BaseForm, DateInput


class SignInForm(AuthenticationForm, BaseForm):
    username = forms.CharField(
        label="Identifiant",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "Identifiant ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }


# --- The service's staff, kept by its managers ---------------------------------------------


def _role_choices():
    return [(role.value, role.label) for role in rules.MANAGER_GRANTS]


class _MembershipFields(BaseForm):
    role = forms.ChoiceField(
        label="Rôle",
        help_text="Un compte de juge est créé par l'administration de la plateforme.",
    )
    site = forms.ChoiceField(label="Antenne", required=False)
    working_time = forms.IntegerField(
        label="Quotité de travail (%)",
        min_value=10,
        max_value=100,
        initial=100,
        help_text="100 pour un temps plein, 80 pour un temps partiel à 80 %…",
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.sites = {str(site.pk): site for site in sites}
        self.fields["role"].choices = _role_choices()
        self.fields["site"].choices = [("", "Aucune")] + [
            (pk, site.name) for pk, site in self.sites.items()
        ]

    def data_for_service(self) -> dict:
        return {**self.cleaned_data, "site": self.sites.get(self.cleaned_data.get("site") or "")}


IDENTITY_LABELS = {
    "first_name": "Prénom",
    "last_name": "Nom",
    "email": "Adresse électronique professionnelle",
    "phone": "Téléphone professionnel",
    "title": "Fonction affichée",
}


class IdentityForm(BaseForm):
    first_name = forms.CharField(label=IDENTITY_LABELS["first_name"], max_length=150)
    last_name = forms.CharField(label=IDENTITY_LABELS["last_name"], max_length=150)
    email = forms.EmailField(
        label=IDENTITY_LABELS["email"],
        help_text="Le lien pour choisir le mot de passe y est envoyé.",
    )
    phone = forms.CharField(label=IDENTITY_LABELS["phone"], max_length=30, required=False)
    title = forms.CharField(
        label=IDENTITY_LABELS["title"],
        max_length=100,
        required=False,
        help_text="Par exemple : Conseillère pénitentiaire d'insertion et de probation.",
    )


class StaffCreateForm(IdentityForm, _MembershipFields):
    username = forms.RegexField(
        label="Identifiant de connexion",
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text="Par exemple : prenom.nom (lettres, chiffres et . @ + - _).",
        error_messages={"invalid": "Lettres, chiffres et . @ + - _ seulement, sans espace."},
    )
    field_order = ["username", "first_name", "last_name", "email", "phone", "title"]


class StaffAddForm(_MembershipFields):
    username = forms.CharField(
        label="Identifiant du compte existant",
        max_length=150,
        help_text="Le compte garde ses rattachements à d'autres services.",
    )
    field_order = ["username"]


class MembershipForm(_MembershipFields):
    pass


class AbsenceForm(BaseForm):
    kind = forms.ChoiceField(
        label="Nature",
        choices=Absence.Kind.choices,
        help_text="Jamais de motif médical : « Congés » ou « Autre » suffisent.",
    )
    start_date = forms.DateField(label="Du", widget=DateInput())
    end_date = forms.DateField(
        label="Au (inclus)", required=False, widget=DateInput(), help_text="Vide : un seul jour."
    )


class NewPasswordForm(SetPasswordForm, BaseForm):
    """The password a new account chooses from the link it was mailed."""


class OwnPasswordForm(PasswordChangeForm, BaseForm):
    """A signed-in user changes their own password (Django's validators)."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "Le mot de passe actuel est incorrect.",
    }


class PasswordForgottenForm(BaseForm):
    identifier = forms.CharField(
        label="Identifiant ou adresse électronique",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
        error_messages={"required": "Indiquez votre identifiant ou votre adresse électronique."},
    )


class SecondFactorCodeForm(BaseForm):
    code = forms.CharField(
        label="Code de vérification",
        max_length=20,
        help_text="Les 6 chiffres affichés par votre application d'authentification, ou un de "
        "vos codes de secours.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": "Tapez le code affiché par votre application."},
    )
