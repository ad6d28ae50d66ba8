from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "probatio.demo"
    label = "demo"
    verbose_name = "Service de démonstration"
