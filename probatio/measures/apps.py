from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "probatio.measures"
    label = "measures"
    verbose_name = "Décisions et mesures"

    def ready(self) -> None:
        from probatio.audit.labels import register_codes
        from probatio.measures import (
            deadlines,  # noqa: F401  (registers its échéancier items)
            followed,
        )
        from probatio.measures.catalogue import OBLIGATION_TYPES

        followed.connect()  # ``Person.is_followed`` kept on every change of a measure or committal

        # The access log names an obligation by its label in summaries journaled with its code.
        register_codes({row[0]: row[1] for row in OBLIGATION_TYPES})
