from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        # Registers the deploy check of PORTAL_URL.
        from notifications import checks  # noqa: F401
