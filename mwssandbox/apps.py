from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "mwssandbox"
    label = "sandbox"
    verbose_name = "MWS sandbox"
