from django.apps import AppConfig


class MergesConfig(AppConfig):
    name = "probatio.merges"
    label = "merges"
    verbose_name = "Fusions de dossiers"
