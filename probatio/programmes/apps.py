from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "probatio.programmes"
    label = "programmes"
    verbose_name = "Programmes et travail de groupe"

    def ready(self) -> None:
        from probatio.programmes import agenda_entries  # noqa: F401  (sessions in the agenda)
