from django import forms

from probatio.core.forms import BaseForm

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
