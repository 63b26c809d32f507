from django.apps import AppConfig


class MWSPortalConfig(AppConfig):
    name = "mwsportal"
    verbose_name = "MWS Portal"
