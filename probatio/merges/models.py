from django.conf import settings
from django.db import models

from probatio.organisation.models import Service
from probatio.people.models import Person


class Merge(models.Model):
    """Two files of the same person merged into one: what the kept file's history says of it.
    The absorbed file is gone (its id leads to the kept file: ``people.MergedFile``); what is
    kept of it is what a reader of the history needs to recognise it, no more."""

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name="SPIP"
    )
    kept = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="merges", verbose_name="dossier conservé"
    )
    absorbed_id = models.BigIntegerField("dossier absorbé")
    # Surname, birth surname, first names, birth date and CPIP of the absorbed file.
    absorbed_identity = models.JSONField("identité du dossier absorbé", default=dict)
    # Group of fields (``merges.rules.GROUPS``) → "kept" or "absorbed".
    choices = models.JSONField("valeurs retenues", default=dict)
    # Rows moved from the absorbed file, per table (``app.model``).
    moved = models.JSONField("éléments repris", default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name="fusionné par",
    )
    merged_at = models.DateTimeField("fusionné le")

    class Meta:
        verbose_name = "fusion de dossiers"
        verbose_name_plural = "fusions de dossiers"
        ordering = ["-merged_at", "-pk"]

    def __str__(self) -> str:
        return f"Dossier n° {self.absorbed_id} fusionné dans le dossier n° {self.kept_id}"
