from django.apps import AppConfig


class CommunityWorkConfig(AppConfig):
    name = "probatio.community_work"
    label = "community_work"
    verbose_name = "Travail d'intérêt général"

    def ready(self):
        from probatio.community_work import deadlines  # noqa: F401  (échéancier items)
