from django.conf import settings
from django.db import models

from probatio.people.models import Person


class InterviewNote(models.Model):
    """A note written after an interview (or a monitoring note). Read access is decided by
    ``probatio.access.policy.note_access``."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notes_written",
        verbose_name="auteur",
    )
    author_role = models.CharField("fonction de l'auteur", max_length=20)
    interview_date = models.DateField("date de l'entretien")
    subject = models.CharField("objet", max_length=200)
    body = models.TextField("note", max_length=20000)
    confidential = models.BooleanField("confidentielle", default=False)
    restricted_to = models.CharField("réservée à la profession", max_length=20, blank=True)
    created_at = models.DateTimeField("rédigée le", auto_now_add=True)

    class Meta:
        verbose_name = "note d'entretien"
        verbose_name_plural = "notes d'entretien"
        ordering = ["-interview_date", "-id"]
        indexes = [models.Index(fields=["person", "-interview_date"])]

    def __str__(self) -> str:
        return self.subject


class NoteDraft(models.Model):
    """What the author is typing, saved as they type, so that nothing is lost when the
    sign-in expires or the page is left. One draft per author, person and place of writing
    (``place_kind`` and ``place_id``: the person's note form, an appointment's note, the
    refusal reason of a proof, the reason for dismissing a proposed incident, the judge's
    answer to a report, a new structured assessment). A draft is deleted only by the saving of its own place or by an
    explicit discard, never by what is saved elsewhere. Read by its author only."""

    class Place(models.TextChoices):
        NOTE = "note", "Nouvelle note d'entretien"
        APPOINTMENT = "appointment", "Note d'entretien d'un rendez-vous"
        PROOF_REFUSAL = "proof_refusal", "Motif de refus d'un justificatif"
        INCIDENT_DISMISSAL = "incident_dismissal", "Motif pour écarter un manquement proposé"
        JUDGE_ANSWER = "judge_answer", "Réponse du magistrat à un rapport"
        ASSESSMENT = "assessment", "Évaluation structurée"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    place_kind = models.CharField(
        "lieu de rédaction", max_length=30, choices=Place.choices, default=Place.NOTE
    )
    # The place's own identifier: the person's for their note form, the appointment's, the
    # proof's, the report's, or a proposal's key (« rdv-12 », « obl-5-2025-01-01 »).
    place_id = models.CharField("identifiant du lieu", max_length=64)
    interview_date = models.DateField(null=True, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True, max_length=20000)
    reasons = models.TextField("motifs", blank=True, max_length=20000)
    confidential = models.BooleanField(default=False)
    restricted_to = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["author", "person", "place_kind", "place_id"],
                name="note_draft_one_per_place",
                violation_error_message="Un brouillon existe déjà à cet endroit.",
            )
        ]
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return f"Brouillon de {self.author_id} pour {self.person_id} ({self.place_kind})"


# The places whose form has more fields than a draft has columns (the structured assessment:
# one field per item of the grid in use, and the grid changes by version): their draft keeps
# the form's values as a JSON object in ``body`` ({field name: value}), restored as such.
FORM_PLACES = frozenset({NoteDraft.Place.ASSESSMENT})
