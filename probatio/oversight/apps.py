from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "probatio.oversight"
    label = "oversight"
    verbose_name = "Contrôle des accès"
