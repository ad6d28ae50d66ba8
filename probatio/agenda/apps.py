from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "probatio.agenda"
    label = "agenda"
    verbose_name = "Agenda et convocations"

    def ready(self) -> None:
        from probatio.agenda import deadlines  # noqa: F401  (registers its échéancier items)
