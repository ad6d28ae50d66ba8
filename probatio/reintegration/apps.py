from django.apps import AppConfig


class ReintegrationConfig(AppConfig):
    name = "probatio.reintegration"
    label = "reintegration"
    verbose_name = "Insertion et partenaires"

    def ready(self):
        # Each registers its échéancier items.
        from probatio.reintegration import deadlines, release, support  # noqa: F401
