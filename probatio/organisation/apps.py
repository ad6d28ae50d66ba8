from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "probatio.organisation"
    label = "organisation"
    verbose_name = "Organisation"
