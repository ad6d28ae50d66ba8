from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "probatio.retention"
    label = "retention"
    verbose_name = "Conservation des données"

    def ready(self) -> None:
        # The nightly retention job run by ``run_worker``.
        from probatio.retention import periodic  # noqa: F401
