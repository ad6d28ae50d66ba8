"""Reports to the judge (rapports), their workflow steps and the judge's answer.

A report's content is a list of sections (JSON: key, title, required, text) built from its
kind's template (``rules.SECTIONS``) and prefilled from the file. It goes draft → submitted to
the manager's visa → approved (or sent back) → transmitted to the judge → answered. Once
transmitted it is frozen: its PDF and the PDF's SHA-256 are stored and its content never
changes again; a correction is a new version pointing to the old one.
"""

from django.conf import settings
from django.db import models

from probatio.compliance.models import Incident
from probatio.measures.models import Decision, Measure, Obligation
from probatio.people.models import Person
from probatio.reports import rules


class Report(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="reports", verbose_name="personne"
    )
    measure = models.ForeignKey(
        Measure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name="mesure",
    )
    incident = models.ForeignKey(
        Incident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name="manquement",
    )
    kind = models.CharField(
        "type de rapport", max_length=20, choices=list(rules.KIND_LABELS.items())
    )
    title = models.CharField("intitulé", max_length=200)
    sections = models.JSONField("contenu", default=list)
    status = models.CharField(
        "étape", max_length=12, choices=list(rules.STATUS_LABELS.items()), default=rules.DRAFT
    )
    due_date = models.DateField("à rendre le", null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="auteur"
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports_received",
        verbose_name="magistrat destinataire",
    )
    version = models.PositiveSmallIntegerField("version", default=1)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
        verbose_name="version corrigée",
    )
    return_comment = models.TextField("motif du renvoi", blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="visé par",
    )
    approved_at = models.DateTimeField("visé le", null=True, blank=True)
    transmitted_at = models.DateTimeField("transmis le", null=True, blank=True)
    pdf = models.FileField("PDF transmis", upload_to="rapports/%Y/%m/", blank=True)
    sha256 = models.CharField("empreinte SHA-256 du PDF", max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "rapport"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["judge", "status"]),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_editable(self) -> bool:
        return self.status in rules.EDITABLE

    @property
    def is_frozen(self) -> bool:
        return self.status in rules.FROZEN


class ReportStep(models.Model):
    """One step of the workflow, for the report's history."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField("étape", max_length=12)
    status = models.CharField("nouvelle étape", max_length=12)
    comment = models.TextField("commentaire", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "étape de rapport"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.step} → {self.status}"


class JudgeAnswer(models.Model):
    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="answer")
    kind = models.CharField("réponse", max_length=25, choices=list(rules.ANSWER_LABELS.items()))
    date = models.DateField("date de la décision")
    text = models.TextField("texte de la décision", blank=True)
    part = models.CharField("part révoquée", max_length=200, blank=True)
    extra_months = models.PositiveSmallIntegerField("prolongation (mois)", null=True, blank=True)
    decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, related_name="judge_answer", verbose_name="décision"
    )
    new_obligations = models.ManyToManyField(
        Obligation, blank=True, related_name="+", verbose_name="obligations créées"
    )
    on_paper = models.BooleanField("reçue sur papier", default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "réponse du magistrat"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.date:%d/%m/%Y}"
