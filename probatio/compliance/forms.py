from django import forms

from probatio.compliance import rules, uploads
from probatio.compliance.models import Incident
from probatio.core.forms import BaseForm, DateInput


class ProofForm(BaseForm):
    """A proof received for one period of one obligation. The obligation and the period are
    chosen before (links from the schedule); the form takes the document."""

    period_start = forms.TypedChoiceField(label="Période couverte", coerce=str)
    document_type = forms.CharField(label="Document reçu", max_length=200)
    received_on = forms.DateField(label="Reçu le", widget=DateInput())
    file = forms.FileField(
        label="Fichier (PDF, JPEG ou PNG)",
        required=False,
        help_text="",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    comment = forms.CharField(
        label="Remarque", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, obligation, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period_start"].choices = [
            (
                s.slot.key.isoformat(),
                f"{s.slot.label} — attendu le {s.slot.due:%d/%m/%Y} ({s.label})",
            )
            for s in slots
        ]
        limit = uploads.max_bytes() // 1_000_000
        self.fields["file"].help_text = (
            f"{limit} Mo au plus. Sans fichier, le justificatif est enregistré comme original "
            "vu sur papier."
        )
        hint = obligation.obligation_type.proof_hint
        if hint:
            self.fields["document_type"].help_text = f"Attendu : {hint}."
        if obligation.obligation_type_id in rules.HEALTH_CODES:
            # Medical secrecy: an attendance certificate, nothing about the care itself.
            del self.fields["comment"]
            self.fields["document_type"].help_text = (
                "Attestation de présence uniquement : aucune information médicale (nature des "
                "soins, diagnostic, traitement) n'est demandée ni enregistrée."
            )
            self.fields["document_type"].initial = "Attestation de présence"


class ProofReviewForm(BaseForm):
    decision = forms.ChoiceField(
        label="Décision",
        choices=[("accept", "Accepter"), ("refuse", "Refuser")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Motif du refus",
        max_length=300,
        required=False,
        help_text="Obligatoire pour un refus.",
    )


class IncidentForm(BaseForm):
    kind = forms.ChoiceField(label="Nature", choices=Incident.Kind.choices)
    occurred_on = forms.DateField(label="Date des faits", widget=DateInput())
    source = forms.ChoiceField(label="Source de l'information", choices=Incident.Source.choices)
    obligation = forms.TypedChoiceField(
        label="Obligation concernée", coerce=int, required=False, empty_value=None
    )
    description = forms.CharField(label="Faits", widget=forms.Textarea(attrs={"rows": 4}))
    steps_taken = forms.MultipleChoiceField(
        label="Démarches engagées",
        choices=Incident.Step.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    person_explanation = forms.CharField(
        label="Explications de la personne",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, obligations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["obligation"].choices = [("", "Aucune en particulier")] + [
            (
                o.pk,
                f"{o.obligation_type.label} ({o.measure.measure_type.short_label}"
                f"{', terminée' if o.status == 'ended' else ''})",
            )
            for o in obligations
        ]


class DismissForm(BaseForm):
    reason = forms.CharField(label="Motif", max_length=300)
