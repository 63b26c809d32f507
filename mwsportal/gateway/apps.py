from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class GatewayConfig(AppConfig):
    name = "mwsportal.gateway"
    label = "gateway"
    verbose_name = "MWS gateway"

    def ready(self) -> None:
        # Result handlers are registered in the apps' services modules; every process that
        # may finish a call (web, worker, scripts) must know them all by name.
        autodiscover_modules("services")
