"""Drafts are kept per author, person and place of writing (no longer one per author and
person). Existing drafts were written in the person's note form: their place is that form."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Cast


def existing_drafts_belong_to_the_note_form(apps, schema_editor):
    NoteDraft = apps.get_model("notes", "NoteDraft")
    NoteDraft.objects.update(
        place_kind="note", place_id=Cast(F("person_id"), output_field=models.CharField())
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notes", "0002_french_constraint_messages"),
        ("people", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="notedraft", name="note_draft_one_per_author"),
        migrations.AddField(
            model_name="notedraft",
            name="place_kind",
            field=models.CharField(
                choices=[
                    ("note", "Nouvelle note d'entretien"),
                    ("appointment", "Note d'entretien d'un rendez-vous"),
                    ("proof_refusal", "Motif de refus d'un justificatif"),
                    ("incident_dismissal", "Motif pour écarter un manquement proposé"),
                    ("judge_answer", "Réponse du magistrat à un rapport"),
                ],
                default="note",
                max_length=30,
                verbose_name="lieu de rédaction",
            ),
        ),
        migrations.AddField(
            model_name="notedraft",
            name="place_id",
            field=models.CharField(
                default="", max_length=64, verbose_name="identifiant du lieu"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="notedraft",
            name="reasons",
            field=models.TextField(blank=True, max_length=20000, verbose_name="motifs"),
        ),
        migrations.RunPython(existing_drafts_belong_to_the_note_form, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="notedraft", options={"ordering": ["-updated_at", "-id"]}
        ),
        migrations.AddConstraint(
            model_name="notedraft",
            constraint=models.UniqueConstraint(
                fields=("author", "person", "place_kind", "place_id"),
                name="note_draft_one_per_place",
                violation_error_message="Un brouillon existe déjà à cet endroit.",
            ),
        ),
    ]
