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
from probatio.reports import answers, rules


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
    # What the judge is asked to decide (``answers.MATTERS``): an opinion's subject, or what
    # follows from the kind. Decides the answers the judge may give.
    matter = models.CharField(
        "objet", max_length=30, choices=list(answers.MATTER_LABELS.items()), blank=True
    )
    urgency = models.CharField(
        "degré d'urgence",
        max_length=10,
        choices=list(answers.URGENCY_LABELS.items()),
        blank=True,
        help_text="Rapport d'incident : l'urgence ordonne la liste du juge.",
    )
    # A rapid social enquiry goes to the trial court, not to a JAP.
    court = models.ForeignKey(
        "organisation.Court",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name="tribunal destinataire",
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
            models.Index(fields=["judge", "status", "transmitted_at"]),
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

    @property
    def addressee(self) -> str:
        """Whom the report goes to, in words: the judge's name, or the court's."""
        if self.court_id is not None:
            return str(self.court)
        return self.judge.get_full_name() if self.judge_id else ""

    @property
    def matter_label(self) -> str:
        return answers.MATTER_LABELS.get(self.matter, "")

    @property
    def urgency_rank(self) -> int:
        return answers.URGENCY_RANK.get(self.urgency, 3)


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
    """The judge's (or the court's) answer to a transmitted report. The decision it creates is
    the hub of what it changed: the measures it opened (``decision.measures``), the sentence to
    serve it added (``decision.prison_sentences``), the reductions (``decision.reductions``),
    the obligations added or lifted (below)."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="answer")
    kind = models.CharField("réponse", max_length=25, choices=list(answers.CODE_LABELS.items()))
    date = models.DateField("date de la décision")
    text = models.TextField("texte de la décision", blank=True)
    reasons = models.TextField("motifs", blank=True)
    # Earlier records typed the revoked part in words; a partial revocation now records it as
    # a sentence (``decision.prison_sentences``).
    part = models.CharField("part révoquée", max_length=200, blank=True)
    extra_months = models.PositiveSmallIntegerField("prolongation (mois)", null=True, blank=True)
    effective_on = models.DateField("prend effet le", null=True, blank=True)
    end_on = models.DateField("fin de la mesure accordée", null=True, blank=True)
    modality = models.CharField(
        "modalité", max_length=4, choices=list(answers.FORM_LABELS.items()), blank=True
    )
    step_form = models.CharField(
        "mesure probatoire", max_length=4, choices=list(answers.FORM_LABELS.items()), blank=True
    )
    step_end = models.DateField("fin de la mesure probatoire", null=True, blank=True)
    reduction_days = models.PositiveIntegerField("jours de réduction", null=True, blank=True)
    hearing_due = models.DateField("débat contradictoire avant le", null=True, blank=True)
    next_review_on = models.DateField("nouvel examen le", null=True, blank=True)
    decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, related_name="judge_answer", verbose_name="décision"
    )
    new_obligations = models.ManyToManyField(
        Obligation, blank=True, related_name="+", verbose_name="obligations créées"
    )
    ended_obligations = models.ManyToManyField(
        Obligation, blank=True, related_name="+", verbose_name="obligations levées"
    )
    on_paper = models.BooleanField("reçue sur papier", default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The CPIP hears of every answer: an item of the échéancier until they have read it, and
    # another until the person is told of obligations that changed.
    obligations_changed = models.BooleanField("obligations modifiées", default=False)
    seen_at = models.DateTimeField("lue par le ou la CPIP le", null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person_informed_on = models.DateField(
        "personne informée des nouvelles obligations le", null=True, blank=True
    )

    class Meta:
        verbose_name = "réponse du magistrat"
        indexes = [models.Index(fields=["seen_at"]), models.Index(fields=["person_informed_on"])]

    def __str__(self) -> str:
        return f"{self.label} du {self.date:%d/%m/%Y}"

    @property
    def label(self) -> str:
        return answers.label_of(self.report.matter, self.kind)

    @property
    def awaits_information(self) -> bool:
        return self.obligations_changed and self.person_informed_on is None
