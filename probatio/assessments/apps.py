from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "probatio.assessments"
    label = "assessments"
    verbose_name = "Évaluations et intensité du suivi"

    def ready(self) -> None:
        from probatio.assessments import (
            deadlines,  # noqa: F401  (registers the providers)
            loads,
        )

        loads.connect()  # ``FileLoad`` kept on every change of a measure, committal or level
