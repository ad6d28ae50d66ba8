from django.apps import AppConfig


class SentencesConfig(AppConfig):
    name = "probatio.sentences"
    label = "sentences"
    verbose_name = "Dates de peine"
