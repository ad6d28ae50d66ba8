from django import forms

from probatio.accounts.models import User
from probatio.core.forms import BaseForm, DateInput
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
