"""Retention by rule (docs/data-protection.md, « Retention »): how long each kind of data is
kept, as data with its legal source, and the legal holds that suspend every rule for a person.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from probatio.people.models import Person

DURATION_MESSAGE = (
    "La durée de conservation doit être d'au moins 1 mois : une durée nulle ou négative "
    "supprimerait les données dès leur création. Indiquez un nombre de mois positif."
)
PAIR_MESSAGE = (
    "Ce point de départ ou cette action ne convient pas à ce type de données (voir la "
    "documentation « Conservation des données »)."
)


class Kind(models.TextChoices):
    FILES = "files", "Dossiers clos"
    NOTES = "notes", "Notes d'entretien des dossiers clos"
    PROOF_FILES = "proof_files", "Justificatifs des dossiers clos (fichiers)"
    MESSAGES = "messages", "Messages envoyés (rappels et avis)"
    JOURNAL = "journal", "Journal des accès"


class CountsFrom(models.TextChoices):
    MEASURE_END = "measure_end", "la fin de la dernière mesure (rien en cours ni à venir)"
    SENT = "sent", "l'envoi du message"
    ENTRY = "entry", "l'horodatage de l'entrée du journal"


class RetentionAction(models.TextChoices):
    DELETE = "delete", "Supprimer"
    ANONYMISE = "anonymise", "Anonymiser"


# What each kind may count from and do (``rules.ALLOWED`` says why; the constraint below
# enforces it in the database).
ALLOWED = {
    Kind.FILES: (CountsFrom.MEASURE_END, (RetentionAction.DELETE,)),
    Kind.NOTES: (CountsFrom.MEASURE_END, (RetentionAction.DELETE,)),
    Kind.PROOF_FILES: (CountsFrom.MEASURE_END, (RetentionAction.DELETE,)),
    Kind.MESSAGES: (CountsFrom.SENT, (RetentionAction.DELETE, RetentionAction.ANONYMISE)),
    Kind.JOURNAL: (CountsFrom.ENTRY, (RetentionAction.DELETE,)),
}


def _allowed_pairs() -> Q:
    condition = Q(pk__in=[])
    for kind, (counts_from, actions) in ALLOWED.items():
        condition |= Q(kind=kind, counts_from=counts_from, action__in=list(actions))
    return condition


class RetentionRule(models.Model):
    """How long one kind of data is kept, from when, what then happens to it, and why (the
    legal source). Seeded by a migration, edited by the platform administrators."""

    code = models.SlugField("code", max_length=40, unique=True)
    kind = models.CharField("données", max_length=20, choices=Kind.choices)
    label = models.CharField("libellé", max_length=150)
    duration_months = models.IntegerField(
        "durée (mois)",
        validators=[MinValueValidator(1, message=DURATION_MESSAGE)],
    )
    counts_from = models.CharField("à compter de", max_length=20, choices=CountsFrom.choices)
    action = models.CharField(
        "au terme", max_length=10, choices=RetentionAction.choices, default="delete"
    )
    legal_source = models.TextField("source juridique")
    active = models.BooleanField("en vigueur", default=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "règle de conservation"
        verbose_name_plural = "règles de conservation"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_months__gte=1),
                name="retention_duration_positive",
                violation_error_message=DURATION_MESSAGE,
            ),
            models.CheckConstraint(
                condition=_allowed_pairs(),
                name="retention_kind_start_action",
                violation_error_message=PAIR_MESSAGE,
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(active=True),
                name="retention_one_rule_in_force_per_kind",
                violation_error_message="Une autre règle est déjà en vigueur pour ces données.",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class LegalHold(models.Model):
    """A legal hold (gel de la conservation) on a person's file: while it is not lifted, no
    retention rule touches anything of theirs (a dispute, a request of the court, a complaint)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="legal_holds", verbose_name="personne"
    )
    reason = models.CharField("motif", max_length=500)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="posé par",
    )
    set_at = models.DateTimeField("posé le")
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="levé par",
    )
    lifted_at = models.DateTimeField("levé le", null=True, blank=True)

    class Meta:
        verbose_name = "gel de la conservation"
        verbose_name_plural = "gels de la conservation"
        ordering = ["-set_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(lifted_at__isnull=True),
                name="legal_hold_one_in_force",
                violation_error_message="Ce dossier est déjà gelé.",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | Q(lifted_at__gte=models.F("set_at")),
                name="legal_hold_lifted_after_set",
                violation_error_message="Un gel ne peut pas être levé avant d'avoir été posé.",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True, lifted_by__isnull=True)
                | Q(lifted_at__isnull=False, lifted_by__isnull=False),
                name="legal_hold_lifted_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["person", "lifted_at"])]

    def __str__(self) -> str:
        return f"Gel du {self.set_at:%d/%m/%Y}"

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None
