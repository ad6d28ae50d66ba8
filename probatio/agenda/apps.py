from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "probatio.agenda"
    label = "agenda"
    verbose_name = "Agenda et convocations"
