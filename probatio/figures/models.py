"""The figures of a closed period, stored by the nightly job (``figures.periodic``) so that
the figures page reads them instead of computing them again.

A snapshot holds the figure as computed, before masking (the masking rules apply when it is
shown, so that a change of those rules never needs a recomputation), for one service and one
scope: the whole service (``membership`` empty) or one CPIP's caseload. A snapshot of another
definitions version (``rules.DEFINITIONS_VERSION``) is ignored and replaced.
"""

from django.db import models

from probatio.accounts.models import Membership
from probatio.organisation.models import Service


class FigureSnapshot(models.Model):
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="figure_snapshots", verbose_name="service"
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="figure_snapshots",
        verbose_name="portefeuille du ou de la CPIP (vide : tout le service)",
    )
    period_start = models.DateField("début de la période")
    period_end = models.DateField("fin de la période")
    code = models.CharField("chiffre", max_length=40)
    version = models.PositiveSmallIntegerField("version des définitions")
    data = models.JSONField("valeurs")
    computed_at = models.DateTimeField("calculé le")

    class Meta:
        verbose_name = "chiffres d'une période close"
        verbose_name_plural = "chiffres des périodes closes"
        constraints = [
            # One snapshot per figure, period and scope (a conditional constraint each: the
            # service's scope has no membership, and NULLs are never equal).
            models.UniqueConstraint(
                fields=["service", "period_start", "period_end", "code"],
                condition=models.Q(membership__isnull=True),
                name="figure_snapshot_unique_service",
            ),
            models.UniqueConstraint(
                fields=["membership", "period_start", "period_end", "code"],
                condition=models.Q(membership__isnull=False),
                name="figure_snapshot_unique_caseload",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="figure_snapshot_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} du {self.period_start:%d/%m/%Y} au {self.period_end:%d/%m/%Y}"
