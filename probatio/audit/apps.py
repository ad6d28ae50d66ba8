from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "probatio.audit"
    label = "audit"
    verbose_name = "Journal d'audit"

    def ready(self) -> None:
        # The nightly job creating the journal's partitions ahead, run by ``run_worker``.
        from probatio.audit import periodic  # noqa: F401
