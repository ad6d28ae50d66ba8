from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "probatio.compliance"
    label = "compliance"
    verbose_name = "Justificatifs et manquements"

    def ready(self) -> None:
        from probatio.compliance import deadlines  # noqa: F401  (registers its échéancier items)
