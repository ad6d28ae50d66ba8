from datetime import timedelta

from django import forms

from probatio.caseloads import rules, services
from probatio.caseloads.models import CapacityReduction, WorkloadWeight
from probatio.core.forms import BaseForm, DateInput
from probatio.measures.models import Measure, MeasureType
from probatio.people.models import AwaitingReason
from probatio.people.selectors import CLOSED, FOLLOWED, UNASSIGNED

# The « Dossiers » filter's value for every file, followed or closed.
ALL_FILES = "all"


class TeamForm(BaseForm):
    """The antenne whose CPIPs the manager's tables of loads show (``rules.default_team``
    when the address names none; an antenne the service has no CPIP at is refused)."""

    antenne = forms.ChoiceField(label="Antenne", required=False)

    def __init__(self, data, *, teams, default: str):
        super().__init__(data if data.get("antenne") else None, initial={"antenne": default})
        self.default = default
        total = sum(t.cpips for t in teams)
        self.fields["antenne"].choices = [
            (rules.ALL_SITES, f"Toutes les antennes ({total} CPIP)")
        ] + [(t.key, f"{t.name} ({t.cpips} CPIP)") for t in teams]
        self.fields["antenne"].error_messages["invalid_choice"] = (
            "Aucun CPIP du service ne travaille dans cette antenne : le tableau montre "
            "l'antenne par défaut."
        )
        self.shown = len(teams) > 1  # one antenne: nothing to choose

    def team(self) -> str:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["antenne"] or self.default
        return self.default


class PersonFilterForm(BaseForm):
    q = forms.CharField(
        label="Nom ou prénom",
        required=False,
        max_length=100,
        help_text="Les accents et les majuscules sont ignorés.",
    )
    measure_type = forms.ChoiceField(label="Mesure", required=False)
    measure_status = forms.ChoiceField(
        label="Statut de la mesure",
        required=False,
        choices=[("", "Tous")] + list(Measure.Status.choices),
    )
    setting = forms.ChoiceField(
        label="Milieu",
        required=False,
        choices=[("", "Tous"), ("community", "Milieu ouvert"), ("custody", "Milieu fermé")],
    )
    # The files followed by default (``Person.is_followed``); the closed ones on demand.
    files = forms.ChoiceField(
        label="Dossiers",
        required=False,
        choices=[(FOLLOWED, "Suivis"), (CLOSED, "Clos"), (ALL_FILES, "Tous")],
        initial=FOLLOWED,
        help_text="Clos : toutes les mesures sont terminées et la personne est libre.",
    )

    def __init__(self, *args, measure_types: list[MeasureType], cpips=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["measure_type"].choices = [("", "Toutes")] + [
            (t.code, t.short_label) for t in measure_types
        ]
        if cpips is not None:
            self.fields["cpip"] = forms.ChoiceField(
                label="CPIP",
                required=False,
                choices=[("", "Tous"), (UNASSIGNED, "Sans CPIP (à attribuer)")]
                + [(str(u.pk), u.get_full_name()) for u in cpips],
            )
            self.fields["received"] = forms.ChoiceField(
                label="Reçus",
                required=False,
                choices=[("", "Depuis toujours"), ("week", "Cette semaine")],
            )

    def clean_files(self) -> str:
        return self.cleaned_data.get("files") or FOLLOWED  # the default, named on the exports

    def filters(self) -> dict:
        if not self.is_valid():
            return {"files": FOLLOWED}
        data = self.cleaned_data
        files = data["files"]  # ``clean_files``: the default when left empty
        result = {
            "query": data.get("q", ""),
            "measure_type": data.get("measure_type", ""),
            "measure_status": data.get("measure_status", ""),
            "setting": data.get("setting", ""),
            "files": "" if files == ALL_FILES else files,
        }
        if data.get("cpip"):
            result["cpip_id"] = UNASSIGNED if data["cpip"] == UNASSIGNED else int(data["cpip"])
        if data.get("received") == "week" and self.today is not None:
            result["received_since"] = self.today - timedelta(days=self.today.weekday())
        return result


class QueueFilterForm(BaseForm):
    q = forms.CharField(label="Nom ou prénom", required=False, max_length=100)
    measure_type = forms.ChoiceField(label="Mesure", required=False)
    setting = forms.ChoiceField(
        label="Milieu",
        required=False,
        choices=[("", "Tous"), ("community", "Milieu ouvert"), ("custody", "Milieu fermé")],
    )
    origin = forms.ChoiceField(
        label="Origine", required=False, choices=[("", "Toutes")] + AwaitingReason.choices
    )
    urgency = forms.ChoiceField(
        label="Premier entretien",
        required=False,
        choices=[
            ("", "Tous"),
            ("urgent", "En retard ou sous 7 jours"),
            ("overdue", "En retard"),
            ("later", "Plus tard"),
            ("none", "Sans délai en cours"),
        ],
    )

    def __init__(self, *args, measure_types: list[MeasureType], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure_type"].choices = [("", "Toutes")] + [
            (t.code, t.short_label) for t in measure_types
        ]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data.get("q", ""),
            "measure_type": data.get("measure_type", ""),
            "setting": data.get("setting", ""),
            "origin": data.get("origin", ""),
            "urgency": data.get("urgency", ""),
        }


class AllocateForm(BaseForm):
    """The CPIP (radio buttons beside the workload table) and the other professionals."""

    cpip = forms.ChoiceField(label="CPIP référent·e", required=False, widget=forms.RadioSelect)
    support_staff = forms.MultipleChoiceField(
        label="Autres intervenant·es",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Psychologue, assistant·e de service social, surveillance électronique : "
        "la personne entre dans leur suivi.",
    )

    def __init__(self, *args, cpips, support, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cpip"].choices = [("", "Laisser à attribuer")] + [
            (str(u.pk), u.get_full_name() or u.username) for u in cpips
        ]
        self.fields["support_staff"].choices = [
            (str(u.pk), f"{u.get_full_name() or u.username} ({u.role_label})") for u in support
        ]


class MoveForm(BaseForm):
    """Moving files: which, to whom, what becomes of their appointments, and why."""

    persons = forms.TypedMultipleChoiceField(
        label="Dossiers", coerce=int, widget=forms.CheckboxSelectMultiple
    )
    targets = forms.TypedMultipleChoiceField(
        label="À confier à",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Un ou une CPIP reçoit tout ; plusieurs se partagent les dossiers selon "
        "leur charge.",
    )
    appointments = forms.ChoiceField(
        label="Rendez-vous à venir avec le ou la CPIP actuel·le",
        choices=services.APPOINTMENT_CHOICES,
        widget=forms.RadioSelect,
        initial=services.APPOINTMENTS_MOVE,
    )
    reason = forms.ChoiceField(label="Motif", choices=[("", "— Choisir —")] + services.REASONS)
    comment = forms.CharField(
        label="Précision",
        required=False,
        max_length=200,
        help_text="Obligatoire pour « Autre motif ».",
    )

    def __init__(self, *args, persons, cpips, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"].choices = [(p.pk, str(p)) for p in persons]
        self.fields["targets"].choices = [(u.pk, u.get_full_name() or u.username) for u in cpips]

    def clean(self):
        data = super().clean()
        if data.get("reason") == "other" and not (data.get("comment") or "").strip():
            self.add_error("comment", "Précisez le motif.")
        return data


class WorkingTimeForm(BaseForm):
    working_time = forms.IntegerField(
        label="Quotité de travail (%)",
        min_value=10,
        max_value=100,
        help_text="100 pour un temps plein, 80 pour un temps partiel à 80 %.",
    )


class ReductionForm(BaseForm):
    reason = forms.ChoiceField(label="Motif", choices=CapacityReduction.Reason.choices)
    share = forms.IntegerField(
        label="Part du temps (%)",
        min_value=1,
        max_value=100,
        help_text="100 pour une absence complète.",
    )
    start_date = forms.DateField(label="Du", widget=DateInput())
    end_date = forms.DateField(
        label="Au", required=False, widget=DateInput(), help_text="Vide : sans date de fin connue."
    )
    comment = forms.CharField(label="Précision", required=False, max_length=200)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "La fin doit être postérieure ou égale au début.")
        return data


class WeightForm(BaseForm):
    subject = forms.ChoiceField(label="Ligne du barème")
    setting = forms.ChoiceField(
        label="Milieu",
        choices=WorkloadWeight.Setting.choices,
        initial="any",
        help_text="Sans effet pour la capacité, les rapports et les coefficients d'intensité.",
    )
    points = forms.DecimalField(
        label="Points", min_value=0, max_value=200, decimal_places=1, max_digits=5
    )
    valid_from = forms.DateField(label="À partir du", widget=DateInput())

    def __init__(self, *args, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = subjects
