from django.apps import AppConfig


class TransitionsConfig(AppConfig):
    name = "probatio.transitions"
    label = "transitions"
    verbose_name = "Changements de situation pénale"
