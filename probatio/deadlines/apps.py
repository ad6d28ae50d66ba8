from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "probatio.deadlines"
    label = "deadlines"
    verbose_name = "Échéancier"
