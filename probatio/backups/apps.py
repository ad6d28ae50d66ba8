from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "probatio.backups"
    label = "backups"
    verbose_name = "Sauvegardes"
