"""Checking obligations: proofs (justificatifs) and incidents (manquements).

A proof is registered against one slot of its obligation's schedule (``period_start`` is the
slot's key, see ``rules.schedule``), either as a file (stored through Django's storage API in a
private folder) or as a document seen on paper. It is then accepted or refused.

An incident records a breach. Incidents are *proposed* by the software (a no-show beyond the
service's threshold, a missing proof) without being written: a proposal is derived each time
from the facts, and the CPIP confirms it (an incident is recorded) or dismisses it (a dismissed
incident is recorded, with the reason, so the proposal does not come back).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from probatio.measures.models import Measure, Obligation
from probatio.people.models import Person


class Proof(models.Model):
    class Medium(models.TextChoices):
        FILE = "file", "Fichier déposé"
        PAPER = "paper", "Original vu sur papier"

    class Status(models.TextChoices):
        RECEIVED = "received", "Reçu, à examiner"
        ACCEPTED = "accepted", "Accepté"
        REFUSED = "refused", "Refusé"

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="proofs", verbose_name="personne"
    )
    obligation = models.ForeignKey(
        Obligation, on_delete=models.PROTECT, related_name="proofs", verbose_name="obligation"
    )
    period_start = models.DateField("période du")
    period_end = models.DateField("au")
    document_type = models.CharField("document", max_length=200)
    received_on = models.DateField("reçu le")
    medium = models.CharField("support", max_length=5, choices=Medium.choices)
    file = models.FileField("fichier", upload_to="justificatifs/%Y/%m/", blank=True)
    original_name = models.CharField("nom du fichier déposé", max_length=200, blank=True)
    content_type = models.CharField("type de fichier", max_length=50, blank=True)
    size = models.PositiveIntegerField("taille (octets)", default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    comment = models.CharField("remarque", max_length=500, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    refusal_reason = models.CharField("motif du refus", max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="examiné par",
    )
    reviewed_at = models.DateTimeField("examiné le", null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="enregistré par",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "justificatif"
        ordering = ["obligation_id", "period_start", "received_on", "pk"]
        indexes = [models.Index(fields=["obligation", "period_start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="proof_period_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(medium="file") | ~Q(file=""), name="proof_file_has_a_file"
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="proof_refusal_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_type} ({self.period_start:%d/%m/%Y})"


class Incident(models.Model):
    class Kind(models.TextChoices):
        MISSED_APPOINTMENT = "missed_appointment", "Rendez-vous manqué"
        MISSED_SESSION = "missed_session", "Absence à une séance de programme"
        MISSING_PROOF = "missing_proof", "Justificatif manquant"
        PROHIBITION_BREACH = "prohibition_breach", "Non-respect d'une interdiction"
        NEW_OFFENCE = "new_offence", "Nouvelle infraction"
        MONITORING_ALARM = "monitoring_alarm", "Alarme de surveillance électronique"
        VICTIM_REPORT = "victim_report", "Signalement de la victime"
        OTHER = "other", "Autre manquement"

    class Source(models.TextChoices):
        SPIP = "spip", "Constat du SPIP"
        POLICE = "police", "Police ou gendarmerie"
        VICTIM = "victim", "Victime"
        MONITORING = "monitoring", "Pôle de surveillance électronique"
        PARTNER = "partner", "Partenaire ou structure d'accueil"
        COURT = "court", "Juridiction ou parquet"
        OTHER = "other", "Autre source"

    class Step(models.TextChoices):
        REMINDER_LETTER = "reminder_letter", "Courrier de rappel"
        SUMMONS = "summons", "Convocation"
        PHONE_CALL = "phone_call", "Appel téléphonique"
        INTERVIEW = "interview", "Entretien de recadrage"
        REPORT = "report", "Rapport d'incident au magistrat"

    class Status(models.TextChoices):
        RECORDED = "recorded", "Constaté"
        DISMISSED = "dismissed", "Écarté"

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="incidents", verbose_name="personne"
    )
    measure = models.ForeignKey(
        Measure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name="mesure",
    )
    obligation = models.ForeignKey(
        Obligation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name="obligation concernée",
    )
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    occurred_on = models.DateField("date des faits")
    source = models.CharField("source", max_length=12, choices=Source.choices)
    description = models.TextField("faits", blank=True)
    steps_taken = models.JSONField("démarches engagées", default=list, blank=True)
    person_explanation = models.TextField("explications de la personne", blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.RECORDED
    )
    dismissal_reason = models.CharField("motif", max_length=300, blank=True)
    # What a proposal came from (so that it is not proposed again once handled).
    appointment = models.ForeignKey(
        "agenda.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name="rendez-vous manqué",
    )
    # An unexcused absence from a programme's group session where attending was an
    # obligation or the session a summons (``programmes``, to the right: named by its label;
    # its proposals come from ``compliance.sources``).
    attendance = models.ForeignKey(
        "programmes.Attendance",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name="absence à une séance",
    )
    missed_period_start = models.DateField(
        "période du justificatif manquant", null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "manquement"
        ordering = ["-occurred_on", "-pk"]
        indexes = [models.Index(fields=["person", "occurred_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(appointment__isnull=False),
                name="incident_once_per_appointment",
                violation_error_message="Ce rendez-vous manqué a déjà été traité.",
            ),
            models.UniqueConstraint(
                fields=["attendance"],
                condition=Q(attendance__isnull=False),
                name="incident_once_per_attendance",
                violation_error_message="Cette absence à une séance a déjà été traitée.",
            ),
            models.UniqueConstraint(
                fields=["obligation", "missed_period_start"],
                condition=Q(missed_period_start__isnull=False),
                name="incident_once_per_missing_proof",
                violation_error_message="Ce justificatif manquant a déjà été traité.",
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(dismissal_reason=""),
                name="incident_dismissal_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.occurred_on:%d/%m/%Y}"

    @property
    def steps_display(self) -> list[str]:
        labels = dict(self.Step.choices)
        return [labels.get(code, code) for code in self.steps_taken]
