"""Appointments (rendez-vous) and the summons letters sent for them.

Times are stored as aware datetimes (UTC in the database) and always shown and entered in
Europe/Paris time. An appointment belongs to the service of its person.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from probatio.measures.models import Measure
from probatio.notes.models import InterviewNote
from probatio.organisation.models import Establishment, Room, Service, Site
from probatio.people.models import Person


class Appointment(models.Model):
    class Kind(models.TextChoices):
        FIRST = "first", "Premier entretien (convocation initiale)"
        FOLLOW_UP = "follow_up", "Entretien de suivi"
        HOME_VISIT = "home_visit", "Visite à domicile"
        PRISON = "prison", "Entretien en détention"
        VIDEO = "video", "Entretien par visio"
        GROUP = "group", "Séance collective"
        PARTNER = "partner", "Rendez-vous partenaire"
        HEARING = "hearing", "Audience JAP (pour information)"

    class PlaceKind(models.TextChoices):
        SITE = "site", "Antenne du SPIP (bureau ou salle)"
        PRISON = "prison", "Établissement pénitentiaire"
        HOME = "home", "Domicile de la personne"
        VIDEO = "video", "Visioconférence"
        OTHER = "other", "Autre lieu (adresse précisée)"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planifié"
        HONOURED = "honoured", "Honoré"
        EXCUSED = "excused", "Excusé"
        NO_SHOW = "no_show", "Absent non excusé"
        CANCELLED = "cancelled", "Annulé"
        POSTPONED = "postponed", "Reporté"

    # Statuses that end the appointment's life: no reminder is sent for them.
    CLOSED_STATUSES = (Status.EXCUSED, Status.CANCELLED, Status.POSTPONED)
    # Statuses that need a reason.
    REASON_STATUSES = (Status.EXCUSED, Status.CANCELLED, Status.POSTPONED)

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="appointments", verbose_name="SPIP"
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="appointments", verbose_name="personne"
    )
    measure = models.ForeignKey(
        Measure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name="mesure concernée",
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="appointments", verbose_name="professionnel·les"
    )
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    place_kind = models.CharField("lieu", max_length=10, choices=PlaceKind.choices)
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name="antenne",
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name="bureau ou salle",
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name="établissement",
    )
    place_detail = models.CharField(
        "adresse ou lien",
        max_length=300,
        blank=True,
        help_text="Adresse d'un autre lieu, ou lien de la visioconférence.",
    )
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    status_reason = models.CharField("motif", max_length=300, blank=True)
    status_changed_at = models.DateTimeField("statut modifié le", null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="statut modifié par",
    )
    to_bring = models.CharField(
        "documents à apporter",
        max_length=500,
        blank=True,
        default="Pièce d'identité, décision de justice, justificatifs de domicile et de "
        "ressources, justificatifs relatifs à vos obligations.",
    )
    note = models.OneToOneField(
        InterviewNote,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointment",
        verbose_name="note d'entretien",
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name="remplace le rendez-vous",
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)  # iCalendar SEQUENCE
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
                violation_error_message="La fin du rendez-vous doit être après son début.",
            ),
        ]
        indexes = [
            models.Index(fields=["service", "starts_at"]),
            models.Index(fields=["person", "starts_at"]),
            models.Index(fields=["room", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.starts_at:%d/%m/%Y %H:%M}"

    @property
    def is_planned(self) -> bool:
        return self.status == self.Status.PLANNED

    def place_label(self) -> str:
        """Where, in one line for a message or a list (French)."""
        if self.place_kind == self.PlaceKind.SITE and self.site_id:
            label = f"SPIP, {self.site.name}"
            if self.room_id:
                label += f", {self.room.name}"
            return label
        if self.place_kind == self.PlaceKind.PRISON and self.establishment_id:
            return str(self.establishment)
        if self.place_kind == self.PlaceKind.HOME:
            return "À votre domicile"
        if self.place_kind == self.PlaceKind.VIDEO:
            return "Par visioconférence"
        return self.place_detail

    def place_address(self) -> str:
        """The street address of the place, when it has one."""
        if self.place_kind == self.PlaceKind.SITE and self.site_id:
            return f"{self.site.address}, {self.site.postcode} {self.site.city}"
        if self.place_kind == self.PlaceKind.PRISON and self.establishment_id:
            return self.establishment.address
        if self.place_kind == self.PlaceKind.OTHER:
            return self.place_detail
        return ""

    def access_notes(self) -> str:
        parts = []
        if self.place_kind == self.PlaceKind.SITE and self.site_id and self.site.access_notes:
            parts.append(self.site.access_notes)
        if self.room_id and self.room.access_notes:
            parts.append(self.room.access_notes)
        if self.place_kind == self.PlaceKind.VIDEO and self.place_detail:
            parts.append(f"Lien de connexion : {self.place_detail}")
        return " ".join(parts)


class Summons(models.Model):
    """A summons letter (convocation) generated as PDF and kept in the dossier."""

    class SentBy(models.TextChoices):
        POST = "post", "Courrier postal"
        HAND = "hand", "Remise en main propre"
        EMAIL = "email", "Courriel"
        PRISON = "prison", "Notification par le greffe de l'établissement"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="summonses")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="summonses")
    file = models.FileField("fichier", upload_to="convocations/%Y/%m/")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    size = models.PositiveIntegerField("taille (octets)")
    sent_on = models.DateField("envoyée le", null=True, blank=True)
    sent_by = models.CharField("mode d'envoi", max_length=10, choices=SentBy.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "convocation"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Convocation du {self.created_at:%d/%m/%Y}"


class CalendarFeed(models.Model):
    """A staff member's private iCalendar feed. The URL carries a random token; only its
    SHA-256 is stored, so a leaked database does not leak feeds. Revoking deletes the row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "flux d'agenda"

    def __str__(self) -> str:
        return f"Flux d'agenda de {self.user}"
