from django.apps import AppConfig


class ReintegrationConfig(AppConfig):
    name = "probatio.reintegration"
    label = "reintegration"
    verbose_name = "Insertion et partenaires"
