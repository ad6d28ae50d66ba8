from django.apps import AppConfig


class NationalConfig(AppConfig):
    name = "probatio.national"
    label = "national"
    verbose_name = "Volumétrie nationale"
