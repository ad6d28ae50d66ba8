from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "probatio.people"
    label = "people"
    verbose_name = "Personnes suivies"
