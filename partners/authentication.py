"""``Authorization: Api-Key <key>``: the partner is ``request.user``, the key ``request.auth``."""

from __future__ import annotations

from typing import Any

from django.views.decorators.debug import sensitive_variables
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from partners import services
from partners.models import ApiKey, Partner

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    @sensitive_variables("key", "header")
    def authenticate(self, request: Request) -> tuple[Partner, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None  # NotAuthenticated (401) once a permission asks for a partner
        scheme, _, key = header.partition(" ")
        if scheme != KEYWORD or not key.strip():
            raise exceptions.AuthenticationFailed(
                f"Send the key as 'Authorization: {KEYWORD} <key>'."
            )
        try:
            api_key = services.authenticate_api_key(key.strip())
        except services.ApiKeyRefused as refusal:
            raise exceptions.AuthenticationFailed(str(refusal)) from None
        return api_key.partner, api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when the key is missing or refused.
        return KEYWORD


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Describes the key header in the OpenAPI schema."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"`{KEYWORD} <key>`",
        }
