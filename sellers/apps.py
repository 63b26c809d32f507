from django.apps import AppConfig


class SellersConfig(AppConfig):
    name = "sellers"

    def ready(self) -> None:
        # The gateway reports what MWS's answers say about a seller's authorization; what
        # follows for the seller is decided here (see sellers.services).
        from mwsportal.gateway import signals
        from sellers import services

        signals.token_accepted.connect(services.on_token_accepted, dispatch_uid="sellers.token")
        signals.authorization_refused.connect(
            services.on_authorization_refused, dispatch_uid="sellers.reauthorization"
        )
