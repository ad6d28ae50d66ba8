from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "probatio.measures"
    label = "measures"
    verbose_name = "Décisions et mesures"
