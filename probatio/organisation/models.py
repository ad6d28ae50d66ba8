from datetime import time

from django.core.validators import RegexValidator
from django.db import models


def default_notice_days() -> list[int]:
    """Monday to Saturday (ISO weekdays): no notice goes on a Sunday."""
    return [1, 2, 3, 4, 5, 6]


def default_reminder_schedule() -> list[dict]:
    """10:00 two days before, and 08:00 on the day (Europe/Paris)."""
    return [{"days_before": 2, "time": "10:00"}, {"days_before": 0, "time": "08:00"}]


class Service(models.Model):
    """A departmental SPIP."""

    name = models.CharField("nom", max_length=200)
    department_code = models.CharField(
        "code du département",
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^(\d{2,3}|2A|2B)$", "Code de département invalide.")],
    )
    address = models.TextField("adresse du siège", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    is_sandbox = models.BooleanField("service de formation (données fictives)", default=False)
    # Service settings (managed by the service's managers).
    reminder_schedule = models.JSONField(
        "rappels avant un rendez-vous",
        default=default_reminder_schedule,
        help_text='Liste de rappels : {"days_before": 2, "time": "10:00"} (heure de Paris).',
    )
    no_show_threshold = models.PositiveSmallIntegerField(
        "absences non excusées avant de proposer un incident", default=2
    )
    first_interview_default_days = models.PositiveSmallIntegerField(
        "délai par défaut du premier entretien (jours)", default=45
    )
    measure_end_horizon_days = models.PositiveSmallIntegerField(
        "fins de mesure signalées (jours à l'avance)", default=60
    )
    proof_grace_days = models.PositiveSmallIntegerField(
        "délai de grâce des justificatifs (jours après la fin de la période)", default=10
    )
    # Eligibility alerts of persons in prison: months ahead each one appears in the échéancier.
    lc_alert_months = models.PositiveSmallIntegerField(
        "LC possible : alerte (mois à l'avance)", default=6
    )
    lsc_alert_months = models.PositiveSmallIntegerField(
        "examen de la LSC : alerte (mois à l'avance)", default=4
    )
    information_alert_months = models.PositiveSmallIntegerField(
        "information de la personne : alerte (mois à l'avance)", default=2
    )
    lsc_plein_droit_alert_months = models.PositiveSmallIntegerField(
        "LSC de plein droit : alerte (mois à l'avance)", default=4
    )
    referral_reminder_days = models.PositiveSmallIntegerField(
        "orientation sans réponse : relance après (jours)", default=15
    )
    release_plan_horizon_months = models.PositiveSmallIntegerField(
        "plan de sortie : libérations prévues dans les (mois)", default=6
    )
    arrival_interview_days = models.PositiveSmallIntegerField(
        "entretien arrivant : à mener dans les (jours suivant l'écrou)", default=7
    )
    # Legal reports whose deadline the service sets.
    end_report_days = models.PositiveSmallIntegerField(
        "rapport de fin de mesure : à transmettre (jours avant la fin)", default=30
    )
    cap_opinion_days = models.PositiveSmallIntegerField(
        "avis pour la CAP : à transmettre (jours avant la séance)", default=7
    )
    # Moselle, Bas-Rhin, Haut-Rhin: Good Friday and 26 December are public holidays too.
    alsace_moselle = models.BooleanField(
        "jours fériés d'Alsace-Moselle (Vendredi saint, 26 décembre)", default=False
    )
    # Quiet hours: when a cancellation or move notice may go (Paris time); outside them it
    # waits for the next allowed time (messaging.rules.notice_time).
    notice_from = models.TimeField("avis : envoyés à partir de", default=time(8, 0))
    notice_until = models.TimeField("avis : envoyés jusqu'à", default=time(20, 0))
    notice_days = models.JSONField(
        "avis : jours d'envoi",
        default=default_notice_days,
        help_text="Jours ISO (1 = lundi … 7 = dimanche) où les avis peuvent partir.",
    )
    notice_on_holidays = models.BooleanField("avis : envoyés les jours fériés", default=False)

    class Meta:
        verbose_name = "SPIP"
        verbose_name_plural = "SPIP"
        ordering = ["department_code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(notice_until__gt=models.F("notice_from")),
                name="service_notice_hours_in_order",
                violation_error_message="L'heure de fin des envois doit être après l'heure de "
                "début.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """An antenne: a community office, or the SPIP team based in a prison."""

    class Kind(models.TextChoices):
        COMMUNITY = "community", "Antenne de milieu ouvert"
        PRISON = "prison", "Antenne en milieu fermé"
        HEAD_OFFICE = "head_office", "Siège"

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="sites", verbose_name="SPIP"
    )
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    address = models.TextField("adresse")
    postcode = models.CharField("code postal", max_length=5)
    city = models.CharField("commune", max_length=100)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    opening_hours = models.JSONField(
        "horaires d'ouverture",
        default=dict,
        blank=True,
        help_text='Par jour ISO (1 = lundi) : liste de plages ["09:00", "12:30"].',
    )
    access_notes = models.TextField(
        "informations d'accès",
        blank=True,
        help_text="Transports, accès aux personnes à mobilité réduite, interphone, étage…",
    )
    establishment = models.ForeignKey(
        "Establishment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
        verbose_name="établissement (antenne en détention)",
    )

    class Meta:
        verbose_name = "antenne"
        ordering = ["service", "name"]

    def __str__(self) -> str:
        return self.name

    DAY_NAMES = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]

    def opening_hours_display(self) -> list[tuple[str, str]]:
        rows = []
        for day in range(1, 8):
            ranges = self.opening_hours.get(str(day), [])
            text = ", ".join(f"{a} – {b}" for a, b in ranges) if ranges else "fermé"
            rows.append((self.DAY_NAMES[day - 1], text))
        return rows


class Room(models.Model):
    """An office or meeting room of a site, booked by appointments."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="rooms", verbose_name="antenne"
    )
    name = models.CharField("nom", max_length=100)
    access_notes = models.CharField("accès", max_length=300, blank=True)
    is_active = models.BooleanField("en service", default=True)

    class Meta:
        verbose_name = "bureau ou salle"
        verbose_name_plural = "bureaux et salles"
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "name"],
                name="room_unique_name",
                violation_error_message="Ce nom de salle existe déjà sur cette antenne.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.site.name})"


class Establishment(models.Model):
    """A prison where a service works."""

    class Kind(models.TextChoices):
        MA = "MA", "Maison d'arrêt"
        CD = "CD", "Centre de détention"
        MC = "MC", "Maison centrale"
        CP = "CP", "Centre pénitentiaire"
        CSL = "CSL", "Centre de semi-liberté"
        QSL = "QSL", "Quartier de semi-liberté"
        SAS = "SAS", "Structure d'accompagnement vers la sortie"
        CPA = "CPA", "Centre pour peines aménagées"
        EPM = "EPM", "Établissement pour mineurs"

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="establishments", verbose_name="SPIP"
    )
    name = models.CharField("nom", max_length=200)
    code = models.CharField("code", max_length=20, unique=True)
    kind = models.CharField("type", max_length=3, choices=Kind.choices)
    address = models.TextField("adresse", blank=True)

    class Meta:
        verbose_name = "établissement pénitentiaire"
        verbose_name_plural = "établissements pénitentiaires"
        ordering = ["name"]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} de {self.name}"
            if not self.name.startswith(self.get_kind_display())
            else self.name
        )


class Court(models.Model):
    """A court whose judges the service works for: the tribunal judiciaire whose sentence-
    enforcement judges (JAP) assign cases, and whose criminal court receives rapid social
    enquiries. A judge's decision names its court."""

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="courts", verbose_name="SPIP"
    )
    name = models.CharField(
        "nom", max_length=200, help_text="Par exemple : Tribunal judiciaire d'Amiens."
    )
    city = models.CharField("commune", max_length=100)
    appeal_court_city = models.CharField(
        "siège de la cour d'appel",
        max_length=100,
        blank=True,
        help_text="Le tribunal de l'application des peines siège dans le ressort de cette cour.",
    )

    class Meta:
        verbose_name = "juridiction"
        verbose_name_plural = "juridictions"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "name"],
                name="court_unique_per_service",
                violation_error_message="Cette juridiction est déjà enregistrée pour ce service.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def jap_label(self) -> str:
        """The jurisdiction of a JAP's order: « Juge de l'application des peines — Tribunal
        judiciaire d'Amiens »."""
        return f"Juge de l'application des peines — {self.name}"

    @property
    def tap_label(self) -> str:
        where = self.appeal_court_city or self.city
        return f"Tribunal de l'application des peines — ressort de la cour d'appel de {where}"


class ClosedDay(models.Model):
    """A day, or a run of days, when a site — or the whole service — is closed, on top of the
    public holidays (« Fermeture exceptionnelle », « Pont de l'Ascension »). No appointment is
    booked at a closed site on such a day (agenda.services)."""

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="closed_days", verbose_name="SPIP"
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="closed_days",
        verbose_name="antenne",
        help_text="Vide : tout le service est fermé.",
    )
    start_date = models.DateField("du")
    end_date = models.DateField("au")
    reason = models.CharField(
        "motif",
        max_length=200,
        help_text="Par exemple : Fermeture exceptionnelle, Pont de l'Ascension.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "fermeture"
        verbose_name_plural = "fermetures"
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="closed_day_dates_in_order",
                violation_error_message="La fin de la fermeture doit être le même jour que le "
                "début ou après.",
            )
        ]
        indexes = [models.Index(fields=["service", "end_date"])]

    def __str__(self) -> str:
        return self.reason
