from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "probatio.accounts"
    label = "accounts"
    verbose_name = "Comptes"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from probatio.accounts import second_factor, signals

        user_locked_out.connect(signals.journal_lockout, dispatch_uid="probatio_lockout")
        user_logged_in.connect(second_factor.on_login, dispatch_uid="probatio_second_factor")
