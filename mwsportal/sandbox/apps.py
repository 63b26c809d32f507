from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "mwsportal.sandbox"
    label = "sandbox"
    verbose_name = "MWS sandbox"
