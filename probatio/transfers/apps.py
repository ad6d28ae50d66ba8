from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "probatio.transfers"
    label = "transfers"
    verbose_name = "Transferts entre services"

    def ready(self) -> None:
        # The échéancier's provider and the periodic work run by ``run_worker``.
        from probatio.transfers import deadlines, periodic  # noqa: F401
