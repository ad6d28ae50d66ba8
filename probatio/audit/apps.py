from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "probatio.audit"
    label = "audit"
    verbose_name = "Journal d'audit"
