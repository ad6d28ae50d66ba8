from django import forms

from probatio.core.forms import BaseForm, DateInput
from probatio.organisation.models import Site

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
WEEKDAYS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]


class ServiceSettingsForm(BaseForm):
    """The reminders (up to three), the no-show threshold and the échéancier's defaults."""

    reminder_1_days = forms.IntegerField(
        label="1er rappel : jours avant le rendez-vous", min_value=0, max_value=14
    )
    reminder_1_time = forms.TimeField(label="1er rappel : heure (Paris)", widget=TIME_INPUT)
    reminder_2_days = forms.IntegerField(
        label="2e rappel : jours avant", min_value=0, max_value=14, required=False
    )
    reminder_2_time = forms.TimeField(label="2e rappel : heure", widget=TIME_INPUT, required=False)
    reminder_3_days = forms.IntegerField(
        label="3e rappel : jours avant", min_value=0, max_value=14, required=False
    )
    reminder_3_time = forms.TimeField(label="3e rappel : heure", widget=TIME_INPUT, required=False)
    no_show_threshold = forms.IntegerField(
        label="Absences non excusées sur une mesure avant de proposer un incident",
        min_value=1,
        max_value=10,
    )
    first_interview_default_days = forms.IntegerField(
        label="Délai du premier entretien quand la loi n'en fixe pas (jours)",
        min_value=1,
        max_value=120,
    )
    measure_end_horizon_days = forms.IntegerField(
        label="Fins de mesure annoncées dans l'échéancier (jours à l'avance)",
        min_value=7,
        max_value=365,
    )
    proof_grace_days = forms.IntegerField(
        label="Délai de grâce des justificatifs périodiques (jours après la fin de la période)",
        min_value=0,
        max_value=60,
    )
    lc_alert_months = forms.IntegerField(
        label="Détention : « LC possible » annoncée (mois à l'avance)", min_value=1, max_value=24
    )
    lsc_alert_months = forms.IntegerField(
        label="Détention : examen de la libération sous contrainte annoncé (mois à l'avance)",
        min_value=1,
        max_value=24,
    )
    information_alert_months = forms.IntegerField(
        label="Détention : information de la personne annoncée (mois à l'avance)",
        min_value=1,
        max_value=12,
    )
    lsc_plein_droit_alert_months = forms.IntegerField(
        label="Détention : LSC de plein droit annoncée (mois à l'avance)",
        min_value=1,
        max_value=12,
    )

    referral_reminder_days = forms.IntegerField(
        label="Orientation vers un partenaire sans réponse : relance après (jours)",
        min_value=1,
        max_value=90,
    )

    release_plan_horizon_months = forms.IntegerField(
        label="Plan de sortie pour les libérations prévues dans les (mois)",
        min_value=1,
        max_value=24,
    )

    arrival_interview_days = forms.IntegerField(
        label="Entretien arrivant à mener dans les (jours suivant l'écrou)",
        min_value=1,
        max_value=30,
    )

    end_report_days = forms.IntegerField(
        label="Rapport de fin de mesure à transmettre (jours avant la fin)",
        min_value=0,
        max_value=120,
    )
    cap_opinion_days = forms.IntegerField(
        label="Avis pour la CAP à transmettre (jours avant la séance)",
        min_value=0,
        max_value=60,
    )
    alsace_moselle = forms.BooleanField(
        label="Jours fériés d'Alsace-Moselle (Vendredi saint, 26 décembre)",
        required=False,
        help_text="Services de la Moselle, du Bas-Rhin et du Haut-Rhin : ces jours ne comptent "
        "pas dans les délais en jours ouvrables ou ouvrés.",
    )

    notice_from = forms.TimeField(
        label="Avis d'annulation ou de déplacement : envoyés à partir de (heure de Paris)",
        widget=TIME_INPUT,
    )
    notice_until = forms.TimeField(
        label="Avis d'annulation ou de déplacement : envoyés jusqu'à",
        widget=TIME_INPUT,
        help_text="Un avis décidé en dehors de ces heures part à la prochaine heure permise, "
        "sauf si le rendez-vous a lieu avant : il part alors aussitôt.",
    )
    notice_days = forms.TypedMultipleChoiceField(
        label="Jours où les avis peuvent partir",
        choices=[(str(n), name) for n, name in enumerate(WEEKDAYS, start=1)],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    notice_on_holidays = forms.BooleanField(
        label="Les avis partent aussi les jours fériés",
        required=False,
    )

    NOTICE_FIELDS = ("notice_from", "notice_until", "notice_days", "notice_on_holidays")

    ALERT_FIELDS = (
        "lc_alert_months",
        "lsc_alert_months",
        "information_alert_months",
        "lsc_plein_droit_alert_months",
        "referral_reminder_days",
        "release_plan_horizon_months",
        "arrival_interview_days",
        "end_report_days",
        "cap_opinion_days",
        "alsace_moselle",
    )

    @classmethod
    def initial_for(cls, service) -> dict:
        initial = {
            "no_show_threshold": service.no_show_threshold,
            "first_interview_default_days": service.first_interview_default_days,
            "measure_end_horizon_days": service.measure_end_horizon_days,
            "proof_grace_days": service.proof_grace_days,
            **{name: getattr(service, name) for name in cls.ALERT_FIELDS},
            **{name: getattr(service, name) for name in cls.NOTICE_FIELDS},
        }
        initial["notice_days"] = [str(day) for day in service.notice_days]
        for number, entry in enumerate(service.reminder_schedule[:3], start=1):
            initial[f"reminder_{number}_days"] = entry["days_before"]
            initial[f"reminder_{number}_time"] = entry["time"]
        return initial

    def clean(self):
        data = super().clean()
        schedule = []
        for number in (1, 2, 3):
            days, clock = data.get(f"reminder_{number}_days"), data.get(f"reminder_{number}_time")
            if (days is None) != (clock is None):
                self.add_error(
                    f"reminder_{number}_time", "Indiquez à la fois le nombre de jours et l'heure."
                )
            elif days is not None:
                schedule.append({"days_before": days, "time": clock.strftime("%H:%M")})
        data["reminder_schedule"] = schedule
        return data


# --- Sites, opening hours, rooms and closed days -------------------------------------------

RANGES_PER_DAY = 3


def _site_choices(sites, *, blank: str = "") -> list[tuple[str, str]]:
    choices = [("", blank)] if blank else []
    return choices + [(str(site.pk), site.name) for site in sites]


class SiteForm(BaseForm):
    name = forms.CharField(label="Nom", max_length=200)
    kind = forms.ChoiceField(label="Type", choices=Site.Kind.choices)
    address = forms.CharField(label="Adresse", widget=forms.Textarea(attrs={"rows": 2}))
    postcode = forms.RegexField(
        label="Code postal",
        regex=r"^\d{5}$",
        error_messages={"invalid": "Le code postal a cinq chiffres."},
    )
    city = forms.CharField(label="Commune", max_length=100)
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    access_notes = forms.CharField(
        label="Informations d'accès",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Transports, accès aux personnes à mobilité réduite, interphone, étage…",
    )
    establishment = forms.ChoiceField(
        label="Établissement (antenne en milieu fermé)",
        required=False,
        help_text="Seulement pour une antenne en milieu fermé : l'établissement où elle travaille.",
    )

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.establishments = {str(e.pk): e for e in establishments}
        self.fields["establishment"].choices = [("", "Aucun")] + [
            (pk, str(e)) for pk, e in self.establishments.items()
        ]

    @classmethod
    def initial_for(cls, site: Site) -> dict:
        return {
            **{f: getattr(site, f) for f in ("name", "kind", "address", "postcode", "city")},
            "phone": site.phone,
            "access_notes": site.access_notes,
            "establishment": str(site.establishment_id or ""),
        }

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["establishment"] = self.establishments.get(data.get("establishment") or "")
        return data


class OpeningHoursForm(BaseForm):
    """A week of opening hours: per day, up to three ranges « de … à … » (time inputs)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day in range(1, 8):
            for n in range(1, RANGES_PER_DAY + 1):
                for end in ("from", "to"):
                    self.fields[f"d{day}_{n}_{end}"] = forms.TimeField(
                        label=f"{WEEKDAYS[day - 1]}, plage {n} : "
                        + ("de" if end == "from" else "à"),
                        required=False,
                        widget=TIME_INPUT,
                    )
        self._bound_fields_cache.clear()

    @classmethod
    def initial_for(cls, site: Site) -> dict:
        initial = {}
        for day in range(1, 8):
            for n, (start, end) in enumerate(site.opening_hours.get(str(day), [])[:3], start=1):
                initial[f"d{day}_{n}_from"] = start
                initial[f"d{day}_{n}_to"] = end
        return initial

    def rows(self) -> list[dict]:
        """The table's rows: a day and its ranges' two fields each."""
        return [
            {
                "day": WEEKDAYS[day - 1],
                "key": f"day_{day}",
                "errors": getattr(self, "day_errors", {}).get(f"day_{day}", []),
                "ranges": [
                    (self[f"d{day}_{n}_from"], self[f"d{day}_{n}_to"])
                    for n in range(1, RANGES_PER_DAY + 1)
                ],
            }
            for day in range(1, 8)
        ]

    def clean(self):
        data = super().clean()
        self.hours = {}
        for day in range(1, 8):
            ranges = []
            for n in range(1, RANGES_PER_DAY + 1):
                start, end = data.get(f"d{day}_{n}_from"), data.get(f"d{day}_{n}_to")
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    self.add_error(
                        None,
                        f"{WEEKDAYS[day - 1]}, plage {n} : indiquez l'heure de début et l'heure "
                        "de fin.",
                    )
                    continue
                ranges.append([f"{start:%H:%M}", f"{end:%H:%M}"])
            if ranges:
                self.hours[str(day)] = ranges
        return data


class RoomForm(BaseForm):
    site = forms.ChoiceField(label="Antenne")
    name = forms.CharField(label="Nom", max_length=100, help_text="Par exemple : Bureau 3.")
    access_notes = forms.CharField(label="Accès", max_length=300, required=False)
    is_active = forms.BooleanField(
        label="En service", required=False, initial=True,
        help_text="Décochez pour ne plus proposer ce bureau (les rendez-vous passés le gardent).",
    )  # fmt: skip

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.sites = {str(site.pk): site for site in sites}
        self.fields["site"].choices = _site_choices(sites)

    def data_for_service(self) -> dict:
        return {**self.cleaned_data, "site": self.sites[self.cleaned_data["site"]]}


class ClosedDayForm(BaseForm):
    site = forms.ChoiceField(
        label="Antenne fermée",
        required=False,
        help_text="« Tout le service » ferme toutes les antennes.",
    )
    start_date = forms.DateField(label="Du", widget=DateInput())
    end_date = forms.DateField(
        label="Au (inclus)", required=False, widget=DateInput(), help_text="Vide : un seul jour."
    )
    reason = forms.CharField(
        label="Motif",
        max_length=200,
        help_text="Par exemple : Fermeture exceptionnelle, Pont de l'Ascension.",
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.sites = {str(site.pk): site for site in sites}
        self.fields["site"].choices = _site_choices(sites, blank="Tout le service")

    def data_for_service(self) -> dict:
        return {**self.cleaned_data, "site": self.sites.get(self.cleaned_data.get("site") or "")}
