"""Community work (TIG): host organisations (partners of the kind "structure d'accueil TIG")
with their court approval, placements (postes) and supervisors (tuteurs); the TIG orders of the
persons (a TIG measure, or a TIG ordered as an obligation of probation) with their placements
and the work sessions recorded.

Schedules are weekly slots stored as ``[{"day": 0, "start": "09:00", "end": "12:00"}]``
(``rules.parse_slots``). Hours are decimals in quarters of an hour.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from probatio.community_work import rules
from probatio.measures.models import Measure, Obligation
from probatio.people.models import Person
from probatio.reintegration.models import Partner


class Scheduled:
    """A weekly schedule stored as slots (``schedule``): a placement's, or the one agreed for an
    assignment."""

    @property
    def slots(self) -> list[rules.Slot]:
        return rules.parse_slots(self.schedule)

    @property
    def weekly_hours(self):
        return rules.weekly_hours(self.slots)

    @property
    def schedule_text(self) -> str:
        return rules.schedule_text(self.slots)


class HostOrganisation(models.Model):
    """What a partner of the kind "structure d'accueil TIG" holds besides the directory's
    data: its legal form and its approval (habilitation) by the court."""

    partner = models.OneToOneField(
        Partner, on_delete=models.CASCADE, related_name="tig_host", verbose_name="partenaire"
    )
    legal_form = models.CharField("nature", max_length=20, choices=list(rules.LEGAL_FORMS.items()))
    approval_court = models.CharField("juridiction ayant habilité", max_length=200)
    approval_date = models.DateField("habilitée le")
    approval_end_date = models.DateField("habilitation jusqu'au", null=True, blank=True)
    approval_reference = models.CharField("référence de l'habilitation", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "structure d'accueil TIG"
        verbose_name_plural = "structures d'accueil TIG"
        constraints = [
            models.CheckConstraint(
                condition=Q(approval_end_date__isnull=True)
                | Q(approval_end_date__gte=models.F("approval_date")),
                name="host_approval_dates_in_order",
                violation_error_message="La fin de l'habilitation ne peut pas précéder son début.",
            ),
        ]

    def __str__(self) -> str:
        return self.partner.name

    def approved_on(self, day) -> bool:
        return self.approval_date <= day and (
            self.approval_end_date is None or day <= self.approval_end_date
        )


class Supervisor(models.Model):
    """A tutor (tuteur) of the host: signs the hours."""

    host = models.ForeignKey(HostOrganisation, on_delete=models.CASCADE, related_name="supervisors")
    name = models.CharField("nom et prénom", max_length=150)
    function = models.CharField("fonction", max_length=150, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("courriel", blank=True)
    is_active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "tuteur"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Placement(Scheduled, models.Model):
    """A TIG placement (poste) offered by a host."""

    host = models.ForeignKey(HostOrganisation, on_delete=models.CASCADE, related_name="placements")
    code = models.CharField("code du poste", max_length=20, unique=True)
    activity = models.CharField("activité", max_length=200)
    description = models.TextField("description", blank=True)
    address = models.CharField("lieu", max_length=300)
    postcode = models.CharField("code postal", max_length=5)
    city = models.CharField("commune", max_length=100)
    schedule = models.JSONField("horaires", default=list)
    capacity = models.PositiveSmallIntegerField("personnes accueillies en même temps")
    skills = models.CharField(
        "compétences requises",
        max_length=300,
        blank=True,
        help_text="Séparées par des virgules, par exemple : permis B, port de charges.",
    )
    constraints = models.CharField("contraintes", max_length=300, blank=True)
    public_transport = models.BooleanField("accessible en transports en commun", default=True)
    supervisor = models.ForeignKey(
        Supervisor,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="tuteur habituel",
    )
    is_active = models.BooleanField("proposé", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "poste TIG"
        verbose_name_plural = "postes TIG"
        ordering = ["activity", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="placement_capacity_positive",
                violation_error_message="Un poste accueille au moins une personne.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} ({self.host})"


class TigOrder(models.Model):
    """The community work a person must do: for a TIG measure, or a TIG ordered as an
    obligation of probation (exactly one of the two). Holds the hours ordered, the period and
    the day it is counted from, a suspension decided by the judge, and what the matching needs
    to know of the person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tig_orders")
    measure = models.OneToOneField(
        Measure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tig_order",
        verbose_name="mesure",
    )
    obligation = models.OneToOneField(
        Obligation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tig_order",
        verbose_name="obligation",
    )
    hours_ordered = models.PositiveSmallIntegerField("heures prononcées")
    period_months = models.PositiveSmallIntegerField("délai d'exécution (mois)")
    counted_from = models.DateField("délai compté à partir du")
    extra_suspension_days = models.PositiveSmallIntegerField(
        "suspension décidée par le juge (jours)", default=0
    )
    available_days = models.JSONField("jours disponibles", default=list, blank=True)
    skills = models.CharField("compétences de la personne", max_length=300, blank=True)
    needs_public_transport = models.BooleanField(
        "se déplace en transports en commun", default=False
    )
    postcode = models.CharField("code postal du domicile", max_length=5, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "travail d'intérêt général"
        verbose_name_plural = "travaux d'intérêt général"
        ordering = ["counted_from", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(measure__isnull=False) & Q(obligation__isnull=True))
                | (Q(measure__isnull=True) & Q(obligation__isnull=False)),
                name="tig_order_measure_or_obligation",
                violation_error_message="Un TIG relève d'une mesure ou d'une obligation.",
            ),
            models.CheckConstraint(
                condition=Q(hours_ordered__gte=rules.MIN_HOURS)
                & Q(hours_ordered__lte=rules.MAX_HOURS),
                name="tig_order_hours_in_bounds",
                violation_error_message="Un TIG compte de 20 à 400 heures.",
            ),
            models.CheckConstraint(
                condition=Q(period_months__gte=1) & Q(period_months__lte=rules.MAX_PERIOD_MONTHS),
                name="tig_order_period_in_bounds",
                violation_error_message="Le délai d'exécution est de 18 mois au plus.",
            ),
        ]

    def __str__(self) -> str:
        return f"TIG de {self.hours_ordered} h"


class Assignment(Scheduled, models.Model):
    """A person placed on a placement (affectation), with the supervisor and the schedule
    planned with the host."""

    order = models.ForeignKey(TigOrder, on_delete=models.CASCADE, related_name="assignments")
    placement = models.ForeignKey(
        Placement, on_delete=models.PROTECT, related_name="assignments", verbose_name="poste"
    )
    supervisor = models.ForeignKey(
        Supervisor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name="tuteur",
    )
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)
    schedule = models.JSONField("horaires prévus", default=list)
    status = models.CharField(
        "statut",
        max_length=10,
        choices=list(rules.ASSIGNMENT_STATUSES.items()),
        default=rules.ACTIVE,
    )
    end_reason = models.CharField("motif de fin", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "affectation sur un poste"
        ordering = ["-start_date", "-pk"]
        indexes = [models.Index(fields=["placement", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_dates_in_order",
                violation_error_message="La fin de l'affectation ne peut pas précéder son début.",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="active"),
                name="assignment_one_active_per_order",
                violation_error_message="Ce TIG a déjà une affectation en cours.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.placement.activity} depuis le {self.start_date:%d/%m/%Y}"


class WorkSession(models.Model):
    """A day of work (hours signed by the supervisor), or an absence or an incident the host
    reported."""

    class Source(models.TextChoices):
        STAFF = "staff", "Saisie par le SPIP"
        IMPORT = "import", "Import de la feuille d'heures"

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="sessions")
    on = models.DateField("date")
    kind = models.CharField(
        "type", max_length=20, choices=list(rules.SESSION_KINDS.items()), default=rules.WORK
    )
    hours = models.DecimalField("heures", max_digits=4, decimal_places=2, default=0)
    signed_by = models.ForeignKey(
        Supervisor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="signée par",
    )
    remarks = models.CharField("observations de la structure", max_length=500, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "séance de TIG"
        verbose_name_plural = "séances de TIG"
        ordering = ["-on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "on", "kind"],
                name="work_session_once_a_day",
                violation_error_message="Une séance de ce type est déjà enregistrée ce jour-là.",
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0), name="work_session_hours_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} le {self.on:%d/%m/%Y}"
