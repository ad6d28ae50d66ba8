from django.apps import AppConfig


class CaseloadsConfig(AppConfig):
    name = "probatio.caseloads"
    label = "caseloads"
    verbose_name = "Portefeuilles"
