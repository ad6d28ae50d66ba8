"""Forms of the dossier's "Insertion" tab. They only shape the input: the rules (the partner
of the service and active, the need of the person, the allowed moves, the dates) are checked by
the services, whose French messages are shown next to the fields."""

from django import forms

from probatio.core.forms import BaseForm, DateInput
from probatio.reintegration import rules


class OpenChoiceField(forms.TypedChoiceField):
    """A select whose options are a suggestion: any whole number is passed on to the service,
    which says in French why a value is refused (an inactive partner, a forbidden move)."""

    def valid_value(self, value) -> bool:
        return True


def _id(value) -> int:
    return int(value)


class NeedForm(BaseForm):
    pathway = forms.ChoiceField(
        label="Parcours d'insertion", choices=[("", "Choisir un parcours"), *rules.PATHWAYS.items()]
    )
    details = forms.CharField(
        label="Précisions",
        max_length=500,
        required=False,
        help_text="Ce qui est utile pour orienter la personne, sans détail médical.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    identified_on = forms.DateField(label="Identifié le", widget=DateInput())


class NeedStatusForm(BaseForm):
    status = forms.ChoiceField(label="Nouveau statut")
    changed_on = forms.DateField(label="Date", widget=DateInput())
    comment = forms.CharField(label="Commentaire", max_length=300, required=False)

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (code, label) for code, label in rules.NEED_STATUSES.items() if code != current
        ]


class ReferralForm(BaseForm):
    need = OpenChoiceField(label="Besoin concerné", coerce=_id, required=False, empty_value=None)
    partner = OpenChoiceField(label="Partenaire", coerce=_id, empty_value=None)
    referred_on = forms.DateField(label="Date de l'orientation", widget=DateInput())
    purpose = forms.CharField(
        label="Objet de l'orientation",
        max_length=500,
        help_text="Ce qui est demandé au partenaire (hébergement, inscription, rendez-vous…).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    status = forms.ChoiceField(
        label="Où en est l'orientation ?",
        choices=[
            (rules.PROPOSED, "Proposée à la personne (pas encore envoyée)"),
            (rules.SENT, "Envoyée au partenaire"),
        ],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, needs, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [
            ("", "Aucun besoin rattaché"),
            *(
                (n.pk, f"{n.get_pathway_display()} ({n.get_status_display().lower()})")
                for n in needs
            ),
        ]
        self.fields["partner"].choices = [
            ("", "Choisir un partenaire"),
            *((p.pk, f"{p.name} — {p.get_kind_display()}") for p in partners),
        ]


class ReferralMoveForm(BaseForm):
    status = OpenChoiceField(label="Nouveau statut", coerce=str)
    on = forms.DateField(label="Date", widget=DateInput())
    comment = forms.CharField(
        label="Commentaire",
        max_length=500,
        required=False,
        help_text="Par exemple : date du rendez-vous donné, motif d'un refus ou d'un abandon.",
    )

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (code, rules.REFERRAL_STATUSES[code]) for code in rules.REFERRAL_MOVES[current]
        ]


class OutcomeForm(BaseForm):
    outcome = forms.CharField(
        label="Suite donnée par le partenaire",
        help_text="Ce que le partenaire a fait savoir : accueil, démarches engagées, résultat.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
