"""Workload reference data (weights with effective dates, a national default a service may
override) and the dated reductions of a CPIP's capacity. The arithmetic is in ``rules.py``."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from probatio.organisation.models import Service

# Subjects of a weight that are not a measure type code.
REPORT_DUE = "REPORT_DUE"  # a report to write (draft or sent back)
FULL_TIME = "FULL_TIME"  # the capacity of a full-time CPIP, in points
ANY_MEASURE = "ANY_MEASURE"  # a measure type without a weight of its own


class WorkloadWeight(models.Model):
    """How many points one followed measure (by its kind and the person's setting), one report
    due, or a full-time CPIP's capacity is worth, from ``valid_from``. No service: the national
    default; a service's row overrides it for that service (``rules.weights_on``)."""

    class Setting(models.TextChoices):
        COMMUNITY = "community", "Milieu ouvert"
        CUSTODY = "custody", "Milieu fermé"
        ANY = "any", "Tout milieu"

    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="workload_weights",
        verbose_name="SPIP (vide : barème national)",
    )
    subject = models.CharField(
        "objet", max_length=40, help_text="Code d'une mesure, REPORT_DUE, FULL_TIME ou ANY_MEASURE."
    )
    setting = models.CharField("milieu", max_length=10, choices=Setting.choices, default="any")
    points = models.DecimalField("points", max_digits=5, decimal_places=1)
    valid_from = models.DateField("en vigueur à partir du")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "pondération de charge"
        verbose_name_plural = "pondérations de charge"
        ordering = ["subject", "setting", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "setting", "valid_from"],
                condition=Q(service__isnull=True),
                name="workload_weight_national_unique",
                violation_error_message="Le barème national a déjà une valeur à cette date.",
            ),
            models.UniqueConstraint(
                fields=["service", "subject", "setting", "valid_from"],
                condition=Q(service__isnull=False),
                name="workload_weight_service_unique",
                violation_error_message="Le service a déjà une valeur à cette date pour cet objet.",
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0, points__lte=200),
                name="workload_weight_points_range",
                violation_error_message="Les points doivent être compris entre 0 et 200.",
            ),
        ]
        indexes = [models.Index(fields=["service", "subject"])]

    def __str__(self) -> str:
        return f"{self.subject} ({self.setting}) : {self.points} au {self.valid_from}"


class CapacityReduction(models.Model):
    """A dated share of a CPIP's time given to something else than their caseload."""

    class Reason(models.TextChoices):
        TRAINING = "training", "Formation"
        UNION = "union", "Décharge syndicale"
        LONG_LEAVE = "long_leave", "Congé long (maladie, maternité, parental…)"
        PROJECT = "project", "Mission ou projet de service"
        OTHER = "other", "Autre"

    membership = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.CASCADE,
        related_name="capacity_reductions",
        verbose_name="CPIP",
    )
    reason = models.CharField("motif", max_length=20, choices=Reason.choices)
    share = models.PositiveSmallIntegerField(
        "part du temps (%)", help_text="100 pour une absence complète."
    )
    start_date = models.DateField("du")
    end_date = models.DateField("au", null=True, blank=True, help_text="Vide : sans date de fin.")
    comment = models.CharField("précision", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "réduction de capacité"
        verbose_name_plural = "réductions de capacité"
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share__gte=1, share__lte=100),
                name="capacity_reduction_share_range",
                violation_error_message="La part du temps doit être comprise entre 1 et 100 %%.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="capacity_reduction_dates_in_order",
                violation_error_message="La fin doit être postérieure ou égale au début.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.share} % du {self.start_date}"
