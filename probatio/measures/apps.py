from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "probatio.measures"
    label = "measures"
    verbose_name = "Décisions et mesures"

    def ready(self) -> None:
        from probatio.measures import deadlines  # noqa: F401  (registers its échéancier items)
