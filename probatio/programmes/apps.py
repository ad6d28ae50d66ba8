from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "probatio.programmes"
    label = "programmes"
    verbose_name = "Programmes et travail de groupe"

    def ready(self) -> None:
        # Group sessions in the agenda; absences proposed as incidents.
        from probatio.programmes import agenda_entries, incident_sources  # noqa: F401
