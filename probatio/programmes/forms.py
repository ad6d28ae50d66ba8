"""Forms of the service's programme pages (docs/programmes.md): a programme of the catalogue, a
group with its weekly slots, the attendance of a session, the move of a session."""

from datetime import datetime

from django import forms

from probatio.agenda.forms import TimeInput
from probatio.core.forms import BaseForm, DateInput, apply_errors
from probatio.programmes import rules
from probatio.programmes.models import Programme

WEEKDAYS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]
# A group's weekly slots: a few rows, the first required (most groups meet once a week).
SLOT_ROWS = 3


def _integer(label: str, *, low: int, high: int, what: str, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        error_messages={
            "required": f"Indiquez {what}.",
            "min_value": f"Au moins {low}.",
            "max_value": f"Au plus {high}.",
            "invalid": "Saisissez un nombre entier.",
        },
        **kwargs,
    )


class ProgrammeForm(BaseForm):
    """A programme of the service's catalogue (``services.programme_save``)."""

    name = forms.CharField(
        label="Nom du programme",
        max_length=200,
        error_messages={"required": "Indiquez le nom du programme."},
    )
    mode = forms.ChoiceField(
        label="Format",
        choices=Programme.Mode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le format : collectif ou individuel."},
    )
    session_count = _integer(
        "Nombre de séances", low=1, high=100, what="le nombre de séances du programme"
    )
    session_minutes = _integer(
        "Durée d'une séance (minutes)",
        low=15,
        high=480,
        what="la durée d'une séance, en minutes",
    )
    aim = forms.CharField(
        label="Objectif", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    public = forms.CharField(
        label="Public",
        required=False,
        help_text="Les personnes à qui le programme s'adresse (infractions, situation…).",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    modules = forms.CharField(
        label="Modules",
        required=False,
        help_text="Un module par ligne.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    is_active = forms.BooleanField(
        label="Programme proposé",
        required=False,
        help_text="Un programme qui n'est plus proposé n'ouvre plus de groupe ni d'orientation.",
    )

    def data_for_service(self) -> dict:
        return dict(self.cleaned_data)


class GroupForm(BaseForm):
    """A group of a programme (``services.group_create``): its sessions are planned on its
    weekly slots from its start date, public holidays and closed days skipped."""

    site = forms.TypedChoiceField(
        label="Antenne",
        coerce=int,
        error_messages={
            "required": "Choisissez l'antenne du groupe.",
            "invalid_choice": "Choisissez une antenne du service.",
        },
    )
    room = forms.TypedChoiceField(
        label="Salle",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Une salle de l'antenne choisie, libre à chaque séance.",
        error_messages={"invalid_choice": "Choisissez une salle du service."},
    )
    start_date = forms.DateField(
        label="Début du groupe",
        widget=DateInput(),
        help_text="La première séance a lieu ce jour-là ou au premier créneau qui suit.",
        error_messages={
            "required": "Indiquez la date de début du groupe.",
            "invalid": "Saisissez une date valide.",
        },
    )
    capacity = _integer("Places", low=1, high=50, what="le nombre de places du groupe")
    facilitators = forms.TypedMultipleChoiceField(
        label="Animateurs du service",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ils relèvent la présence et peuvent déplacer les séances du groupe.",
        error_messages={"invalid_choice": "Choisissez des membres du service."},
    )
    external_facilitators = forms.CharField(
        label="Animateurs extérieurs",
        required=False,
        max_length=1000,
        help_text="Intervenants des partenaires : nom et structure, un par ligne.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, sites, facilitators, session_minutes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "Choisir une antenne")] + [
            (site.pk, site.name) for site in sites
        ]
        self.fields["room"].choices = [("", "Sans salle")] + [
            (site.name, [(room.pk, room.name) for room in site.room_list if room.is_active])
            for site in sites
            if any(room.is_active for room in site.room_list)
        ]
        self.fields["facilitators"].choices = [
            (user.pk, f"{user.get_full_name()} ({label})") for user, label in facilitators
        ]
        for row in range(1, SLOT_ROWS + 1):
            first = row == 1
            self.fields[f"slot_{row}_weekday"] = forms.TypedChoiceField(
                label="Jour",
                coerce=int,
                required=False,
                empty_value=None,
                choices=[("", "—")] + list(enumerate(WEEKDAYS)),
            )
            self.fields[f"slot_{row}_start"] = forms.TimeField(
                label="Heure de début",
                required=False,
                widget=TimeInput(),
                error_messages={"invalid": "Saisissez une heure (HH:MM)."},
            )
            self.fields[f"slot_{row}_minutes"] = forms.IntegerField(
                label="Durée (minutes)",
                required=False,
                min_value=15,
                max_value=480,
                initial=session_minutes if first else None,
                error_messages={
                    "min_value": "Au moins 15 minutes.",
                    "max_value": "Au plus 480 minutes.",
                    "invalid": "Saisissez un nombre entier de minutes.",
                },
            )
        self._bound_fields_cache.clear()

    @property
    def main_fields(self):
        return [self[name] for name in ("site", "room", "start_date", "capacity")]

    @property
    def staff_fields(self):
        return [self[name] for name in ("facilitators", "external_facilitators")]

    @property
    def slot_rows(self):
        return [
            (
                row,
                [self[f"slot_{row}_{part}"] for part in ("weekday", "start", "minutes")],
            )
            for row in range(1, SLOT_ROWS + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        slots = []
        for row in range(1, SLOT_ROWS + 1):
            names = [f"slot_{row}_{part}" for part in ("weekday", "start", "minutes")]
            if any(name in self.errors for name in names):
                continue
            weekday, start, minutes = (cleaned.get(name) for name in names)
            if weekday is None and start is None and minutes is None:
                continue
            if weekday is None:
                self.add_error(names[0], "Choisissez le jour de ce créneau.")
            if start is None:
                self.add_error(names[1], "Indiquez l'heure de début de ce créneau.")
            if minutes is None:
                self.add_error(names[2], "Indiquez la durée de ce créneau, en minutes.")
            if None not in (weekday, start, minutes):
                slots.append({"weekday": weekday, "start": f"{start:%H:%M}", "minutes": minutes})
        if not slots and not self.errors:
            self.add_error("slot_1_weekday", "Indiquez au moins un créneau hebdomadaire.")
        cleaned["slots"] = slots
        return cleaned

    def apply_service_errors(self, error) -> None:
        """The service's errors in place: those about the slots on the first slot."""
        if hasattr(error, "error_dict") and "slots" in error.error_dict:
            for item in error.error_dict.pop("slots"):
                self.add_error("slot_1_weekday", " ".join(item.messages))
        apply_errors(self, error)


STATUS_CHOICES = [("", "Non relevée"), *rules.ATTENDANCE_STATUSES.items()]


class AttendanceForm(BaseForm):
    """The attendance of the participants of a session: for each one the user may record, a
    status (present, absent excused, absent not excused) and a note. A participant left « non
    relevée » is not recorded; one already recorded keeps their status unless changed."""

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = [p for p in participants if p.can_record]
        for participant in self.participants:
            key = participant.enrolment.pk
            current = participant.attendance.status if participant.attendance else ""
            self.fields[f"status_{key}"] = forms.ChoiceField(
                label=f"Présence de {participant.person}",
                choices=STATUS_CHOICES,
                required=False,
                initial=current,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": "Choisissez une présence de la liste."},
            )
            self.fields[f"note_{key}"] = forms.CharField(
                label=f"Note sur la présence de {participant.person}",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 1}),
            )
        self._bound_fields_cache.clear()

    def rows(self) -> list[tuple]:
        """(participant, status field, note field) for the template."""
        return [
            (p, self[f"status_{p.enrolment.pk}"], self[f"note_{p.enrolment.pk}"])
            for p in self.participants
        ]

    def changes(self) -> list[tuple]:
        """(participant, status, note) of the rows to record: a status chosen, different from
        the one recorded or with a note."""
        found = []
        for participant in self.participants:
            key = participant.enrolment.pk
            status = self.cleaned_data.get(f"status_{key}") or ""
            note = (self.cleaned_data.get(f"note_{key}") or "").strip()
            current = participant.attendance.status if participant.attendance else ""
            if not status:
                if note:
                    self.add_error(
                        f"status_{key}", "Choisissez la présence à laquelle la note se rapporte."
                    )
                continue
            if status != current or note:
                found.append((participant, status, note))
        return found

    def error_on(self, participant, error) -> None:
        """A service's error about one participant, on their row."""
        key = participant.enrolment.pk
        messages = (
            [m for items in error.message_dict.values() for m in items]
            if hasattr(error, "error_dict")
            else error.messages
        )
        for message in messages:
            self.add_error(f"status_{key}", message)


class RescheduleForm(BaseForm):
    """Move one session (``services.session_reschedule``): a new date and time (Paris), a
    room of the group's site."""

    day = forms.DateField(
        label="Nouvelle date",
        widget=DateInput(),
        error_messages={
            "required": "Indiquez la nouvelle date de la séance.",
            "invalid": "Saisissez une date valide.",
        },
    )
    start = forms.TimeField(
        label="Heure de début (heure de Paris)",
        widget=TimeInput(),
        error_messages={
            "required": "Indiquez l'heure de début de la séance.",
            "invalid": "Saisissez une heure (HH:MM).",
        },
    )
    room = forms.TypedChoiceField(
        label="Salle",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Laissez « Même salle » pour garder la salle de la séance.",
        error_messages={"invalid_choice": "Choisissez une salle de l'antenne du groupe."},
    )

    def __init__(self, *args, rooms, **kwargs):
        super().__init__(*args, prefix="deplacer", **kwargs)
        self.fields["room"].choices = [("", "Même salle")] + [
            (room.pk, room.name) for room in rooms if room.is_active
        ]
        self._bound_fields_cache.clear()

    def apply_service_errors(self, error) -> None:
        """The service's errors in place: those about the moment on the date."""
        if hasattr(error, "error_dict") and "starts_at" in error.error_dict:
            for item in error.error_dict.pop("starts_at"):
                self.add_error("day", " ".join(item.messages))
        apply_errors(self, error)

    @property
    def starts_at(self) -> datetime:
        return rules.at_paris(self.cleaned_data["day"], self.cleaned_data["start"])
