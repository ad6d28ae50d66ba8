from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "probatio.retention"
    label = "retention"
    verbose_name = "Conservation des données"
