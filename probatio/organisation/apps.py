from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "probatio.organisation"
    label = "organisation"
    verbose_name = "Organisation"

    def ready(self) -> None:
        # Every service must have its journal chain: ``verify_audit_chain`` asks for them.
        from probatio.audit.services import register_expected_chains
        from probatio.organisation.selectors import service_chains

        register_expected_chains(service_chains)
