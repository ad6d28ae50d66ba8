"""What the platform itself needs, outside any business object."""

from django.db import models


class Lease(models.Model):
    """A named lease held by one process at a time, with an expiry: a periodic job (the
    messages' sweep) takes it with a conditional UPDATE, so two copies of the job started on
    two machines never run at once; a holder that dies loses it when it expires
    (``core.leases``)."""

    name = models.CharField("nom", max_length=100, unique=True)
    holder = models.CharField("détenteur", max_length=200, blank=True)
    expires_at = models.DateTimeField("expire le")

    class Meta:
        verbose_name = "bail de traitement"
        verbose_name_plural = "baux de traitement"

    def __str__(self) -> str:
        return self.name
