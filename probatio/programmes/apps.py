from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "probatio.programmes"
    label = "programmes"
    verbose_name = "Programmes et travail de groupe"
