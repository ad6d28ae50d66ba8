from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "probatio.messaging"
    label = "messaging"
    verbose_name = "Rappels et messages"
