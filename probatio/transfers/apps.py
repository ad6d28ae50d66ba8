from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "probatio.transfers"
    label = "transfers"
    verbose_name = "Transferts entre services"
