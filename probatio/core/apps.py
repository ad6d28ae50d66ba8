from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "probatio.core"
    label = "core"
    verbose_name = "Socle"
