from django.db import models
from django.db.models import F, Q

from probatio.oversight import rules


class OversightSettings(models.Model):
    """The thresholds of a service's anomaly view (docs/audit.md, « Anomalies »), kept by its
    managers. A service without a row uses the defaults of ``rules.DEFAULTS``."""

    service = models.OneToOneField(
        "organisation.Service",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="oversight_settings",
        verbose_name="service",
    )
    unusual_reads_per_day = models.PositiveSmallIntegerField(
        "dossiers jamais attribués lus par jour au-delà desquels alerter",
        default=rules.DEFAULTS.unusual_reads_per_day,
    )
    day_starts = models.TimeField(
        "début des heures ouvrées (heure de Paris)", default=rules.DEFAULTS.day_starts
    )
    day_ends = models.TimeField(
        "fin des heures ouvrées (heure de Paris)", default=rules.DEFAULTS.day_ends
    )
    denial_burst_count = models.PositiveSmallIntegerField(
        "refus d'accès formant une rafale", default=rules.DEFAULTS.denial_burst_count
    )
    denial_burst_minutes = models.PositiveSmallIntegerField(
        "durée d'une rafale (minutes)", default=rules.DEFAULTS.denial_burst_minutes
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "seuils du contrôle des accès"
        verbose_name_plural = "seuils du contrôle des accès"
        constraints = [
            models.CheckConstraint(
                condition=Q(day_starts__lt=F("day_ends")),
                name="oversight_day_starts_before_it_ends",
            ),
            models.CheckConstraint(
                condition=Q(unusual_reads_per_day__gte=1)
                & Q(denial_burst_count__gte=2)
                & Q(denial_burst_minutes__gte=1)
                & Q(denial_burst_minutes__lte=rules.MAX_BURST_MINUTES),
                name="oversight_thresholds_in_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"Seuils du contrôle des accès ({self.service_id})"

    def thresholds(self) -> "rules.Thresholds":
        return rules.Thresholds(
            unusual_reads_per_day=self.unusual_reads_per_day,
            day_starts=self.day_starts,
            day_ends=self.day_ends,
            denial_burst_count=self.denial_burst_count,
            denial_burst_minutes=self.denial_burst_minutes,
        )
