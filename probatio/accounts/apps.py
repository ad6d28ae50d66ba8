from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "probatio.accounts"
    label = "accounts"
    verbose_name = "Comptes"

    def ready(self):
        from axes.signals import user_locked_out

        from probatio.accounts import signals

        user_locked_out.connect(signals.journal_lockout, dispatch_uid="probatio_lockout")
