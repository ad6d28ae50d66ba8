from django.apps import AppConfig


class SentencesConfig(AppConfig):
    name = "probatio.sentences"
    label = "sentences"
    verbose_name = "Dates de peine"

    def ready(self) -> None:
        from probatio.sentences import deadlines  # noqa: F401  (registers its échéancier items)
