from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        # Registers the MWS result handlers in every process (web, worker, beat), so the
        # gateway can deliver outcomes and accept calls that name them.
        from reports import services  # noqa: F401
