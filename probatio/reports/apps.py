from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "probatio.reports"
    label = "reports"
    verbose_name = "Rapports au magistrat"

    def ready(self) -> None:
        from probatio.reports import deadlines  # noqa: F401  (registers its échéancier items)
