from datetime import UTC

from django.conf import settings
from django.db import models, router


class AuditEntryManager(models.Manager):
    def ensure_partitions(self, months_ahead: int | None = None, **options) -> dict:
        """``partitions.ensure_partitions`` on the journal's database (nothing on SQLite)."""
        from probatio.audit import partitions

        if months_ahead is None:
            months_ahead = partitions.MONTHS_AHEAD
        using = router.db_for_write(self.model)
        return partitions.ensure_partitions(months_ahead, using=using, **options)


class AuditEntry(models.Model):
    """One line of the tamper-evident journal: who did or read what, when.

    Entries are only ever inserted; the oldest are purged from the start of their chain by
    ``retention.purge_journal``, which leaves an ``AuditCheckpoint``. Each entry
    carries a SHA-256 over its content and the previous entry's hash in the same chain (one
    chain per service, so that services never wait on each other).

    On PostgreSQL the table is partitioned by month of ``at`` (migration 0004, ``partitions``):
    its primary key there is ``(id, at)``; ``id`` stays unique, handed out by its sequence.
    """

    class Action(models.TextChoices):
        READ = "read", "Consultation"
        LIST = "list", "Consultation de liste"
        CREATE = "create", "Création"
        UPDATE = "update", "Modification"
        DELETE = "delete", "Suppression"
        LOGIN = "login", "Connexion"
        LOGIN_FAILED = "login_failed", "Échec de connexion"
        LOGOUT = "logout", "Déconnexion"
        SWITCH = "switch_service", "Changement de service"
        DENIED = "denied", "Accès refusé"
        EXPORT = "export", "Export"
        PURGE = "purge", "Purge du journal"

    at = models.DateTimeField("date", db_index=True)
    chain = models.CharField("chaîne", max_length=20)  # "service:<id>" or "platform"
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name="auteur",
    )
    actor_label = models.CharField("auteur (libellé)", max_length=200, blank=True)
    role = models.CharField("rôle", max_length=20, blank=True)
    service_id = models.BigIntegerField("service", null=True)
    action = models.CharField("action", max_length=20, choices=Action.choices)
    object_type = models.CharField("objet", max_length=60, blank=True)
    object_id = models.BigIntegerField(null=True)
    # A plain integer, not a foreign key: the journal outlives the file it speaks of.
    person_id = models.BigIntegerField(null=True)
    summary = models.CharField("résumé", max_length=300, blank=True)
    changes = models.JSONField("modifications", default=dict, blank=True)
    context = models.JSONField("contexte", default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    # Indexed, not unique: on PostgreSQL the table is partitioned by month (``partitions``)
    # and a unique index across partitions would have to include ``at``. The chain does not
    # need it: ``services.verify_chain`` follows the links and reports two entries that
    # follow the same one (a fork), whatever their hash.
    hash = models.CharField(max_length=64)

    objects = AuditEntryManager()

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal d'audit"
        indexes = [
            models.Index(fields=["person_id", "-at"]),
            models.Index(fields=["chain", "id"]),
            models.Index(fields=["hash"], name="audit_entry_hash_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"

    @property
    def role_label(self) -> str:
        from probatio.access.roles import role_label

        return role_label(self.role)


class AuditChainHead(models.Model):
    """The last hash of each chain; its row is locked while an entry is appended."""

    chain = models.CharField(max_length=20, primary_key=True)
    last_hash = models.CharField(max_length=64)
    last_entry_id = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return f"{self.chain} → {self.last_entry_id}"


class AuditCheckpoint(models.Model):
    """Where a chain starts again after its oldest entries were purged
    (``audit.retention.purge_journal``): the verification starts after ``start_hash`` (the
    hash of the last entry purged) instead of 64 zeros, at ``first_entry_id``.

    One row per purge of a chain (the latest one counts; the earlier ones are its history).
    Signed with HMAC-SHA256 when ``AUDIT_ANCHOR_KEY`` is set, so that a checkpoint written
    outside the application (to hide entries deleted from the start of a chain) is reported."""

    chain = models.CharField("chaîne", max_length=20, db_index=True)
    start_hash = models.CharField("empreinte de départ", max_length=64)
    last_purged_id = models.BigIntegerField("dernière entrée purgée")
    first_entry_id = models.BigIntegerField("première entrée restante", null=True)
    purged_before = models.DateTimeField("entrées purgées avant le")
    purged = models.BigIntegerField("entrées purgées", default=0)
    at = models.DateTimeField("date")
    signature = models.CharField("signature", max_length=64, blank=True)

    class Meta:
        verbose_name = "point de reprise du journal"
        verbose_name_plural = "points de reprise du journal"

    def __str__(self) -> str:
        return f"{self.chain} après {self.last_purged_id}"

    def signed_fields(self) -> dict:
        """What the signature covers (every field but the signature itself)."""
        return {
            "id": self.pk,
            "chain": self.chain,
            "start_hash": self.start_hash,
            "last_purged_id": self.last_purged_id,
            "first_entry_id": self.first_entry_id,
            "purged_before": self.purged_before.astimezone(UTC).isoformat(),
            "purged": self.purged,
            "at": self.at.astimezone(UTC).isoformat(),
        }
