from datetime import timedelta

from django import forms

from probatio.agenda import rules
from probatio.agenda.models import Appointment
from probatio.core.forms import BaseForm, DateInput
from probatio.measures.models import Measure
from probatio.notes.forms import NoteForm
from probatio.organisation.models import Establishment, Room, Site


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class MeasureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, measure) -> str:
        return f"{measure.measure_type.short_label} (depuis le {measure.start_date:%d/%m/%Y})"


def open_day_from(day, *, site: Site | None, alsace_moselle: bool):
    """The day to propose for an appointment: ``day`` or the next open one (no public holiday,
    a day the site opens; Monday to Friday without a site's hours)."""
    return rules.next_open_day(
        day,
        opening_hours=site.opening_hours if site is not None else None,
        is_holiday=lambda d: bool(rules.holiday_name(d, alsace_moselle=alsace_moselle)),
    )


def set_staff_choices(field, staff_choices: list) -> None:
    """The staff offered (``selectors.booking_staff``, in its order), each with why."""
    field.users = {c.user.pk: c.user for c in staff_choices}
    field.choices = [
        (
            c.user.pk,
            f"{c.user.get_full_name() or c.user.username} — {c.reason}"
            if c.reason
            else c.user.get_full_name() or c.user.username,
        )
        for c in staff_choices
    ]


def staff_users(field, ids: list[int]) -> list:
    return [field.users[pk] for pk in ids if pk in field.users]


class _TimesMixin:
    """Day + start and end times, entered in Paris time, combined into aware datetimes."""

    def clean_times(self, data: dict) -> dict:
        day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            data["starts_at"] = rules.at_paris(day, start)
            data["ends_at"] = rules.at_paris(day, end)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end_time", "La fin du rendez-vous doit être après son début.")
        return data


class BookingForm(_TimesMixin, BaseForm):
    kind = forms.ChoiceField(label="Type de rendez-vous", choices=Appointment.Kind.choices)
    measure = MeasureChoiceField(
        label="Mesure concernée",
        queryset=Measure.objects.none(),
        required=False,
        help_text="Pour compter les absences par mesure et joindre l'explication de la mesure "
        "à la convocation.",
    )
    staff = forms.TypedMultipleChoiceField(
        label="Professionnel·les",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Le ou la CPIP de la personne d'abord, puis les autres intervenant·es qui la "
        "suivent et les agents de l'antenne.",
    )
    day = forms.DateField(label="Date", widget=DateInput())
    start_time = forms.TimeField(label="Heure de début (heure de Paris)", widget=TimeInput())
    end_time = forms.TimeField(label="Heure de fin", widget=TimeInput())
    place_kind = forms.ChoiceField(label="Lieu", choices=Appointment.PlaceKind.choices)
    site = forms.ModelChoiceField(label="Antenne", queryset=Site.objects.none(), required=False)
    room = forms.ModelChoiceField(
        label="Bureau ou salle", queryset=Room.objects.none(), required=False
    )
    establishment = forms.ModelChoiceField(
        label="Établissement pénitentiaire", queryset=Establishment.objects.none(), required=False
    )
    place_detail = forms.CharField(
        label="Adresse du lieu ou lien de visioconférence",
        max_length=300,
        required=False,
        help_text="Pour « Autre lieu » : l'adresse ; pour une visio : le lien https://…",
    )
    to_bring = forms.CharField(
        label="Documents à apporter",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label="J'ai lu les avertissements et je confirme ce rendez-vous",
        required=False,
    )

    def __init__(self, *args, service_id: int, person, staff_choices: list, **kwargs):
        super().__init__(*args, **kwargs)
        set_staff_choices(self.fields["staff"], staff_choices)
        measures = Measure.objects.filter(
            person=person, status__in=Measure.OPEN_STATUSES
        ).select_related("measure_type")
        self.fields["measure"].queryset = measures
        if not self.is_bound and "measure" not in self.initial:
            open_measures = list(measures[:2])
            if len(open_measures) == 1:  # the only open measure: nothing to choose
                self.initial["measure"] = open_measures[0].pk
        self.fields["site"].queryset = Site.objects.filter(service_id=service_id)
        self.fields["room"].queryset = Room.objects.filter(
            site__service_id=service_id, is_active=True
        ).select_related("site")
        self.fields["establishment"].queryset = Establishment.objects.filter(service_id=service_id)
        self.fields["to_bring"].initial = Appointment._meta.get_field("to_bring").default

    def clean_staff(self) -> list:
        return staff_users(self.fields["staff"], self.cleaned_data["staff"])

    def clean(self):
        return self.clean_times(super().clean())

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "measure": data.get("measure"),
            "place_kind": data["place_kind"],
            "site": data.get("site"),
            "room": data.get("room"),
            "establishment": data.get("establishment"),
            "place_detail": data.get("place_detail", ""),
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "to_bring": data.get("to_bring", ""),
        }


class OutcomeForm(BaseForm):
    status = forms.ChoiceField(
        label="Issue",
        choices=[
            (Appointment.Status.HONOURED, "Honoré"),
            (Appointment.Status.EXCUSED, "Excusé"),
            (Appointment.Status.NO_SHOW, "Absent non excusé"),
            (Appointment.Status.CANCELLED, "Annulé"),
        ],
        widget=forms.RadioSelect,
    )
    status_reason = forms.CharField(
        label="Motif",
        max_length=300,
        required=False,
        help_text="Obligatoire pour une absence excusée ou une annulation.",
    )


class MoveForm(_TimesMixin, BaseForm):
    day = forms.DateField(label="Nouvelle date", widget=DateInput())
    start_time = forms.TimeField(label="Heure de début (heure de Paris)", widget=TimeInput())
    end_time = forms.TimeField(label="Heure de fin", widget=TimeInput())
    room = forms.ModelChoiceField(
        label="Bureau ou salle", queryset=Room.objects.none(), required=False
    )
    status_reason = forms.CharField(label="Motif du report", max_length=300)
    confirm = forms.BooleanField(
        label="J'ai lu les avertissements et je confirme ce nouvel horaire", required=False
    )

    def __init__(self, *args, appointment: Appointment, **kwargs):
        super().__init__(*args, **kwargs)
        if appointment.site_id:
            self.fields["room"].queryset = Room.objects.filter(
                site_id=appointment.site_id, is_active=True
            )
        else:
            del self.fields["room"]
        if not self.is_bound:
            start = rules.paris(appointment.starts_at)
            self.initial.update(
                {
                    "day": open_day_from(
                        start.date() + timedelta(days=7),
                        site=appointment.site if appointment.site_id else None,
                        alsace_moselle=appointment.service.alsace_moselle,
                    ),
                    "start_time": start.time(),
                    "end_time": rules.paris(appointment.ends_at).time(),
                    "room": appointment.room_id,
                }
            )

    def clean(self):
        return self.clean_times(super().clean())


class UnplannedInterviewForm(_TimesMixin, BaseForm):
    """An interview already held without an appointment, and its note (the note form's
    fields, but its date: the interview's)."""

    kind = forms.ChoiceField(
        label="Type d'entretien",
        choices=[
            (k, label)
            for k, label in Appointment.Kind.choices
            if k not in (Appointment.Kind.HEARING, Appointment.Kind.PARTNER)
        ],
        initial=Appointment.Kind.FOLLOW_UP,
    )
    measure = MeasureChoiceField(
        label="Mesure concernée", queryset=Measure.objects.none(), required=False
    )
    day = forms.DateField(label="Date de l'entretien", widget=DateInput())
    start_time = forms.TimeField(label="Heure de début (heure de Paris)", widget=TimeInput())
    end_time = forms.TimeField(label="Heure de fin", widget=TimeInput())
    place_kind = forms.ChoiceField(label="Lieu", choices=Appointment.PlaceKind.choices)
    site = forms.ModelChoiceField(label="Antenne", queryset=Site.objects.none(), required=False)
    establishment = forms.ModelChoiceField(
        label="Établissement pénitentiaire", queryset=Establishment.objects.none(), required=False
    )
    place_detail = forms.CharField(
        label="Adresse du lieu ou lien de visioconférence",
        max_length=300,
        required=False,
        help_text="Pour « Autre lieu » : l'adresse ; pour une visio : le lien https://…",
    )

    NOTE_FIELDS = ("subject", "body", "confidential", "restricted_to")

    def __init__(self, *args, service_id: int, person, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = Measure.objects.filter(
            person=person, status__in=Measure.OPEN_STATUSES
        ).select_related("measure_type")
        self.fields["site"].queryset = Site.objects.filter(service_id=service_id)
        self.fields["establishment"].queryset = Establishment.objects.filter(service_id=service_id)
        note_form = NoteForm(role=role)
        for name in self.NOTE_FIELDS:
            if name in note_form.fields:
                self.fields[name] = note_form.fields[name]

    def clean(self):
        return self.clean_times(super().clean())

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "measure": data.get("measure"),
            "place_kind": data["place_kind"],
            "site": data.get("site"),
            "establishment": data.get("establishment"),
            "place_detail": data.get("place_detail", ""),
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
        }

    def note_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.NOTE_FIELDS}


class AgendaFilterForm(BaseForm):
    view = forms.ChoiceField(
        label="Affichage",
        choices=[("semaine", "Semaine"), ("jour", "Jour")],
        required=False,
    )
    date = forms.DateField(label="Date", widget=DateInput(), required=False)
    agent = forms.TypedChoiceField(label="Agenda de", coerce=int, required=False, empty_value=None)
    site = forms.TypedChoiceField(label="Antenne", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, staff: list, sites: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [("", "Tous les agendas")] + [
            (u.pk, u.get_full_name() or u.username) for u in staff
        ]
        self.fields["site"].choices = [("", "Toutes les antennes")] + [
            (s.pk, s.name) for s in sites
        ]


class SlotSearchForm(BaseForm):
    """The free slots of the chosen staff and room: the booking form's names, so that the
    booking page's values carry over and a slot's link fills the booking form."""

    DURATIONS = [(30, "30 minutes"), (45, "45 minutes"), (60, "1 heure"), (90, "1 h 30")]

    staff = forms.TypedMultipleChoiceField(
        label="Professionnel·les", coerce=int, widget=forms.CheckboxSelectMultiple
    )
    site = forms.TypedChoiceField(label="Antenne", coerce=int, required=False, empty_value=None)
    room = forms.TypedChoiceField(
        label="Bureau ou salle", coerce=int, required=False, empty_value=None
    )
    day = forms.DateField(label="À partir du", widget=DateInput(), required=False)
    duration = forms.TypedChoiceField(
        label="Durée", coerce=int, choices=DURATIONS, initial=45, required=False, empty_value=45
    )

    def __init__(self, *args, staff_choices: list, sites: list, rooms: list, **kwargs):
        super().__init__(*args, **kwargs)
        set_staff_choices(self.fields["staff"], staff_choices)
        self.sites = {s.pk: s for s in sites}
        self.rooms = {r.pk: r for r in rooms}
        self.fields["site"].choices = [("", "Aucune")] + [(s.pk, s.name) for s in sites]
        self.fields["room"].choices = [("", "Aucun")] + [
            (
                r.pk,
                f"{r.name} ({self.sites[r.site_id].name})" if r.site_id in self.sites else r.name,
            )
            for r in rooms
        ]

    def clean_staff(self) -> list:
        return staff_users(self.fields["staff"], self.cleaned_data["staff"])

    def clean_site(self):
        return self.sites.get(self.cleaned_data["site"])

    def clean_room(self):
        return self.rooms.get(self.cleaned_data["room"])
