"""Forms of the dossier's « Programmes » tab: the referral to a programme and the move of an
enrolment. They only parse and offer what fits (the service's active programmes, the moves
the rules allow from the current status, the programme's groups still open with their places
left); the services check the rest and their French messages come back next to each field."""

from django import forms

from probatio.core.forms import BaseForm
from probatio.core.text import count
from probatio.programmes import rules
from probatio.programmes.summaries import group_label

REASON_HELP = (
    "Obligatoire pour : "
    + ", ".join(
        f"« {label.lower()} »"
        for status, label in rules.ENROLMENT_STATUSES.items()
        if status in rules.REASON_REQUIRED
    )
    + "."
)


class ReferForm(BaseForm):
    programme = forms.TypedChoiceField(
        label="Programme",
        coerce=int,
        empty_value=None,
        error_messages={
            "required": "Choisissez le programme.",
            "invalid_choice": "Choisissez un programme proposé par le service.",
        },
    )
    compulsory = forms.BooleanField(
        label="Obligation judiciaire",
        required=False,
        help_text="À cocher quand le juge a ordonné ce stage ou ce programme : une absence non "
        "excusée pourra alors donner lieu à un manquement.",
    )
    reason = forms.CharField(
        label="Motif de l'orientation",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.programmes = {p.pk: p for p in programmes}
        self.fields["programme"].choices = [("", "— Choisir un programme —")] + [
            (p.pk, p.name) for p in programmes
        ]

    def clean_programme(self):
        return self.programmes[self.cleaned_data["programme"]]


def places_text(group) -> str:
    if group.places_left == 0:
        return "complet"
    return count(group.places_left, "place restante", "places restantes")


class MoveForm(BaseForm):
    status = forms.ChoiceField(label="Nouvel état", widget=forms.RadioSelect)
    group = forms.TypedChoiceField(
        label="Groupe",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Pour une inscription ou une mise en liste d'attente.",
    )
    reason = forms.CharField(
        label="Motif",
        required=False,
        max_length=2000,
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, current: str, groups, **kwargs):
        super().__init__(*args, **kwargs)
        moves = [s for s in rules.ENROLMENT_STATUSES if rules.may_move(current, s)]
        # Only the allowed moves are offered; another state sent (a page left open while
        # someone else moved the enrolment) reaches the service, whose refusal says why.
        self.fields["status"].choices = list(rules.ENROLMENT_STATUSES.items())
        self.fields["status"].widget.choices = [(s, rules.ENROLMENT_STATUSES[s]) for s in moves]
        self.fields["status"].error_messages["required"] = "Choisissez le nouvel état."
        self.groups = {g.pk: g for g in groups}
        if {"waiting", "enrolled"} & set(moves):
            self.fields["group"].choices = [("", "— Choisir un groupe —")] + [
                (g.pk, f"{group_label(g).capitalize()} — {places_text(g)}") for g in groups
            ]
        else:
            del self.fields["group"]

    def clean_group(self):
        pk = self.cleaned_data.get("group")
        return self.groups[pk] if pk is not None else None
