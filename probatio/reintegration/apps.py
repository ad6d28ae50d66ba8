from django.apps import AppConfig


class ReintegrationConfig(AppConfig):
    name = "probatio.reintegration"
    label = "reintegration"
    verbose_name = "Insertion et partenaires"

    def ready(self):
        # Both register their échéancier items.
        from probatio.reintegration import deadlines, release  # noqa: F401
