"""Messages sent to a person: appointment reminders, and notices of a cancelled or moved
appointment, by SMS or email; the same for the group sessions of the programmes the person is
enrolled in (``group_session``: one message per session, participant, purpose, channel and
time).

Exactly once: a message row is created once (unique per appointment, purpose, channel and
scheduled time; per session and person for a group session); a worker *claims* it with a conditional update (pending → sending) before
sending, so two workers never send it twice; the provider receives ``idempotency_key``, kept
across retries, so a request that timed out is retried as the same message.
"""

import uuid

from django.db import models
from django.db.models import Q

from probatio.organisation.models import Service
from probatio.people.models import Person


class Message(models.Model):
    class Purpose(models.TextChoices):
        REMINDER = "reminder", "Rappel de rendez-vous"
        CANCELLED = "cancelled", "Annulation de rendez-vous"
        MOVED = "moved", "Rendez-vous déplacé"

    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        EMAIL = "email", "Courriel"

    class Status(models.TextChoices):
        PENDING = "pending", "À envoyer"
        SENDING = "sending", "Envoi en cours"
        SENT = "sent", "Envoyé"
        DELIVERED = "delivered", "Remis"
        FAILED = "failed", "Échec"
        CANCELLED = "cancelled", "Annulé"
        # A send interrupted (its worker died) that the provider cannot confirm or deny: not
        # sent again automatically, so that the person never receives it twice.
        UNCERTAIN = "uncertain", "Envoi incertain"

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="messages")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="messages")
    appointment = models.ForeignKey(
        "agenda.Appointment",
        on_delete=models.CASCADE,
        related_name="messages",
        null=True,
        blank=True,
    )
    # A group session of a programme (``programmes``, to the right: named by its label, and
    # the messaging services take the session as an argument).
    group_session = models.ForeignKey(
        "programmes.GroupSession",
        on_delete=models.CASCADE,
        related_name="messages",
        null=True,
        blank=True,
    )
    purpose = models.CharField("objet", max_length=10, choices=Purpose.choices)
    channel = models.CharField("canal", max_length=5, choices=Channel.choices)
    recipient = models.CharField("destinataire", max_length=254)
    subject = models.CharField("sujet", max_length=200, blank=True)
    body = models.TextField("texte")
    scheduled_at = models.DateTimeField("prévu le")
    next_attempt_at = models.DateTimeField("prochaine tentative", db_index=True)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    claimed_at = models.DateTimeField("pris en charge le", null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    delivered_at = models.DateTimeField("remis le", null=True, blank=True)
    last_error = models.CharField("dernière erreur", max_length=500, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider_id = models.CharField("référence du prestataire", max_length=100, blank=True)
    # The send task last queued for this message (django-tasks-db's result id): the sweep
    # queues a new one when it is no longer waiting to run.
    task_id = models.UUIDField("tâche d'envoi", null=True, blank=True)
    # Set when a claim of a worker that died is taken back: the outcome of that send is
    # unknown, so the provider is asked before anything is sent again.
    interrupted_at = models.DateTimeField("envoi interrompu le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "message"
        ordering = ["scheduled_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "purpose", "channel", "scheduled_at"],
                name="message_once_per_appointment_slot",
            ),
            models.UniqueConstraint(
                fields=["group_session", "person", "purpose", "channel", "scheduled_at"],
                condition=Q(group_session__isnull=False),
                name="message_once_per_session_slot",
            ),
            models.CheckConstraint(
                condition=Q(appointment__isnull=True) | Q(group_session__isnull=True),
                name="message_of_one_appointment_or_session",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["person", "scheduled_at"]),
            models.Index(
                fields=["provider_id"],
                name="message_provider_id",
                condition=~Q(provider_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.get_channel_display()})"

    @property
    def purpose_label(self) -> str:
        """What the message is, for the lists: a group session's said as such."""
        if self.group_session_id:
            return SESSION_PURPOSES[self.purpose]
        return self.get_purpose_display()

    @property
    def waiting_overdue(self) -> bool:
        """Pending and past its time: the sweep queues it within the minute (no retry time in
        the past is shown)."""
        from django.utils import timezone

        return self.status == self.Status.PENDING and self.next_attempt_at <= timezone.now()

    @property
    def claim_expired(self) -> bool:
        """Being sent by a worker that has stopped: the sweep takes it back (after asking the
        provider) within the minute."""
        from django.utils import timezone

        from probatio.messaging.sending import LEASE

        return (
            self.status == self.Status.SENDING
            and self.claimed_at is not None
            and self.claimed_at < timezone.now() - LEASE
        )


SESSION_PURPOSES = {
    Message.Purpose.REMINDER: "Rappel de séance collective",
    Message.Purpose.CANCELLED: "Annulation de séance collective",
    Message.Purpose.MOVED: "Séance collective déplacée",
}
