"""Transfers of a file between services (dessaisissement), and the platform's setting of the
delay after which a request left unanswered is accepted by the system actor (allocation.md,
« Transfers between services »)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from probatio.organisation.models import Service
from probatio.people.models import Person


class Transfer(models.Model):
    """A request to hand a person's file to another service of the instance. One pending
    request per person; the sending service withdraws it until it is answered; the receiving
    service accepts or refuses it, or its system actor accepts it once the platform's delay
    has passed."""

    class Reason(models.TextChoices):
        RESIDENCE = "residence", "Nouvelle résidence"
        ESTABLISHMENT = "establishment", "Nouvel établissement pénitentiaire"

    class Status(models.TextChoices):
        PENDING = "pending", "En attente de réponse"
        ACCEPTED = "accepted", "Accepté"
        REFUSED = "refused", "Refusé"
        WITHDRAWN = "withdrawn", "Retiré"

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="transfers", verbose_name="personne"
    )
    from_service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name="service d'origine"
    )
    to_service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name="service d'accueil"
    )
    reason = models.CharField("motif", max_length=20, choices=Reason.choices)
    comment = models.TextField("commentaire", max_length=1000, blank=True)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="proposé par",
    )
    proposed_at = models.DateTimeField("proposé le")
    # The reminders already sent to the receiving managers (days before the automatic
    # acceptance), so that a reminder goes once.
    reminders_sent = models.JSONField("relances envoyées", default=list, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="réponse de",
    )
    answered_at = models.DateTimeField("répondu le", null=True, blank=True)
    answer_comment = models.TextField("commentaire de la réponse", max_length=1000, blank=True)
    # Accepted by the receiving service's system actor, the delay having passed.
    automatic = models.BooleanField("acceptation automatique", default=False)

    class Meta:
        verbose_name = "transfert de dossier"
        verbose_name_plural = "transferts de dossiers"
        ordering = ["-proposed_at", "-pk"]
        indexes = [
            models.Index(fields=["to_service", "status", "proposed_at"]),
            models.Index(fields=["from_service", "status", "proposed_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="pending"),
                name="transfer_one_pending_per_person",
                violation_error_message="Une demande de transfert de ce dossier est déjà en "
                "attente de réponse.",
            ),
            models.CheckConstraint(
                condition=~Q(from_service=F("to_service")),
                name="transfer_to_another_service",
                violation_error_message="Le service d'accueil doit être un autre service.",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(answered_at__isnull=False),
                name="transfer_answered_has_a_date",
                violation_error_message="Une demande close porte la date de sa réponse.",
            ),
        ]

    def __str__(self) -> str:
        return f"Transfert vers {self.to_service} ({self.get_status_display().lower()})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


def default_reminder_days() -> list[int]:
    return [5, 1]


class TransferSettings(models.Model):
    """The platform's setting of transfers (one row, edited in /admin/): how many days a
    request waits for an answer before the receiving service's system actor accepts it, and
    the reminders sent to its managers before."""

    auto_accept_days = models.PositiveSmallIntegerField(
        "acceptation automatique après (jours sans réponse)",
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(60)],
        help_text="Entre 5 et 60 jours.",
    )
    first_reminder_days = models.PositiveSmallIntegerField(
        "première relance (jours avant l'acceptation automatique)",
        default=5,
        validators=[MaxValueValidator(59)],
        help_text="0 : pas de relance.",
    )
    last_reminder_days = models.PositiveSmallIntegerField(
        "dernière relance (jours avant l'acceptation automatique)",
        default=1,
        validators=[MaxValueValidator(59)],
        help_text="0 : pas de relance.",
    )

    class Meta:
        verbose_name = "réglage des transferts"
        verbose_name_plural = "réglages des transferts"
        constraints = [
            models.CheckConstraint(
                condition=Q(auto_accept_days__gte=5, auto_accept_days__lte=60),
                name="transfer_settings_delay_bounds",
                violation_error_message="Le délai d'acceptation automatique doit être compris "
                "entre 5 et 60 jours.",
            ),
            models.CheckConstraint(
                condition=Q(first_reminder_days__lt=F("auto_accept_days"))
                & Q(last_reminder_days__lt=F("auto_accept_days")),
                name="transfer_settings_reminders_before",
                violation_error_message="Une relance doit partir avant l'acceptation "
                "automatique : choisissez moins de jours que le délai.",
            ),
        ]

    def __str__(self) -> str:
        return f"Acceptation automatique après {self.auto_accept_days} jours"

    @property
    def reminder_days(self) -> list[int]:
        """The reminders' days before the acceptance, earliest first, without 0 or repeats."""
        days = {self.first_reminder_days, self.last_reminder_days} - {0}
        return sorted(days, reverse=True)
