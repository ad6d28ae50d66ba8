from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "probatio.notes"
    label = "notes"
    verbose_name = "Notes d'entretien"
