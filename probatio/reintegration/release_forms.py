from django import forms

from probatio.accounts.models import User
from probatio.agenda import rules as agenda_rules
from probatio.agenda.forms import TimeInput
from probatio.core.forms import BaseForm, DateInput
from probatio.organisation.models import Site
from probatio.reintegration import rules


class ReleaseItemForm(BaseForm):
    status = forms.ChoiceField(label="Statut", choices=list(rules.ITEM_STATUSES.items()))
    owner = forms.ModelChoiceField(
        label="Responsable", queryset=User.objects.none(), required=False
    )
    due_date = forms.DateField(label="Échéance", widget=DateInput(), required=False)
    comment = forms.CharField(label="Commentaire", max_length=300, required=False)

    def __init__(self, *args, service_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            User.objects.filter(memberships__service_id=service_id, memberships__is_active=True)
            .distinct()
            .order_by("last_name", "first_name")
        )
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name()


class ReleaseForm(BaseForm):
    release_date = forms.DateField(label="Date de la levée d'écrou", widget=DateInput())
    cpip = forms.ModelChoiceField(
        label="CPIP qui suivra la personne en milieu ouvert",
        queryset=User.objects.none(),
        empty_label="Choisir un ou une CPIP",
    )
    day = forms.DateField(label="Premier rendez-vous au SPIP : date", widget=DateInput())
    start_time = forms.TimeField(label="Heure de début (heure de Paris)", widget=TimeInput())
    end_time = forms.TimeField(label="Heure de fin", widget=TimeInput())
    site = forms.ModelChoiceField(
        label="Antenne", queryset=Site.objects.none(), empty_label="Choisir une antenne"
    )
    confirm = forms.BooleanField(
        label="J'ai lu les avertissements et je confirme ce rendez-vous", required=False
    )

    def __init__(self, *args, service_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cpip"].queryset = User.objects.filter(
            memberships__service_id=service_id,
            memberships__role="cpip",
            memberships__is_active=True,
        ).order_by("last_name", "first_name")
        self.fields["cpip"].label_from_instance = lambda user: user.get_full_name()
        self.fields["site"].queryset = Site.objects.filter(service_id=service_id)

    def clean(self):
        data = super().clean()
        day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            data["starts_at"] = agenda_rules.at_paris(day, start)
            data["ends_at"] = agenda_rules.at_paris(day, end)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end_time", "La fin du rendez-vous doit être après son début.")
        return data
