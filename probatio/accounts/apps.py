from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "probatio.accounts"
    label = "accounts"
    verbose_name = "Comptes"
