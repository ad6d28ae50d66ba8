"""Structured assessments, the psychologist's section and the follow-up intensity
(docs/assessments.md). Assessments are append-only: no service changes or deletes one."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from probatio.assessments.rules import (
    LEVEL_CHOICES,
    REASON_CHOICES,
    SENSITIVE_BASIS_CHOICES,
)
from probatio.organisation.models import Service
from probatio.people.models import Person


class GridVersion(models.Model):
    """One version of the assessment grid (``grids.py``), stored once and never changed."""

    code = models.CharField("code", max_length=30, primary_key=True)
    label = models.CharField("intitulé", max_length=200)
    effective_from = models.DateField("en usage à partir du")
    retired_on = models.DateField("retirée le", null=True, blank=True)
    proposal_version = models.CharField("version de la proposition", max_length=20)
    draft = models.BooleanField("à valider par le service", default=True)
    notes = models.TextField("remarques", blank=True)
    definition = models.JSONField("contenu")

    class Meta:
        verbose_name = "version de grille"
        ordering = ["-effective_from", "code"]

    def __str__(self) -> str:
        return self.label


class Assessment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assessments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    grid_version = models.ForeignKey(
        GridVersion, on_delete=models.PROTECT, related_name="assessments", verbose_name="grille"
    )
    reason = models.CharField("motif", max_length=12, choices=REASON_CHOICES)
    assessed_on = models.DateField("date de l'évaluation")
    answers = models.JSONField("réponses", default=dict)
    # Sensitive items (health, substance use, sexual life, origin, religion, opinions): apart,
    # with the basis and reason that allowed them; never read by the proposal, lists, figures
    # or exports.
    sensitive_answers = models.JSONField("éléments sensibles", default=dict, blank=True)
    has_sensitive = models.BooleanField("comporte des éléments sensibles", default=False)
    sensitive_basis = models.CharField(
        "fondement", max_length=16, choices=SENSITIVE_BASIS_CHOICES, blank=True
    )
    sensitive_reason = models.CharField("motif du recueil", max_length=500, blank=True)
    summary = models.TextField("synthèse du CPIP")
    proposed_level = models.CharField("intensité proposée", max_length=12, choices=LEVEL_CHOICES)
    proposal_score = models.SmallIntegerField("score de la proposition")
    proposal_version = models.CharField("version de la proposition", max_length=20)
    proposal_reasons = models.JSONField("raisons de la proposition", default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="auteur"
    )
    author_role = models.CharField("rôle de l'auteur", max_length=20)
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    class Meta:
        verbose_name = "évaluation"
        ordering = ["-assessed_on", "-pk"]
        indexes = [models.Index(fields=["person", "-assessed_on", "-id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(has_sensitive=False)
                | (~Q(sensitive_basis="") & ~Q(sensitive_reason="")),
                name="assessment_sensitive_needs_reason",
                violation_error_message=(
                    "Des éléments sensibles ne sont recueillis qu'avec leur fondement et leur "
                    "motif."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Évaluation du {self.assessed_on:%d/%m/%Y}"


class PsychologistSection(models.Model):
    """A psychologist's part of an assessment: read by psychologists only."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="psychologist_sections"
    )
    text = models.TextField("observations du psychologue")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    class Meta:
        verbose_name = "section du psychologue"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Section du psychologue du {self.created_at:%d/%m/%Y}"


class IntensityDecision(models.Model):
    """A level chosen by the CPIP for a person. The first level applies at once; a change
    waits for a manager's validation, the previous level applying until then."""

    class Status(models.TextChoices):
        PENDING = "pending", "En attente de validation"
        APPLIED = "applied", "En vigueur"
        REFUSED = "refused", "Refusée"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="intensities")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="decisions", null=True, blank=True
    )
    proposed_level = models.CharField(
        "intensité proposée", max_length=12, choices=LEVEL_CHOICES, blank=True
    )
    chosen_level = models.CharField("intensité choisie", max_length=12, choices=LEVEL_CHOICES)
    previous_level = models.CharField(
        "intensité précédente", max_length=12, choices=LEVEL_CHOICES, blank=True
    )
    reason = models.CharField("motif du choix", max_length=1000, blank=True)
    status = models.CharField("statut", max_length=8, choices=Status.choices)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="choisie par",
    )
    chosen_at = models.DateTimeField("choisie le")
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="validée par",
    )
    validated_at = models.DateTimeField("validée le", null=True, blank=True)
    applies_from = models.DateField("en vigueur depuis le", null=True, blank=True)
    answer_comment = models.CharField("commentaire du cadre", max_length=1000, blank=True)

    class Meta:
        verbose_name = "intensité du suivi"
        ordering = ["-chosen_at", "-pk"]
        indexes = [models.Index(fields=["person", "status", "-applies_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposed_level="")
                | Q(chosen_level=F("proposed_level"))
                | ~Q(reason=""),
                name="intensity_other_than_proposed_needs_reason",
                violation_error_message=("Un niveau différent de la proposition doit être motivé."),
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="pending"),
                name="one_pending_intensity_per_person",
                violation_error_message=(
                    "Un changement d'intensité attend déjà la validation d'un cadre."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status="applied") | Q(applies_from__isnull=False),
                name="applied_intensity_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_chosen_level_display()} ({self.get_status_display().lower()})"


class IntensityRule(models.Model):
    """A service's own rule for a level under a kind of measure, from a date (the shipped
    defaults in ``rules.DEFAULT_RULES`` apply where the service set none)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="intensity_rules")
    level = models.CharField("intensité", max_length=12, choices=LEVEL_CHOICES)
    measure_kind = models.CharField(
        "type de mesure", max_length=40, help_text="Code du type de mesure, ou * pour toutes."
    )
    period_days = models.PositiveSmallIntegerField("période (jours)")
    interviews = models.PositiveSmallIntegerField("entretiens par période")
    home_visits = models.PositiveSmallIntegerField("visites à domicile par période", default=0)
    review_days = models.PositiveSmallIntegerField("réexamen de l'évaluation (jours)")
    valid_from = models.DateField("en vigueur du")
    valid_to = models.DateField("jusqu'au", null=True, blank=True)

    class Meta:
        verbose_name = "règle d'intensité"
        ordering = ["level", "measure_kind", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_days__gte=7) & Q(interviews__gte=1) & Q(review_days__gte=30),
                name="intensity_rule_bounds",
                violation_error_message=(
                    "Une période d'au moins 7 jours, au moins un entretien, un réexamen à "
                    "30 jours au moins."
                ),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="intensity_rule_dates",
                violation_error_message="La fin de validité précède son début.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} — {self.measure_kind} — depuis le {self.valid_from:%d/%m/%Y}"


class FileLoad(models.Model):
    """What a file weighs in its CPIP's caseload, kept beside it (``assessments.loads``): in
    custody or not, its open measures by kind, its follow-up level in force. The loads of a
    whole service (the service view, the week, the capacities, the queue's suggestions) are
    one grouped read of these rows and of the persons followed, instead of a count of every
    measure and committal of the service (docs/allocation.md). A file without a row has
    none of these facts (no measure open, no committal open, no level)."""

    person = models.OneToOneField(
        Person,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="load",
        verbose_name="personne",
    )
    in_custody = models.BooleanField("écrouée", default=False)
    # The open measures by kind: « CODE:n » separated by spaces, codes in order (``loads``).
    measures = models.TextField("mesures en cours", blank=True)
    level = models.CharField("intensité en vigueur", max_length=12, blank=True)

    class Meta:
        verbose_name = "charge d'un dossier"
        verbose_name_plural = "charges des dossiers"

    def __str__(self) -> str:
        return f"{self.person_id} : {self.measures or '—'}"
