from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "probatio.deadlines"
    label = "deadlines"
    verbose_name = "Échéancier"

    def ready(self) -> None:
        # The stored items marked stale when what they are computed from changes, and rebuilt
        # each night by the worker (docs/deadlines.md, « Stored items »).
        from probatio.deadlines import periodic, signals

        signals.connect()
        assert periodic  # registered on import
