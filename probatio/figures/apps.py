from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "probatio.figures"
    label = "figures"
    verbose_name = "Chiffres d'activité"

    def ready(self) -> None:
        # The nightly job storing the figures of closed periods, run by ``run_worker``.
        from probatio.figures import periodic  # noqa: F401
