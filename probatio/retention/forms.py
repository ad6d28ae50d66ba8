from django import forms

from probatio.core.forms import BaseForm
from probatio.retention.models import LegalHold


class HoldForm(BaseForm):
    reason = forms.CharField(
        label="Motif du gel",
        help_text=(
            "Pourquoi ce dossier doit être conservé au-delà de sa durée : procédure en cours, "
            "demande d'un magistrat, réclamation… (500 caractères au plus)."
        ),
        max_length=LegalHold._meta.get_field("reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
