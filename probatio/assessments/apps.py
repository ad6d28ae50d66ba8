from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "probatio.assessments"
    label = "assessments"
    verbose_name = "Évaluations et intensité du suivi"
