from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from probatio.access.roles import SHORT_LABELS, Role
from probatio.organisation.models import Service, Site


class User(AbstractUser):
    """A staff account. Access comes from memberships, never from the account itself;
    ``is_staff``/``is_superuser`` are for platform administrators only."""

    title = models.CharField("fonction affichée", max_length=100, blank=True)
    phone = models.CharField("téléphone professionnel", max_length=30, blank=True)
    # Until when the account may sign in without a second factor (set at its first sign-in
    # without one; ``accounts.second_factor``).
    second_factor_due = models.DateTimeField(
        "double authentification exigée à partir du", null=True, blank=True
    )

    class Meta:
        verbose_name = "compte"
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        full = self.get_full_name()
        return full or self.username


class Membership(models.Model):
    """A user's membership of one service, with one role."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name="compte"
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="memberships", verbose_name="SPIP"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    site = models.ForeignKey(
        Site,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="antenne",
    )
    # A judge's court: their orders name it (« Juge de l'application des peines — Tribunal
    # judiciaire d'Amiens »), never the SPIP.
    court = models.ForeignKey(
        "organisation.Court",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="juridiction (magistrats)",
    )
    # The share of a full-time post (a CPIP's capacity, caseloads.rules), in percent.
    working_time = models.PositiveSmallIntegerField(
        "quotité de travail (%)",
        default=100,
        validators=[MinValueValidator(10), MaxValueValidator(100)],
        help_text="100 pour un temps plein, 80 pour un temps partiel à 80 %…",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "rattachement"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "service", "role"],
                name="membership_unique_role_per_service",
                violation_error_message="Ce compte a déjà ce rôle dans ce service.",
            ),
            models.CheckConstraint(
                condition=models.Q(working_time__gte=10, working_time__lte=100),
                name="membership_working_time_range",
                violation_error_message="La quotité de travail doit être comprise entre 10 et "
                "100 %%.",
            ),
        ]
        indexes = [models.Index(fields=["service", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.role_label} — {self.service}"

    @property
    def role_label(self) -> str:
        return SHORT_LABELS[Role(self.role)]


class Absence(models.Model):
    """A staff member's absence from the service, from one day to another (both included).
    Only the kind is kept, among non-sensitive codes: never a medical reason, and no free
    text that could hold one."""

    class Kind(models.TextChoices):
        LEAVE = "leave", "Congés"
        TRAINING = "training", "Formation"
        MISSION = "mission", "Mission"
        OTHER = "other", "Autre"

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="absences", verbose_name="rattachement"
    )
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    start_date = models.DateField("du")
    end_date = models.DateField("au (inclus)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "absence"
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="absence_dates_in_order",
                violation_error_message="La fin de l'absence doit être le même jour que le "
                "début ou après.",
            )
        ]
        indexes = [models.Index(fields=["membership", "end_date"])]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} du {self.start_date:%d/%m/%Y} au {self.end_date:%d/%m/%Y}"
        )
