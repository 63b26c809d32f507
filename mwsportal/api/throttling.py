"""Per-key rate limit, counted in the shared cache so every web process sees the same count.

DRF answers 429 with ``Retry-After`` when the limit is reached.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.auth is None:
            return None  # unauthenticated requests are refused before they cost anything
        # The key's row id, never the key itself.
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
