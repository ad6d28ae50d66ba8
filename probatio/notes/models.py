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
    """What the author is typing, saved as they type, so nothing is lost when the sign-in
    expires. One draft per author and person; deleted when the note is saved."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    interview_date = models.DateField(null=True, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True, max_length=20000)
    confidential = models.BooleanField(default=False)
    restricted_to = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "author"],
                name="note_draft_one_per_author",
                violation_error_message="Un brouillon existe déjà.",
            )
        ]

    def __str__(self) -> str:
        return f"Brouillon de {self.author_id} pour {self.person_id}"
