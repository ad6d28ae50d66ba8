from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "probatio.messaging"
    label = "messaging"
    verbose_name = "Rappels et messages"

    def ready(self):
        from probatio.messaging import deadlines  # noqa: F401  (the échéancier's provider)
