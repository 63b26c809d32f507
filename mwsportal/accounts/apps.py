from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mwsportal.accounts"
    label = "accounts"
    verbose_name = "Accounts"
